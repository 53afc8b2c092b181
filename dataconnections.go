package qrs

import (
	"context"
	"iter"
	"strconv"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// A DataConnection is a data connection as /qrs/dataconnection/full
// describes it, with its credentials taken out: ConnectionString is
// scrubbed (see [Client.DataConnections]) and the password field of QRS is
// never decoded, so that no credential is held in memory beyond the
// decoder's buffer, and none can be printed, logged or written to a
// catalog.
type DataConnection struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Type is folder, OLEDB, ODBC, internet, or a connector's name such
	// as QvRestConnector.exe.
	Type string `json:"type"`
	// ConnectionString is the connection string with the value of every
	// credential replaced by xxxxx.
	ConnectionString string `json:"connectionstring"`
	// Target is what the connection string points at, for lineage.
	Target             ConnectionTarget `json:"target,omitzero"`
	EngineObjectID     string           `json:"engineObjectId"`
	Username           string           `json:"username"`
	LogOn              LogOnType        `json:"logOn"`
	Architecture       int              `json:"architecture"` // 0 undefined, 1 x86, 2 x64 (OLE DB and ODBC)
	Owner              User             `json:"owner"`
	Tags               []Tag            `json:"tags"`
	CustomProperties   []CustomProperty `json:"customProperties"`
	Created            time.Time        `json:"createdDate"`
	Modified           time.Time        `json:"modifiedDate"`
	ModifiedByUserName string           `json:"modifiedByUserName"`
	SchemaPath         string           `json:"schemaPath"`
}

// LogOnType says whose account a connection logs on with.
type LogOnType int

// The log-on types of QRS.
const (
	LogOnServiceUser LogOnType = 0 // the Qlik Sense service account
	LogOnCurrentUser LogOnType = 1 // the user who runs the reload
)

// String returns ServiceUser, CurrentUser, or the number of a type this
// version does not know.
func (t LogOnType) String() string {
	switch t {
	case LogOnServiceUser:
		return "ServiceUser"
	case LogOnCurrentUser:
		return "CurrentUser"
	}
	return "LogOnType(" + strconv.Itoa(int(t)) + ")"
}

var callDataConnections = call{"DataConnections", 0}

// DataConnections returns the data connections the user may see, decoded
// one at a time from /qrs/dataconnection/full as the loop asks for them:
// one request. It takes ListOptions.Filter and OrderBy; an error ends the
// sequence.
//
// Each connection string is scrubbed before it is yielded: the values of
// attributes that name a credential (Password=, PWD=, secret, token, API
// key, access or account key, signature, Authorization, in any case and
// spelling, quoted "..." or '...' or ODBC-braced {...}, or written
// "XPassword is ..."), the password of user:password@ in URLs and of
// user/password@ in Oracle thin URLs, the credentials of the REST
// connector's encoded parameters and headers, and the token after Bearer
// or Basic, each replaced by xxxxx. [DataConnection.Target] is read from
// the scrubbed string.
func (c *Client) DataConnections(ctx context.Context, opts *ListOptions) iter.Seq2[DataConnection, error] {
	return func(yield func(DataConnection, error) bool) {
		// The password of QRS has no field: it is skipped unread.
		for d, err := range listing[DataConnection](ctx, c, "/qrs/dataconnection/full", "", opts, callDataConnections) {
			if err == nil {
				d.ConnectionString = scrubConnectionString(d.ConnectionString)
				d.Target = resolveTarget(d.Type, d.ConnectionString)
			}
			if !yield(d, err) || err != nil {
				return
			}
		}
	}
}

// ListDataConnections returns every data connection that DataConnections
// yields.
func (c *Client) ListDataConnections(ctx context.Context, opts *ListOptions) ([]DataConnection, error) {
	return collect(c.DataConnections(ctx, opts))
}

// UnmarshalJSONFrom reads the type as a number, in any notation that
// writes an integer; null is 0.
func (t *LogOnType) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	n, err := readInt(dec)
	*t = LogOnType(n)
	return err
}
