package qrs

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Bounds of the cookies kept: the virtual proxy's session cookie
// (X-Qlik-Session or X-Qlik-Session-{prefix}) and a few others, such as a
// load balancer's affinity cookie. Anything past them is dropped, so that a
// hostile server cannot grow every request's Cookie header.
const (
	maxSessionCookies = 4
	maxOtherCookies   = 4
	maxCookieBytes    = 4096 // name and value, as browsers allow
)

// sessionCookiePrefix starts the name of every virtual proxy's session
// cookie.
const sessionCookiePrefix = "X-Qlik-Session"

// A session holds the cookies of the Client's proxy session, and admits one
// request at a time while none is held, so that concurrent first requests
// do not each open a session of the user's five.
type session struct {
	gate chan struct{}

	mu      sync.Mutex
	cookies map[string]storedCookie
	gen     uint64 // counts the changes of the session cookie
}

type storedCookie struct {
	value   string
	expires time.Time // zero: until the session ends
}

func newSession() *session {
	return &session{gate: make(chan struct{}, 1), cookies: map[string]storedCookie{}}
}

// A ticket is what a request carries of the session: its Cookie header,
// the generation of the session cookie in it, and whether the request holds
// the gate, which it must then leave once it has its answer.
type ticket struct {
	cookie string
	gen    uint64
	gate   bool
}

// enter returns the session to send. While no session cookie is held and
// the authentication opens sessions, it admits one request at a time, so
// that concurrent first requests do not each open a session: the others
// wait for the first one's cookie. The cookie is read under the same lock
// as the decision, so that a request never leaves without the gate and
// without a cookie.
func (s *session) enter(ctx context.Context, opens bool) (ticket, error) {
	for {
		cookie, gen, held := s.current()
		if held || !opens {
			return ticket{cookie: cookie, gen: gen}, nil
		}
		select {
		case s.gate <- struct{}{}:
		case <-ctx.Done():
			return ticket{}, ctx.Err()
		}
		cookie, gen, held = s.current()
		if !held {
			return ticket{cookie: cookie, gen: gen, gate: true}, nil
		}
		<-s.gate // another request got a session while we waited
	}
}

func (s *session) leave(t *ticket) {
	if t.gate {
		t.gate = false
		<-s.gate
	}
}

// current returns the Cookie header, the generation of the session cookie,
// and whether one is held.
func (s *session) current() (string, uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked(time.Now())
	var b strings.Builder
	held := false
	for name, c := range s.cookies {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(c.value)
		held = held || isSessionCookie(name)
	}
	return b.String(), s.gen, held
}

func (s *session) expireLocked(now time.Time) {
	for name, c := range s.cookies {
		if !c.expires.IsZero() && now.After(c.expires) {
			delete(s.cookies, name)
			if isSessionCookie(name) {
				s.gen++
			}
		}
	}
}

// keep stores the cookies a response sets, within the bounds above;
// expired and deleted ones are removed. gen is the generation of the
// session the request carried: the answer to a request that carried a
// session since replaced may not delete the fresh one, nor replace it.
func (s *session) keep(resp *http.Response, gen uint64) {
	s.keepCookies(resp.Cookies(), gen)
}

// keepCookies stores cookies that an answer set, as keep does; the Engine's
// CSRF token request hands them over this way.
func (s *session) keepCookies(cs []*http.Cookie, gen uint64) {
	if len(cs) == 0 {
		return
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	stale := gen != s.gen
	for _, ck := range cs {
		sess := isSessionCookie(ck.Name)
		if sess && stale && (s.countLocked(true) > 0 || ck.MaxAge < 0 || ck.Value == "") {
			continue
		}
		expires := ck.Expires
		if ck.MaxAge > 0 {
			expires = now.Add(time.Duration(ck.MaxAge) * time.Second)
		}
		if ck.MaxAge < 0 || ck.Value == "" || (!expires.IsZero() && !expires.After(now)) {
			if _, ok := s.cookies[ck.Name]; ok {
				delete(s.cookies, ck.Name)
				if sess {
					s.gen++
				}
			}
			continue
		}
		if len(ck.Name)+len(ck.Value) > maxCookieBytes {
			continue
		}
		if _, ok := s.cookies[ck.Name]; !ok && s.countLocked(sess) >= limitFor(sess) {
			continue
		}
		if old, ok := s.cookies[ck.Name]; sess && (!ok || old.value != ck.Value) {
			s.gen++
		}
		s.cookies[ck.Name] = storedCookie{value: ck.Value, expires: expires}
	}
}

func (s *session) countLocked(sess bool) int {
	n := 0
	for name := range s.cookies {
		if isSessionCookie(name) == sess {
			n++
		}
	}
	return n
}

func limitFor(sess bool) int {
	if sess {
		return maxSessionCookies
	}
	return maxOtherCookies
}

// set stores a session cookie given by the caller (WithSessionCookie).
func (s *session) set(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cookies[name] = storedCookie{value: value}
	s.gen++
}

// drop forgets the session when it is still the one of generation gen, the
// one a refused request carried: a request that fails on a stale cookie
// must not drop the fresh cookie another request has just got, so that a
// stale session is renewed once, however many requests carried it.
func (s *session) drop(gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen {
		return
	}
	for name := range s.cookies {
		if isSessionCookie(name) {
			delete(s.cookies, name)
		}
	}
	s.gen++
}

func isSessionCookie(name string) bool {
	return len(name) >= len(sessionCookiePrefix) && strings.EqualFold(name[:len(sessionCookiePrefix)], sessionCookiePrefix)
}

// values returns the values of the cookies held, for scrubbing.
func (s *session) values() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.cookies))
	for _, c := range s.cookies {
		if len(c.value) >= 8 { // shorter values are no secret, and would scrub too much
			out = append(out, c.value)
		}
	}
	return out
}
