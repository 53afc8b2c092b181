package qrs

import "github.com/go-json-experiment/json/jsontext"

// appRecord is what the Visualizations index keeps of an app: its id, name
// and stream. It decodes itself from /qrs/app/full by hand, skipping the
// rest (owners, custom properties, tags) unread, as sheetRecord does for
// sheets, and from the rows of /qrs/app/table (tablerecord.go).
type appRecord struct {
	ID     string
	Name   string
	Stream string // "" when the app is not published

	stream named // where the stream is read
}

// UnmarshalJSONFrom decodes one app.
func (a *appRecord) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return readMembers(dec, a)
}

func (a *appRecord) member(dec *jsontext.Decoder, name []byte) (err error) {
	switch string(name) {
	case "id":
		a.ID, err = readID(dec)
	case "name":
		a.Name, err = readString(dec)
	case "stream":
		a.stream = named{}
		err = readMembers(dec, &a.stream)
		a.Stream = a.stream.name
	default:
		err = dec.SkipValue()
	}
	return err
}
