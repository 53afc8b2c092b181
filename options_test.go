package qrs

import (
	"crypto/tls"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestNewClientBaseURL(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"https://qlik.example.com", "https://qlik.example.com"},
		{"https://qlik.example.com/", "https://qlik.example.com"},
		{"https://qlik.example.com/hdr", "https://qlik.example.com/hdr"},
		{"https://qlik.example.com/hdr/", "https://qlik.example.com/hdr"},
		{"https://qlik.example.com//hdr//", "https://qlik.example.com/hdr"},
		{" https://qlik.example.com:4242 ", "https://qlik.example.com:4242"},
		{"http://127.0.0.1:8080/a/b", "http://127.0.0.1:8080/a/b"},
	}
	for _, tt := range tests {
		c, err := NewClient(tt.in)
		if err != nil {
			t.Errorf("NewClient(%q): %v", tt.in, err)
			continue
		}
		if got := c.BaseURL(); got != tt.want {
			t.Errorf("NewClient(%q).BaseURL() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNewClientRejects(t *testing.T) {
	tests := []struct {
		name string
		url  string
		opts []Option
		want string
	}{
		{"no scheme", "qlik.example.com/hdr", nil, "must start with https://"},
		{"ftp", "ftp://qlik.example.com", nil, "must start with https://"},
		{"no host", "https:///hdr", nil, "has no host"},
		{"query", "https://q.example.com/hdr?x=1", nil, "must not have a query"},
		{"credentials", "https://u:topsecret@q.example.com", nil, "has credentials"},
		{"credentials and scheme", "ftp://u:topsecret@q.example.com", nil, "has credentials"},
		{"credentials unparsable", "https://u:top%zzsecret@q.example.com", nil, "cannot be parsed"},
		{"ends in qrs", "https://q.example.com/hdr/qrs/", nil, "ends in /qrs"},
		{"bad port", "https://q.example.com:99999", nil, "port"},
		{"header name", "https://q", []Option{WithHeaderAuth("hdr usr", `D\u`)}, "not a valid header name"},
		{"empty header name", "https://q", []Option{WithHeaderAuth("", `D\u`)}, "not a valid header name"},
		{"empty value", "https://q", []Option{WithHeaderAuth("hdr-usr", "")}, "is empty"},
		{"CR", "https://q", []Option{WithHeaderAuth("hdr-usr", "D\\u\r\nX-Evil: 1")}, "US-ASCII only"},
		{"LF", "https://q", []Option{WithHeaderAuth("hdr-usr", "D\\u\n")}, "US-ASCII only"},
		{"non-ASCII", "https://q", []Option{WithHeaderAuth("hdr-usr", `CORP\jürgen`)}, "US-ASCII only"},
		{"user", "https://q", []Option{WithUser("", "sa_repository")}, "must both be set"},
		{"cert", "https://q", []Option{WithClientCertificate(tls.Certificate{})}, "certificate and key must be provided together"},
		{"proxy scheme", "https://q", []Option{WithProxy("ftp://proxy:21")}, "not supported"},
		{"proxy host", "https://q", []Option{WithProxy("http://:3128")}, "has no host"},
		{"proxy port", "https://q", []Option{WithProxy("http://u:topsecret@proxy:0")}, "from 1 to 65535"},
		{"proxy path", "https://q", []Option{WithProxy("http://u:topsecret@proxy:3128/x")}, "must not have a path"},
		{"proxy parse", "https://q", []Option{WithProxy("http://u:top%zzsecret@proxy:3128")}, "cannot be parsed"},
		{"code", "https://q", []Option{WithConnectionCode(" prod")}, "leading or trailing spaces"},
		{"code control", "https://q", []Option{WithConnectionCode("pr\nod")}, "control character"},
		{"timeout", "https://q", []Option{WithTimeout(-time.Second)}, "negative"},
		{"idle", "https://q", []Option{WithIdleTimeout(0)}, "positive"},
		{"retries", "https://q", []Option{WithRetries(-1)}, "out of range"},
		{"backoff", "https://q", []Option{WithRetryBackoff(time.Second, time.Millisecond)}, "first <= max"},
		{"item size", "https://q", []Option{WithMaxItemSize(10)}, "too small"},
		{"logger", "https://q", []Option{WithLogger(nil)}, "nil"},
		{"pool", "https://q", []Option{WithRootCAs(nil)}, "nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.url, tt.opts...)
			if err == nil {
				t.Fatalf("NewClient = %v, want an error containing %q", c, tt.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error = %q, want it to contain %q", msg, tt.want)
			}
			if !strings.HasPrefix(msg, "qrs: ") {
				t.Errorf("error = %q, want the prefix \"qrs: \"", msg)
			}
			if strings.Contains(msg, "topsecret") {
				t.Errorf("error %q shows the proxy password", msg)
			}
		})
	}
}

func TestClientPrintsNoSecret(t *testing.T) {
	c, err := NewClient("https://q.example.com/hdr",
		WithHeaderAuth("hdr-usr", `CORP\secretuser`),
		WithProxy("http://proxyuser:proxypass@proxy.example.com:3128"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %#v %s %q %x", c, c, c, c.cfg, any(c.cfg), any(c.cfg), any(c.cfg))} {
		for _, secret := range []string{"secretuser", "proxypass"} {
			if strings.Contains(s, secret) {
				t.Errorf("printed client %q contains %q", s, secret)
			}
		}
	}
}
