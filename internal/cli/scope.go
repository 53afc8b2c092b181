package cli

import (
	"flag"
	"fmt"
	"strconv"

	"github.com/qrskit/qrs"
)

// ScopeFlags holds the flags that select the part of a site a catalog
// covers (qrs.Scope): -stream, -app and -tag with their -exclude-
// forms, each given as often as needed, and -published-only.
type ScopeFlags struct {
	scope qrs.Scope
	set   bool
}

// AddScopeFlags defines the scope flags on fs.
func AddScopeFlags(fs *flag.FlagSet) *ScopeFlags {
	s := &ScopeFlags{}
	list := func(name, usage string, to *[]string) {
		fs.Func(name, usage, func(v string) error {
			*to = append(*to, v)
			s.set = true
			return nil
		})
	}
	list("stream", "include the apps of this stream (`name or id`; repeat the flag for more), and list only such streams", &s.scope.Streams.Include)
	list("exclude-stream", "leave out the apps of this stream (`name or id`; repeatable), and the stream", &s.scope.Streams.Exclude)
	list("app", "include this app (`name or id`; repeatable)", &s.scope.Apps.Include)
	list("exclude-app", "leave out this app (`name or id`; repeatable)", &s.scope.Apps.Exclude)
	list("tag", "include the apps with this tag (`name`; repeatable)", &s.scope.Tags.Include)
	list("exclude-tag", "leave out the apps with this tag (`name`; repeatable)", &s.scope.Tags.Exclude)
	fs.BoolFunc("published-only", "leave out the apps not published to a stream", func(v string) error {
		on, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		s.scope.PublishedOnly, s.set = on, true
		return nil
	})
	return s
}

// Scope returns the scope the flags select, with filter (QRS filter text
// over apps) as its AppFilter.
func (s *ScopeFlags) Scope(filter string) qrs.Scope {
	sc := s.scope
	sc.AppFilter = filter
	return sc
}

// Given reports whether a scope flag is on the command line.
func (s *ScopeFlags) Given() bool { return s.set }

// ScopeOf returns the scope a Source's connection file selects (its
// filter block); the zero Scope for the demo site and the connection
// flags.
func ScopeOf(src Source) qrs.Scope {
	if c, ok := src.(*connSource); ok {
		return c.conn.Scope
	}
	return qrs.Scope{}
}
