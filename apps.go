package qrs

import (
	"context"
	"iter"
	"time"
)

// An App is an application as /qrs/app/full describes it. Fields that a
// server does not send stay zero; times that QRS writes as 1753-01-01
// ("never") are the zero time.
type App struct {
	ID                    string             `json:"id"`
	Name                  string             `json:"name"`
	Description           string             `json:"description"`
	Created               time.Time          `json:"createdDate"`
	Modified              time.Time          `json:"modifiedDate"`
	ModifiedByUserName    string             `json:"modifiedByUserName"` // DOMAIN\user
	Published             bool               `json:"published"`
	PublishTime           time.Time          `json:"publishTime"`
	Stream                *Stream            `json:"stream"` // nil when unpublished
	Owner                 User               `json:"owner"`
	Tags                  []Tag              `json:"tags"`
	CustomProperties      []CustomProperty   `json:"customProperties"`
	FileSize              int64              `json:"fileSize"`
	LastReloadTime        time.Time          `json:"lastReloadTime"`
	Thumbnail             string             `json:"thumbnail"`
	SavedInProductVersion string             `json:"savedInProductVersion"`
	MigrationHash         string             `json:"migrationHash"`
	DynamicColor          string             `json:"dynamicColor"`
	AvailabilityStatus    AvailabilityStatus `json:"availabilityStatus"`
	SourceAppID           string             `json:"sourceAppId"`
	TargetAppID           string             `json:"targetAppId"`
	LastDataDistribution  time.Time          `json:"lastDataDistribution"`
	StaticByteSize        int64              `json:"staticByteSize"`
	SchemaPath            string             `json:"schemaPath"`
}

// A Stream is where published apps live.
type Stream struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// A User is the condensed user that QRS puts in owner fields, and the user
// of /qrs/user/full with its attributes.
type User struct {
	ID                         string          `json:"id"`
	UserID                     string          `json:"userId"`
	UserDirectory              string          `json:"userDirectory"`
	UserDirectoryConnectorName string          `json:"userDirectoryConnectorName"`
	Name                       string          `json:"name"`
	Attributes                 []UserAttribute `json:"attributes,omitzero"`
}

// A UserAttribute is one attribute of a user from its user directory, such
// as email.
type UserAttribute struct {
	Type  string `json:"attributeType"`
	Value string `json:"attributeValue"`
}

// A Tag labels apps and app objects.
type Tag struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// A CustomProperty is one value of a custom property set on an app.
type CustomProperty struct {
	ID         string                   `json:"id"`
	Value      string                   `json:"value"`
	Definition CustomPropertyDefinition `json:"definition"`
}

// A CustomPropertyDefinition names a custom property and its allowed values.
type CustomPropertyDefinition struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	ValueType    string   `json:"valueType"`
	ChoiceValues []string `json:"choiceValues"`
}

// AvailabilityStatus tells whether an app can be opened on its nodes.
type AvailabilityStatus int

// The availability statuses of QRS.
const (
	NotApplicable     AvailabilityStatus = 0
	Available         AvailabilityStatus = 1
	NoActiveRoute     AvailabilityStatus = 2
	NoConfiguredRoute AvailabilityStatus = 3
	NotSynced         AvailabilityStatus = 4
	NotMigrated       AvailabilityStatus = 5
)

// ListOptions narrows and orders a listing. A nil *ListOptions means every
// item in the server's order.
type ListOptions struct {
	// Filter is QRS filter text, such as name sw 'Sales' and stream.name eq
	// 'Finance'; use Quote for string literals.
	Filter string
	// OrderBy is a property and a direction, such as name asc.
	OrderBy string
}

// query turns the options into query parameters, combining the filter with
// base (a filter the method always applies) as base and (filter).
func (o *ListOptions) query(base string) []param {
	var ps []param
	filter := base
	if o != nil && o.Filter != "" {
		if filter == "" {
			filter = o.Filter
		} else {
			filter = filter + " and (" + o.Filter + ")"
		}
	}
	if filter != "" {
		ps = append(ps, param{"filter", filter})
	}
	if o != nil && o.OrderBy != "" {
		ps = append(ps, param{"orderby", o.OrderBy})
	}
	return ps
}

// Quote returns s as a QRS string literal: in single quotes, with
// backslashes and single quotes escaped by a backslash.
func Quote(s string) string {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' || s[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return string(append(b, '\''))
}

// Apps returns the apps the user may see, decoded one at a time from the
// response as the loop asks for them. The request is sent when the loop
// starts, again for every loop; an error ends the sequence.
func (c *Client) Apps(ctx context.Context, opts *ListOptions) iter.Seq2[App, error] {
	return list[App](ctx, c, "/qrs/app/full", opts.query(""))
}

// ListApps returns every app that Apps yields.
func (c *Client) ListApps(ctx context.Context, opts *ListOptions) ([]App, error) {
	return collect(c.Apps(ctx, opts))
}

// list streams the JSON array at path: one request, one element at a time.
func list[T any](ctx context.Context, c *Client, path string, query []param) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		resp, err := c.get(ctx, path, query)
		if err != nil {
			yield(zero, err)
			return
		}
		defer resp.Close()
		dec := newArrayDecoder(resp, c.cfg.maxItem)
		for {
			var v T
			ok, err := dec.next(&v)
			if err != nil {
				yield(zero, resp.bodyError(err, dec.n))
				return
			}
			if !ok || !yield(v, nil) {
				return
			}
		}
	}
}

// collect gathers a sequence into a slice, stopping at the first error.
func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
