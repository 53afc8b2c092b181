package hocon

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var fuzzEnv = mapEnv(map[string]string{"X": "x", "EMPTY": "", "PORT": "3128", "SPACE": "a b"})

func addSeeds(f *testing.F) {
	for _, tc := range validCases {
		f.Add([]byte(tc.src))
	}
	for _, tc := range errorCases {
		f.Add([]byte(tc.src))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.conf"))
	more, _ := filepath.Glob(filepath.Join("testdata", "invalid", "*.conf"))
	for _, name := range append(files, more...) {
		src, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
}

// FuzzParse checks that no input panics or takes long, that errors point inside
// the input, that every leaf can be looked up and converted without panic, and
// that a parsed tree written back in canonical form parses to the same tree.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		start := time.Now()
		root, err := Parse("fuzz.conf", src, fuzzEnv)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Parse took %v for %d bytes", d, len(src))
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v, want *Error", err, err)
			}
			if len(src) > MaxSize {
				return
			}
			nlines := bytes.Count(src, []byte("\n")) + 1
			if e.Pos.File != "fuzz.conf" || e.Pos.Line < 1 || e.Pos.Line > nlines || e.Pos.Col < 1 {
				t.Fatalf("error position %v outside the input of %d lines: %v", e.Pos, nlines, err)
			}
			return
		}
		for _, l := range root.Leaves() {
			v, err := root.Lookup(l.Keys...)
			if err != nil || v != l.Value {
				t.Fatalf("Lookup(%q) = %v, %v; want the leaf %v", l.Keys, v, err, l.Value)
			}
			_ = l.Path()
			_, _ = v.AsString()
			_, _ = v.AsInt()
			_, _ = v.AsFloat()
			_, _ = v.AsBool()
			_, _ = v.AsDuration()
			_, _ = v.AsStrings()
			_ = v.String()
		}
		var b strings.Builder
		render(&b, &Value{kind: KindObject, obj: root})
		if b.Len() > MaxSize {
			return
		}
		again, err := Parse("render.conf", []byte(b.String()), nil)
		if err != nil {
			t.Fatalf("canonical form does not parse: %v\ninput: %q\ncanonical: %q", err, src, b.String())
		}
		if got, want := dump(again, false), dump(root, false); got != want {
			t.Fatalf("canonical form parses to a different tree\n got:\n%s\nwant:\n%s", got, want)
		}
	})
}

// FuzzQuotedRoundTrip checks that any valid UTF-8 text written as a JSON-escaped
// quoted string reads back unchanged, as a value and as a key.
func FuzzQuotedRoundTrip(f *testing.F) {
	for _, s := range []string{"", "plain", `CORP\svc`, "tab\there", "é😀", "\x00\x1f\u2028", `"quoted"`, "a.b", "${X}", "# not a comment", "//x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip()
		}
		q := jsonQuote(s)
		root, err := Parse("q.conf", []byte("\"value\" = "+q+"\n"+q+" = 1"), nil)
		if err != nil {
			t.Fatalf("Parse of %s: %v", q, err)
		}
		if s != "value" { // else the second field replaced the first
			v, _, _ := root.Field("value")
			if v == nil || v.Kind() != KindString || v.Text() != s {
				t.Fatalf("value %s read as %v", q, v)
			}
		}
		if v, _, ok := root.Field(s); !ok || v.Text() != "1" {
			t.Fatalf("key %s not found", q)
		}
	})
}

// FuzzUnquotedRoundTrip checks that text HOCON allows unquoted reads back unchanged.
func FuzzUnquotedRoundTrip(f *testing.F) {
	for _, s := range []string{"https", "proxy.corp.local", "/etc/x.p12", "a b", "10.0.0.1", "-foo"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.Contains(s, "//") {
			t.Skip()
		}
		trimmed := strings.TrimFunc(s, isSpace)
		if trimmed == "" {
			t.Skip()
		}
		for _, r := range s {
			if forbidden(r) || r == '\n' || r == '\r' || r < 0x20 && r != '\t' || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
				t.Skip()
			}
		}
		root, err := Parse("u.conf", []byte("k = "+s), nil)
		if err != nil {
			t.Fatalf("Parse of unquoted %q: %v", s, err)
		}
		got, ok, err := root.GetString("k")
		if trimmed == "null" {
			if ok || err != nil {
				t.Fatalf("null read as %q, %v, %v", got, ok, err)
			}
			return
		}
		if err != nil || !ok || got != trimmed {
			t.Fatalf("unquoted %q read as %q, %v, %v; want %q", s, got, ok, err, trimmed)
		}
	})
}

func BenchmarkParseExample(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("testdata", "example.conf"))
	if err != nil {
		b.Fatal(err)
	}
	env := mapEnv(exampleEnv)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Parse("example.conf", src, env); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseLarge parses a file of MaxSize bytes made of many small fields.
func BenchmarkParseLarge(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; buf.Len() < MaxSize-100; i++ {
		fmt.Fprintf(&buf, "section%d { key = \"value %d\", port = %d, host = host%d.example.com }\n", i%100, i, i, i)
	}
	src := buf.Bytes()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Parse("large.conf", src, nil); err != nil {
			b.Fatal(err)
		}
	}
}
