package qrs

import (
	"bytes"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// sheetRecord is the part of an app object that a Visualization needs. It
// decodes itself field by field from the token stream, skipping the rest
// unread: the sheet listing is the hot path of an inventory, and this runs
// at about twice the speed of decoding whole Sheets by reflection
// (BenchmarkVisualizations; BenchmarkDecodeSheets compares them).
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

// UnmarshalJSONFrom decodes one app object.
func (s *sheetRecord) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return readMembers(dec, s)
}

// A memberReader decodes the members of one JSON object that it knows
// and skips the others; readMembers walks the object for it.
type memberReader interface {
	// member consumes the value of the member with the given name.
	member(dec *jsontext.Decoder, name []byte) error
}

// readMembers reads an object, or null, member by member into r. An error
// is prefixed with the member's name, so that nested errors read as paths.
func readMembers(dec *jsontext.Decoder, r memberReader) error {
	if ok, err := enterObject(dec); !ok {
		return err
	}
	for {
		name, more, err := nextMember(dec)
		if !more {
			return err
		}
		if err := r.member(dec, name); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
}

func (s *sheetRecord) member(dec *jsontext.Decoder, name []byte) (err error) {
	switch string(name) {
	case "id":
		s.ID, err = readID(dec)
	case "name":
		s.Name, err = readString(dec)
	case "description":
		s.Description, err = readString(dec)
	case "engineObjectId":
		s.EngineObjectID, err = readID(dec)
	case "objectType":
		s.ObjectType, err = readString(dec)
	case "published":
		s.Published, err = readBool(dec)
	case "approved":
		s.Approved, err = readBool(dec)
	case "publishTime":
		err = unmarshalTime(dec, &s.PublishTime)
	case "createdDate":
		err = unmarshalTime(dec, &s.Created)
	case "modifiedDate":
		err = unmarshalTime(dec, &s.Modified)
	case "app":
		err = readMembers(dec, &s.App)
	case "owner":
		err = readMembers(dec, (*ownerRef)(&s.Owner))
	case "tags":
		s.Tags, err = readTagNames(dec, &s.tag)
	default:
		err = dec.SkipValue()
	}
	return err
}

func (a *appRef) member(dec *jsontext.Decoder, name []byte) (err error) {
	switch string(name) {
	case "id":
		a.ID, err = readID(dec)
	case "name":
		a.Name, err = readString(dec)
	case "published":
		a.Published, err = readBool(dec)
	case "stream":
		a.Stream = named{}
		err = readMembers(dec, &a.Stream)
	default:
		err = dec.SkipValue()
	}
	return err
}

// ownerRef reads the fields of a condensed user that a Contact needs.
type ownerRef User

func (u *ownerRef) member(dec *jsontext.Decoder, name []byte) (err error) {
	switch string(name) {
	case "id":
		u.ID, err = readString(dec)
	case "userId":
		u.UserID, err = readString(dec)
	case "userDirectory":
		u.UserDirectory, err = readString(dec)
	case "name":
		u.Name, err = readString(dec)
	default:
		err = dec.SkipValue()
	}
	return err
}

// named reads the name of an object such as a stream or a tag.
type named struct{ name string }

func (n *named) member(dec *jsontext.Decoder, name []byte) (err error) {
	if string(name) == "name" {
		n.name, err = readString(dec)
		return err
	}
	return dec.SkipValue()
}

// readTagNames reads an array of tags, or null, keeping their names; each
// tag is read into scratch.
func readTagNames(dec *jsontext.Decoder, scratch *named) ([]string, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch k := tok.Kind(); k {
	case 'n':
		return nil, nil
	case '[':
	default:
		return nil, wrongKind(k, "an array")
	}
	var names []string
	for dec.PeekKind() != ']' {
		if len(names) == maxItemValues {
			return nil, errTooManyTags
		}
		*scratch = named{}
		if err := readMembers(dec, scratch); err != nil {
			return nil, err
		}
		names = append(names, scratch.name)
	}
	_, err = dec.ReadToken()
	return names, err
}

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
