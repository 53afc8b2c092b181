package qrs

import (
	"context"
	"iter"
	"strings"
	"time"
)

// An AppObject is an object of an app as /qrs/app/object/full describes
// it: a sheet, a story, a master visualization, a master dimension or
// measure, a bookmark, the load script, or any other type QRS lists. A
// [Sheet] is the same thing for objects of type sheet, and converts to an
// AppObject (AppObject(sheet)).
type AppObject struct {
	ID                 string       `json:"id"` // the QRS id
	Name               string       `json:"name"`
	Description        string       `json:"description"`
	ObjectType         string       `json:"objectType"`     // such as sheet, masterobject, dimension (ObjectSheet, ...)
	EngineObjectID     string       `json:"engineObjectId"` // the id inside the app, which the Engine and the hub use
	EngineObjectType   string       `json:"engineObjectType"`
	App                AppCondensed `json:"app"`
	Owner              User         `json:"owner"`
	Published          bool         `json:"published"`
	Approved           bool         `json:"approved"`
	PublishTime        time.Time    `json:"publishTime"`
	Created            time.Time    `json:"createdDate"`
	Modified           time.Time    `json:"modifiedDate"`
	ModifiedByUserName string       `json:"modifiedByUserName"`
	ContentHash        string       `json:"contentHash"`
	Attributes         string       `json:"attributes"` // base64 of a JSON string
	Size               int64        `json:"size"`       // often -1
	Tags               []Tag        `json:"tags"`
	SourceObject       string       `json:"sourceObject"`
	DraftObject        string       `json:"draftObject"`
	SchemaPath         string       `json:"schemaPath"`
}

// Object types of QRS app objects (AppObject.ObjectType). QRS lists
// others too (app_appscript, embeddedsnapshot, ...): ObjectType holds any
// string.
const (
	ObjectSheet               = "sheet"
	ObjectStory               = "story"
	ObjectMasterVisualization = "masterobject"
	ObjectDimension           = "dimension"
	ObjectMeasure             = "measure"
	ObjectBookmark            = "bookmark"
)

// IsMasterItem reports whether the object is a master item of its app: a
// master visualization, dimension or measure (compared without regard to
// case, as QRS compares).
func (o *AppObject) IsMasterItem() bool { return isMasterItemType(o.ObjectType) }

func isMasterItemType(t string) bool {
	return strings.EqualFold(t, ObjectMasterVisualization) || strings.EqualFold(t, ObjectDimension) || strings.EqualFold(t, ObjectMeasure)
}

// masterItemFilter selects the master items among app objects.
const masterItemFilter = "(objectType eq 'masterobject' or objectType eq 'dimension' or objectType eq 'measure')"

// Status returns the object's status from its approved and published
// flags, as [Sheet.Status] does for sheets.
func (o *AppObject) Status() SheetStatus {
	return sheetStatus(o.Approved, o.Published, o.App.Published)
}

var callAppObjects = call{"AppObjects", 0}

// AppObjects returns the app objects the user may see, of every type,
// decoded one at a time from /qrs/app/object/full as the loop asks for
// them: one request. ListOptions.Filter selects, as in objectType eq
// 'masterobject' and app.id eq 9f4b...; it also takes OrderBy. On large
// sites the unfiltered listing holds every sheet and every other object:
// filter by type or by app. An error ends the sequence.
func (c *Client) AppObjects(ctx context.Context, opts *ListOptions) iter.Seq2[AppObject, error] {
	return listing[AppObject](ctx, c, objectPath, "", opts, callAppObjects)
}

// ListAppObjects returns every app object that AppObjects yields.
func (c *Client) ListAppObjects(ctx context.Context, opts *ListOptions) ([]AppObject, error) {
	return collect(c.AppObjects(ctx, opts))
}
