package qrs

import (
	"bytes"
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
	App            appRef
	Owner          User
	Published      bool
	Approved       bool
	PublishTime    time.Time
	Created        time.Time
	Modified       time.Time
	Tags           []string
}

// appRef is the part of a sheet's condensed app that the join needs.
type appRef struct {
	ID, Name, StreamName string
	Published            bool
}

// UnmarshalJSONFrom decodes one app object.
func (s *sheetRecord) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if ok, err := enterObject(dec); !ok {
		return err
	}
	for {
		name, more, err := nextMember(dec)
		if !more {
			return err
		}
		switch string(name) {
		case "id":
			s.ID, err = readString(dec)
		case "name":
			s.Name, err = readString(dec)
		case "description":
			s.Description, err = readString(dec)
		case "engineObjectId":
			s.EngineObjectID, err = readString(dec)
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
			err = s.App.read(dec)
		case "owner":
			err = readOwner(dec, &s.Owner)
		case "tags":
			s.Tags, err = readTagNames(dec)
		default:
			err = dec.SkipValue()
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
}

func (a *appRef) read(dec *jsontext.Decoder) error {
	if ok, err := enterObject(dec); !ok {
		return err
	}
	for {
		name, more, err := nextMember(dec)
		if !more {
			return err
		}
		switch string(name) {
		case "id":
			a.ID, err = readString(dec)
		case "name":
			a.Name, err = readString(dec)
		case "published":
			a.Published, err = readBool(dec)
		case "stream":
			a.StreamName, err = readNameOf(dec)
		default:
			err = dec.SkipValue()
		}
		if err != nil {
			return err
		}
	}
}

func readOwner(dec *jsontext.Decoder, u *User) error {
	if ok, err := enterObject(dec); !ok {
		return err
	}
	for {
		name, more, err := nextMember(dec)
		if !more {
			return err
		}
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
		if err != nil {
			return err
		}
	}
}

// readNameOf reads the name member of an object such as a stream or a tag.
func readNameOf(dec *jsontext.Decoder) (string, error) {
	if ok, err := enterObject(dec); !ok {
		return "", err
	}
	var s string
	for {
		name, more, err := nextMember(dec)
		if !more {
			return s, err
		}
		if string(name) == "name" {
			s, err = readString(dec)
		} else {
			err = dec.SkipValue()
		}
		if err != nil {
			return "", err
		}
	}
}

func readTagNames(dec *jsontext.Decoder) ([]string, error) {
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
		name, err := readNameOf(dec)
		if err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	_, err = dec.ReadToken()
	return names, err
}

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

// readString reads a string, or null as "".
func readString(dec *jsontext.Decoder) (string, error) {
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
	// UTF-8, which is allowed and replaced, as the reflective decoder does.
	u, _ := jsontext.AppendUnquote(nil, v)
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
