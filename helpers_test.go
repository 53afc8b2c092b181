package qrs_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// The site of most tests: header authentication through the virtual proxy
// "hdr".
const (
	authHeader = "hdr-usr"
	authUser   = `QTSEL\kate.bell`
)

// launchSite is the one way the tests start a site: a test server for cfg,
// whose zero fields default to the virtual proxy "hdr" with header
// authentication (unless cfg is in client certificate mode) and the
// fixtures of testdata/qrs, and a Client for it that trusts the server's
// certificate (its own CA's, or testdata/pki's CA when cfg.Certificate is
// set), ignores the environment's proxy, retries quickly and, but in client
// certificate mode, authenticates; opts come last and win. startSite wraps
// it for tests and benchmarks, exampleSite for examples.
func launchSite(cfg testserver.Config, opts ...qrs.Option) (*testserver.Server, *qrs.Client, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = "hdr"
	}
	if cfg.Header == "" && !cfg.ClientCert && cfg.JWT == nil && cfg.Windows == nil {
		cfg.Header = authHeader
	}
	if cfg.Site == nil {
		site, err := testserver.LoadSite("testdata/qrs")
		if err != nil {
			return nil, nil, err
		}
		cfg.Site = site
	}
	srv, err := testserver.Start(cfg)
	if err != nil {
		return nil, nil, err
	}
	roots := srv.CACertPool()
	if cfg.Certificate != nil {
		if roots, err = qrs.LoadTrustStore("testdata/pki/ca.pem", "", qrs.StoreAuto); err != nil {
			srv.Close()
			return nil, nil, err
		}
	}
	base := []qrs.Option{
		qrs.WithRootCAs(roots),
		qrs.WithConnectionCode("test"),
		qrs.WithRetryBackoff(time.Millisecond, 20*time.Millisecond),
		qrs.WithProxy(""), // whatever the environment says
	}
	if cfg.Header != "" {
		base = append(base, qrs.WithHeaderAuth(cfg.Header, authUser))
	}
	c, err := qrs.NewClient(srv.URL(), append(base, opts...)...)
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	return srv, c, nil
}

// startSite starts a site with launchSite; the server is closed when the
// test ends.
func startSite(tb testing.TB, cfg testserver.Config, opts ...qrs.Option) (*testserver.Server, *qrs.Client) {
	tb.Helper()
	srv, c, err := launchSite(cfg, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(srv.Close)
	return srv, c
}

// pkiServerCert is the server certificate that openssl made for
// 127.0.0.1 in testdata/pki, signed by its CA.
func pkiServerCert(tb testing.TB) *tls.Certificate {
	tb.Helper()
	cert, err := tls.LoadX509KeyPair("testdata/pki/server.pem", "testdata/pki/server.key")
	if err != nil {
		tb.Fatal(err)
	}
	return &cert
}

func loadSite(t testing.TB, dir string) testserver.Site {
	t.Helper()
	site, err := testserver.LoadSite(dir)
	if err != nil {
		t.Fatal(err)
	}
	return site
}

// testContext is the context of a test that talks to daemons: it ends
// with the test, or after 20 seconds, so that a hang fails the test.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// checkNoSecret fails the test when text holds one of secrets in any form
// a leak could take: as written, URL-escaped (query or path), hex or
// base64, in any case.
func checkNoSecret(t testing.TB, what, text string, secrets ...string) {
	t.Helper()
	lower := strings.ToLower(text)
	for _, s := range secrets {
		if s == "" {
			continue
		}
		forms := []string{s, url.QueryEscape(s), url.PathEscape(s), hex.EncodeToString([]byte(s)), base64.StdEncoding.EncodeToString([]byte(s))}
		for _, form := range forms {
			if strings.Contains(lower, strings.ToLower(form)) {
				i := strings.Index(lower, strings.ToLower(form))
				t.Errorf("%s holds the secret %q (as %q): ...%s...", what, s, form, text[max(0, i-120):min(len(text), i+len(form)+60)])
				break
			}
		}
	}
}

// syncBuffer is a bytes.Buffer that a logger may write from any goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// slogTo returns a debug-level text logger writing to w.
func slogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
