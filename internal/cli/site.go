package cli

import (
	"flag"
	"io"

	"github.com/qrskit/qrs"
)

// Site holds the flags that name a site: the connection flags (-url and
// those that go with it), -conf, or neither for the built-in demo site.
type Site struct {
	Conn  *Conn
	Files *FileFlags
}

// AddSiteFlags adds the flags of a site to fs, with the connection flags
// of features.
func AddSiteFlags(fs *flag.FlagSet, features Feature) *Site {
	conn := AddConnFlags(fs, features)
	return &Site{Conn: conn, Files: AddFileFlags(fs, conn, false)}
}

// Open returns a Client for the site the flags name, after the flags are
// parsed, with the options of the run (a logger on stderr, -timeout), and
// the function that releases what it holds (the demo site's server).
func (s *Site) Open(stderr io.Writer) (*qrs.Client, func(), error) {
	src, err := s.Files.SiteSource(stderr)
	if err != nil {
		return nil, nil, err
	}
	return src.Open(s.Conn.Options(stderr)...)
}
