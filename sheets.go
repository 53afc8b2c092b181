package qrs

import (
	"context"
	"iter"
	"time"
)

// A Sheet is an app object of type sheet as /qrs/app/object/full
// describes it.
type Sheet struct {
	ID                 string       `json:"id"` // the QRS id
	Name               string       `json:"name"`
	Description        string       `json:"description"`
	ObjectType         string       `json:"objectType"`
	EngineObjectID     string       `json:"engineObjectId"` // the id in the hub's sheet URLs
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

// An AppCondensed is the short form of an app that QRS puts in each app
// object.
type AppCondensed struct {
	ID                    string             `json:"id"`
	Name                  string             `json:"name"`
	Published             bool               `json:"published"`
	PublishTime           time.Time          `json:"publishTime"`
	Stream                *Stream            `json:"stream"`
	SavedInProductVersion string             `json:"savedInProductVersion"`
	MigrationHash         string             `json:"migrationHash"`
	AvailabilityStatus    AvailabilityStatus `json:"availabilityStatus"`
}

// SheetStatus is where a sheet stands in its app's life cycle.
type SheetStatus string

// The statuses of a sheet.
const (
	// StatusBase is a public sheet of a published app, part of the app
	// (approved and published).
	StatusBase SheetStatus = "base"
	// StatusCommunity is a sheet a user published to the app's community
	// (published, not approved).
	StatusCommunity SheetStatus = "community"
	// StatusPrivate is a user's own sheet ("my sheets"): neither published
	// nor approved.
	StatusPrivate SheetStatus = "private"
)

// Status returns the sheet's status from its approved and published flags:
// approved is base; published only is community, except in an unpublished
// app, where public sheets show published without approved and are base;
// neither is private.
func (s *Sheet) Status() SheetStatus {
	return sheetStatus(s.Approved, s.Published, s.App.Published)
}

func sheetStatus(approved, published, appPublished bool) SheetStatus {
	switch {
	case approved:
		return StatusBase
	case published && !appPublished:
		return StatusBase
	case published:
		return StatusCommunity
	}
	return StatusPrivate
}

// sheetFilter selects sheets among app objects.
const sheetFilter = "objectType eq 'sheet'"

// Sheets returns the sheets the user may see, decoded one at a time from
// the response: objectType eq 'sheet', and the options' filter if any. The
// request is sent when the loop starts, again for every loop; an error ends
// the sequence. It takes ListOptions.Partitions: it then lists the apps
// first and then their sheets batch by batch.
func (c *Client) Sheets(ctx context.Context, opts *ListOptions) iter.Seq2[Sheet, error] {
	return sheets[Sheet](ctx, c, opts, nil, callSheets, fullSheets[Sheet](c, opts))
}

// ListSheets returns every sheet that Sheets yields.
func (c *Client) ListSheets(ctx context.Context, opts *ListOptions) ([]Sheet, error) {
	return collect(c.Sheets(ctx, opts))
}
