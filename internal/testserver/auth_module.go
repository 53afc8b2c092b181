package testserver

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// This file is Windows mode's authentication module (see [WindowsAuth]):
// a listener of its own that relays each client connection's NTLM
// exchange to the verifier over a backend connection bound to it.

// modulePath is where the module authenticates, after the prefix.
const modulePath = "/internal_windows_authentication/"

const (
	// relayTimeout bounds one exchange with the verifier.
	relayTimeout = 15 * time.Second
	// maxVerifierBody bounds the verifier's answer bodies, which the
	// relay reads to keep the connection usable.
	maxVerifierBody = 1 << 20
)

// authModule is the module's listener and its connections' relays.
type authModule struct {
	s    *Server
	srv  *http.Server
	base string // scheme://127.0.0.1:port

	mu     sync.Mutex
	relays map[net.Conn]*relay
}

// relay is the backend connection bound to one client connection.
// Exchanges take turns (mu); close may come from another goroutine at any
// time and ends the connection at once (cmu guards the fields).
type relay struct {
	mu     sync.Mutex
	cmu    sync.Mutex
	conn   net.Conn // nil until the first exchange, or after a failure
	br     *bufio.Reader
	closed bool
}

type relayKey struct{}

// startModule starts the authentication module in Windows mode.
func (s *Server) startModule(tlsCfg *tls.Config) error {
	if s.win == nil {
		return nil
	}
	addr := s.cfg.Windows.ModuleAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("testserver: module listen: %w", err)
	}
	m := &authModule{s: s, relays: map[net.Conn]*relay{}}
	m.base = "http://" + ln.Addr().String()
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
		m.base = "https://" + ln.Addr().String()
	}
	m.srv = &http.Server{
		Handler:           m,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          s.cfg.ErrorLog,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			rl := &relay{}
			m.mu.Lock()
			m.relays[c] = rl
			m.mu.Unlock()
			return context.WithValue(ctx, relayKey{}, rl)
		},
		ConnState: func(c net.Conn, state http.ConnState) {
			if state != http.StateClosed && state != http.StateHijacked {
				return
			}
			m.mu.Lock()
			rl := m.relays[c]
			delete(m.relays, c)
			m.mu.Unlock()
			if rl != nil {
				rl.close()
			}
		},
	}
	s.module = m
	go func() { _ = m.srv.Serve(ln) }()
	return nil
}

func (s *Server) closeModule() {
	if s.module == nil {
		return
	}
	m := s.module
	_ = m.srv.Close()
	m.mu.Lock()
	defer m.mu.Unlock()
	for c, rl := range m.relays {
		rl.close()
		delete(m.relays, c)
	}
}

// ModuleURL returns the Windows authentication module's base URL,
// https://127.0.0.1:port with no path, or "" outside Windows mode.
func (s *Server) ModuleURL() string {
	if s.module == nil {
		return ""
	}
	return s.module.base
}

// moduleBase is the module's base URL under the host name the client
// used for the proxy.
func (s *Server) moduleBase(proxyHost string) string {
	scheme, hostport, _ := strings.Cut(s.module.base, "://")
	_, port, _ := net.SplitHostPort(hostport)
	host := proxyHost
	if h, _, err := net.SplitHostPort(proxyHost); err == nil {
		host = h
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// ServeHTTP answers the module's requests.
func (m *authModule) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := m.s
	if !s.enter(w) {
		return
	}
	defer s.inflight.Done()
	entry := s.record(r)
	rec := &recorder{ResponseWriter: w}
	s.mu.Lock()
	entry.Module = true
	s.mu.Unlock()
	defer func() {
		status, n := rec.result()
		s.mu.Lock()
		entry.Status, entry.BytesWritten, entry.Done = status, n, true
		s.mu.Unlock()
	}()
	m.serve(rec, r, entry)
}

func (m *authModule) serve(w http.ResponseWriter, r *http.Request, entry *Request) {
	s := m.s
	if entry.OutsidePrefix || !strings.EqualFold(strings.TrimSuffix(entry.Path, "/"), strings.TrimSuffix(modulePath, "/")) {
		writeText(w, http.StatusNotFound, "Not Found")
		return
	}
	target := param(entry, "targetId")
	if _, ok := s.win.peek(s.win.targets, target, s.now()); !ok {
		s.refuse(entry, "targetId unknown, used or expired")
		writeBody(w, http.StatusBadRequest, "text/html; charset=utf-8", badTargetPage)
		return
	}
	rl, _ := r.Context().Value(relayKey{}).(*relay)
	if rl == nil {
		writeText(w, http.StatusInternalServerError, "no relay for the connection")
		return
	}
	status, offers, user, err := rl.exchange(s.win.verifier, r.Header.Values("Authorization"))
	if err != nil {
		s.refuse(entry, "NTLM verifier: "+err.Error())
		writeText(w, http.StatusBadGateway, "The authentication module cannot reach its verifier.")
		return
	}
	switch {
	case status == http.StatusUnauthorized:
		s.refuse(entry, "NTLM verifier answered 401")
		for _, o := range offers {
			w.Header().Add("WWW-Authenticate", o)
		}
		writeBody(w, http.StatusUnauthorized, "text/html; charset=utf-8", unauthorizedPage)
		return
	case status != http.StatusOK:
		s.refuse(entry, fmt.Sprintf("NTLM verifier answered %d", status))
		writeText(w, http.StatusBadGateway, "The authentication module's verifier failed.")
		return
	}
	if d, id, ok := strings.Cut(user, `\`); !ok || d == "" || id == "" || strings.Contains(id, `\`) {
		s.refuse(entry, fmt.Sprintf("NTLM verifier named %q, not DOMAIN\\user", user))
		writeBody(w, http.StatusUnauthorized, "text/html; charset=utf-8", unauthorizedPage)
		return
	}
	if !s.allowed(user) {
		s.refuse(entry, "user "+user+" not allowed")
		writeBody(w, http.StatusForbidden, "text/html; charset=utf-8", tooManySessionsPage)
		return
	}
	back, ok := s.win.take(s.win.targets, target, s.now())
	if !ok {
		s.refuse(entry, "targetId expired during the exchange")
		writeBody(w, http.StatusBadRequest, "text/html; charset=utf-8", badTargetPage)
		return
	}
	s.mu.Lock()
	entry.User = user
	s.mu.Unlock()
	ticket := newTicket()
	s.win.put(s.win.tickets, ticket, user, ticketLifetime, s.now())
	w.Header().Set("Location", withTicket(back, ticket))
	writeBody(w, http.StatusFound, "", "")
}

// exchange sends one GET with the client's Authorization headers to the
// verifier on the backend connection, and returns its status, its
// WWW-Authenticate offers and the user it named. A broken backend
// connection is replaced once; the NTLM state it held is lost with it,
// as it would be with a real module's.
func (rl *relay) exchange(verifier *url.URL, authz []string) (int, []string, string, error) {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	for attempt := 0; ; attempt++ {
		conn, br, fresh, err := rl.backend(verifier)
		if err != nil {
			return 0, nil, "", err
		}
		status, offers, user, closing, err := roundTrip(conn, br, verifier, authz)
		if err == nil {
			if closing {
				// The verifier ends the connection, and with it any NTLM state.
				rl.drop(conn)
			}
			return status, offers, user, nil
		}
		rl.drop(conn)
		if fresh || attempt > 0 {
			return 0, nil, "", err
		}
	}
}

// backend returns the backend connection, dialling one if there is none.
func (rl *relay) backend(verifier *url.URL) (net.Conn, *bufio.Reader, bool, error) {
	rl.cmu.Lock()
	if rl.closed {
		rl.cmu.Unlock()
		return nil, nil, false, errors.New("client connection closed")
	}
	if rl.conn != nil {
		defer rl.cmu.Unlock()
		return rl.conn, rl.br, false, nil
	}
	rl.cmu.Unlock()
	c, err := net.DialTimeout("tcp", verifier.Host, relayTimeout)
	if err != nil {
		return nil, nil, false, err
	}
	br := bufio.NewReader(c)
	rl.cmu.Lock()
	defer rl.cmu.Unlock()
	if rl.closed {
		c.Close()
		return nil, nil, false, errors.New("client connection closed")
	}
	rl.conn, rl.br = c, br
	return c, br, true, nil
}

func roundTrip(conn net.Conn, br *bufio.Reader, verifier *url.URL, authz []string) (status int, offers []string, user string, closing bool, err error) {
	req := &http.Request{
		Method:     http.MethodGet,
		URL:        verifier,
		Host:       verifier.Host,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     http.Header{"User-Agent": {"testserver-authentication-module"}},
	}
	if len(authz) > 0 {
		req.Header["Authorization"] = authz
	}
	_ = conn.SetDeadline(time.Now().Add(relayTimeout))
	if err := req.Write(conn); err != nil {
		return 0, nil, "", false, err
	}
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return 0, nil, "", false, err
	}
	n, err := io.Copy(io.Discard, io.LimitReader(resp.Body, maxVerifierBody+1))
	resp.Body.Close()
	if err != nil {
		return 0, nil, "", false, err
	}
	if n > maxVerifierBody {
		return 0, nil, "", false, errors.New("answer body over 1 MiB")
	}
	return resp.StatusCode, resp.Header.Values("WWW-Authenticate"), resp.Header.Get(remoteUserHeader), resp.Close, nil
}

// drop closes conn and forgets it if it is still the backend connection.
func (rl *relay) drop(conn net.Conn) {
	_ = conn.Close()
	rl.cmu.Lock()
	if rl.conn == conn {
		rl.conn, rl.br = nil, nil
	}
	rl.cmu.Unlock()
}

// close ends the backend connection for good, interrupting any exchange.
func (rl *relay) close() {
	rl.cmu.Lock()
	rl.closed = true
	if rl.conn != nil {
		_ = rl.conn.Close()
		rl.conn, rl.br = nil, nil
	}
	rl.cmu.Unlock()
}

// newTicket makes a qlikTicket: 26 random base32 characters.
func newTicket() string { return rand.Text() }

const badTargetPage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Qlik Sense</title></head>
<body><h1>400 - Bad Request</h1>
<p>The authentication request is unknown or has expired. Start again from the address you wanted.</p>
</body>
</html>
`
