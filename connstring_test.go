package qrs

import (
	"strings"
	"testing"
	"time"
)

// Connection strings as real sites hold them, each with its credentials
// (secrets), the string as scrubbed, and what it points at.
var connectionStrings = []struct {
	name    string
	typ     string
	in      string
	secrets []string
	want    string
	target  ConnectionTarget
}{
	{
		name: "ODBC driver, PWD=", typ: "ODBC",
		in:      `ODBC CONNECT TO [Driver={ODBC Driver 17 for SQL Server};Server=sql03.corp.example.com,1433;Database=HR;UID=hr_reader;PWD=Sup3rS3cret#ODBC;]`,
		secrets: []string{"Sup3rS3cret#ODBC"},
		want:    `ODBC CONNECT TO [Driver={ODBC Driver 17 for SQL Server};Server=sql03.corp.example.com,1433;Database=HR;UID=hr_reader;PWD=xxxxx;]`,
		target:  ConnectionTarget{Host: "sql03.corp.example.com", Port: 1433, Database: "HR", Driver: "ODBC Driver 17 for SQL Server"},
	},
	{
		name: "ODBC DSN, quoted Pwd with ; and =", typ: "ODBC",
		in:      `ODBC CONNECT TO [DSN=DWH_PROD;UID=etl;Pwd="Semi;Colon=Pa55";]`,
		secrets: []string{"Semi;Colon=Pa55", "Colon=Pa55", "Pa55"},
		want:    `ODBC CONNECT TO [DSN=DWH_PROD;UID=etl;Pwd=xxxxx;]`,
		target:  ConnectionTarget{DSN: "DWH_PROD"},
	},
	{
		name: "ODBC braced Pwd with an escaped brace", typ: "ODBC",
		in:      `ODBC CONNECT TO [Driver={PostgreSQL Unicode(x64)};Server=pg02.corp.example.com;Port=5432;Database=dwh;Uid=etl;Pwd={a;b=c}}-Kx81};]`,
		secrets: []string{"a;b=c}}-Kx81", "c}}-Kx81", "Kx81"},
		want:    `ODBC CONNECT TO [Driver={PostgreSQL Unicode(x64)};Server=pg02.corp.example.com;Port=5432;Database=dwh;Uid=etl;Pwd=xxxxx;]`,
		target:  ConnectionTarget{Host: "pg02.corp.example.com", Port: 5432, Database: "dwh", Driver: "PostgreSQL Unicode(x64)"},
	},
	{
		name: "ODBC, spaces around = and upper case", typ: "ODBC",
		in:      `ODBC CONNECT64 TO [DRIVER={MySQL ODBC 8.0 Unicode Driver};SERVER=my01;DATABASE=shop;USER=ro; PASSWORD = Up&Down!9 ;]`,
		secrets: []string{"Up&Down!9"},
		want:    `ODBC CONNECT64 TO [DRIVER={MySQL ODBC 8.0 Unicode Driver};SERVER=my01;DATABASE=shop;USER=ro; PASSWORD =xxxxx;]`,
		target:  ConnectionTarget{Host: "my01", Database: "shop", Driver: "MySQL ODBC 8.0 Unicode Driver"},
	},
	{
		name: "OLE DB, password in the middle", typ: "OLEDB",
		in:      `OLEDB CONNECT32 TO [Provider=SQLOLEDB.1;Persist Security Info=True;User ID=qlik_report;Password=Winter2024!Sales;Initial Catalog=Finance;Data Source=sql02.corp.example.com\REPORTING;Packet Size=4096]`,
		secrets: []string{"Winter2024!Sales"},
		want:    `OLEDB CONNECT32 TO [Provider=SQLOLEDB.1;Persist Security Info=True;User ID=qlik_report;Password=xxxxx;Initial Catalog=Finance;Data Source=sql02.corp.example.com\REPORTING;Packet Size=4096]`,
		target:  ConnectionTarget{Host: `sql02.corp.example.com\REPORTING`, Database: "Finance", Driver: "SQLOLEDB.1"},
	},
	{
		name: "OLE DB, password last and quoted with single quotes", typ: "OLEDB",
		in:      `OLEDB CONNECT TO [Provider=OraOLEDB.Oracle.1;Data Source=ORCL;User ID=scott;Password='ti;g''er']`,
		secrets: []string{"ti;g''er", "g''er", "ti;g"},
		want:    `OLEDB CONNECT TO [Provider=OraOLEDB.Oracle.1;Data Source=ORCL;User ID=scott;Password=xxxxx]`,
		target:  ConnectionTarget{Host: "ORCL", Driver: "OraOLEDB.Oracle.1"},
	},
	{
		name: "OLE DB, password at the very end", typ: "OLEDB",
		in:      `OLEDB CONNECT TO [Provider=MSOLEDBSQL.1;Data Source=tcp:sql9.example.com,14330;User ID=u;Pwd=Tr0ub4dor-9x3k]`,
		secrets: []string{"Tr0ub4dor-9x3k"},
		want:    `OLEDB CONNECT TO [Provider=MSOLEDBSQL.1;Data Source=tcp:sql9.example.com,14330;User ID=u;Pwd=xxxxx]`,
		target:  ConnectionTarget{Host: "sql9.example.com", Port: 14330, Driver: "MSOLEDBSQL.1"},
	},
	{
		name: "OLE DB with SSPI: nothing to scrub", typ: "OLEDB",
		in:     `OLEDB CONNECT TO [Provider=MSOLEDBSQL.1;Integrated Security=SSPI;Persist Security Info=False;Initial Catalog=HR;Data Source=sql05.corp.example.com]`,
		want:   `OLEDB CONNECT TO [Provider=MSOLEDBSQL.1;Integrated Security=SSPI;Persist Security Info=False;Initial Catalog=HR;Data Source=sql05.corp.example.com]`,
		target: ConnectionTarget{Host: "sql05.corp.example.com", Database: "HR", Driver: "MSOLEDBSQL.1"},
	},
	{
		name: "Azure storage account key with = in it", typ: "QvAzureStorageConnector.exe",
		in:      `CUSTOM CONNECT TO "provider=QvAzureStorageConnector.exe;DefaultEndpointsProtocol=https;AccountName=qlikstore;AccountKey=Zm9vYmFy+/Kq==;EndpointSuffix=core.windows.net;"`,
		secrets: []string{"Zm9vYmFy+/Kq=="},
		want:    `CUSTOM CONNECT TO "provider=QvAzureStorageConnector.exe;DefaultEndpointsProtocol=https;AccountName=qlikstore;AccountKey=xxxxx;EndpointSuffix=core.windows.net;"`,
	},
	{
		name: "Qlik ODBC connector package, a key file's password", typ: "QvOdbcConnectorPackage.exe",
		in:      `CUSTOM CONNECT TO "provider=QvOdbcConnectorPackage.exe;driver=snowflake;server=acme.snowflakecomputing.com;warehouse=WH;database=DWH;PRIV_KEY_FILE_PWD=k3y-f1le!;"`,
		secrets: []string{"k3y-f1le!"},
		want:    `CUSTOM CONNECT TO "provider=QvOdbcConnectorPackage.exe;driver=snowflake;server=acme.snowflakecomputing.com;warehouse=WH;database=DWH;PRIV_KEY_FILE_PWD=xxxxx;"`,
		target:  ConnectionTarget{Host: "acme.snowflakecomputing.com", Database: "DWH", Driver: "snowflake"},
	},
	{
		name: "JDBC connector, SQL Server", typ: "JDBCConnector_x64.exe",
		in:      `CUSTOM CONNECT TO "provider=JDBCConnector_x64.exe;driver=com.microsoft.sqlserver.jdbc.SQLServerDriver;url=jdbc:sqlserver://sql04.corp.example.com:1433;databaseName=Ops;user=jdbc_reader;password=Hx7-pW2q-LmZ4;FetchSize=200;"`,
		secrets: []string{"Hx7-pW2q-LmZ4"},
		want:    `CUSTOM CONNECT TO "provider=JDBCConnector_x64.exe;driver=com.microsoft.sqlserver.jdbc.SQLServerDriver;url=jdbc:sqlserver://sql04.corp.example.com:1433;databaseName=Ops;user=jdbc_reader;password=xxxxx;FetchSize=200;"`,
		target: ConnectionTarget{Host: "sql04.corp.example.com", Port: 1433, Database: "Ops", Driver: "com.microsoft.sqlserver.jdbc.SQLServerDriver",
			URL: "jdbc:sqlserver://sql04.corp.example.com:1433"},
	},
	{
		name: "JDBC URL with credentials in its query", typ: "JDBCConnector_x64.exe",
		in:      `CUSTOM CONNECT TO "provider=JDBCConnector_x64.exe;url=jdbc:postgresql://pg.example.com:5432/dwh?user=etl&password=S3cr3t%21&ssl=true;"`,
		secrets: []string{"S3cr3t%21", "S3cr3t"},
		want:    `CUSTOM CONNECT TO "provider=JDBCConnector_x64.exe;url=jdbc:postgresql://pg.example.com:5432/dwh?user=etl&password=xxxxx&ssl=true;"`,
		target:  ConnectionTarget{Host: "pg.example.com", Port: 5432, Database: "dwh", URL: "jdbc:postgresql://pg.example.com:5432/dwh"},
	},
	{
		name: "JDBC, Oracle thin user/password@", typ: "JDBCConnector_x64.exe",
		in:      `CUSTOM CONNECT TO "provider=JDBCConnector_x64.exe;driver=oracle.jdbc.OracleDriver;url=jdbc:oracle:thin:scott/t1ger-Xq@//ora.example.com:1521/ORCLPDB;"`,
		secrets: []string{"t1ger-Xq"},
		want:    `CUSTOM CONNECT TO "provider=JDBCConnector_x64.exe;driver=oracle.jdbc.OracleDriver;url=jdbc:oracle:thin:scott/xxxxx@//ora.example.com:1521/ORCLPDB;"`,
		target:  ConnectionTarget{Driver: "oracle.jdbc.OracleDriver"},
	},
	{
		name: "REST connector: API key parameter, bearer header", typ: "QvRestConnector.exe",
		in: `CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=https://api.example.com/v2/orders;timeout=30;method=GET;keyGenerationStrategy=0;authSchema=anonymous;` +
			`queryParameters=apiKey%2ak-7f3b2c71d4e8a6b05c1e%1format%2json;queryHeaders=Authorization%2Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln%1Accept%2application/json;PaginationType=None;"`,
		secrets: []string{"ak-7f3b2c71d4e8a6b05c1e", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", "c2ln"},
		want: `CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=https://api.example.com/v2/orders;timeout=30;method=GET;keyGenerationStrategy=0;authSchema=anonymous;` +
			`queryParameters=apiKey%2xxxxx%1format%2json;queryHeaders=Authorization%2xxxxx%1Accept%2application/json;PaginationType=None;"`,
		target: ConnectionTarget{Host: "api.example.com", URL: "https://api.example.com/v2/orders"},
	},
	{
		name: "REST connector: X-Api-Key header, basic login", typ: "QvRestConnector.exe",
		in:      `CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=https://tickets.example.com/api;authSchema=basic;userName=svc;password=B4sic-pw;queryHeaders=X-Api-Key%24d1c6f0e-key-9b2a-77e3;"`,
		secrets: []string{"4d1c6f0e-key-9b2a-77e3", "B4sic-pw"},
		want:    `CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=https://tickets.example.com/api;authSchema=basic;userName=svc;password=xxxxx;queryHeaders=X-Api-Key%2xxxxx;"`,
		target:  ConnectionTarget{Host: "tickets.example.com", URL: "https://tickets.example.com/api"},
	},
	{
		name: "REST connector: token in the URL's query", typ: "QvRestConnector.exe",
		in:      `CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=https://export.example.com/report?format=json&access_token=ghp_R2d2C3poTestTokenXk9Lm&page=1;timeout=30;"`,
		secrets: []string{"ghp_R2d2C3poTestTokenXk9Lm"},
		want:    `CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=https://export.example.com/report?format=json&access_token=xxxxx&page=1;timeout=30;"`,
		target:  ConnectionTarget{Host: "export.example.com", URL: "https://export.example.com/report"},
	},
	{
		name: "REST connector: user:password@ in the URL", typ: "QvRestConnector.exe",
		in:      `CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=https://partner_feed:Bk7hpZr2vQ@feeds.example.com:8443/v1/stock;timeout=30;"`,
		secrets: []string{"Bk7hpZr2vQ"},
		want:    `CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=https://partner_feed:xxxxx@feeds.example.com:8443/v1/stock;timeout=30;"`,
		target:  ConnectionTarget{Host: "feeds.example.com", Port: 8443, URL: "https://feeds.example.com:8443/v1/stock"},
	},
	{
		name: "web file with user:password@", typ: "internet",
		in:      `https://svc_export:UrlPa55w0rd9@files.corp.example.com/exports/daily_sales.csv?sig=AbC%2Bx9&sv=2020`,
		secrets: []string{"UrlPa55w0rd9", "AbC%2Bx9"},
		want:    `https://svc_export:xxxxx@files.corp.example.com/exports/daily_sales.csv?sig=xxxxx&sv=2020`,
		target:  ConnectionTarget{Host: "files.corp.example.com", URL: "https://files.corp.example.com/exports/daily_sales.csv"},
	},
	{
		name: "FTP URL whose password holds a colon", typ: "internet",
		in:      `ftp://loader:pa:ss@ftp.example.com/in/`,
		secrets: []string{"pa:ss"},
		want:    `ftp://loader:xxxxx@ftp.example.com/in/`,
	},
	{
		name: "MongoDB URL", typ: "QvOdbcConnectorPackage.exe",
		in:      `CUSTOM CONNECT TO "provider=QvOdbcConnectorPackage.exe;driver=mongo;url=mongodb://reader:m0ng0%40pw@mongo1.example.com:27017/sales?authSource=admin;"`,
		secrets: []string{"m0ng0%40pw", "m0ng0"},
		want:    `CUSTOM CONNECT TO "provider=QvOdbcConnectorPackage.exe;driver=mongo;url=mongodb://reader:xxxxx@mongo1.example.com:27017/sales?authSource=admin;"`,
		target:  ConnectionTarget{Host: "mongo1.example.com", Port: 27017, Driver: "mongo", URL: "mongodb://mongo1.example.com:27017/sales"},
	},
	{
		name: "Amazon S3 keys", typ: "QvWebStorageProviderConnectorPackage.exe",
		in:      `CUSTOM CONNECT TO "provider=QvWebStorageProviderConnectorPackage.exe;sourceType=AmazonS3;region=eu-west-1;bucketName=qlik-landing;accessKey=AKIAQLIKTESTACCESS01;secretKey=wJalrXUtnFEMI-K7MDENG-bPxRfiCYqlikTEST;"`,
		secrets: []string{"wJalrXUtnFEMI-K7MDENG-bPxRfiCYqlikTEST", "AKIAQLIKTESTACCESS01"},
		want:    `CUSTOM CONNECT TO "provider=QvWebStorageProviderConnectorPackage.exe;sourceType=AmazonS3;region=eu-west-1;bucketName=qlik-landing;accessKey=xxxxx;secretKey=xxxxx;"`,
		target:  ConnectionTarget{URL: "s3://qlik-landing"},
	},
	{
		name: "legacy script credentials (XPassword is ...)", typ: "ODBC",
		in:      `ODBC CONNECT32 TO [SalesDB] (XUserId is QbdNcRNMBLYKXUIGTB, XPassword is XPass-Legacy-4410);`,
		secrets: []string{"XPass-Legacy-4410"},
		want:    `ODBC CONNECT32 TO [SalesDB] (XUserId is QbdNcRNMBLYKXUIGTB, XPassword is xxxxx);`,
		target:  ConnectionTarget{DSN: "SalesDB"},
	},
	{
		name: "a script's HTTP header", typ: "QvRestConnector.exe",
		in:      `WITH CONNECTION (URL "https://crm.example.com/api", HTTPHEADER "Authorization" "Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sIgN4")`,
		secrets: []string{"eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sIgN4"},
		want:    `WITH CONNECTION (URL "https://crm.example.com/api", HTTPHEADER "Authorization" "Bearer xxxxx")`,
	},
	{
		name: "an authorization header in free text", typ: "internet",
		in:      `Authorization: Basic dXNlcjpwYXNzd29yZA== then more`,
		secrets: []string{"dXNlcjpwYXNzd29yZA=="},
		want:    `Authorization: Basic xxxxx then more`,
	},
	{
		name: "folder, UNC", typ: "folder",
		in:     `\\fs01.corp.example.com\qlik\Sales\data\`,
		want:   `\\fs01.corp.example.com\qlik\Sales\data\`,
		target: ConnectionTarget{Host: "fs01.corp.example.com", Path: `\\fs01.corp.example.com\qlik\Sales\data\`},
	},
	{
		name: "folder, drive", typ: "folder",
		in:     `D:\QlikData\QVD\Finance\`,
		want:   `D:\QlikData\QVD\Finance\`,
		target: ConnectionTarget{Path: `D:\QlikData\QVD\Finance\`},
	},
	{
		name: "names about credentials are not credentials", typ: "QvRestConnector.exe",
		in:     `CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=https://a.example.com/x;keyGenerationStrategy=0;authSchema=anonymous;tokenUrl=https://login.example.com/token;passwordType=plain;"`,
		want:   `CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=https://a.example.com/x;keyGenerationStrategy=0;authSchema=anonymous;tokenUrl=https://login.example.com/token;passwordType=plain;"`,
		target: ConnectionTarget{Host: "a.example.com", URL: "https://a.example.com/x"},
	},
	{
		name: "DSN alone", typ: "ODBC",
		in:     `ODBC CONNECT TO [Sales_DSN]`,
		want:   `ODBC CONNECT TO [Sales_DSN]`,
		target: ConnectionTarget{DSN: "Sales_DSN"},
	},
	{
		name: "a quoted password that never closes", typ: "ODBC",
		in:      `ODBC CONNECT TO [DSN=x;PWD="no-end;UID=u]`,
		secrets: []string{"no-end"},
		want:    `ODBC CONNECT TO [DSN=x;PWD=xxxxx`,
		target:  ConnectionTarget{DSN: "x"},
	},
}

func TestScrubConnectionString(t *testing.T) {
	for _, tt := range connectionStrings {
		t.Run(tt.name, func(t *testing.T) {
			got := scrubConnectionString(tt.in)
			if got != tt.want {
				t.Errorf("scrubbed\n got %s\nwant %s", got, tt.want)
			}
			for _, s := range tt.secrets {
				if strings.Contains(got, s) {
					t.Errorf("scrubbed string %q holds the secret %q", got, s)
				}
			}
			if again := scrubConnectionString(got); again != got {
				t.Errorf("scrubbing again changed it:\n got %s\nfrom %s", again, got)
			}
			if target := resolveTarget(tt.typ, got); target != tt.target {
				t.Errorf("target\n got %+v\nwant %+v", target, tt.target)
			}
		})
	}
}

// FuzzScrubConnectionString plants a secret behind a credential's name in
// any surroundings: it must never come out, and no input may panic or
// take long.
func FuzzScrubConnectionString(f *testing.F) {
	for _, tt := range connectionStrings {
		f.Add(tt.in, "PWD", "S3cretValue42")
	}
	f.Add(`CUSTOM CONNECT TO "x=`, "password", "abcdefgh1")
	f.Add("%1%2%1", "apiKey", "zzzzzzzz9")
	f.Fuzz(func(t *testing.T, around, key, secret string) {
		start := time.Now()
		out := scrubConnectionString(around)
		_ = resolveTarget("ODBC", out)
		if d := time.Since(start); d > time.Second && len(around) < 1<<16 {
			t.Fatalf("scrubbing %d bytes took %v", len(around), d)
		}
		// The planted secret: a word of letters and digits behind a
		// credential's name, after a separator.
		if len(secret) < 8 || !isWordString(secret) || !isSecretKey(key) || !isWordString(strings.ReplaceAll(key, "_", "")) {
			return
		}
		for _, in := range []string{
			around + ";" + key + "=" + secret + ";" + around,
			around + ";" + key + "=\"" + secret + "\";",
			around + ";" + key + "={" + secret + "}",
		} {
			if got := scrubConnectionString(in); strings.Contains(got, secret) && !strings.Contains(around+key, secret) {
				t.Fatalf("scrub(%q) = %q holds the secret", in, got)
			}
		}
	})
}

func isWordString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) {
			return false
		}
	}
	return s != ""
}
