package testserver

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// WindowsAuth configures Windows authentication on the virtual proxy
// ([Config.Windows]), as Qlik's default virtual proxy does it:
//
//  1. A GET without a session whose User-Agent contains Pattern gets 302
//     to the authentication module, a listener of its own on another port
//     ([Server.ModuleURL]):
//     {module}{prefix}/internal_windows_authentication/?targetId=<guid>.
//     A GET whose User-Agent lacks it gets 302 to the forms login page;
//     any other method is answered as Config.AuthFailure says.
//  2. The module relays the client's NTLM (or Negotiate) exchange to the
//     NTLM verifier at Verifier, over one kept-alive backend connection
//     per client connection (NTLM is bound to its connection), and answers
//     with the verifier's 401 and WWW-Authenticate headers until the
//     verifier answers 200 for a user. The module does no NTLM itself.
//  3. Then the module answers 302 back to the original URL with
//     qlikTicket=<ticket> added: a ticket usable once, for one minute.
//  4. The proxy, given that URL, opens a session for the ticket's user
//     (X-Qlik-Session, or X-Qlik-Session-{prefix}; counted against
//     MaxSessionsPerUser) and answers the request. A ticket that is
//     unknown, used or expired is ignored: the request goes through step 1
//     again.
//
// The verifier must answer 200 with the user, DOMAIN\user, in the header
// X-Remote-User, as internal/ntlmtest's apache2 does; a user without a
// domain, or not in Config.Users, is refused by the module (401 and 403).
// A verifier that offers only Negotiate (ntlmtest.StartKerberosOnly) makes
// a module that offers only Negotiate.
type WindowsAuth struct {
	// Verifier is the URL of the NTLM verifier, on a loopback address, e.g.
	// ntlmtest.Verifier.URL. Required.
	Verifier string
	// Pattern is the Windows authentication pattern that the User-Agent
	// must contain, with regard to case. Default: "Windows" (some sites
	// set "Mozilla").
	Pattern string
	// ModuleAddr is the module's listen address. Default: "127.0.0.1:0" (a
	// free port; real sites use 4244). The module speaks TLS with the
	// server's certificate, or plain HTTP with Config.PlainHTTP.
	ModuleAddr string
}

// remoteUserHeader is where the verifier names the user it authenticated
// (internal/ntlmtest.UserHeader; not imported, since that package is for
// tests only).
const remoteUserHeader = "X-Remote-User"

const (
	// ticketLifetime is how long a qlikTicket stays valid, as Qlik's
	// tickets do.
	ticketLifetime = time.Minute
	// targetLifetime is how long the module accepts a targetId.
	targetLifetime = 5 * time.Minute
	// maxPending bounds the targets and tickets held at once.
	maxPending = 10000
)

// windowsProxy is the state of Windows mode: the redirect targets that
// the module may complete and the tickets it issued.
type windowsProxy struct {
	verifier *url.URL
	pattern  string

	mu      sync.Mutex
	targets map[string]pending // targetId → original URL
	tickets map[string]pending // ticket → user
}

// pending is a target or a ticket with its expiry.
type pending struct {
	value   string
	expires time.Time
}

func newWindowsProxy(c *WindowsAuth) (*windowsProxy, error) {
	u, err := url.Parse(c.Verifier)
	if err != nil || u.Scheme != "http" || u.Host == "" || u.User != nil {
		return nil, errors.New("testserver: Windows.Verifier must be an http://127.0.0.1:port/path URL")
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() || u.Port() == "" {
		return nil, fmt.Errorf("testserver: Windows.Verifier host %q is not a loopback address with a port", u.Host)
	}
	p := &windowsProxy{verifier: u, pattern: c.Pattern, targets: map[string]pending{}, tickets: map[string]pending{}}
	if p.pattern == "" {
		p.pattern = "Windows"
	}
	return p, nil
}

// windowsUser redeems a qlikTicket, or starts the exchange: 302 to the
// module, or to the forms login page for another user agent.
func (s *Server) windowsUser(w http.ResponseWriter, r *http.Request, entry *Request) (string, bool) {
	if t := param(entry, "qlikTicket"); t != "" {
		if user, ok := s.win.take(s.win.tickets, t, s.now()); ok {
			return user, true
		}
		s.refuse(entry, "qlikTicket unknown, used or expired")
	}
	switch {
	case r.Method != http.MethodGet:
		s.refuse(entry, "Windows authentication starts with a GET")
		s.unauthenticated(w, r)
	case !strings.Contains(r.UserAgent(), s.win.pattern):
		s.refuse(entry, fmt.Sprintf("user agent lacks the Windows pattern %q", s.win.pattern))
		s.redirectToLogin(w, r)
	default:
		s.refuse(entry, "sent to the Windows authentication module")
		id := newGUID()
		s.win.put(s.win.targets, id, s.originalURL(r), targetLifetime, s.now())
		w.Header().Set("Location", s.moduleBase(r.Host)+s.prefix+modulePath+"?targetId="+id)
		writeBody(w, http.StatusFound, "", "")
	}
	return "", false
}

// originalURL is the request's absolute URL without any qlikTicket, for
// the module's redirect back.
func (s *Server) originalURL(r *http.Request) string {
	scheme := "https"
	if s.cfg.PlainHTTP {
		scheme = "http"
	}
	u := scheme + "://" + r.Host + r.URL.EscapedPath()
	var keep []string
	for _, p := range strings.Split(r.URL.RawQuery, "&") {
		name, _, _ := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); p == "" || err == nil && strings.EqualFold(n, "qlikTicket") {
			continue
		}
		keep = append(keep, p)
	}
	if len(keep) > 0 {
		u += "?" + strings.Join(keep, "&")
	}
	return u
}

// withTicket adds qlikTicket to a URL that originalURL made.
func withTicket(u, ticket string) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "qlikTicket=" + url.QueryEscape(ticket)
}

// put stores value under key for lifetime, dropping expired entries first
// (and the soonest-expiring one when still full).
func (p *windowsProxy) put(m map[string]pending, key, value string, lifetime time.Duration, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, v := range m {
		if !now.Before(v.expires) {
			delete(m, k)
		}
	}
	if len(m) >= maxPending {
		first := ""
		for k, v := range m {
			if first == "" || v.expires.Before(m[first].expires) {
				first = k
			}
		}
		delete(m, first)
	}
	m[key] = pending{value: value, expires: now.Add(lifetime)}
}

// take removes key and returns its value if it has not expired.
func (p *windowsProxy) take(m map[string]pending, key string, now time.Time) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := m[key]
	delete(m, key)
	return v.value, ok && now.Before(v.expires)
}

// peek returns key's value if it has not expired, leaving it in place.
func (p *windowsProxy) peek(m map[string]pending, key string, now time.Time) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := m[key]
	return v.value, ok && now.Before(v.expires)
}
