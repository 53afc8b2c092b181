package testserver

import "fmt"

// Kind names a QRS entity type held by a Site.
type Kind int

// The entity types the test server lists, each at /qrs/{kind}/full and
// /qrs/{kind}/count.
const (
	KindApp            Kind = iota // /qrs/app/full
	KindAppObject                  // /qrs/app/object/full
	KindUser                       // /qrs/user/full
	KindStream                     // /qrs/stream/full
	KindDataConnection             // /qrs/dataconnection/full
	KindReloadTask                 // /qrs/reloadtask/full
	KindSchemaEvent                // /qrs/schemaevent/full: the schedule triggers of tasks
	KindCompositeEvent             // /qrs/compositeevent/full: the task-chain triggers
	numKinds
)

// kindInfo is what the server and LoadSite need to know of a kind; adding
// a kind is a line here, its schema in schema.go and its items in the Site
// implementations.
type kindInfo struct {
	path string // the path segment under /qrs/, e.g. "app/object"
	file string // the file LoadSite reads the kind's items from
}

var kinds = [numKinds]kindInfo{
	KindApp:            {"app", AppFile},
	KindAppObject:      {"app/object", AppObjectFile},
	KindUser:           {"user", UserFile},
	KindStream:         {"stream", StreamFile},
	KindDataConnection: {"dataconnection", DataConnectionFile},
	KindReloadTask:     {"reloadtask", ReloadTaskFile},
	KindSchemaEvent:    {"schemaevent", SchemaEventFile},
	KindCompositeEvent: {"compositeevent", CompositeEventFile},
}

// Site file names, as LoadSite reads them: each holds the body of the
// /full listing of its kind.
const (
	AppFile            = "app_full.json"
	AppObjectFile      = "app_object_full.json"
	UserFile           = "user_full.json"
	StreamFile         = "stream_full.json"
	DataConnectionFile = "dataconnection_full.json"
	ReloadTaskFile     = "reloadtask_full.json"
	SchemaEventFile    = "schemaevent_full.json"
	CompositeEventFile = "compositeevent_full.json"
	AboutFile          = "about.json"
	// DataModelDir is the directory of app data models: {app id}.json
	// holds the body of /api/v1/apps/{app id}/data/metadata.
	DataModelDir = "metadata"
)

// String returns the kind as it appears in QRS paths, e.g. "app/object".
func (k Kind) String() string {
	if k < 0 || k >= numKinds {
		return fmt.Sprintf("kind(%d)", int(k))
	}
	return kinds[k].path
}

// kindAt returns the kind whose path segment is p (lower case).
func kindAt(p string) (Kind, bool) {
	for k := range numKinds {
		if kinds[k].path == p {
			return k, true
		}
	}
	return 0, false
}
