package qrs

import "net/http"

// certAuth is the repository's own authentication on port 4242: the client
// certificate at the TLS handshake (the transport presents it, see
// transport.go) and the user to act as in X-Qlik-User on every request. The
// repository keeps no sessions.
type certAuth struct {
	cert              bool // a client certificate is set
	directory, userID string
}

func (a *certAuth) String() string {
	switch {
	case a.cert && a.directory != "":
		return "client certificate as " + a.directory + `\` + a.userID
	case a.cert:
		return "client certificate"
	}
	return "X-Qlik-User " + a.directory + `\` + a.userID + " without a client certificate"
}

func (a *certAuth) authorize(h http.Header, _ bool) error {
	if a.directory != "" {
		h.Set("X-Qlik-User", "UserDirectory="+escape(a.directory)+"; UserId="+escape(a.userID))
	}
	return nil
}

func (a *certAuth) opensSessions() bool  { return false }
func (a *certAuth) renewsSessions() bool { return false }
func (a *certAuth) secrets() []string    { return nil }

func (a *certAuth) hint() string {
	return "check the client certificate (the one the QMC exports for the site) and the user of X-Qlik-User (WithUser), on port 4242"
}
