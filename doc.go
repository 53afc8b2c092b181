// Package qrs inventories Qlik Sense Enterprise on Windows sites for data
// catalogs, governance and migration scripts, through the Qlik Sense
// Repository Service (QRS) API and the app metadata API: streams, apps,
// sheets, master items, data connections, reload tasks and each app's data
// model, who owns them, where they live and when they changed, as one
// catalog ([Client.Catalog]) or listing by listing; and, through the Qlik
// Engine's JSON API, the charts inside the sheets, the definitions of
// master items, and the lineage that links apps, files and databases.
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
// A [Client] holds the settings of a site: its address, authentication,
// trust, proxy, retries, timeouts and logger ([Option]). What one call
// returns and how it fetches are settings of that call ([ListOptions]).
//
// # Connection files
//
// Catalog scanners configure a connection with a HOCON-style file (see
// connection.conf.template at the root of the module), read by
// [LoadConnection] and turned into a Client by [Connection.NewClient]. The
// reader is strict: unknown keys, values of the wrong type, a key left
// empty, includes and anything else it cannot read exactly are errors that
// name file:line:column. ${VAR} and ${?VAR} take values, such as passwords,
// from the environment. A file of another connector gives an error matching
// [ErrOtherConnector]. Credentials are held as [Secret], which never prints.
// The optional filter block (filter.streams.include and .exclude, the same
// for filter.apps and filter.tags, filter.published_only) is the
// connection's [Connection.Scope], for [CatalogOptions].
//
// # Authentication
//
// A Client authenticates in one mode, chosen by its options; NewClient
// refuses two (only [WithUser] goes with [WithClientCertificate]). Whatever
// the mode, the proxy answers the first request with a session cookie,
// which the Client keeps (and only it, with a few others, bounded) and
// sends back, so that a whole inventory uses one of the five sessions Qlik
// allows a user: while no session is held, concurrent first requests wait
// for the first one's cookie. When the proxy refuses the session, the
// Client forgets it and authenticates once more: once per refused session,
// however many requests carried it.
//
// Header authentication, through a virtual proxy so configured: the base
// URL is https://host[:port]/prefix (the virtual proxy's prefix, not its
// name), and [WithHeaderAuth] names the header the proxy reads and the
// user: DOMAIN\user with a dynamic user directory, the user id with a
// static one.
//
// JWT, through a JWT virtual proxy: [WithJWTSigner] signs RS256, RS384 or
// RS512 tokens with an RSA key ([LoadJWTKey] reads a PEM file; any
// [crypto.Signer] of an RSA key does), under the claim names the virtual
// proxy is configured with ([JWTClaims]; there are no default names), and
// signs a new one when a session opens after the last one neared its
// expiry or was refused; [WithJWT] takes a token the caller has. The
// Authorization: Bearer header goes only on a request without the session
// cookie, to open the session; afterwards the cookie alone.
//
// Windows (NTLM), through a virtual proxy that does Windows authentication,
// such as the default one: [WithWindowsAuth]("CORP\\svc", password). The
// first request that needs a session sends GET /qrs/about with a user agent
// that holds the virtual proxy's Windows pattern ([WithWindowsUserAgent];
// "Windows" unless the site changed it, often to "Mozilla"), follows the
// redirect to the authentication module (the same host, the module's own
// port, /internal_windows_authentication/), runs NTLMv2 there on one
// kept-alive HTTP/1.1 connection, and follows the redirect back, whose
// ticket opens the session. No other redirect is followed and nothing is
// sent to another host; a password the module refuses is never sent again
// by the same Client, so that it cannot lock the account out.
//
// An existing session: [WithSessionCookie] sends a session cookie that a
// person or another program has (X-Qlik-Session, or
// X-Qlik-Session-{prefix}); the Client never opens a session itself, and a
// session that has ended is an error matching [ErrUnauthenticated] that
// says so.
//
// Directly to the repository on port 4242, the base URL is
// https://host:4242, with the client certificate that the Qlik Management
// Console exports ([LoadClientCertificate], [WithClientCertificate]) and the
// user to act as ([WithUser]); the repository keeps no sessions.
//
// Every request carries a fresh random cross-site request forgery key, in
// the xrfkey query parameter and the X-Qlik-Xrfkey header, as QRS demands.
// An http:// base URL is accepted for test sites with header
// authentication or a session cookie, with a warning in the log (the
// credentials then travel in clear); JWT and Windows authentication refuse
// it.
//
// # TLS and proxies
//
// [WithTrustStore] trusts the certificates of a PKCS#12 (.p12, .pfx), JKS
// (.jks) or PEM (.pem, .crt, .cer) file, made by keytool or openssl, in
// place of the system's roots; [WithRootCAs] takes a pool. The host name is
// always checked, and TLS 1.2 is the minimum. [WithInsecureSkipVerify] turns
// checking off, with a warning in the log.
//
// [WithProxy] sends requests through an http://, https:// or socks5://
// proxy, with user:password@ in the URL for its login; without it,
// HTTPS_PROXY, HTTP_PROXY and NO_PROXY apply. Proxy credentials go to the
// proxy only; an https:// proxy's certificate is checked against the same
// roots as the site's.
//
// # Listings and iteration
//
// [Client.Apps], [Client.Sheets], [Client.Streams], [Client.AppObjects]
// (any object type: sheets, stories, master items, bookmarks),
// [Client.DataConnections], [Client.ReloadTasks], [Client.Visualizations]
// and [Client.Catalog] return iterators (iter.Seq2) that decode one item
// at a time as the loop asks, so that memory does not grow with the
// listing; ListApps, ListSheets and the other List methods return slices.
// QRS cannot page its /full listings: a site's sheets come in one
// response, which on large sites runs to gigabytes. [Client.DataModel]
// reads one app's tables and fields. [List] and [Get] read QRS endpoints
// the Client does not wrap into the caller's own types, with the same
// guarantees.
//
// The iterators follow the iter package's contract: nothing is sent until
// the loop starts; each loop sends its requests anew; breaking out of the
// loop stops all requests and releases the connection; an error is yielded
// once, as the last item; no goroutine outlives the loop. A listing that
// breaks off after some items says how many it had yielded. The one
// exception is the catalog's [*EntryError]: an error about one entry's
// content (an app whose data model cannot be read), after which the
// catalog goes on; a caller that wants to stop there breaks out of the
// loop.
//
// [ListOptions.Filter] is QRS filter text (name sw 'Sales' and stream.name
// eq 'Finance'); [Quote] writes a string literal safely. A method that
// always filters combines the caller's filter as base and (filter); a
// filter whose literals or parentheses do not close is refused before
// anything is sent, so that it cannot escape that wrapping. A call refuses
// the settings it does not take.
//
// The client checks what it asked for: a sheet listing that sends another
// kind of object, or a partition that sends sheets of apps it did not ask
// for, is an error (the server ignored the filter); a partition keeps each
// sheet once.
//
// # Visualizations and keys
//
// A [Visualization] is the catalog's name for a sheet: one per sheet, joined
// to its app (the charts inside a sheet are another kind of thing). It has a
// [Key] code/appID/sheetID, where code is the connection's code
// ([WithConnectionCode]), appID the app's QRS id, and sheetID the sheet's
// engine object id: the id the hub puts in sheet URLs and that survives the
// replacement of an app (the QRS id when a sheet has none). Keys are unique
// in a pass as long as the site keeps engine object ids unique within an
// app, as Qlik Sense does: each sheet comes once, and the app id is the
// sheet's own. '%' and '/' inside a segment are written %25 and %2F, so
// that [ParseKey] reads every key back exactly. A sheet without an app id,
// or without any id, or with an id that is not valid UTF-8, is an error:
// it could not have a key. Times that QRS writes as 1753-01-01 ("never")
// are the zero time.
//
// Visualizations sends two requests for a whole site (apps, then sheets),
// plus one per batch of 50 owners with [ListOptions.ContactEmails].
//
// # The catalog
//
// [Client.Catalog] yields the whole site as [Entry] values: each with its
// kind, its key, its name, its relations (the keys of the entries it
// belongs to) and its content, in one field of its kind. The kinds, in the
// order they come:
//
//	kind              key                             relations                  content           requests
//	site              code                            -                          Site              none
//	stream            code/stream:ID                  -                          Stream            1  /qrs/stream/full
//	app               code/app:ID                     stream                     App               1  /qrs/app/full (shared: see below)
//	dataconnection    code/dataconnection:ID          -                          DataConnection    1  /qrs/dataconnection/full (shared with lineage)
//	reloadtask        code/reloadtask:ID              app                        ReloadTask        3  /qrs/schemaevent/full, /qrs/compositeevent/full, /qrs/reloadtask/full
//	visualization     code/appID/sheetID              app                        Visualization     1  /qrs/app/object/full?filter=objectType eq 'sheet' (or one per partition, per page with ListTable)
//	masteritem        code/masteritem:appID:ID        app                        MasterItem        1  /qrs/app/object/full?filter=objectType eq 'masterobject' or ... 'dimension' or ... 'measure'
//	table             code/table:appID:name           app                        Table             1 per app, shared by tables and fields: /api/v1/apps/{id}/data/metadata
//	field             code/field:appID:name           tables, app                Field
//
// With [CatalogOptions].Engine, each app's inside, through the Engine (see
// the next section), app by app; the calls are Engine calls:
//
//	kind              key                             relations                  content           Engine calls
//	chart             code/appID/sheetID/chartID      visualization, container,  Chart             1 per app (GetObjects); 2 per sheet (GetObject, GetLayout), 3 with ChartFields
//	                                                  master items, app                            (GetFullPropertyTree); 2 per chart (GetChild, GetLayout)
//	masterdefinition  code/masterdefinition:appID:ID  master item, master items  MasterDefinition  1 per app (GetAllInfos); 2 per dimension or measure, 3 per master visualization
//	                                                  it uses, app
//	source            code/source:type:locator        dataconnection             Source            1 per app (GetLineage), shared by sources, files and edges
//	file              code/file:location              dataconnection             File
//	lineage           code/lineage:fromKey:toKey      from, to                   Lineage
//
// The app listing is sent once for every kind that needs it (apps,
// visualizations, master items, tables and fields, the Engine's kinds, and
// reload tasks when the catalog has a scope). A whole catalog of a site of
// N apps thus sends 8 + N requests, whatever the number of sheets,
// objects, fields or rows (plus one per 50 owners with ContactEmails, one
// per batch with Partitions, one per page with ListTable). Its Engine part
// adds, for the whole catalog, one CSRF token request, and per app one
// WebSocket and one OpenDoc besides the calls above.
//
// The keys: code is the connection's code (as in every [Key]), IDs are QRS
// ids, a master item's ID is its engine object id (its QRS id when it has
// none), a table or field is named within its app, as Qlik keeps them
// unique, and a chart's ID is its object id within the app. A
// visualization's key is its [Key], three segments separated by '/'; a
// chart's is its sheet's visualization key and a fourth segment, its id;
// every other key has one or two, so that none can equal a visualization's
// or a chart's. The code segment, and each of a chart's, is escaped as in a
// Key (%25, %2F); in the second segment of the others the kind and the ids
// are separated by ':', and each id escapes '%', '/' and ':' (%25, %2F,
// %3A). A master item's definition has the ids of the master item's key. A
// file's location is its path normalized as Windows compares paths (see
// the next section); a source's type is connection, odbc, oledb, custom,
// extension or other, and its locator the connection's name, what a
// connection written in the script points at, or the extension's name,
// case folded. A lineage edge's ids are the full keys of its two ends, so
// that ParseEntryKey reads each back. [ParseEntryKey] reads every kind of
// key back into an [EntryKey]; [ParseKey] reads visualization keys only.
//
// Entries come so that a consumer can write each as it arrives: the site
// (once the site has answered), streams, apps, data connections, reload
// tasks, visualizations and master items, then each app's tables and fields,
// app by app in the order of the app listing, then, app by app, each app's
// charts, master item definitions, and the lineage nodes it names first and
// its edges. Memory grows with the apps (an index of their names and
// streams), with the triggers of reload tasks, and, with lineage, with the
// site's data connections and distinct files and sources (the keys of the
// nodes yielded), never with sheets, objects, fields, rows or edges. Data
// models are fetched [CatalogOptions].DataModelConcurrency at a time
// (default 4), and apps read through the Engine [EngineOptions].Concurrency
// at a time (default 2), fetched ahead but yielded in order. One session
// serves every request, the metadata endpoint's and every WebSocket
// included.
//
// An app whose data model cannot be read yields an [*EntryError] naming the
// app, and the catalog goes on: no data model recorded ([ErrNoDataModel]:
// 404 or an empty structure, for an app never reloaded on a release that
// records it), no right to read it ([ErrForbidden]), a server error or a
// timeout that the retries did not mend, a body that does not decode. So
// does an app whose Engine part fails (see the next section). A refused
// authentication, and every other error, ends the catalog.
//
// [CatalogOptions].Kinds chooses the kinds (the requests of the others are
// not sent) and Scope the part of the site ([Scope]: streams, apps and tags
// to include or exclude, published apps only, a QRS filter over apps). The
// apps in scope decide every kind that belongs to apps; streams are
// selected by the streams' lists; data connections belong to the site and
// are all listed. The server filters what QRS can filter (names, ids and
// streams of apps, and of the app of objects and tasks; included tags); the
// Client checks every item too, which is how excluded tags, and tags for
// objects and tasks, are applied.
//
// A [DataConnection]'s connection string is scrubbed before it is yielded:
// the values of Password=, PWD=, secrets, tokens, API keys, access and
// account keys, signatures and Authorization (any case, quoted, braced),
// user:password@ in URLs, the REST connector's credential parameters and
// headers, and what follows Bearer or Basic are replaced by xxxxx; QRS's
// password field is never decoded. [DataConnection].Target is what the
// string points at (host, port, database, DSN, driver, folder path, URL),
// for lineage. A [ReloadTask] carries its last execution (status, start,
// stop, duration, node, the failure message from the scheduler's details;
// zero times for a task never run) and its triggers, which QRS keeps as
// schema events (schedules) and composite events (task chains): they are
// listed once and joined to the tasks by task id.
//
// # Inside the apps: the Engine
//
// [CatalogOptions].Engine ([EngineOptions]) reads what only the Qlik
// Engine knows: the charts of each sheet (Charts, and their fields and
// expressions with ChartFields), the definitions of master items
// (MasterItemDefinitions) and the lineage of each app's last reload
// (Lineage). Each app in scope is opened without its data (qNoData) on a
// WebSocket of its own, closed once the app is read; Concurrency apps are
// open at once (1 to 16, default 2: an app opened without data costs the
// Engine little, but the Engine serves users meanwhile).
//
// Through a virtual proxy the WebSocket goes to wss://host[:port]/prefix/app/{appID}
// with the Client's own session cookie: the session the Client already
// has (opened first if it has none), never a new one, and never a JWT's
// Authorization header, which proxies refuse on WebSockets. Proxies since
// November 2024 ask for a CSRF token: the Client asks /qps/csrftoken once
// per session and sends the token as the qlik-csrf-token query parameter;
// a proxy that answers 404 (an older release) needs none, which the Client
// remembers. In client certificate mode the WebSocket goes directly to the
// Engine's port, wss://host:4747/app/{appID} ([WithEnginePort] changes
// 4747), with the certificate and X-Qlik-User, and no session or token.
// The Client's truststore, client certificate and proxies (http, https,
// socks5) apply to the WebSockets as to REST. A proxy that refuses the
// session on the upgrade has it replaced once, as REST does.
//
// Every Engine call, and every upgrade, has a deadline (CallTimeout,
// default 30s): the proxy does not pass pings to the Engine, so a silent
// socket is a dead one. An app whose socket falls silent, is lost, or
// whose call the Engine refuses ([EngineError]: access denied, app not
// found, ...) yields one [*EntryError] naming the app, without any of its
// Engine entries, and the catalog goes on. A proxy that refuses WebSockets
// altogether (403, 404), or that cannot be reached, ends the catalog.
// Breaking out of the loop closes every socket.
//
// Charts: each sheet's objects in the order of its cells, their type
// (barchart, table, kpi, ...), title and subtitle, and the titles of their
// dimensions and measures as the chart shows them; objects without a
// hypercube (texts, filter panes, containers) are charts too, kept with
// their type, and a container's objects follow it, naming it. A chart
// relates to its sheet's visualization, its container, the master items it
// uses (the master visualization it is linked to, its master dimensions
// and measures) and its app.
//
// Master item definitions are entries of their own, of kind
// masterdefinition, with the ids of their master item's key and a relation
// to it: master items come from one QRS listing of the whole site, their
// definitions from each app's Engine, and joining the two in one entry
// would hold the site's master items in memory.
//
// Lineage: each row of GetLineage is classified by its discriminator. A
// file, by its path: lib://Connection/path (resolved to the data
// connection named Connection, whose folder path, or URL, gives the file's
// address, [LineageFile].Resolved), a UNC or drive path, a relative path,
// or a web file's URL; its location, the id of its key, is the path with
// its case folded, / and \ alike and . and .. resolved, as Windows compares
// paths (a URL's scheme and host folded). A database or connector, by its
// data connection: LIB CONNECT TO 'name', or a connection written in the
// script (ODBC, OLEDB or CUSTOM CONNECT TO [...], keyed by what it points
// at). A server-side extension by its name; a row of a form the library
// does not know as a source of type other. A STORE's target is a file the
// app writes. Data from inside the script (INLINE, RESIDENT,
// AUTOGENERATE) comes from no source outside the app: it makes no entry.
// Each file and source is an entry, yielded the first time an app names
// it; each app's links are edges (kind lineage): From a file or source To
// the app it feeds, or From the app To the file it stores, with the rows
// behind it as evidence ([LineageStatement], at most 16 an edge). An app
// that stores x.qvd and another that loads it are thus linked through the
// file's entry: A -> x.qvd -> B. Statements and discriminators are scrubbed
// of credentials as connection strings are, before anything is read from
// them, keys included. An app that has no lineage (never reloaded, or
// without the reload right on it, which GetLineage needs) yields an
// [*EntryError] matching [ErrNoLineage] (and [ErrForbidden] for the
// right) after its charts and definitions.
//
// # Partitions
//
// With [ListOptions.Partitions], Sheets and Visualizations fetch the sheets
// of AppsPerRequest apps per request, several at once, and yield them batch
// by batch in the order of the app listing. A batch is buffered whole
// (within 1 GiB of JSON across the batches in hand) and fetched again alone
// when its body breaks off; when the batches are done, the apps are listed
// again and the sheets of apps created meanwhile are fetched the same way,
// up to three times.
//
// Retries are counted per request of the library: with [WithRetries](r), a
// listing of apps or one batch sends at most r+1 requests, whatever fails
// (a connection error, a retryable status, a body that breaks off). A
// partitioned call over B batches, where no app appears during the run,
// therefore sends at most (r+1)·(B+2) requests: the listing of apps, the B
// batches, and the last listing of apps; each round of new apps adds
// (r+1)·(its batches + 1), for at most three rounds.
//
// # Errors
//
// A response the Client cannot use is an [*APIError] with the status, the
// method and the URL path (never the query or a credential), and a message
// that says what to check. [errors.Is] matches [ErrUnauthenticated],
// [ErrForbidden], [ErrNotFound] and [ErrNoDataModel]. When the caller's
// context ends, its error is returned as it is. What a user sees, fault by
// fault (messages abridged):
//
//	the proxy redirects to its login page (302)    ErrUnauthenticated: "redirected to /hdr/internal_forms_authentication/, most likely a login page"
//	401                                            ErrUnauthenticated: "the server refused the authentication; check the header name ..."
//	an HTML page with 200                          ErrUnauthenticated: "the server answered with an HTML page where JSON was expected"
//	500 "Authentication error" (stale cookie)      session forgotten, tried once more; then ErrUnauthenticated quoting the proxy
//	the session of WithSessionCookie has ended     ErrUnauthenticated: "the session cookie X-Qlik-Session-hdr given with WithSessionCookie is no longer valid": never tried again
//	the JWT virtual proxy refuses the token (401)  ErrUnauthenticated: "check the token: signed (RS256, RS384 or RS512) by the key whose certificate ..."
//	the token of WithJWT has expired               ErrUnauthenticated: "the token of WithJWT expired at ...", before anything is sent
//	Windows: the module refuses the password       ErrUnauthenticated: "the authentication module refused the password of CORP\svc (401 after the NTLM exchange)": not sent again
//	Windows: the forms login page instead          ErrUnauthenticated: "... forms login page ... the Windows pattern "Windows" (WithWindowsUserAgent) ... mostly use "Mozilla""
//	Windows: a module that speaks only Kerberos    ErrUnauthenticated: "the authentication module offers only Negotiate without NTLM (Kerberos)"
//	Windows: a redirect off the module's path      ErrUnauthenticated: "redirected to https://other/..., which is not the site's Windows authentication module ...: nothing was sent there"
//	403 "XSRF prevention check failed"             ErrForbidden: "the server rejected the cross-site request forgery key (xrfkey)"
//	403 otherwise, also too many sessions          ErrForbidden: "access denied: ... allow list, or all the user's sessions are in use"
//	404                                            ErrNotFound: "check the URL: it takes the virtual proxy's prefix"
//	the app metadata endpoint: 404 or empty        ErrNoDataModel, not ErrNotFound: "the app has no data model recorded"
//	in a catalog, one app's data model fails       *EntryError naming the app (403, 404, 5xx or timeout after the retries, a bad body): the catalog goes on
//	Engine: an app without lineage                 *EntryError, ErrNoLineage: "GetLineage lists nothing (the app was never reloaded ...)"; ErrForbidden too for "... lineage needs the reload right on the app"
//	Engine: a call refused (access denied, 1003)   *EntryError of the app, *EngineError: "the Engine answered OpenDoc with error 1003 (app not found: ...)": the catalog goes on
//	Engine: a socket falls silent                  *EntryError of the app after EngineOptions.CallTimeout, errors.Is context.DeadlineExceeded: "GetLayout: no answer within 30s"
//	Engine: a socket reset mid-call                *EntryError of the app: "connection lost: ..."; the other apps go on
//	Engine: the proxy forgot the session           the upgrade's 500 or 401: session replaced, tried once more; then ErrUnauthenticated
//	Engine: the upgrade refused (403, 404)         *EngineError (ErrForbidden, ErrNotFound) ends the catalog: "the Engine's WebSocket was refused with HTTP 403 (check ...)"; a 403 first fetches the CSRF token again
//	400 "Cannot parse the expression"              *APIError 400: "check the filter and orderby syntax"
//	414 (URL over http.sys's limit)                *APIError 414: "the request URL is longer than the server accepts"
//	101 or another 1xx                             *APIError: "the server answered 101 (switching to protocol ...)": never read on
//	429, 500, 502, 503, 504, reset before answer   retried (WithRetries), the wait honouring Retry-After within the backoff's bounds; then the status
//	an error page echoing the request              the Client's credentials and cookies in it shown as [redacted]
//	the body breaks off (reset, closed proxy)      "the listing broke off after N items: ..."; a partition is fetched again
//	truncated JSON                                 "the listing broke off after N items: the body ended in the middle of item N+1"
//	an empty body                                  "the body is empty where a JSON array belongs"
//	an object where the listing's array belongs    "expected a JSON array, got an object"
//	anything after the array (a second array)      "the body goes on after the end of the listing's array": never dropped silently
//	a member name twice in one object              "item N: ... duplicate object member name": the decoders would disagree on which counts
//	a field of the wrong type, a date unreadable   "item N: ..." naming the field; the listing stops, no item is skipped silently
//	an integer written 1e3 or 3.0                  read as the integer; 1.5 in an integer field is "item N: ... not an integer"
//	one item over WithMaxItemSize                  "item N is larger than 33554432 bytes (WithMaxItemSize)"
//	one item of more than 100,000 JSON values      "item N holds more than 100000 JSON values" (a document: 10,000,000)
//	a sheet listing with other objects             "item N of the sheet listing is of type "story", not a sheet" (master items: the same)
//	a partition with sheets of other apps          "... a sheet of app X, which the partition did not ask for"
//	no byte from the server for WithIdleTimeout    "no data from the server for 2m0s (WithIdleTimeout)"; errors.Is context.DeadlineExceeded
//	a request longer than WithTimeout              "the request took longer than ... (WithTimeout)"; errors.Is context.DeadlineExceeded
//	certificate of an unknown authority            "the server's certificate is signed by an unknown authority (issuer ...): trust the site's CA with WithTrustStore"
//	certificate for another name                   "the server's certificate is not valid for HOST: it names qlik-node1; use a URL with one of those names"
//	https:// to a port without TLS                 "the server does not speak TLS on this port": not retried
//	a server older than TLS 1.2                    "remote error: tls: protocol version not supported"
//	port 4242 without an accepted certificate      "the server asked for a client certificate it accepts"
//	proxy refuses its credentials (407, SOCKS)     "proxy http://user:xxxxx@host:3128 refused its credentials"
//	proxy refuses the site (CONNECT 502, SOCKS)    "proxy http://host:3128 refused to connect to qlik:443 (502 Bad Gateway)"
//	proxy not reachable                            "cannot reach proxy ...: connection refused"
//	the caller's context is done                   ctx.Err() itself
//
// The idle timeout counts only the server's silence: it runs while the
// Client waits for an answer or for the next bytes of a body, never while
// the caller, a backoff or a Retry-After wait keeps the Client from reading.
//
// Bad input is refused before anything is sent: NewClient names the option
// and the fault; [LoadTrustStore] and [LoadClientCertificate] name the file
// and the fault (a missing file matches fs.ErrNotExist; a named pipe or a
// device is refused before it is read); LoadConnection names
// file:line:column. No error, log line or printed value (a Client or a
// Connection with any fmt verb) holds a password, an authentication value,
// a token, a signing key, a session cookie or a proxy password, and no
// entry or listing holds the credentials of a data connection or of a load
// script's statement.
//
// # Concurrency
//
// A Client is safe for concurrent use and should be reused: it holds the
// connection pool and the proxy session. An iterator must be used by one
// goroutine at a time.
package qrs
