// Package qrs inventories Qlik Sense Enterprise sites through the Qlik Sense
// Repository Service (QRS) API: every app and every sheet, with who owns it,
// where it lives and when it changed. It is the core of a data catalog's
// Qlik Sense connector, and serves governance and migration scripts too.
//
// # Quick start
//
//	c, err := qrs.NewClient("https://qlik.example.com/hdr",
//		qrs.WithHeaderAuth("hdr-usr", `CORP\svc_catalog`),
//		qrs.WithTrustStore("/etc/catalog/qlik.p12", password, qrs.StoreAuto),
//		qrs.WithConnectionCode("qlik-prod"))
//	if err != nil { ... }
//	for v, err := range c.Visualizations(ctx, nil) {
//		if err != nil { ... }
//		fmt.Println(v.Key, v.Name, v.AppName, v.SheetURL)
//	}
//
// # Connection files
//
// Catalog scanners configure a connection with a HOCON-style file (see
// connection.conf.template at the root of the module):
//
//	conn, err := qrs.LoadConnection("connections/qlik-prod.conf")
//	if errors.Is(err, qrs.ErrOtherConnector) { ... } // a file for another connector: skip it
//	c, err := conn.NewClient()
//
// The reader is strict: unknown keys, values of the wrong type, a key left
// empty (url =), includes and anything else it cannot read exactly are
// errors that name file:line:column. ${VAR} and ${?VAR} take values, such
// as passwords, from the environment. Passwords and the authentication
// value are held as Secret, which never prints its value.
//
// # Authentication
//
// Through a virtual proxy with header authentication (the usual case), the
// base URL is https://host[:port]/prefix, where prefix is the virtual
// proxy's prefix (not its name), and WithHeaderAuth names the header the
// proxy reads and the user: DOMAIN\user with a dynamic user directory, the
// user id alone with a static one. The proxy answers with a session cookie,
// which the Client keeps and sends back, so that a whole inventory uses one
// of the five sessions Qlik allows a user; when the proxy refuses the
// session, the Client drops the cookie and authenticates once more.
//
// Directly to the repository on port 4242 (the trusted zone), the base URL
// is https://host:4242, with the client certificate that the Qlik
// Management Console exports (LoadClientCertificate, WithClientCertificate)
// and the user to act as (WithUser).
//
// Every call carries a fresh random cross-site request forgery key, in the
// xrfkey query parameter and the X-Qlik-Xrfkey header, as QRS demands.
//
// # TLS
//
// Qlik sites mostly use certificates of a private authority. WithTrustStore
// trusts the certificates of a PKCS#12 (.p12, .pfx), JKS (.jks) or PEM
// (.pem, .crt, .cer) file, made by keytool or openssl, in place of the
// system's roots; WithRootCAs takes a pool. The host name is always checked,
// and TLS 1.2 is the minimum. WithInsecureSkipVerify turns checking off; the
// Client then logs a warning.
//
// # Proxies
//
// WithProxy sends requests through an http://, https:// or socks5:// proxy,
// with user:password@ in the URL for its login. Without it, HTTPS_PROXY,
// HTTP_PROXY and NO_PROXY apply. Proxy credentials go to the proxy only, and
// the Qlik authentication header travels only inside TLS to Qlik. An
// https:// proxy's own certificate is checked against the same roots as
// Qlik's.
//
// # Listings and iteration
//
// ListApps and ListSheets return slices; Apps, Sheets and Visualizations
// return iterators (iter.Seq2) that decode one item at a time from the
// response as the loop asks, so that memory does not grow with the size of
// the listing. QRS cannot page its /full listings: a site's sheets come in
// one response, which on large sites runs to gigabytes.
//
// The iterators follow the iter package's contract: nothing is sent until
// the loop starts; each loop sends its requests anew; breaking out of the
// loop stops all requests and releases the connection; an error is yielded
// once, as the last item; no goroutine outlives the loop. A listing that
// breaks off after some items says how many it had yielded.
//
// ListOptions.Filter is QRS filter text (name sw 'Sales' and stream.name eq
// 'Finance'); Quote writes a string literal safely. For sheets the filter is
// combined with objectType eq 'sheet' as objectType eq 'sheet' and (filter).
//
// # Visualizations and keys
//
// Visualizations yields one Visualization per sheet, joined to its app: two
// requests for a whole site (apps, then sheets), plus one per batch of 50
// owners with WithContactEmails. Each has a Key code/appID/sheetID, where
// code is the connection's code (WithConnectionCode), appID the app's QRS
// id, and sheetID the sheet's engine object id: the id the hub puts in sheet
// URLs and that survives the replacement of an app. A sheet without an
// engine object id uses its QRS id instead. Keys are unique in a pass as
// long as the site keeps engine object ids unique within an app, as Qlik
// Sense does: each sheet comes once (with WithPartitions, each app's
// sheets are in exactly one batch), and the app id is the sheet's own. '%' and '/' inside a segment
// are written %25 and %2F, so that ParseKey reads every key back exactly.
// Times that QRS writes as 1753-01-01 ("never") are the zero time.
//
// Sheets come in the order the server sends them. With WithPartitions, the
// sheets are fetched in batches of apps, several at once, and yielded batch
// by batch in the order of the app listing; a batch that breaks off is
// fetched again alone, and apps created during the run are caught by a last
// listing of apps.
//
// # Errors
//
// A response the Client cannot use is an *APIError with the status, the
// method and the URL path (never the query or a credential), and a message
// that says what to check. errors.Is matches ErrUnauthenticated (a redirect
// to a login page, 401, an HTML page where JSON was expected, a refused
// session), ErrForbidden (403, the xrfkey rejection with its own message)
// and ErrNotFound (404, usually the virtual proxy prefix). Connection errors
// and 429, 500, 502, 503 and 504 are retried with capped exponential backoff
// that honours Retry-After (WithRetries); other statuses never are, nor are
// certificate problems or a proxy's refusal of its credentials. When the
// caller's context ends, its error is returned as it is.
//
// What a user sees, fault by fault (messages abridged):
//
//	the proxy redirects to its login page (302)    ErrUnauthenticated: "redirected to /hdr/internal_forms_authentication/, most likely a login page"
//	401                                            ErrUnauthenticated: "the server refused the authentication; check the header name ..."
//	an HTML page with 200                          ErrUnauthenticated: "the server answered with an HTML page where JSON was expected"
//	500 "Authentication error" (stale cookie)      cookie dropped, tried once more; then ErrUnauthenticated quoting the proxy
//	403 "XSRF prevention check failed"             ErrForbidden: "the server rejected the cross-site request forgery key (xrfkey)"
//	403 otherwise, also too many sessions          ErrForbidden: "access denied: ... allow list, or all the user's sessions are in use"
//	404                                            ErrNotFound: "check the URL: it takes the virtual proxy's prefix"
//	400 "Cannot parse the expression"              *APIError 400: "check the filter and orderby syntax"
//	414 (URL over http.sys's limit)                *APIError 414: "the request URL is longer than the server accepts"
//	429, 500, 502, 503, 504, reset before answer   retried; after the last try, the status or the network error
//	the body breaks off (reset, closed proxy)      "the listing broke off after N items: ..."; with WithPartitions the batch is fetched again
//	truncated JSON                                 "the listing broke off after N items: the body ended in the middle of item N+1"
//	an object where the listing's array belongs    "expected a JSON array, got an object"
//	a field of the wrong type, a date unreadable   "item N: ..." naming the field; the listing stops, no item is skipped silently
//	one item over WithMaxItemSize                  "item N is larger than 33554432 bytes (WithMaxItemSize)"
//	no byte from the server for WithIdleTimeout    "no data from the server for 2m0s (WithIdleTimeout)"; errors.Is context.DeadlineExceeded
//	a request longer than WithTimeout              "the request took longer than ... (WithTimeout)"; errors.Is context.DeadlineExceeded
//	certificate of an unknown authority            "the server's certificate is signed by an unknown authority (issuer ...): trust the site's CA with WithTrustStore"
//	certificate for another name                   "the server's certificate is not valid for HOST: it names qlik-node1; use a URL with one of those names"
//	a server older than TLS 1.2                    "remote error: tls: protocol version not supported"
//	port 4242 without an accepted certificate      "the server asked for a client certificate it accepts"
//	proxy refuses its credentials (407, SOCKS)     "proxy http://user:xxxxx@host:3128 refused its credentials"
//	proxy not reachable                            "cannot go through proxy ...: connection refused"
//	the caller's context is done                   ctx.Err() itself
//
// Bad input is refused before anything is sent: NewClient names the option
// and the fault (a URL without https or a host, a header name that is not a
// token, a header value with CR, LF or non-ASCII characters, a proxy URL
// with another scheme or a bad port); LoadTrustStore and
// LoadClientCertificate name the file and the fault (missing file, matched
// by errors.Is(err, fs.ErrNotExist); wrong password; unknown extension;
// contents of another type than the extension says; no certificate;
// truncated or garbage data); LoadConnection names file:line:column.
//
// No error, log line or printed value holds a password, an authentication
// header value or a proxy password.
//
// # Concurrency
//
// A Client is safe for concurrent use and should be reused: it holds the
// connection pool and the proxy session. An iterator must be used by one
// goroutine at a time.
package qrs
