package cli

import (
	"flag"
	"fmt"
	"io"

	"github.com/qrskit/qrs"
)

// FileFlags holds the flags that take the connection from connection files
// (see connection.conf.template) instead of the connection flags: -conf,
// and -connections for a program that reads a folder of them.
type FileFlags struct {
	// Conf is the connection file of -conf.
	Conf string
	// Dir is the folder of -connections.
	Dir string

	conn *Conn
}

// siteFlags are the connection flags that a connection file replaces.
var siteFlags = append([]string{"url", "code"}, realOnly...)

// AddFileFlags defines -conf on fs, and -connections when dir is true. conn
// holds the connection flags of fs, which Check keeps from being mixed with
// a file.
func AddFileFlags(fs *flag.FlagSet, conn *Conn, dir bool) *FileFlags {
	f := &FileFlags{conn: conn}
	fs.StringVar(&f.Conf, "conf", "", "read the site's connection `file` (a .conf file, see connection.conf.template),\nin place of -url and the flags that go with it")
	if dir {
		fs.StringVar(&f.Dir, "connections", "", "read the site of every *.conf connection file of this `folder`, one after the other")
	}
	return f
}

// Given reports whether a connection file flag is on the command line: the
// connection then comes from files, and Check must pass before they are read.
func (f *FileFlags) Given() bool {
	set := f.conn.given()
	return set["conf"] || set["connections"]
}

// Check checks the connection file flags against each other and against
// the connection flags: a file says everything about its site (address,
// user, truststore, proxy, code), so the flags that say it too are refused,
// while -timeout, -partitions and -v still apply. The errors are
// *UsageError.
func (f *FileFlags) Check() error {
	set := f.conn.given()
	if set["conf"] && set["connections"] {
		return Usagef("-conf and -connections cannot be used together")
	}
	name := "conf"
	if set["connections"] {
		name = "connections"
	}
	if f.Conf == "" && f.Dir == "" {
		return Usagef("-%s must not be empty", name)
	}
	for _, s := range siteFlags {
		if set[s] {
			return Usagef("-%s cannot be used with -%s: the connection file says it", s, name)
		}
	}
	return f.conn.checkRun()
}

// Source reads the connection file of -conf and returns its Source. A
// disabled connection is read all the same, since the command line names
// it, with a notice on stderr. The errors are those of qrs.LoadConnection,
// which name the file, line and column: a file of another connector is an
// error matching qrs.ErrOtherConnector.
func (f *FileFlags) Source(stderr io.Writer) (Source, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	c, err := qrs.LoadConnection(f.Conf)
	if err != nil {
		return nil, err
	}
	if !c.Enabled {
		fmt.Fprintf(stderr, "%s: %s: the connection %q is disabled (enabled = false); reading it all the same, as -conf names it\n", f.conn.prog, c.Path, c.Code)
	}
	return ConnectionSource(c), nil
}

// SiteSource returns the Source of -conf when it is given, else that of the
// connection flags (Conn.Source).
func (f *FileFlags) SiteSource(stderr io.Writer) (Source, error) {
	if f.Given() {
		return f.Source(stderr)
	}
	return f.conn.Source(stderr)
}

// ConnectionSource returns the Source of a connection read from a file.
// Its Open makes the Client with c.NewClient, which reads the truststore
// then; its code is the connection's.
func ConnectionSource(c *qrs.Connection) Source { return &connSource{conn: c} }

// connSource is a site named by a connection file.
type connSource struct{ conn *qrs.Connection }

func (s *connSource) String() string {
	if s.conn.Path == "" {
		return fmt.Sprintf("the connection %q", s.conn.Code)
	}
	return fmt.Sprintf("the connection %q of %s", s.conn.Code, s.conn.Path)
}

func (s *connSource) Open(opts ...qrs.Option) (*qrs.Client, func(), error) {
	client, err := s.conn.NewClient(opts...)
	if err != nil {
		return nil, nil, err
	}
	return client, func() {}, nil
}
