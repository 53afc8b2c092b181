package qrs

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestKeyString(t *testing.T) {
	tests := []struct {
		key  Key
		want string
	}{
		{Key{"qlik-prod", "9f4b6a1e-0c1d-4c55-9a8e-6b0f3f1f7a21", "XuWLHFK"}, "qlik-prod/9f4b6a1e-0c1d-4c55-9a8e-6b0f3f1f7a21/XuWLHFK"},
		{Key{"a/b", "c%d", "e/%2F"}, "a%2Fb/c%25d/e%2F%252F"},
		{Key{"prod", "app", "sheet é 中"}, "prod/app/sheet é 中"},
	}
	for _, tt := range tests {
		if got := tt.key.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.key, got, tt.want)
		}
		back, err := ParseKey(tt.want)
		if err != nil {
			t.Errorf("ParseKey(%q): %v", tt.want, err)
			continue
		}
		if back != tt.key {
			t.Errorf("ParseKey(%q) = %#v, want %#v", tt.want, back, tt.key)
		}
	}
}

func TestParseKeyErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", "has 1 segments"},
		{"a/b", "has 2 segments"},
		{"a/b/c/d", "has 4 segments"},
		{"a//c", "segment 2 is empty"},
		{"/b/c", "segment 1 is empty"},
		{"a/b/", "segment 3 is empty"},
		{"a/b%/c", "segment 2: '%' must be followed"},
		{"a/b/c%2", "segment 3: '%' must be followed"},
		{"a/b/c%2f", "segment 3: '%' must be followed"},
		{"a/b/c%41", "segment 3: '%' must be followed"},
	}
	for _, tt := range tests {
		_, err := ParseKey(tt.in)
		if err == nil {
			t.Errorf("ParseKey(%q) = nil error, want one containing %q", tt.in, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "qrs: ") {
			t.Errorf("ParseKey(%q) error = %q, want it to contain %q", tt.in, err, tt.want)
		}
	}
}

func TestKeyText(t *testing.T) {
	k := Key{"c", "a/1", "s%"}
	b, err := k.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var back Key
	if err := back.UnmarshalText(b); err != nil {
		t.Fatal(err)
	}
	if back != k {
		t.Errorf("text round trip = %#v, want %#v", back, k)
	}
	if _, err := (Key{Code: "c", AppID: "a"}).MarshalText(); err == nil {
		t.Error("MarshalText of a key with an empty segment: no error")
	}
}

func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"a", "b/c", "%", "%25", "%2F", "x/y/z", "é/中/🙂", "a%2Fb"} {
		f.Add(s, "9f4b6a1e-0c1d-4c55-9a8e-6b0f3f1f7a21", s)
	}
	f.Fuzz(func(t *testing.T, code, app, sheet string) {
		k := Key{code, app, sheet}
		s := k.String()
		back, err := ParseKey(s)
		if code == "" || app == "" || sheet == "" {
			if err == nil {
				t.Fatalf("ParseKey(%q) accepted a key with an empty segment", s)
			}
			return
		}
		if err != nil {
			t.Fatalf("ParseKey(%q) of %#v: %v", s, k, err)
		}
		if back != k {
			t.Fatalf("ParseKey(%q) = %#v, want %#v", s, back, k)
		}
		if utf8.ValidString(code) && utf8.ValidString(app) && utf8.ValidString(sheet) && !utf8.ValidString(s) {
			t.Fatalf("String of valid UTF-8 segments is not valid UTF-8: %q", s)
		}
		// Whatever ParseKey accepts, String writes back the same way.
		if k2, err := ParseKey(code); err == nil && k2.String() != code {
			t.Fatalf("ParseKey(%q).String() = %q", code, k2.String())
		}
	})
}
