package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/cli/clitest"
	"github.com/qrskit/qrs/internal/testserver"
)

func TestDemoJSONLines(t *testing.T) {
	for _, p := range clitest.ByID(t, run, clitest.Demo(t, testserver.AppFile)) {
		it, a := p[0], p[1]
		id := clitest.Str(a, "id")
		if got, want := it["name"], clitest.Str(a, "name"); got != want {
			t.Errorf("%s: name %q, want %q", id, got, want)
		}
		if got, want := it["stream"], clitest.Str(a, "stream.name"); got != want {
			t.Errorf("%s: stream %q, want %q", id, got, want)
		}
		if got, want := it["owner"], clitest.Str(a, "owner.userDirectory")+`\`+clitest.Str(a, "owner.userId"); got != want {
			t.Errorf("%s: owner %q, want %q", id, got, want)
		}
		if got, want := it["file_size"], a["fileSize"]; got != want {
			t.Errorf("%s: file_size %v, want %v", id, got, want)
		}
		times := map[string]string{
			"modified":    clitest.Str(a, "modifiedDate"),
			"last_reload": clitest.Str(a, "lastReloadTime"),
		}
		if a["published"] == true {
			times["published"] = clitest.Str(a, "publishTime")
		}
		for _, f := range []string{"published", "modified", "last_reload"} {
			v, present := it[f]
			if wantPresent := !clitest.IsNever(times[f]); present != wantPresent {
				t.Errorf("%s: %s present %v (%v), want %v (QRS %q)", id, f, present, v, wantPresent, times[f])
			}
		}
	}
}

func TestTable(t *testing.T) {
	stdout, _ := clitest.MustRun(t, run, "-table")
	clitest.TableLines(t, stdout, []string{"ID", "NAME", "STREAM", "OWNER", "PUBLISHED", "MODIFIED", "SIZE", "LAST_RELOAD"},
		len(clitest.Demo(t, testserver.AppFile)))
}

func TestFilterOrderBy(t *testing.T) {
	const stream = "Everyone"
	var want []string
	for _, a := range clitest.Demo(t, testserver.AppFile) {
		if clitest.Str(a, "stream.name") == stream {
			want = append(want, clitest.Str(a, "name"))
		}
	}
	if len(want) < 2 {
		t.Fatalf("the demo has %d apps in %s; the test needs two", len(want), stream)
	}
	slices.Sort(want)
	slices.Reverse(want)
	stdout, _ := clitest.MustRun(t, run, "-filter", "stream.name eq "+qrs.Quote(stream), "-orderby", "name desc")
	var got []string
	for _, it := range clitest.JSONLines(t, stdout) {
		got = append(got, it["name"].(string))
	}
	if !slices.Equal(got, want) {
		t.Errorf("apps %q, want %q", got, want)
	}
}

func TestBadFilter(t *testing.T) {
	stdout, _, err := clitest.Run(t, run, "-filter", "name is 'x'")
	if !qrs.IsErrorStatus(err, 400) {
		t.Errorf("error = %v, want a 400 from the server", err)
	}
	if stdout != "" {
		t.Errorf("wrote %q", stdout)
	}
}

func TestWrongUser(t *testing.T) { clitest.CheckWrongUser(t, "listapps", run) }

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-nope"},
		{"extra"},
		{"-code", "x"}, // only inventory makes keys
		{"-partitions", "2"},
		{"-proxy", "http://127.0.0.1:3128"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			clitest.CheckUsage(t, "listapps", run, args...)
		})
	}
}
