package testserver

import "strconv"

// Generated data connections (DataConnection of /qrs/dataconnection/full):
// folders, Qlik's ODBC, REST, JDBC-style and web-storage connectors, OLE DB,
// ODBC and web files. Some connection strings hold credentials in the forms
// real sites have them (PWD=, Password=, password=, quoted and braced
// values, bearer tokens, API keys, user:password@ in URLs, secret keys),
// always drawn from secrets.go; some password fields are not empty either.

// connKind is one way of writing a connection.
type connKind struct {
	typ    string // the type field
	word   string // the name's second part, after the department
	weight int    // how often it occurs, of the sum of all weights
	// secrets are the lists the connection string draws its credential
	// from; none: the string has no credential.
	secrets []string
	// build writes the connection string; s is the drawn secret.
	build func(c *genConn, s string) string
	// login is true for kinds that keep a user name in the username field
	// (and, on some sites, a password in the password field).
	login bool
}

var connKinds = []connKind{
	{typ: "folder", word: "Data", weight: 18, build: func(c *genConn, _ string) string {
		return `\\fs0` + c.digit(1) + `.corp.example.com\qlik\` + c.deptSlug() + `\data\`
	}},
	{typ: "folder", word: "QVDs", weight: 14, build: func(c *genConn, _ string) string {
		return []string{`C:\Data\`, `D:\QlikData\QVD\`, `E:\Shares\Qlik\`}[c.pick%3] + c.deptSlug() + `\`
	}},
	{typ: "QvOdbcConnectorPackage.exe", word: "DWH (SQL Server)", weight: 9, login: true, build: func(c *genConn, _ string) string {
		return `CUSTOM CONNECT TO "provider=QvOdbcConnectorPackage.exe;driver=sqlserver;host=sql0` + c.digit(2) +
			`.corp.example.com;port=1433;database=` + c.deptSlug() + `;SQLServerIntegratedSecurity=false;encrypt=false;"`
	}},
	{typ: "QvOdbcConnectorPackage.exe", word: "Postgres", weight: 5, login: true, build: func(c *genConn, _ string) string {
		return `CUSTOM CONNECT TO "provider=QvOdbcConnectorPackage.exe;driver=postgres;host=pg0` + c.digit(3) +
			`.corp.example.com;port=5432;db=dwh;SSLMode=prefer;UseSystemTrustStore=false;"`
	}},
	{typ: "OLEDB", word: "DB (OLE DB)", weight: 7, secrets: dbPasswords, build: func(c *genConn, s string) string {
		connect := "OLEDB CONNECT TO ["
		if c.arch == 1 {
			connect = "OLEDB CONNECT32 TO ["
		}
		return connect + `Provider=SQLOLEDB.1;Persist Security Info=True;User ID=qlik_report;Password=` + s +
			`;Initial Catalog=` + c.deptSlug() + `;Data Source=sql0` + c.digit(4) +
			`.corp.example.com;Use Procedure for Prepare=1;Auto Translate=True;Packet Size=4096;Workstation ID=QLIKSRV01]`
	}},
	{typ: "OLEDB", word: "HR DB (SSPI)", weight: 4, build: func(c *genConn, _ string) string {
		return `OLEDB CONNECT TO [Provider=MSOLEDBSQL.1;Integrated Security=SSPI;Persist Security Info=False;Initial Catalog=` +
			c.deptSlug() + `;Data Source=sql0` + c.digit(5) + `.corp.example.com]`
	}},
	{typ: "OLEDB", word: "Ledger (quoted)", weight: 2, secrets: quotedPasswords, build: func(c *genConn, s string) string {
		return `OLEDB CONNECT TO [Provider=MSOLEDBSQL.1;Data Source=sql0` + c.digit(6) +
			`.corp.example.com;Initial Catalog=Ledger;User ID=ledger_ro;Password="` + s + `"]`
	}},
	{typ: "ODBC", word: "Ops (ODBC)", weight: 5, secrets: dbPasswords, build: func(c *genConn, s string) string {
		return `ODBC CONNECT TO [Driver={ODBC Driver 17 for SQL Server};Server=sql0` + c.digit(7) +
			`.corp.example.com;Database=Ops;UID=ops_reader;PWD=` + s + `;]`
	}},
	{typ: "ODBC", word: "DSN (quoted)", weight: 2, secrets: quotedPasswords, build: func(c *genConn, s string) string {
		return `ODBC CONNECT TO [DSN=DWH_PROD;UID=etl;Pwd="` + s + `";]`
	}},
	{typ: "ODBC", word: "Postgres (ODBC)", weight: 2, secrets: quotedPasswords, build: func(c *genConn, s string) string {
		return `ODBC CONNECT TO [Driver={PostgreSQL Unicode(x64)};Server=pg0` + c.digit(8) +
			`.corp.example.com;Port=5432;Database=dwh;Uid=etl;Pwd={` + s + `};]`
	}},
	{typ: "ODBC", word: "DSN", weight: 4, login: true, build: func(c *genConn, _ string) string {
		return `ODBC CONNECT TO [` + c.deptSlug() + `_DSN]`
	}},
	{typ: "QvRestConnector.exe", word: "REST API", weight: 4, secrets: bearerTokens, build: func(c *genConn, s string) string {
		return restString(`https://api.`+c.deptSlug()+`.example.com/v2/orders`, "anonymous", "",
			"Authorization%2Bearer "+s+"%1Accept%2application/json")
	}},
	{typ: "QvRestConnector.exe", word: "REST (API key)", weight: 3, secrets: apiKeys, build: func(c *genConn, s string) string {
		return restString(`https://data.example.com/api/v1/rates`, "anonymous", "apiKey%2"+s, "")
	}},
	{typ: "QvRestConnector.exe", word: "Export (token)", weight: 2, secrets: bearerTokens, build: func(c *genConn, s string) string {
		return restString(`https://export.example.com/report?format=json&token=`+s, "anonymous", "", "")
	}},
	{typ: "QvRestConnector.exe", word: "Tickets API", weight: 2, secrets: apiKeys, build: func(c *genConn, s string) string {
		return restString(`https://tickets.example.com/api/search`, "anonymous", "", "X-Api-Key%2"+s)
	}},
	{typ: "QvRestConnector.exe", word: "Partner feed", weight: 2, secrets: urlPasswords, build: func(c *genConn, s string) string {
		return restString(`https://partner_feed:`+s+`@feeds.example.com/v1/stock`, "anonymous", "", "")
	}},
	{typ: "internet", word: "Web file", weight: 3, secrets: urlPasswords, build: func(c *genConn, s string) string {
		return `https://svc_export:` + s + `@files.corp.example.com/exports/` + c.deptSlug() + `.csv`
	}},
	{typ: "internet", word: "Exchange rates", weight: 3, build: func(c *genConn, _ string) string {
		return `https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip`
	}},
	{typ: "JDBCConnector_x64.exe", word: "JDBC", weight: 3, secrets: dbPasswords, build: func(c *genConn, s string) string {
		return `CUSTOM CONNECT TO "provider=JDBCConnector_x64.exe;driver=com.microsoft.sqlserver.jdbc.SQLServerDriver;url=jdbc:sqlserver://sql0` +
			c.digit(9) + `.corp.example.com:1433;databaseName=Ops;user=jdbc_reader;password=` + s + `;FetchSize=200;"`
	}},
	{typ: "QvWebStorageProviderConnectorPackage.exe", word: "S3 landing", weight: 3, secrets: cloudSecretKeys, build: func(c *genConn, s string) string {
		return `CUSTOM CONNECT TO "provider=QvWebStorageProviderConnectorPackage.exe;sourceType=AmazonS3;region=eu-west-1;bucketName=qlik-landing-` +
			c.deptSlug() + `;accessKey=AKIAQLIKTESTACCESS01;secretKey=` + s + `;"`
	}},
	{typ: "QvSalesforceConnector.exe", word: "Salesforce", weight: 3, build: func(c *genConn, _ string) string {
		return `CUSTOM CONNECT TO "provider=QvSalesforceConnector.exe;loginUrl=https://login.salesforce.com;apiVersion=58.0;"`
	}},
}

var connWeightSum = func() int {
	n := 0
	for _, k := range connKinds {
		n += k.weight
	}
	return n
}()

// restString writes a QvRestConnector.exe connection string; its query
// parameters and headers are name%2value pairs joined by %1.
func restString(url, auth, params, headers string) string {
	return `CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=` + url +
		`;timeout=30;method=GET;httpProtocol=1.1;isKeepAlive=true;bodyEncoding=UTF-8;sendExpect100Continue=true;` +
		`autoDetectResponseType=true;checkResponseTypeOnTestConnection=true;keyGenerationStrategy=0;authSchema=` + auth +
		`;skipServerCertificateValidation=false;useCertificate=No;certificateStoreLocation=CurrentUser;certificateStoreName=My;` +
		`trustedLocations=;queryParameters=` + params + `;addMissingQueryParametersToFinalRequest=false;queryHeaders=` + headers +
		`;PaginationType=None;allowResponseHeaders=false;allowHttpsOnly=false;"`
}

type genConn struct {
	g                 *GenSite
	index             int
	id, engineID      guidText
	hasEngineID       bool
	kind              int
	pick              int // varies hosts and paths
	secret            string
	username          string
	password          string
	logOn, arch       int
	owner             int
	created, modified int64
	tags              [3]int
	ntags             int
	cps               cpSet
}

func connCursor(g *GenSite) func(int) Item {
	var c genConn
	return func(i int) Item { g.fillConn(&c, i); return &c }
}

func (g *GenSite) fillConn(c *genConn, i int) {
	*c = genConn{g: g, index: i, id: g.itemGUID(dConn, i)}
	r := g.rng(dConn, uint64(i))
	w := r.intn(connWeightSum)
	for c.kind = 0; w >= connKinds[c.kind].weight; c.kind++ {
		w -= connKinds[c.kind].weight
	}
	k := &connKinds[c.kind]
	c.pick = r.intn(1 << 20)
	if len(k.secrets) > 0 {
		c.secret = k.secrets[r.intn(len(k.secrets))]
	}
	if k.login {
		c.username = loginNames[r.intn(len(loginNames))]
		// Qlik's examples show an empty password; some sites send one.
		if r.chance(0.25) {
			c.password = dbPasswords[r.intn(len(dbPasswords))]
		}
	}
	if k.typ == "OLEDB" || k.typ == "ODBC" {
		if r.chance(0.1) {
			c.logOn = 1
		}
		c.arch = []int{0, 0, 0, 1, 2}[r.intn(5)]
	}
	if c.hasEngineID = r.chance(0.85); c.hasEngineID {
		c.engineID = g.hashGUID(dConn, uint64(i))
	}
	c.owner = r.intn(g.cfg.Users)
	c.created = epochMillis - int64(r.intn(500))*dayMillis + int64(r.intn(dayMillis))
	c.modified = c.created + int64(r.intn(1200))*dayMillis + int64(r.intn(dayMillis))
	c.tags, c.ntags = drawTags(&r, 2)
	c.cps = drawCPs(&r, cpKey(KindDataConnection, i))
}

// digit varies a host name's number with the connection.
func (c *genConn) digit(salt int) string { return strconv.Itoa(1 + (c.pick>>salt+c.index)%9) }

func (c *genConn) deptSlug() string {
	b := []byte(departments[c.index%len(departments)])
	out := b[:0]
	for _, x := range b {
		if x >= 'a' && x <= 'z' || x >= 'A' && x <= 'Z' || x >= '0' && x <= '9' {
			out = append(out, x)
		}
	}
	return string(out)
}

// name is unique: the department cycles with the index and a number
// follows from the second round on.
func (c *genConn) name() string {
	n := departments[c.index%len(departments)] + " " + connKinds[c.kind].word
	if c.index >= len(departments) {
		n += " " + strconv.Itoa(c.index/len(departments)+1)
	}
	return n
}

func (c *genConn) connectionString() string { return connKinds[c.kind].build(c, c.secret) }

func (c *genConn) engineObjectID() string {
	if !c.hasEngineID {
		return ""
	}
	return string(c.engineID[:])
}

// Field implements Object, for DataConnection properties.
func (c *genConn) Field(name string) (any, bool) {
	switch name {
	case "id":
		return string(c.id[:]), true
	case "name":
		return c.name(), true
	case "connectionstring":
		return c.connectionString(), true
	case "type":
		return connKinds[c.kind].typ, true
	case "engineobjectid":
		return c.engineObjectID(), true
	case "username":
		return c.username, true
	case "password":
		return c.password, true
	case "logon":
		return int64(c.logOn), true
	case "architecture":
		return int64(c.arch), true
	case "createddate":
		return timeString(c.created), true
	case "modifieddate":
		return timeString(c.modified), true
	case "modifiedbyusername":
		return c.g.userName(c.owner), true
	case "owner":
		u := &genUser{}
		c.g.fillUser(u, c.owner)
		return u, true
	case "tags":
		return c.g.tagObjects(c.tags[:c.ntags]), true
	case "customproperties":
		return c.g.cpObjects(&c.cps), true
	}
	return nil, false
}

// AppendJSON implements Item: the DataConnection entity of
// /qrs/dataconnection/full.
func (c *genConn) AppendJSON(dst []byte) []byte {
	g := c.g
	dst = append(dst, `{"id":`...)
	dst = appendGUID(dst, &c.id)
	dst = append(dst, `,"createdDate":`...)
	dst = appendTime(dst, c.created)
	dst = append(dst, `,"modifiedDate":`...)
	dst = appendTime(dst, c.modified)
	dst = append(dst, `,"modifiedByUserName":`...)
	dst = g.appendUserName(dst, c.owner)
	dst = append(dst, `,"customProperties":`...)
	dst = g.appendCPs(dst, &c.cps, c.created, c.owner)
	dst = append(dst, `,"owner":`...)
	dst = g.appendOwner(dst, c.owner)
	dst = append(dst, `,"name":`...)
	dst = appendString(dst, c.name())
	dst = append(dst, `,"connectionstring":`...)
	dst = appendString(dst, c.connectionString())
	dst = append(dst, `,"type":`...)
	dst = appendString(dst, connKinds[c.kind].typ)
	dst = append(dst, `,"engineObjectId":`...)
	dst = appendString(dst, c.engineObjectID())
	dst = append(dst, `,"username":`...)
	dst = appendString(dst, c.username)
	dst = append(dst, `,"password":`...)
	dst = appendString(dst, c.password)
	dst = append(dst, `,"logOn":`...)
	dst = appendInt(dst, int64(c.logOn))
	dst = append(dst, `,"architecture":`...)
	dst = appendInt(dst, int64(c.arch))
	dst = append(dst, `,"tags":`...)
	dst = g.appendTags(dst, c.tags[:c.ntags])
	return append(dst, `,"privileges":null,"schemaPath":"DataConnection"}`...)
}
