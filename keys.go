package qrs

import (
	"errors"
	"fmt"
	"strings"
)

// A Key identifies a visualization (a sheet) in a catalog for as long as
// the sheet exists: the connection's code, the app's QRS id and the sheet's
// engine object id.
type Key struct {
	Code    string
	AppID   string
	SheetID string
}

// String returns code/appID/sheetID, with '%' and '/' in each segment
// percent-escaped (%25 and %2F) so that ParseKey reads it back exactly.
func (k Key) String() string {
	return escapeSegment(k.Code) + "/" + escapeSegment(k.AppID) + "/" + escapeSegment(k.SheetID)
}

// MarshalText writes the key as String does.
func (k Key) MarshalText() ([]byte, error) {
	if err := k.validate(); err != nil {
		return nil, err
	}
	return []byte(k.String()), nil
}

// UnmarshalText reads a key as ParseKey does.
func (k *Key) UnmarshalText(b []byte) error {
	key, err := ParseKey(string(b))
	if err != nil {
		return err
	}
	*k = key
	return nil
}

func (k Key) validate() error {
	if k.Code == "" || k.AppID == "" || k.SheetID == "" {
		return fmt.Errorf("qrs: key %q has an empty segment", k.String())
	}
	return nil
}

// ParseKey reads a key written by Key.String: three non-empty segments
// separated by '/', in which only %25 and %2F are escapes.
func ParseKey(s string) (Key, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return Key{}, fmt.Errorf("qrs: key %q has %d segments: want code/appID/sheetID", truncate(s, 200), len(parts))
	}
	var segs [3]string
	for i, p := range parts {
		v, err := unescapeSegment(p)
		if err != nil {
			return Key{}, fmt.Errorf("qrs: key %q, segment %d: %v", truncate(s, 200), i+1, err)
		}
		if v == "" {
			return Key{}, fmt.Errorf("qrs: key %q, segment %d is empty", truncate(s, 200), i+1)
		}
		segs[i] = v
	}
	return Key{Code: segs[0], AppID: segs[1], SheetID: segs[2]}, nil
}

func escapeSegment(s string) string {
	if !strings.ContainsAny(s, "%/") {
		return s
	}
	return strings.NewReplacer("%", "%25", "/", "%2F").Replace(s)
}

var errBadEscape = errors.New("'%' must be followed by 25 or 2F")

func unescapeSegment(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		switch {
		case strings.HasPrefix(s[i:], "%25"):
			b.WriteByte('%')
		case strings.HasPrefix(s[i:], "%2F"):
			b.WriteByte('/')
		default:
			return "", errBadEscape
		}
		i += 2
	}
	return b.String(), nil
}
