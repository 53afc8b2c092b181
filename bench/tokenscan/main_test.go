package main

import (
	"strings"
	"testing"
)

func TestScan(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int64
		wantErr bool
	}{
		{name: "empty array", in: "[]", want: 0},
		{name: "objects", in: `[{}, {"a": {"b": 1}}, {"c": [1, 2]}]`, want: 3},
		{name: "nested objects not counted", in: `[{"x": [{}, {}], "y": {"z": {}}}]`, want: 1},
		{name: "top-level object", in: `{"a": 1}`, want: 0},
		{name: "truncated", in: `[{"a": 1}, {"b"`, wantErr: true},
		{name: "invalid", in: `[{"a": tru}]`, wantErr: true},
		{name: "empty body", in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scan(strings.NewReader(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("scan(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Errorf("scan(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestCountingReader(t *testing.T) {
	c := &countingReader{r: strings.NewReader(`[{"a": 1}]`)}
	if _, err := scan(c); err != nil {
		t.Fatal(err)
	}
	if got, want := c.n, int64(len(`[{"a": 1}]`)); got != want {
		t.Errorf("counted %d bytes, want %d", got, want)
	}
}
