package qrs

import "net/http"

// headerAuth is header authentication through a virtual proxy
// (WithHeaderAuth): every request carries the header, and the first one
// opens the proxy session.
type headerAuth struct {
	name  string
	value Secret
}

func (a *headerAuth) String() string { return "header " + a.name }

func (a *headerAuth) authorize(h http.Header, _ bool) error {
	h.Set(a.name, a.value.Reveal())
	return nil
}

func (a *headerAuth) opensSessions() bool  { return true }
func (a *headerAuth) renewsSessions() bool { return true }
func (a *headerAuth) secrets() []string    { return []string{a.value.Reveal()} }

func (a *headerAuth) hint() string {
	return "check the header name (connection.auth.key, as configured on the virtual proxy) " +
		`and its value (DOMAIN\user with a dynamic user directory, the user id alone with a static one)`
}
