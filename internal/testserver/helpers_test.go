package testserver

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const testKey = "abcdefghij012345"

// start starts a server for one test.
func start(t testing.TB, cfg Config) *Server {
	t.Helper()
	s, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// client returns a plain net/http client that trusts the server's CA and
// never follows redirects.
func client(s *Server, certs ...tls.Certificate) *http.Client {
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: s.CACertPool(), Certificates: certs},
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

type reply struct {
	status int
	header http.Header
	body   string
	err    error // reading the body
}

// call sends GET (or method) to the server's base URL + path with the
// xrfkey in query and header, plus the given headers ("Name: value").
func call(t testing.TB, c *http.Client, method, rawURL string, headers ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Add(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b), err: err}
}

// qrsURL builds base + path + ?xrfkey=testKey (+ more query).
func qrsURL(s *Server, path string, query ...string) string {
	q := url.Values{}
	q.Set("xrfkey", testKey)
	for i := 0; i+1 < len(query); i += 2 {
		q.Set(query[i], query[i+1])
	}
	return s.URL() + path + "?" + q.Encode()
}

const xrfHeader = "X-Qlik-Xrfkey: " + testKey

// rawRequest writes a request head byte for byte (so that a raw '#' or
// '&' reaches the server) and reads the answer.
func rawRequest(t testing.TB, s *Server, target string, headers ...string) reply {
	t.Helper()
	u, _ := url.Parse(s.URL())
	var conn net.Conn
	var err error
	if u.Scheme == "https" {
		conn, err = tls.Dial("tcp", u.Host, &tls.Config{RootCAs: s.CACertPool()})
	} else {
		conn, err = net.Dial("tcp", u.Host)
	}
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	var b strings.Builder
	b.WriteString("GET " + target + " HTTP/1.1\r\nHost: " + u.Host + "\r\nConnection: close\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatalf("write: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: string(body), err: err}
}

// logged waits until the server has finished request i and returns its
// log entry.
func logged(t testing.TB, s *Server, i int) Request {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		reqs := s.Requests()
		if i < len(reqs) && reqs[i].Done {
			return reqs[i]
		}
		if time.Now().After(deadline) {
			t.Fatalf("request %d not finished after 5s (%d logged)", i, len(reqs))
		}
		time.Sleep(5 * time.Millisecond)
	}
}
