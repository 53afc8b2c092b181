package qrs

import "net/http"

// authorize puts the Client's credentials on the headers of a request.
// withSession tells whether the request carries the session cookie.
func (c *Client) authorize(h http.Header, withSession bool) {
	if c.cfg.header != "" {
		h.Set(c.cfg.header, c.cfg.headerValue.Reveal())
	}
	if c.cfg.userDirectory != "" {
		h.Set("X-Qlik-User", "UserDirectory="+escape(c.cfg.userDirectory)+"; UserId="+escape(c.cfg.userID))
	}
}

// opensSessions reports whether a request without a session cookie makes
// the proxy open a session, so that concurrent first requests must wait
// for the first one's cookie.
func (c *Client) opensSessions() bool { return c.cfg.header != "" }

// renewsSessions reports whether a session the proxy refuses may be
// replaced by authenticating again, once.
func (c *Client) renewsSessions() bool { return c.cfg.header != "" }
