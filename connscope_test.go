package qrs_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/hocon"
)

func TestParseConnectionScope(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		want      qrs.Scope
	}{
		{"none", "", qrs.Scope{}},
		{"empty lists", "filter { streams.include = [], tags.exclude = [] }\n", qrs.Scope{}},
		{"dotted keys", `filter.streams.include = ["Finance", "Sales & Marketing"]
filter.streams.exclude = ["7e2406b7-2c2d-4b23-9a60-55724a1f6af7"]
filter.apps.exclude = ["Draft – Pricing Study"]
filter.tags.include = [Certified, 2024]
filter.published_only = yes
`, qrs.Scope{
			Streams:       qrs.Selection{Include: []string{"Finance", "Sales & Marketing"}, Exclude: []string{"7e2406b7-2c2d-4b23-9a60-55724a1f6af7"}},
			Apps:          qrs.Selection{Exclude: []string{"Draft – Pricing Study"}},
			Tags:          qrs.Selection{Include: []string{"Certified", "2024"}},
			PublishedOnly: true,
		}},
		{"blocks, lists over lines, include quoted", `filter {
  apps {
    "include" = [
      "Customer 360"
      "Supply Chain Monitor",
    ]
  }
  tags: { exclude: ["Pilot"] }
}
`, qrs.Scope{Apps: qrs.Selection{Include: []string{"Customer 360", "Supply Chain Monitor"}}, Tags: qrs.Selection{Exclude: []string{"Pilot"}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := qrs.ParseConnection("scope.conf", []byte(connBase+tt.src), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(normScope(c.Scope), normScope(tt.want)) {
				t.Errorf("scope %+v, want %+v", c.Scope, tt.want)
			}
		})
	}
}

// normScope makes empty lists nil, for comparing.
func normScope(s qrs.Scope) qrs.Scope {
	for _, l := range []*[]string{&s.Streams.Include, &s.Streams.Exclude, &s.Apps.Include, &s.Apps.Exclude, &s.Tags.Include, &s.Tags.Exclude} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	return s
}

func TestParseConnectionScopeErrors(t *testing.T) {
	long := strings.Repeat("n", 1025)
	for _, tt := range []struct{ name, src, want string }{
		{"a name, not a list", "filter.streams.include = \"Finance\"\n",
			`scope.conf:6:26: filter.streams."include": expected an array of names, such as ["Finance", "Sales"], found a string`},
		{"an empty name", "filter.apps.exclude = [\"a\", \"  \"]\n",
			`scope.conf:6:29: filter.apps.exclude[1]: is empty: give a name or an id`},
		{"an object in the list", "filter {\n  tags.include = [{ name = x }]\n}\n",
			`scope.conf:7:19: filter.tags."include"[0]: expected a string, found an object`},
		{"a name too long", "filter.tags.exclude = [\"" + long + "\"]\n",
			`scope.conf:6:24: filter.tags.exclude[0]: is longer than 1024 bytes`},
		{"published_only not a boolean", "filter.published_only = sometimes\n",
			`scope.conf:6:25: filter.published_only: expected true or false (or yes/no, on/off), found a string that is none of these`},
		{"a misspelt key", "filter.stream.include = [\"x\"]\n",
			`scope.conf:6:1: unknown key filter.stream."include" (did you mean filter.streams.include?)`},
		{"include bare in a block", "filter {\n  streams {\n    include = [\"x\"]\n  }\n}\n",
			`scope.conf:8:5: include is not supported (quote "include" for a key of that name)`},
		{"a block set to a value", "filter.apps = [\"x\"]\n",
			`scope.conf:6:15: filter.apps: expected an object (to look up filter.apps."include"), found an array`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := qrs.ParseConnection("scope.conf", []byte(connBase+tt.src), nil)
			if err == nil || err.Error() != "qrs: "+tt.want {
				t.Fatalf("error\n got %v\nwant qrs: %s", err, tt.want)
			}
			var he *hocon.Error
			if !errors.As(err, &he) || he.Pos.Line < 1 {
				t.Errorf("no position in %v", err)
			}
		})
	}
}
