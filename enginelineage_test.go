package qrs_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// Lineage rows of every form, as real reloads leave them, classified
// through the real client: files by path (lib:// resolved to its data
// connection), database and connector sources by connection, web files by
// URL, data from inside the script left out, STORE targets as outputs,
// the statements kept as evidence with their credentials scrubbed.

// withLineage is the demo's Engine with the lineage of one app replaced.
type withLineage struct {
	testserver.EngineData
	app  string
	rows []testserver.LineageRow
}

func (w withLineage) EngineApp(id string) (*testserver.EngineApp, bool) {
	a, ok := w.EngineData.EngineApp(id)
	if ok && strings.EqualFold(id, w.app) {
		a.Lineage = append([]testserver.LineageRow(nil), w.rows...)
	}
	return a, ok
}

// Credentials of the table's rows, beside testserver.LineageSecrets().
const (
	tableWebPass  = "Web-Pa55-77q"
	tableWebToken = "tok-3f9a1c0d"
	tablePgPass   = "Pg-Secret-551x"
	tableSQLPass  = "Inl1ne-Pw-902"
)

// A lineageCase is a row and what it must give: the node it names (kind
// and key, without the code), or none for data from inside the script,
// and whether the app stores it.
type lineageCase struct {
	name                     string
	discriminator, statement string
	node                     string // "" for none
	store                    bool
	check                    func(t *testing.T, e qrs.Entry)
}

func fileIs(want qrs.LineageFile) func(t *testing.T, e qrs.Entry) {
	return func(t *testing.T, e qrs.Entry) {
		t.Helper()
		if e.File == nil || *e.File != want {
			t.Errorf("file %s: %+v, want %+v", e.Key, e.File, want)
		}
	}
}

func sourceIs(typ, name string, check func(s *qrs.LineageSource) bool) func(t *testing.T, e qrs.Entry) {
	return func(t *testing.T, e qrs.Entry) {
		t.Helper()
		if s := e.Source; s == nil || s.Type != typ || s.Name != name || (check != nil && !check(s)) {
			t.Errorf("source %s: %+v, want type %s, name %q", e.Key, e.Source, typ, name)
		}
	}
}

const (
	connData      = "0e5b8f61-3c2d-4a7e-b1f9-6d2a4c8e7b13" // Data: \\fs01.corp.example.com\qlik\data\
	connSalesData = "9721eb85-1901-4f73-a2b7-3a3f40551b4d" // Sales Data: \\fileserver\share\data\
	connSalesDB   = "b7c3e9a2-5d14-4f68-8e2b-1a9c7d3f5e06" // SalesDB: ODBC CONNECT TO [SalesDB]
	connPartner   = "535160d3-a30e-4fa9-b262-003647ad1c3d" // Partner files (web): https://files.corp.example.com/exports/daily_sales.csv
)

func lineageCases() []lineageCase {
	sec := testserver.LineageSecrets()
	return []lineageCase{
		{name: "QVD by lib://", discriminator: "[lib://Data/Sales/Orders.QVD](qvd)", statement: "LOAD * FROM [lib://Data/Sales/Orders.QVD] (qvd);",
			node: "file:lib%3A%2F%2Fdata%2Fsales%2Forders.qvd",
			check: fileIs(qrs.LineageFile{Path: "lib://Data/Sales/Orders.QVD", Location: "lib://data/sales/orders.qvd", Scheme: "lib", Format: "qvd",
				Connection: "Data", ConnectionID: connData, Resolved: `\\fs01.corp.example.com\qlik\data\Sales\Orders.QVD`})},
		{name: "the same QVD, written otherwise", discriminator: `[lib://data\Sales\.\archive\..\orders.qvd](qvd)`,
			statement: `LOAD OrderId FROM [lib://data\Sales\.\archive\..\orders.qvd] (qvd);`, node: "file:lib%3A%2F%2Fdata%2Fsales%2Forders.qvd"},
		{name: "spreadsheet of a connection with a space", discriminator: "[lib://Sales Data/2024/Q1.xlsx](ooxml, embedded labels, table is Sheet1)",
			statement: "LOAD * FROM [lib://Sales Data/2024/Q1.xlsx] (ooxml, embedded labels, table is Sheet1);",
			node:      "file:lib%3A%2F%2Fsales data%2F2024%2Fq1.xlsx",
			check: fileIs(qrs.LineageFile{Path: "lib://Sales Data/2024/Q1.xlsx", Location: "lib://sales data/2024/q1.xlsx", Scheme: "lib", Format: "ooxml",
				Connection: "Sales Data", ConnectionID: connSalesData, Resolved: `\\fileserver\share\data\2024\Q1.xlsx`})},
		{name: "lib:// of a web connection", discriminator: "[lib://Partner files (web)/](txt, utf8, embedded labels, delimiter is ',')",
			statement: "LOAD * FROM [lib://Partner files (web)/] (txt, utf8, embedded labels, delimiter is ',');",
			node:      "file:lib%3A%2F%2Fpartner files (web)%2F",
			check: fileIs(qrs.LineageFile{Path: "lib://Partner files (web)/", Location: "lib://partner files (web)/", Scheme: "lib", Format: "txt",
				Connection: "Partner files (web)", ConnectionID: connPartner, Resolved: "https://files.corp.example.com/exports/daily_sales.csv"})},
		{name: "lib:// of a connection the site lacks", discriminator: "[lib://Archive (corp_jdoe)/old.csv](txt, utf8, embedded labels, delimiter is ',')",
			node: "file:lib%3A%2F%2Farchive (corp_jdoe)%2Fold.csv",
			check: fileIs(qrs.LineageFile{Path: "lib://Archive (corp_jdoe)/old.csv", Location: "lib://archive (corp_jdoe)/old.csv", Scheme: "lib", Format: "txt",
				Connection: "Archive (corp_jdoe)"})},
		{name: "UNC path", discriminator: `[\\FileServer01\Exports\Stock.csv](txt, codepage is 1252, embedded labels, delimiter is ';')`,
			statement: `LOAD * FROM [\\FileServer01\Exports\Stock.csv] (txt, codepage is 1252, embedded labels, delimiter is ';');`,
			node:      `file:\\fileserver01\exports\stock.csv`,
			check: fileIs(qrs.LineageFile{Path: `\\FileServer01\Exports\Stock.csv`, Location: `\\fileserver01\exports\stock.csv`, Scheme: "path", Format: "txt",
				Resolved: `\\FileServer01\Exports\Stock.csv`})},
		{name: "drive path with / and ..", discriminator: "[C:/QlikData/QVD/../Legacy/Prices.qvd](qvd)", node: `file:c%3A\qlikdata\legacy\prices.qvd`,
			check: fileIs(qrs.LineageFile{Path: "C:/QlikData/QVD/../Legacy/Prices.qvd", Location: `c:\qlikdata\legacy\prices.qvd`, Scheme: "path", Format: "qvd",
				Resolved: "C:/QlikData/QVD/../Legacy/Prices.qvd"})},
		{name: "relative path", discriminator: `[..\Data\local.qvd](qvd)`, node: `file:..\data\local.qvd`,
			check: fileIs(qrs.LineageFile{Path: `..\Data\local.qvd`, Location: `..\data\local.qvd`, Scheme: "relative", Format: "qvd"})},
		{name: "web file with credentials",
			discriminator: "[https://svc:" + tableWebPass + "@Files.Example.com/exports/daily.csv?token=" + tableWebToken + "&format=csv](txt, utf8, embedded labels, delimiter is ',')",
			statement:     "LOAD * FROM [https://svc:" + tableWebPass + "@Files.Example.com/exports/daily.csv?token=" + tableWebToken + "&format=csv] (txt, utf8, embedded labels, delimiter is ',');",
			node:          "file:https%3A%2F%2Ffiles.example.com%2Fexports%2Fdaily.csv?token=xxxxx&format=csv",
			check: fileIs(qrs.LineageFile{Path: "https://svc:xxxxx@Files.Example.com/exports/daily.csv?token=xxxxx&format=csv",
				Location: "https://files.example.com/exports/daily.csv?token=xxxxx&format=csv", Scheme: "web", Format: "txt",
				Resolved: "https://Files.Example.com/exports/daily.csv?token=xxxxx&format=csv"})},
		{name: "web file without brackets", discriminator: "https://data.example.org/fx/eurofxref.csv?apikey=" + sec[5] + " (txt)",
			node: "file:https%3A%2F%2Fdata.example.org%2Ffx%2Feurofxref.csv?apikey=xxxxx"},
		{name: "STORE", discriminator: "STORE - [lib://Data/Out/Summary.qvd] (qvd)", statement: "STORE Summary INTO [lib://Data/Out/Summary.qvd] (qvd);",
			node: "file:lib%3A%2F%2Fdata%2Fout%2Fsummary.qvd", store: true,
			check: fileIs(qrs.LineageFile{Path: "lib://Data/Out/Summary.qvd", Location: "lib://data/out/summary.qvd", Scheme: "lib", Format: "qvd",
				Connection: "Data", ConnectionID: connData, Resolved: `\\fs01.corp.example.com\qlik\data\Out\Summary.qvd`})},
		{name: "STORE as csv, the path in the statement only", discriminator: "STORE", statement: "STORE Facts INTO [lib://Data/Out/facts.csv] (txt);",
			node: "file:lib%3A%2F%2Fdata%2Fout%2Ffacts.csv", store: true},
		{name: "the app stores what it loads", discriminator: "STORE - [lib://DATA/sales/ORDERS.qvd] (qvd)", statement: "STORE Orders INTO [lib://DATA/sales/ORDERS.qvd] (qvd);",
			node: "file:lib%3A%2F%2Fdata%2Fsales%2Forders.qvd", store: true},
		{name: "LIB CONNECT", discriminator: "LIB CONNECT TO 'SalesDB';",
			statement: "SQL SELECT * FROM OPENROWSET('SQLNCLI', 'Server=sql05;UID=sa;PWD=" + tableSQLPass + ";', 'SELECT * FROM dbo.Orders');",
			node:      "source:connection:salesdb",
			check: sourceIs("connection", "SalesDB", func(s *qrs.LineageSource) bool {
				return s.ConnectionID == connSalesDB && s.ConnectionType == "ODBC" && s.Target.DSN == "SalesDB"
			})},
		{name: "LIB CONNECT with quotes inside", discriminator: "LIB CONNECT TO 'Bob''s DB (corp_bob)';", statement: "SQL SELECT 1;",
			node: "source:connection:bob's db (corp_bob)", check: sourceIs("connection", "Bob's DB (corp_bob)", func(s *qrs.LineageSource) bool { return s.ConnectionID == "" })},
		{name: "LIB CONNECT of a REST connection", discriminator: "LIB CONNECT TO 'CRM REST';",
			statement: `SQL SELECT "id" FROM JSON (wrap on) "root" WITH CONNECTION (URL "https://crm.example.com/api?access_token=` + sec[3] + `", HTTPHEADER "Authorization" "Bearer ` + sec[4] + `");`,
			node:      "source:connection:crm rest"},
		{name: "ODBC in the script", discriminator: "ODBC CONNECT TO [DSN=SupplyDW;UID=etl_reader;PWD=" + sec[0] + "];", statement: "SQL SELECT * FROM dbo.Carriers;",
			node: "source:odbc:dsn=supplydw", check: sourceIs("odbc", "DSN SupplyDW", func(s *qrs.LineageSource) bool {
				return s.ConnectString == "ODBC CONNECT TO [DSN=SupplyDW;UID=etl_reader;PWD=xxxxx]"
			})},
		{name: "OLEDB in the script, 32-bit", discriminator: "OLEDB CONNECT32 TO [Provider=SQLOLEDB.1;Persist Security Info=True;User ID=qlik_etl;Password=" + sec[1] +
			";Initial Catalog=Supply;Data Source=sql02.corp.example.com];", node: "source:oledb:sql02.corp.example.com%2Fsupply",
			check: sourceIs("oledb", "sql02.corp.example.com/Supply", func(s *qrs.LineageSource) bool { return s.Target.Driver == "SQLOLEDB.1" })},
		{name: "legacy ODBC with XPassword", discriminator: "ODBC CONNECT32 TO [SalesDB] (XUserId is QbdNcRNMBLYKXUIGTB, XPassword is " + sec[2] + ");",
			node: "source:odbc:dsn=salesdb", check: sourceIs("odbc", "DSN SalesDB", nil)},
		{name: "CUSTOM CONNECT", discriminator: `CUSTOM CONNECT TO "provider=QvOdbcConnectorPackage.exe;driver=postgres;host=pg01.corp.example.com;port=5432;db=dwh;password=` + tablePgPass + `;"`,
			node: "source:custom:pg01.corp.example.com%3A5432%2Fdwh", check: sourceIs("custom", "pg01.corp.example.com/dwh", nil)},
		{name: "CONNECT alone is OLE DB's", discriminator: "CONNECT TO [Provider=MSOLEDBSQL.1;Integrated Security=SSPI;Initial Catalog=HR;Data Source=sql03.corp.example.com];",
			node: "source:oledb:sql03.corp.example.com%2Fhr"},
		{name: "server-side extension", discriminator: "EXTENSION", statement: "LOAD Key, Score EXTENSION PythonSSE.Score(Facts{Key, Amount});",
			node: "source:extension:pythonsse", check: sourceIs("extension", "PythonSSE", nil)},
		{name: "a form not known", discriminator: "FROM_FIELD (Facts, Payload);", statement: "LOAD * FROM_FIELD (Facts, Payload);",
			node: "source:other:FROM_FIELD (Facts, Payload);", check: sourceIs("other", "FROM_FIELD (Facts, Payload);", nil)},
		{name: "INLINE", discriminator: "INLINE;", statement: "LOAD * INLINE [\nA, B\n1, 2\n];"},
		{name: "RESIDENT", discriminator: "RESIDENT Orders;", statement: "LOAD * RESIDENT Orders;"},
		{name: "AUTOGENERATE", discriminator: "AUTOGENERATE(365);", statement: "LOAD RecNo() AS N AUTOGENERATE 365;"},
	}
}

// tableSecrets are every credential of the table.
func tableSecrets() []string {
	return append(testserver.LineageSecrets(), tableWebPass, tableWebToken, tablePgPass, tableSQLPass)
}

func TestEngineLineageTable(t *testing.T) {
	cases := lineageCases()
	var rows []testserver.LineageRow
	for _, c := range cases {
		rows = append(rows, testserver.LineageRow{Discriminator: c.discriminator, Statement: c.statement})
	}
	data := withLineage{EngineData: testserver.DemoEngine(), app: demoKunden, rows: rows}
	_, c := startDemo(t, testserver.Config{Engine: testserver.EngineConfig{Data: data}})
	r := mustCatalog(t, c, &qrs.CatalogOptions{Scope: qrs.Scope{AppFilter: "id eq " + demoKunden},
		Kinds: []qrs.EntryKind{qrs.EntrySource, qrs.EntryFile, qrs.EntryLineage}, Engine: &qrs.EngineOptions{Lineage: true}})
	if len(r.skipped) != 0 {
		t.Errorf("entry-level errors %v", r.skipped)
	}
	nodes := map[string]qrs.Entry{}
	edges := map[string]*qrs.LineageEdge{}
	for _, e := range r.entries {
		switch e.Kind {
		case qrs.EntryLineage:
			edges[strings.TrimPrefix(e.Lineage.From.Key, "test/")+" -> "+strings.TrimPrefix(e.Lineage.To.Key, "test/")] = e.Lineage
		default:
			if _, dup := nodes[e.Key]; dup {
				t.Errorf("node %s twice", e.Key)
			}
			nodes[strings.TrimPrefix(e.Key, "test/")] = e
		}
	}
	app := "app:" + demoKunden
	wantEdges := map[string]bool{}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.node == "" {
				return // data from inside the script: no node (counted below)
			}
			e, ok := nodes[tc.node]
			if !ok {
				t.Fatalf("no node %s; nodes:\n%s", tc.node, strings.Join(keysOf(nodes), "\n"))
			}
			if tc.check != nil {
				tc.check(t, e)
			}
			edge := tc.node + " -> " + app
			if tc.store {
				edge = app + " -> " + tc.node
			}
			wantEdges[edge] = true
			l := edges[edge]
			if l == nil {
				t.Fatalf("no edge %s", edge)
			}
			found := false
			for _, st := range l.Statements {
				found = found || st.Discriminator == scrubbedLike(tc.discriminator)
			}
			if !found {
				t.Errorf("edge %s: row %d (%q) is not among its statements %+v", edge, i+1, tc.discriminator, l.Statements)
			}
		})
	}
	wantNodes := map[string]bool{}
	for _, tc := range cases {
		if tc.node != "" {
			wantNodes[tc.node] = true
		}
	}
	if len(edges) != len(wantEdges) || len(nodes) != len(wantNodes) {
		t.Errorf("%d edges and %d nodes, want %d and %d", len(edges), len(nodes), len(wantEdges), len(wantNodes))
	}
	// The loads of orders.qvd come as one edge with both statements.
	if l := edges["file:lib%3A%2F%2Fdata%2Fsales%2Forders.qvd -> "+app]; l == nil || len(l.Statements) != 2 {
		t.Errorf("the two loads of orders.qvd: %+v", l)
	}
	out, err := json.Marshal(r.entries)
	if err != nil {
		t.Fatal(err)
	}
	checkNoSecret(t, "the lineage entries", string(out)+fmt.Sprintf("%+v", r.entries), tableSecrets()...)
}

// scrubbedLike is a discriminator as the table expects it kept: its
// credentials, which the table's rows write after known names, scrubbed.
func scrubbedLike(d string) string {
	for _, s := range tableSecrets() {
		d = strings.ReplaceAll(d, s, "xxxxx")
	}
	return d
}

func keysOf(m map[string]qrs.Entry) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestEngineNoSecret runs every Engine part over the demo site and a
// generated one, whose statements hold credentials in every form, and
// greps the whole output, errors included, for every fixture secret.
func TestEngineNoSecret(t *testing.T) {
	secrets := append(testserver.LineageSecrets(), testserver.FixtureSecrets()...)
	for _, tt := range []struct {
		site  testserver.Site
		kinds []qrs.EntryKind
	}{
		{testserver.DemoSite(), nil},
		// TestCatalogNoSecret greps the rest of a generated site.
		{testserver.Generate(testserver.GenConfig{Seed: 3, Apps: 60, Sheets: 240}), engineKinds},
	} {
		_, c := startSite(t, testserver.Config{Site: tt.site})
		r := mustCatalog(t, c, &qrs.CatalogOptions{Kinds: tt.kinds, Engine: allEngine()})
		var b strings.Builder
		for _, e := range r.entries {
			js, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(js)
			fmt.Fprintf(&b, "%v %+v %#v\n", e, e, e)
			p, _ := payload(e)
			fmt.Fprintf(&b, "%+v\n", p)
		}
		statements := 0
		for _, e := range r.ofKind(qrs.EntryLineage) {
			statements += len(e.Lineage.Statements)
		}
		for _, ee := range r.skipped {
			fmt.Fprintf(&b, "%v %+v\n", ee, ee)
			var eng *qrs.EngineError
			if errors.As(ee, &eng) {
				fmt.Fprintf(&b, "%+v\n", *eng)
			}
		}
		if statements == 0 {
			t.Fatal("no statement in the output: the grep would prove nothing")
		}
		checkNoSecret(t, "the catalog", b.String(), secrets...)
	}
}
