package qrs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
)

// failure is the class of an error that kept a request from getting an
// answer: what checkRetry and transportError decide on, found once from
// the error's types.
type failure int

const (
	failNetwork     failure = iota // resets, refusals, timeouts of the network: worth another try
	failUnknownCA                  // the chain ends at an authority the Client does not trust
	failHostname                   // the certificate is for other names
	failCertificate                // another verification failure (expired, not yet valid, ...)
	failNotTLS                     // an https URL pointing at a port that does not speak TLS
	failTLSAlert                   // the server ended the handshake with an alert
	failClientCert                 // the server asked for a client certificate it accepts
	failProxyAuth                  // a proxy refused its credentials
	failProxy                      // a proxy could not be reached or refused the site
)

// permanent reports whether another try cannot mend the failure.
func (f failure) permanent() bool { return f != failNetwork }

// TLS alerts that mean the server wants a client certificate it accepts
// (RFC 8446 section 6.2).
const (
	alertBadCertificate      = 42
	alertUnknownCA           = 48
	alertCertificateRequired = 116
)

// classify finds the class of a transport error from its types.
func classify(err error) failure {
	var (
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
		verify  *tls.CertificateVerificationError
		record  tls.RecordHeaderError
		pe      *proxyError
		oe      *net.OpError
	)
	switch {
	case errors.As(err, &unknown):
		return failUnknownCA
	case errors.As(err, &host):
		return failHostname
	case errors.As(err, &invalid), errors.As(err, &verify):
		return failCertificate
	case errors.As(err, &record), errors.Is(err, http.ErrSchemeMismatch):
		return failNotTLS
	case errors.As(err, &pe):
		if pe.kind == proxyAuthRefused {
			return failProxyAuth
		}
		return failProxy
	}
	if a, ok := remoteAlert(err); ok {
		switch a {
		case alertBadCertificate, alertUnknownCA, alertCertificateRequired:
			return failClientCert
		}
		return failTLSAlert
	}
	if errors.As(err, &oe) && oe.Op == "proxyconnect" {
		return failProxy // net/http's name for the dial to an http(s) proxy
	}
	return failNetwork
}

// remoteAlert returns the TLS alert that the server sent. crypto/tls
// reports it over TCP as a *net.OpError "remote error" holding its own
// unexported alert type (a uint8), not as tls.AlertError, so the code is
// read from the value's kind.
func remoteAlert(err error) (tls.AlertError, bool) {
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "remote error" || oe.Err == nil {
		return 0, false
	}
	if a, ok := oe.Err.(tls.AlertError); ok {
		return a, true
	}
	if v := reflect.ValueOf(oe.Err); v.Kind() == reflect.Uint8 {
		return tls.AlertError(v.Uint()), true
	}
	return 0, false
}

// transportError explains a request that got no usable response: the
// caller's context first (unwrapped), then our own timers, then what the
// network said, with a hint for certificate and proxy problems.
func (c *Client) transportError(parent, rctx context.Context, method, path string, err error) error {
	if perr := parent.Err(); perr != nil {
		return perr
	}
	prefix := "qrs: " + method + " " + path + ": "
	if cause := context.Cause(rctx); errors.Is(cause, context.DeadlineExceeded) {
		return fmt.Errorf("%s%w", prefix, cause)
	}
	err = unwrapURLError(err)
	switch classify(err) {
	case failHostname:
		var host x509.HostnameError
		errors.As(err, &host)
		return fmt.Errorf("%sthe server's certificate is not valid for %s: it names %s; use a URL with one of those names: %w",
			prefix, host.Host, certNames(host.Certificate), err)
	case failUnknownCA:
		var unknown x509.UnknownAuthorityError
		errors.As(err, &unknown)
		return fmt.Errorf("%sthe server's certificate is signed by an unknown authority (issuer %q): trust the site's CA with WithTrustStore (tls.truststore.path): %w",
			prefix, issuerName(unknown.Cert), err)
	case failCertificate:
		return fmt.Errorf("%sthe server's certificate is not valid: %w", prefix, err)
	case failNotTLS:
		return fmt.Errorf("%sthe server does not speak TLS on this port: check the URL's scheme and port (https on a plain HTTP port?): %w", prefix, err)
	case failClientCert:
		return fmt.Errorf("%sthe server asked for a client certificate it accepts (port 4242 needs the certificate the QMC exports): %w", prefix, err)
	case failProxyAuth, failProxy:
		var pe *proxyError
		if errors.As(err, &pe) {
			return fmt.Errorf("%s%w", prefix, err)
		}
		name := "the proxy of the environment (HTTPS_PROXY)"
		if c.cfg.proxy != nil {
			name = "proxy " + redactURL(c.cfg.proxy)
		}
		return fmt.Errorf("%scannot reach %s: %w", prefix, name, err) // net/http's proxyconnect
	}
	if p := c.cfg.proxy; p != nil {
		return fmt.Errorf("%s%w (through proxy %s)", prefix, err, redactURL(p))
	}
	return fmt.Errorf("%s%w", prefix, err)
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func certNames(cert *x509.Certificate) string {
	if cert == nil {
		return "no names"
	}
	var names []string
	names = append(names, cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && cert.Subject.CommonName != "" {
		names = append(names, "only the common name "+cert.Subject.CommonName+" (no subject alternative names)")
	}
	if len(names) == 0 {
		return "no names"
	}
	return strings.Join(names, ", ")
}

func issuerName(cert *x509.Certificate) string {
	if cert == nil {
		return "unknown"
	}
	return cert.Issuer.String()
}
