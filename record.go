package qrs

import (
	"bytes"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// sheetRecord is the part of an app object that a Visualization needs. The
// sheet listing is the hot path of an inventory: the wireReader decodes it
// from /full (wirerecord.go), skipping the rest unread, several times
// faster than decoding whole Sheets by reflection (BenchmarkDecodeSheets
// compares them), and the table reader from the rows of /table
// (tablerecord.go). Both are held equal to the reflective decoding of the
// same bytes (FuzzDecodeListing, TestWireAgreesWithJSONText).
type sheetRecord struct {
	ID             string
	Name           string
	Description    string
	EngineObjectID string
	ObjectType     string
	App            appRef
	Owner          User
	Published      bool
	Approved       bool
	PublishTime    time.Time
	Created        time.Time
	Modified       time.Time
	Tags           []string

	tag named // where each tag is read: part of the record, so not allocated per tag
}

// appRef is the part of a sheet's condensed app that the join needs.
type appRef struct {
	ID, Name  string
	Stream    named
	Published bool
}

func (s *sheetRecord) objectID() string   { return s.ID }
func (s *sheetRecord) objectKind() string { return s.ObjectType }
func (s *sheetRecord) objectApp() string  { return s.App.ID }

// ownerRef reads the fields of a condensed user that a Contact needs
// (wirerecord.go).
type ownerRef User

// named reads the name of an object such as a stream or a tag.
type named struct{ name string }

var errTooManyTags = fmt.Errorf("more than %d tags", maxItemValues)

// enterObject reads the start of an object. It returns false for null, or
// with an error for anything else that is not an object.
func enterObject(dec *jsontext.Decoder) (bool, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return false, err
	}
	switch k := tok.Kind(); k {
	case '{':
		return true, nil
	case 'n':
		return false, nil
	default:
		// What follows a '[' is left unread: the listing stops here.
		return false, wrongKind(k, "an object")
	}
}

// nextMember reads the next member's name, or the end of the object, when
// it returns more == false (with any error). The name is valid until the
// next read.
func nextMember(dec *jsontext.Decoder) (name []byte, more bool, err error) {
	if dec.PeekKind() == '}' {
		_, err := dec.ReadToken()
		return nil, false, err
	}
	v, err := dec.ReadValue()
	if err != nil {
		return nil, false, err
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return v[1 : len(v)-1], true, nil
	}
	u, _ := jsontext.AppendUnquote(nil, v)
	return u, true, nil
}

// readString reads a string, or null as "". Invalid UTF-8 is replaced,
// as the reflective decoder does.
func readString(dec *jsontext.Decoder) (string, error) { return readText(dec, false) }

// readID reads an id: a string, or null as "". Invalid UTF-8 is an error,
// not replaced: ids that differ only there would become one.
func readID(dec *jsontext.Decoder) (string, error) { return readText(dec, true) }

func readText(dec *jsontext.Decoder, strict bool) (string, error) {
	v, err := dec.ReadValue()
	if err != nil {
		return "", err
	}
	switch k := v.Kind(); k {
	case '"':
	case 'n':
		return "", nil
	default:
		return "", wrongKind(k, "a string")
	}
	if raw := v[1 : len(v)-1]; bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw), nil
	}
	// The decoder has checked the syntax, so the only error left is invalid
	// UTF-8, which AppendUnquote replaces.
	u, err := jsontext.AppendUnquote(nil, v)
	if strict && (err != nil || !utf8.Valid(u)) {
		return "", errors.New("an id that is not valid UTF-8")
	}
	return string(u), nil
}

// readBool reads true, false, or null as false.
func readBool(dec *jsontext.Decoder) (bool, error) {
	v, err := dec.ReadValue()
	if err != nil {
		return false, err
	}
	switch k := v.Kind(); k {
	case 't':
		return true, nil
	case 'f', 'n':
		return false, nil
	default:
		return false, wrongKind(k, "a boolean")
	}
}

// wrongKind says what was found where another kind of value belongs.
func wrongKind(found jsontext.Kind, want string) error {
	return fmt.Errorf("expected %s, found %s", want, kindName(found))
}
