package testserver

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// This file holds the proxy's sessions, which every virtual proxy mode
// (header, JWT, Windows) opens the same way; server.go's authenticate
// decides when.

// errTooManySessions is addSession's refusal over the per-user cap.
var errTooManySessions = errors.New("testserver: too many sessions for the user")

// hasSessions reports whether the proxy authenticates users and keeps
// sessions for them (header, JWT or Windows mode).
func (s *Server) hasSessions() bool {
	return !s.cfg.ClientCert && (s.cfg.Header != "" || s.jwt != nil || s.win != nil)
}

// openSession starts a session for user and sets its cookie, or answers
// the proxy's refusal over the cap and returns false.
func (s *Server) openSession(w http.ResponseWriter, user string, entry *Request) bool {
	id, err := s.addSession(user)
	if err != nil {
		s.refuse(entry, "too many sessions for "+user)
		writeBody(w, http.StatusForbidden, "text/html; charset=utf-8", tooManySessionsPage)
		return false
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName, Value: id, Path: "/", HttpOnly: true, Secure: !s.cfg.PlainHTTP})
	return true
}

// addSession registers a session for user, counted against the cap.
func (s *Server) addSession(user string) (string, error) {
	id := newGUID()
	key := strings.ToLower(user)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perUser[key] >= s.cfg.MaxSessionsPerUser {
		return "", errTooManySessions
	}
	s.sessions[id] = user
	s.perUser[key]++
	s.created++
	return id, nil
}

// NewSession opens a proxy session for user (DIR\user), as a person's
// browser would have, and returns the name and value of its cookie, for a
// client that reuses an existing session. The session counts in
// [Server.Sessions] and against MaxSessionsPerUser, and ends with
// [Server.ExpireSessions]. It fails in a mode without proxy sessions (no
// authentication, or ClientCert), for a malformed user, for a user not in
// Config.Users, and over the cap.
func (s *Server) NewSession(user string) (name, value string, err error) {
	if !s.hasSessions() {
		return "", "", errors.New("testserver: this proxy keeps no sessions (set Header, JWT or Windows)")
	}
	if d, id, ok := strings.Cut(user, `\`); !ok || d == "" || id == "" || strings.Contains(id, `\`) {
		return "", "", fmt.Errorf("testserver: user %q is not DIR\\user", user)
	}
	if !s.allowed(user) {
		return "", "", fmt.Errorf("testserver: user %q is not in Config.Users", user)
	}
	id, err := s.addSession(user)
	if err != nil {
		return "", "", err
	}
	return s.cookieName, id, nil
}

// refuse notes in the request log why the proxy did not authenticate the
// request; the first reason stays. A nil entry (a caller without one)
// notes nothing.
func (s *Server) refuse(entry *Request, why string) {
	if entry == nil {
		return
	}
	s.mu.Lock()
	if entry.AuthError == "" {
		entry.AuthError = why
	}
	s.mu.Unlock()
}

// now is the proxy's clock: token expiry, ticket and target lifetimes.
// Tests move it forward instead of sleeping.
func (s *Server) now() time.Time {
	return time.Now().Add(time.Duration(s.skew.Load()))
}
