package testserver

import (
	"errors"
	"net"
	"net/http"
	"strings"
)

// This file holds what the virtual proxy checks before any authentication
// mode (its host allow list, its link to a proxy service) and the choice
// of mode at Start.

// checkProxyModes refuses configurations that mix authentication modes.
func checkProxyModes(cfg *Config) error {
	modes := 0
	for _, on := range []bool{cfg.Header != "", cfg.JWT != nil, cfg.Windows != nil, cfg.ClientCert} {
		if on {
			modes++
		}
	}
	if modes > 1 {
		return errors.New("testserver: choose one of Header, JWT, Windows and ClientCert")
	}
	for _, h := range cfg.AllowedHosts {
		if h == "" || strings.ContainsAny(h, ":/ ") && net.ParseIP(h) == nil {
			return errors.New("testserver: AllowedHosts holds host names or IP addresses without ports")
		}
	}
	return nil
}

// initProxyModes prepares the JWT or Windows mode of a new server.
func (s *Server) initProxyModes() error {
	if s.cfg.JWT != nil {
		v, err := newJWTVerifier(s.cfg.JWT)
		if err != nil {
			return err
		}
		s.jwt = v
	}
	if s.cfg.Windows != nil {
		w, err := newWindowsProxy(s.cfg.Windows)
		if err != nil {
			return err
		}
		s.win = w
	}
	return nil
}

// admit answers the proxy's refusals that come before authentication:
// 400 when the virtual proxy is linked to no proxy service, 403 when the
// request's host is not in its allow list.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, entry *Request) bool {
	if s.cfg.Unlinked {
		s.refuse(entry, "virtual proxy not linked to a proxy service")
		writeBody(w, http.StatusBadRequest, "text/html; charset=utf-8", notLinkedPage)
		return false
	}
	if s.cfg.AllowedHosts == nil {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	for _, a := range s.cfg.AllowedHosts {
		if strings.EqualFold(a, host) {
			return true
		}
	}
	s.refuse(entry, "host "+host+" not in the allow list")
	writeBody(w, http.StatusForbidden, "text/html; charset=utf-8", hostNotAllowedPage)
	return false
}

// The proxy's styled error pages. Their wording is the test server's:
// what a client may rely on is the status and that the body is HTML.
const notLinkedPage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Qlik Sense</title>
<style>body{font-family:"Source Sans Pro",Arial,sans-serif;background:#f2f2f2;color:#404040;margin:0}
.error{max-width:40em;margin:10em auto;padding:2em;background:#fff;border-top:4px solid #e04e39}
h1{font-size:1.5em;font-weight:400}</style></head>
<body><div class="error"><h1>400 - Bad Request</h1>
<p>The virtual proxy is not linked to a proxy service.</p></div></body>
</html>
`

const hostNotAllowedPage = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Qlik Sense</title></head>
<body><h1>403 - Forbidden</h1>
<p>The host is not in the virtual proxy's host allow list.</p>
</body>
</html>
`
