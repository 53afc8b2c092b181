package hocon

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Pos is a position in a file: 1-based line and column, columns counted in characters.
type Pos struct {
	File string
	Line int
	Col  int
}

// String returns "file:line:col", or a shorter form when parts are unknown.
func (p Pos) String() string {
	switch {
	case p.Line <= 0:
		return p.File
	case p.File == "":
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

// Error is a problem in a file, at a position. Its message never contains a value.
type Error struct {
	Pos Pos
	Msg string
}

// Error returns "file:line:col: message".
func (e *Error) Error() string {
	p := e.Pos.String()
	if p == "" {
		return e.Msg
	}
	return p + ": " + e.Msg
}

// Kind is the type of a [Value].
type Kind int

// The kinds of value.
const (
	KindNull Kind = iota + 1
	KindString
	KindNumber
	KindBool
	KindObject
	KindArray
)

// String returns the kind's name: "null", "string", "number", "boolean", "object" or "array".
func (k Kind) String() string {
	switch k {
	case KindNull:
		return "null"
	case KindString:
		return "string"
	case KindNumber:
		return "number"
	case KindBool:
		return "boolean"
	case KindObject:
		return "object"
	case KindArray:
		return "array"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// article returns the kind's name with "a" or "an", for messages.
func (k Kind) article() string {
	switch k {
	case KindObject, KindArray:
		return "an " + k.String()
	case KindNull:
		return "null"
	}
	return "a " + k.String()
}

// loc is where a value sits in the tree; paths are rendered from it only when needed,
// so that long keys do not make parsing quadratic.
type loc struct {
	parent *loc
	key    string
	index  int // array index, or -1 for an object field
}

func (l *loc) child(key string) *loc { return &loc{parent: l, key: key, index: -1} }

func (l *loc) elem(i int) *loc { return &loc{parent: l, index: i} }

// keys returns the path of l, and false if l lies inside an array.
func (l *loc) keys() ([]string, bool) {
	n := 0
	for c := l; c != nil; c = c.parent {
		if c.index >= 0 {
			return nil, false
		}
		n++
	}
	ks := make([]string, n)
	for c := l; c != nil; c = c.parent {
		n--
		ks[n] = c.key
	}
	return ks, true
}

func (l *loc) String() string {
	if l == nil {
		return "(root)"
	}
	var chain []*loc
	for c := l; c != nil; c = c.parent {
		chain = append(chain, c)
	}
	var b strings.Builder
	for i := len(chain) - 1; i >= 0; i-- {
		c := chain[i]
		if c.index >= 0 {
			b.WriteString("[" + strconv.Itoa(c.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(renderKey(c.key))
	}
	return b.String()
}

// renderKey writes a key segment as it could be written in a file: bare when that
// reads back as the same single segment, quoted otherwise.
func renderKey(k string) string {
	if k == "" || k == "include" {
		return strconv.Quote(k)
	}
	for i, r := range k {
		if r == '.' || r == '"' || forbidden(r) || isSpace(r) || r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) ||
			(r == '/' && i+1 < len(k) && k[i+1] == '/') {
			return strconv.Quote(k)
		}
	}
	return k
}

// maxShown is the most bytes of a name that Clip keeps.
const maxShown = 80

// Clip returns s, a key or another name that a message repeats from a file,
// cut to at most 80 bytes (at a character boundary) and ended with "…" when
// it was longer, so that no input makes a huge message.
func Clip(s string) string {
	if len(s) <= maxShown {
		return s
	}
	cut := maxShown
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// RenderPath joins key segments into a dotted path, quoting segments that need it.
func RenderPath(keys ...string) string {
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(renderKey(k))
	}
	return b.String()
}

// Value is one value read from a file. It is immutable once [Parse] returns.
type Value struct {
	kind Kind
	pos  Pos
	loc  *loc
	text string   // string content, number as written, "true"/"false", "null"
	obj  *Object  // KindObject
	arr  []*Value // KindArray
}

// Kind returns the value's type.
func (v *Value) Kind() Kind { return v.kind }

// Pos returns where the value starts in the file.
func (v *Value) Pos() Pos { return v.pos }

// Path returns the value's dotted path from the root, with [i] for array elements.
func (v *Value) Path() string { return v.loc.String() }

// IsNull reports whether the value is null.
func (v *Value) IsNull() bool { return v.kind == KindNull }

// Text returns a scalar's text: a string's content, a number as written in the file,
// "true", "false" or "null"; "" for objects and arrays.
func (v *Value) Text() string { return v.text }

// String describes the value by kind, path and position, never by content.
func (v *Value) String() string {
	if v == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%s %s at %s", v.kind, v.Path(), v.pos)
}

// GoString is String, so that %#v does not print the content either.
func (v *Value) GoString() string { return v.String() }

// Errorf returns an [*Error] at the value's position whose message starts with
// the value's path: "file:7:11: proxy.port: must be ...". Do not put the value
// itself in the message if it may be a secret.
func (v *Value) Errorf(format string, args ...any) *Error {
	return &Error{Pos: v.pos, Msg: v.Path() + ": " + fmt.Sprintf(format, args...)}
}

func (v *Value) wrongKind(want string) *Error {
	return v.Errorf("expected %s, found %s", want, v.kind.article())
}

// AsObject returns the object of an object value.
func (v *Value) AsObject() (*Object, error) {
	if v.kind != KindObject {
		return nil, v.wrongKind("an object")
	}
	return v.obj, nil
}

// AsArray returns the elements of an array value.
func (v *Value) AsArray() ([]*Value, error) {
	if v.kind != KindArray {
		return nil, v.wrongKind("an array")
	}
	return append([]*Value(nil), v.arr...), nil
}

// AsString returns a string's content, or a number or boolean as text (as HOCON's
// getString does). Null, objects and arrays are errors.
func (v *Value) AsString() (string, error) {
	switch v.kind {
	case KindString, KindNumber, KindBool:
		return v.text, nil
	}
	return "", v.wrongKind("a string")
}

// AsInt returns a whole number, from a number or from a string that is one in JSON syntax.
func (v *Value) AsInt() (int64, error) {
	switch v.kind {
	case KindNumber, KindString:
		if !isJSONInt(v.text) {
			if v.kind == KindNumber {
				return 0, v.Errorf("expected a whole number, found a fraction or exponent")
			}
			return 0, v.Errorf("expected a whole number, found a string that is not one")
		}
		n, err := strconv.ParseInt(v.text, 10, 64)
		if err != nil {
			return 0, v.Errorf("number out of range")
		}
		return n, nil
	}
	return 0, v.wrongKind("a whole number")
}

// AsFloat returns a number, from a number or from a string that is one in JSON syntax.
func (v *Value) AsFloat() (float64, error) {
	switch v.kind {
	case KindNumber, KindString:
		if !isJSONNumber(v.text) {
			return 0, v.Errorf("expected a number, found a string that is not one")
		}
		f, err := strconv.ParseFloat(v.text, 64)
		if err != nil {
			return 0, v.Errorf("number out of range")
		}
		return f, nil
	}
	return 0, v.wrongKind("a number")
}

// AsBool returns a boolean. As in HOCON, the strings "true", "yes", "on" and
// "false", "no", "off" (lower case) are booleans too.
func (v *Value) AsBool() (bool, error) {
	switch v.kind {
	case KindBool:
		return v.text == "true", nil
	case KindString:
		switch v.text {
		case "true", "yes", "on":
			return true, nil
		case "false", "no", "off":
			return false, nil
		}
		return false, v.Errorf("expected true or false (or yes/no, on/off), found a string that is none of these")
	}
	return false, v.wrongKind("a boolean")
}

// AsStrings returns an array of strings, numbers or booleans as strings.
func (v *Value) AsStrings() ([]string, error) {
	if v.kind != KindArray {
		return nil, v.wrongKind("an array")
	}
	out := make([]string, 0, len(v.arr))
	for _, e := range v.arr {
		s, err := e.AsString()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

type field struct {
	keyPos Pos
	val    *Value
}

// Object is a set of fields in the order their keys first appeared. It is
// immutable once [Parse] returns.
type Object struct {
	pos    Pos
	loc    *loc
	keys   []string
	fields map[string]*field
}

func newObject(pos Pos, l *loc) *Object {
	return &Object{pos: pos, loc: l, fields: make(map[string]*field)}
}

// set assigns key; a new key goes last, a repeated key keeps its place.
func (o *Object) set(key string, keyPos Pos, v *Value) {
	if f, ok := o.fields[key]; ok {
		f.keyPos, f.val = keyPos, v
		return
	}
	o.fields[key] = &field{keyPos: keyPos, val: v}
	o.keys = append(o.keys, key)
}

// Pos returns where the object starts: its '{', or the key that created it.
func (o *Object) Pos() Pos { return o.pos }

// Path returns the object's dotted path from the root.
func (o *Object) Path() string { return o.loc.String() }

// Len returns the number of keys.
func (o *Object) Len() int { return len(o.keys) }

// Keys returns the object's own keys in the order they first appeared.
func (o *Object) Keys() []string { return append([]string(nil), o.keys...) }

// Field returns the value of one of the object's own keys (no path splitting) and
// the position of the key where it was last assigned.
func (o *Object) Field(key string) (v *Value, keyPos Pos, ok bool) {
	f, ok := o.fields[key]
	if !ok {
		return nil, Pos{}, false
	}
	return f.val, f.keyPos, true
}

// String describes the object by path, size and position, never by content.
func (o *Object) String() string {
	if o == nil {
		return "<nil>"
	}
	return fmt.Sprintf("object %s with %d keys at %s", o.Path(), len(o.keys), o.pos)
}

// GoString is String, so that %#v does not print the content either.
func (o *Object) GoString() string { return o.String() }

var errEmptyPath = errors.New("hocon: empty path or empty path segment")

// Get returns the value at a dotted path ("proxy.port"); segments are split at
// every '.' (use [Object.Lookup] for keys that contain dots). It returns nil, nil
// when the path is not set, and an error with position when the path runs through
// a value that is not an object ("proxy = 1" when asked for "proxy.port"). A
// null on the way counts as not set; a null at the end is returned.
func (o *Object) Get(path string) (*Value, error) {
	keys := strings.Split(path, ".")
	for _, k := range keys {
		if k == "" {
			return nil, errEmptyPath
		}
	}
	return o.Lookup(keys...)
}

// Lookup is [Object.Get] with the path given as segments.
func (o *Object) Lookup(keys ...string) (*Value, error) {
	if len(keys) == 0 {
		return nil, errEmptyPath
	}
	cur := o
	for i, k := range keys {
		f, ok := cur.fields[k]
		if !ok {
			return nil, nil
		}
		if i == len(keys)-1 {
			return f.val, nil
		}
		switch f.val.kind {
		case KindObject:
			cur = f.val.obj
		case KindNull:
			return nil, nil
		default:
			return nil, f.val.Errorf("expected an object (to look up %s), found %s",
				RenderPath(keys...), f.val.kind.article())
		}
	}
	return nil, nil // not reached
}

// lookupSet finds a value for a typed getter: nil without error when not set or null.
func (o *Object) lookupSet(path string) (*Value, error) {
	v, err := o.Get(path)
	if err != nil || v == nil || v.kind == KindNull {
		return nil, err
	}
	return v, nil
}

// GetString returns the string at path, converting numbers and booleans to their
// text. ok is false when the path is not set or is null, and on error; an error
// (an [*Error] with the value's position) reports a value of the wrong type. The
// other Get methods follow the same pattern.
func (o *Object) GetString(path string) (s string, ok bool, err error) {
	v, err := o.lookupSet(path)
	if v == nil {
		return "", false, err
	}
	s, err = v.AsString()
	return s, err == nil, err
}

// GetInt returns the whole number at path (see [Value.AsInt]).
func (o *Object) GetInt(path string) (n int64, ok bool, err error) {
	v, err := o.lookupSet(path)
	if v == nil {
		return 0, false, err
	}
	n, err = v.AsInt()
	return n, err == nil, err
}

// GetFloat returns the number at path (see [Value.AsFloat]).
func (o *Object) GetFloat(path string) (f float64, ok bool, err error) {
	v, err := o.lookupSet(path)
	if v == nil {
		return 0, false, err
	}
	f, err = v.AsFloat()
	return f, err == nil, err
}

// GetBool returns the boolean at path (see [Value.AsBool]).
func (o *Object) GetBool(path string) (b bool, ok bool, err error) {
	v, err := o.lookupSet(path)
	if v == nil {
		return false, false, err
	}
	b, err = v.AsBool()
	return b, err == nil, err
}

// GetStrings returns the array of strings at path (see [Value.AsStrings]).
func (o *Object) GetStrings(path string) (ss []string, ok bool, err error) {
	v, err := o.lookupSet(path)
	if v == nil {
		return nil, false, err
	}
	ss, err = v.AsStrings()
	return ss, err == nil, err
}

// GetObject returns the object at path.
func (o *Object) GetObject(path string) (obj *Object, ok bool, err error) {
	v, err := o.lookupSet(path)
	if v == nil {
		return nil, false, err
	}
	obj, err = v.AsObject()
	return obj, err == nil, err
}

// GetDuration returns the duration at path (see [Value.AsDuration]).
func (o *Object) GetDuration(path string) (d time.Duration, ok bool, err error) {
	v, err := o.lookupSet(path)
	if v == nil {
		return 0, false, err
	}
	d, err = v.AsDuration()
	return d, err == nil, err
}

// Leaf is a value that is not a non-empty object, with the path that leads to it.
type Leaf struct {
	Keys   []string // path segments from the root
	KeyPos Pos      // where the last key was last assigned
	Value  *Value
}

// Path returns the leaf's dotted path, quoting segments that need it.
func (l Leaf) Path() string { return RenderPath(l.Keys...) }

// Leaves lists every scalar, array and empty object under o, depth first in key
// order, so that a caller can reject or warn about keys it does not know.
func (o *Object) Leaves() []Leaf {
	var out []Leaf
	o.leaves(nil, &out)
	return out
}

func (o *Object) leaves(prefix []string, out *[]Leaf) {
	for _, k := range o.keys {
		f := o.fields[k]
		keys := append(prefix[:len(prefix):len(prefix)], k)
		if f.val.kind == KindObject && len(f.val.obj.keys) > 0 {
			f.val.obj.leaves(keys, out)
			continue
		}
		*out = append(*out, Leaf{Keys: keys, KeyPos: f.keyPos, Value: f.val})
	}
}
