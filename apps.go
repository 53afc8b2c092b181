package qrs

import (
	"context"
	"iter"
	"strconv"
	"time"

	"github.com/go-json-experiment/json/jsontext"
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
	AvailabilityNotApplicable     AvailabilityStatus = 0
	AvailabilityAvailable         AvailabilityStatus = 1
	AvailabilityNoActiveRoute     AvailabilityStatus = 2
	AvailabilityNoConfiguredRoute AvailabilityStatus = 3
	AvailabilityNotSynced         AvailabilityStatus = 4
	AvailabilityNotMigrated       AvailabilityStatus = 5
)

var availabilityNames = [...]string{"NotApplicable", "Available", "NoActiveRoute", "NoConfiguredRoute", "NotSynced", "NotMigrated"}

// String returns the status's name in QRS, such as Available, or the
// number of a status this version does not know.
func (s AvailabilityStatus) String() string {
	if s >= 0 && int(s) < len(availabilityNames) {
		return availabilityNames[s]
	}
	return "AvailabilityStatus(" + strconv.Itoa(int(s)) + ")"
}

// UnmarshalJSONFrom reads the status as a number, in any notation that
// writes an integer (1, 1.0, 1e0); null is 0.
func (s *AvailabilityStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	n, err := readInt(dec)
	*s = AvailabilityStatus(n)
	return err
}

// Apps returns the apps the user may see, decoded one at a time from the
// response as the loop asks for them. The request is sent when the loop
// starts, again for every loop; an error ends the sequence.
func (c *Client) Apps(ctx context.Context, opts *ListOptions) iter.Seq2[App, error] {
	return listing[App](ctx, c, "/qrs/app/full", "", opts, callApps)
}

// ListApps returns every app that Apps yields.
func (c *Client) ListApps(ctx context.Context, opts *ListOptions) ([]App, error) {
	return collect(c.Apps(ctx, opts))
}
