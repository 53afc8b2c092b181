package qrs

// The type of credentials. The connection file that holds them is read in
// connfile.go; the options that take them are in options.go.

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// A Secret holds a credential: a password or the value of an
// authentication header, from a connection file or an option. It never shows its value when it
// is printed (with any fmt verb, alone or inside a struct, a slice or a
// map, even through unexported fields), logged or encoded as JSON or text:
// it shows "[redacted]" when it is set and "" when it is not. Reveal
// returns the value. The zero Secret is unset.
//
// The value is held by a closure, which fmt and reflection-based printers
// can only show as an address; as a consequence a Secret, and a struct that
// holds one, cannot be compared with ==.
type Secret struct{ get func() string }

// NewSecret returns a Secret holding value; an empty value gives the unset
// Secret.
func NewSecret(value string) Secret {
	if value == "" {
		return Secret{}
	}
	return Secret{get: func() string { return value }}
}

// Reveal returns the secret's value, "" when it is unset.
func (s Secret) Reveal() string {
	if s.get == nil {
		return ""
	}
	return s.get()
}

// IsSet reports whether the secret holds a non-empty value.
func (s Secret) IsSet() bool { return s.get != nil }

const redacted = "[redacted]"

// String returns "[redacted]", or "" when the secret is unset.
func (s Secret) String() string {
	if s.IsSet() {
		return redacted
	}
	return ""
}

// GoString returns String quoted, for %#v.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// Format prints String for every verb (GoString for %#v, quoted for %q),
// so that no verb can print the value.
func (s Secret) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'), verb == 'q':
		io.WriteString(f, s.GoString())
	default:
		io.WriteString(f, s.String())
	}
}

// MarshalText returns String, so that JSON, XML and text encodings show
// "[redacted]" (or "" when unset) in place of the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue returns String, for log/slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
