package qrs

import (
	"context"
	"iter"
	"time"
)

// A Stream is where published apps live, as /qrs/stream/full describes
// it. The stream inside an App or an AppCondensed is QRS's condensed
// form: only ID and Name are set there.
type Stream struct {
	ID                 string           `json:"id"`
	Name               string           `json:"name"`
	Created            time.Time        `json:"createdDate,omitzero"`
	Modified           time.Time        `json:"modifiedDate,omitzero"`
	ModifiedByUserName string           `json:"modifiedByUserName,omitzero"` // DOMAIN\user
	Owner              User             `json:"owner,omitzero"`
	Tags               []Tag            `json:"tags,omitzero"`
	CustomProperties   []CustomProperty `json:"customProperties,omitzero"`
	SchemaPath         string           `json:"schemaPath,omitzero"`
}

var callStreams = call{"Streams", 0}

// Streams returns the streams the user may see, decoded one at a time
// from /qrs/stream/full as the loop asks for them: one request. It takes
// ListOptions.Filter and OrderBy (name eq 'Finance'); an error ends the
// sequence.
func (c *Client) Streams(ctx context.Context, opts *ListOptions) iter.Seq2[Stream, error] {
	return listing[Stream](ctx, c, "/qrs/stream/full", "", opts, callStreams)
}

// ListStreams returns every stream that Streams yields.
func (c *Client) ListStreams(ctx context.Context, opts *ListOptions) ([]Stream, error) {
	return collect(c.Streams(ctx, opts))
}
