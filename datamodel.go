package qrs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// A DataModel is an app's data model as its last reload recorded it: the
// tables and fields, their sizes and the reload's statistics, served by
// the app metadata endpoint without opening the app. Member names are
// QRS's (snake_case); keys that newer servers add and this version does
// not know are ignored.
type DataModel struct {
	ReloadMeta     ReloadMeta   `json:"reload_meta"`
	StaticByteSize int64        `json:"static_byte_size"` // the app's size in memory, without its data's working set
	Tables         []ModelTable `json:"tables"`
	Fields         []ModelField `json:"fields"`
	// HasSectionAccess says that the script sets up section access.
	HasSectionAccess bool `json:"has_section_access"`
	// IsDirectQueryMode and Usage are what newer servers add (Usage:
	// ANALYTICS, ...).
	IsDirectQueryMode bool   `json:"is_direct_query_mode"`
	Usage             string `json:"usage"`
}

// ReloadMeta is what the last reload of an app cost.
type ReloadMeta struct {
	CPUTimeMS       int64    `json:"cpu_time_spent_ms"`
	Hardware        Hardware `json:"hardware"`
	PeakMemoryBytes int64    `json:"peak_memory_bytes"` // newer servers only
}

// Hardware is the engine node that reloaded an app.
type Hardware struct {
	LogicalCores int   `json:"logical_cores"`
	TotalMemory  int64 `json:"total_memory"` // bytes
}

// A ModelTable is a table of an app's data model.
type ModelTable struct {
	Name string `json:"name"`
	// IsSystem marks Qlik's own tables ($$SysTable N): the server's
	// is_system, or a name that starts with $$SysTable.
	IsSystem   bool   `json:"is_system"`
	IsSemantic bool   `json:"is_semantic"`
	IsLoose    bool   `json:"is_loose"` // a loosely coupled table
	Rows       int64  `json:"no_of_rows"`
	Fields     int    `json:"no_of_fields"`
	KeyFields  int    `json:"no_of_key_fields"`
	Comment    string `json:"comment"`
	ByteSize   int64  `json:"byte_size"`
}

// A ModelField is a field of an app's data model.
type ModelField struct {
	Name string `json:"name"`
	// SourceTables are the tables that hold the field: more than one for
	// a key field.
	SourceTables []string `json:"src_tables"`
	// IsSystem marks Qlik's own fields ($Field, $Table, $Rows, $Fields,
	// $FieldNo, $Info): the server's is_system, or one of these names.
	IsSystem          bool   `json:"is_system"`
	IsHidden          bool   `json:"is_hidden"`
	IsSemantic        bool   `json:"is_semantic"`
	DistinctOnly      bool   `json:"distinct_only"`
	Cardinal          int64  `json:"cardinal"`    // distinct values
	TotalCount        int64  `json:"total_count"` // values over all rows
	IsLocked          bool   `json:"is_locked"`
	AlwaysOneSelected bool   `json:"always_one_selected"`
	IsNumeric         bool   `json:"is_numeric"`
	Comment           string `json:"comment"`
	// Tags are Qlik's field tags ($key, $numeric, $integer, $text,
	// $ascii, $date, $timestamp, $hidden, ...) and the script's own.
	Tags     []string `json:"tags"`
	ByteSize int64    `json:"byte_size"`
	Hash     string   `json:"hash"` // newer servers only
}

// systemFields are the fields every Qlik data model has.
var systemFields = []string{"$Field", "$Table", "$Rows", "$Fields", "$FieldNo", "$Info"}

// DataModel returns the data model of the app whose QRS id is appID, from
// GET /api/v1/apps/{appID}/data/metadata: one request, through the same
// base URL, virtual proxy, session and xrfkey as QRS, decoded within
// WithMaxItemSize bytes and 10,000,000 JSON values.
//
// An app without a recorded data model (never reloaded on a release that
// records it) gives an error matching [ErrNoDataModel], whether the
// endpoint answers 404 or an empty structure (no table and no field); a
// user whose security rules do not let them read the app gets one matching
// [ErrForbidden].
func (c *Client) DataModel(ctx context.Context, appID string) (*DataModel, error) {
	m, _, err := c.dataModel(ctx, appID)
	return m, err
}

// dataModel is DataModel; it also reports whether a failure was of the
// body (a document that does not decode), which concerns this app only.
func (c *Client) dataModel(ctx context.Context, appID string) (m *DataModel, badBody bool, err error) {
	if appID == "" || strings.Contains(appID, "/") {
		return nil, false, fmt.Errorf("qrs: DataModel: the app id %q is not an id", truncate(appID, 60))
	}
	path := "/api/v1/apps/" + appID + "/data/metadata"
	if checkPath(path) != nil {
		return nil, false, fmt.Errorf("qrs: DataModel: the app id %q has a character that a URL path cannot hold as it is", truncate(appID, 60))
	}
	resp, err := c.do(ctx, &request{path: path})
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound {
			return nil, false, noDataModel(ae.Method, ae.URL, http.StatusNotFound,
				"the app has no data model recorded: it was never reloaded on a release that records data models "+
					"(or, when no other call of the Client works either, the URL lacks the virtual proxy's prefix)")
		}
		return nil, false, err
	}
	defer resp.Close()
	m = &DataModel{}
	if err := decodeDocument(resp, &modelDoc{m: m}, c.cfg.maxItem, false); err != nil {
		if perr := ctx.Err(); perr != nil {
			return nil, false, perr
		}
		var re *readError
		return nil, !errors.As(err, &re), fmt.Errorf("qrs: %s %s: %w", resp.method, resp.path, err)
	}
	if len(m.Tables) == 0 && len(m.Fields) == 0 {
		return nil, false, noDataModel(resp.method, resp.path, resp.status,
			"the app's data model is empty: it was never reloaded on a release that records data models")
	}
	for i := range m.Tables {
		t := &m.Tables[i]
		t.IsSystem = t.IsSystem || strings.HasPrefix(t.Name, "$$SysTable")
	}
	for i := range m.Fields {
		f := &m.Fields[i]
		f.IsSystem = f.IsSystem || slices.Contains(systemFields, f.Name)
	}
	return m, false, nil
}

func noDataModel(method, path string, status int, msg string) *APIError {
	return &APIError{StatusCode: status, Method: method, URL: path, Message: msg, kind: ErrNoDataModel}
}
