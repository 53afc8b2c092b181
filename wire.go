package qrs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// wireReader reads the hot path's JSON (the sheet listing of /full) byte
// by byte from a buffer, decoding the members a record asks for and
// skipping the rest without building tokens. It is as strict as the
// jsontext decoder of the other listings: RFC 8259 syntax, at most
// maxWireDepth levels, and a member name given twice in any object,
// skipped or not, is an error; invalid UTF-8 is tolerated in strings and
// replaced where a string is kept (decodeOptions), except in ids. jsontext
// spends most of the listing's time on the members nobody reads; this
// reads them at memory speed (BenchmarkDecodeSheets).
type wireReader struct {
	r    io.Reader
	buf  []byte
	pos  int   // the next byte
	end  int   // the end of the bytes read
	mark int   // bytes from here on stay in the buffer (the current item)
	rerr error // why the reader gave no more: io.EOF, or a failure

	names  []wireName // the member names of the open objects
	arena  []byte     // unquoted member names that had escapes
	intern map[string]string
}

// A wireName is a member name of an open object: its bytes, relative to
// the mark (or, when unquoted from escapes, in the arena), and a hash.
type wireName struct {
	off, n int32
	hash   uint32
	arena  bool
}

// maxWireDepth bounds the nesting of values, as jsontext does.
const maxWireDepth = 10000

// wireRead is the size of the reads once a listing is under way.
const wireRead = 64 << 10

// maxInterned bounds the strings kept for reuse.
const maxInterned = 4096

func newWireReader(r io.Reader) *wireReader {
	return &wireReader{r: r, buf: make([]byte, 4<<10), intern: make(map[string]string)}
}

// fill reads more bytes, keeping those from the mark on. It returns how
// far the kept bytes moved back, or false when there are no more (rerr).
func (w *wireReader) fill() (int, bool) {
	if w.rerr != nil {
		return 0, false
	}
	shift := w.mark
	if shift > 0 {
		copy(w.buf, w.buf[shift:w.end])
		w.pos -= shift
		w.end -= shift
		w.mark = 0
	}
	// Grow when full, or, up to wireRead, when less than half is free:
	// reads of wireRead bytes, while small listings stay small.
	if w.end == len(w.buf) || len(w.buf) < wireRead && w.end > len(w.buf)/2 {
		w.buf = append(w.buf[:w.end], make([]byte, len(w.buf))...)
		w.buf = w.buf[:cap(w.buf)]
	}
	for {
		n, err := w.r.Read(w.buf[w.end:])
		w.end += n
		if err != nil {
			w.rerr = err
			return shift, n > 0
		}
		if n > 0 {
			return shift, true
		}
	}
}

// short is the error of a value that the bytes ended in.
func (w *wireReader) short() error {
	if w.rerr == nil || errors.Is(w.rerr, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return w.rerr
}

// peek skips white space and returns the next byte.
func (w *wireReader) peek() (byte, error) {
	for {
		for w.pos < w.end {
			switch c := w.buf[w.pos]; c {
			case ' ', '\t', '\n', '\r':
				w.pos++
			default:
				return c, nil
			}
		}
		if _, ok := w.fill(); !ok {
			return 0, w.short()
		}
	}
}

// atEOF skips white space and reports whether the bytes ended there; a
// failure to read is returned.
func (w *wireReader) atEOF() (bool, error) {
	_, err := w.peek()
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, io.ErrUnexpectedEOF):
		return true, nil
	}
	return false, err
}

func invalid(c byte, where string) error {
	return fmt.Errorf("invalid character %q %s", c, where)
}

// wireKind names what a value that starts with c is, as jsontext does.
func wireKind(c byte) jsontext.Kind {
	switch c {
	case '{', '[', '"', 'n', 't', 'f':
		return jsontext.Kind(c)
	}
	return '0'
}

// SWAR masks: the bytes of a word that are below 0x20, a quote or a
// backslash have their high bit set in special.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

func special(x uint64) uint64 {
	lt := (x - ones*0x20) &^ x
	q := x ^ ones*'"'
	b := x ^ ones*'\\'
	return (lt | (q-ones)&^q | (b-ones)&^b) & highs
}

// str reads the string that starts at pos: it returns where its contents
// lie (between the quotes), and whether they hold escapes or bytes beyond
// ASCII. Escapes are checked, and control characters refused.
func (w *wireReader) str() (start, end int, escaped, wide bool, err error) {
	w.pos++ // the opening quote
	start = w.pos
	for {
		i := w.pos
		for i+8 <= w.end {
			x := binary.LittleEndian.Uint64(w.buf[i:])
			wide = wide || x&highs != 0
			if special(x) != 0 {
				break
			}
			i += 8
		}
		for ; i < w.end; i++ {
			c := w.buf[i]
			if c >= 0x80 {
				wide = true
				continue
			}
			if c >= 0x20 && c != '"' && c != '\\' {
				continue
			}
			if c == '"' {
				w.pos = i + 1
				return start, i, escaped, wide, nil
			}
			if c < 0x20 {
				return 0, 0, false, false, invalid(c, "in a string (a control character must be escaped)")
			}
			// An escape: it must be whole in the buffer to be checked.
			if i+6 > w.end && w.rerr == nil {
				break
			}
			escaped = true
			n, err := escapeLen(w.buf[i:w.end])
			if err != nil {
				if errors.Is(err, io.ErrUnexpectedEOF) {
					return 0, 0, false, false, w.short()
				}
				return 0, 0, false, false, err
			}
			i += n - 1
		}
		w.pos = i
		shift, ok := w.fill()
		start -= shift
		if !ok {
			return 0, 0, false, false, w.short()
		}
	}
}

// escapeLen checks the escape at the start of b and returns its length.
func escapeLen(b []byte) (int, error) {
	if len(b) < 2 {
		return 0, io.ErrUnexpectedEOF
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, nil
	case 'u':
		if len(b) < 6 {
			return 0, io.ErrUnexpectedEOF
		}
		for _, c := range b[2:6] {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return 0, invalid(c, `in a \u escape`)
			}
		}
		return 6, nil
	}
	return 0, invalid(b[1], "after a backslash in a string")
}

// need makes n bytes from pos available, unless the bytes end first.
func (w *wireReader) need(n int) bool {
	for w.end-w.pos < n {
		if _, ok := w.fill(); !ok {
			return false
		}
	}
	return true
}

// literal reads true, false or null.
func (w *wireReader) literal(lit string) error {
	if !w.need(len(lit)) {
		for i, c := range w.buf[w.pos:w.end] {
			if c != lit[i] {
				return invalid(c, "in literal "+lit)
			}
		}
		return w.short()
	}
	for i := 0; i < len(lit); i++ {
		if c := w.buf[w.pos+i]; c != lit[i] {
			return invalid(c, "in literal "+lit)
		}
	}
	w.pos += len(lit)
	return w.delimited()
}

// delimited checks that a literal or number is not run into the next
// token (truex, 1x).
func (w *wireReader) delimited() error {
	if w.pos == w.end {
		if _, ok := w.fill(); !ok {
			return nil // the end is the caller's to judge
		}
	}
	switch c := w.buf[w.pos]; c {
	case ' ', '\t', '\n', '\r', ',', '}', ']', ':':
		return nil
	default:
		return invalid(c, "after a value")
	}
}

// number reads a number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
func (w *wireReader) number() error {
	next := func() (byte, bool) {
		if w.pos == w.end {
			if _, ok := w.fill(); !ok {
				return 0, false
			}
		}
		return w.buf[w.pos], true
	}
	digits := func() error {
		n := 0
		for {
			c, ok := next()
			if !ok || c < '0' || c > '9' {
				if n == 0 {
					if !ok {
						return w.short()
					}
					return invalid(c, "in a number (a digit belongs here)")
				}
				return nil
			}
			w.pos++
			n++
		}
	}
	if c, _ := next(); c == '-' {
		w.pos++
	}
	c, ok := next()
	switch {
	case !ok:
		return w.short()
	case c == '0':
		w.pos++
	case c >= '1' && c <= '9':
		if err := digits(); err != nil {
			return err
		}
	default:
		return invalid(c, "in a number")
	}
	if c, ok := next(); ok && c == '.' {
		w.pos++
		if err := digits(); err != nil {
			return err
		}
	}
	if c, ok := next(); ok && (c == 'e' || c == 'E') {
		w.pos++
		if c, ok := next(); ok && (c == '+' || c == '-') {
			w.pos++
		}
		if err := digits(); err != nil {
			return err
		}
	}
	return w.delimited()
}

// skip reads one value of any kind and keeps nothing of it.
func (w *wireReader) skip(depth int) error {
	c, err := w.peek()
	if err != nil {
		return err
	}
	switch c {
	case '{':
		return w.object(depth+1, nil)
	case '[':
		return w.array(depth+1, func(w *wireReader, depth int) error { return w.skip(depth) })
	case '"':
		_, _, _, _, err := w.str()
		return err
	case 't':
		return w.literal("true")
	case 'f':
		return w.literal("false")
	case 'n':
		return w.literal("null")
	}
	if c == '-' || c >= '0' && c <= '9' {
		return w.number()
	}
	return invalid(c, "at the start of a value")
}

// A wireRecord decodes the members of an object that it knows.
type wireRecord interface {
	// wireMember consumes the value of the member with the given name
	// (valid until the next read), calling w.skip for those it ignores.
	wireMember(w *wireReader, name []byte, depth int) error
}

// object reads an object whose '{' is at pos, giving each member to r
// (nil: skipping them all), and refusing a name given twice. An error is
// prefixed with the member's name, so that nested errors read as paths.
func (w *wireReader) object(depth int, r wireRecord) error {
	if depth > maxWireDepth {
		return fmt.Errorf("more than %d levels of nesting", maxWireDepth)
	}
	w.pos++
	first := len(w.names)
	defer func() { w.names = w.names[:first] }()
	c, err := w.peek()
	if err != nil {
		return err
	}
	if c == '}' {
		w.pos++
		return nil
	}
	for {
		if c != '"' {
			return invalid(c, "where a member name belongs")
		}
		start, end, escaped, _, err := w.str()
		if err != nil {
			return err
		}
		if err := w.addName(first, start, end, escaped); err != nil {
			return err
		}
		if c, err = w.peek(); err != nil {
			return err
		}
		if c != ':' {
			return invalid(c, "after a member name")
		}
		w.pos++
		if r == nil {
			err = w.skip(depth)
		} else {
			// The name's bytes are found again: peek may have moved them.
			err = r.wireMember(w, w.nameBytes(&w.names[len(w.names)-1]), depth)
		}
		if err != nil {
			if r != nil {
				return fmt.Errorf("%s: %w", w.nameText(len(w.names)-1), err)
			}
			return err
		}
		if c, err = w.peek(); err != nil {
			return err
		}
		w.pos++
		switch c {
		case ',':
			if c, err = w.peek(); err != nil {
				return err
			}
		case '}':
			return nil
		default:
			return invalid(c, "after a member's value")
		}
	}
}

// addName records the name between start and end in the object whose
// names begin at first, unquoted; a duplicate is an error.
func (w *wireReader) addName(first, start, end int, escaped bool) error {
	nm := wireName{off: int32(start - w.mark), n: int32(end - start)}
	raw := w.buf[start:end]
	if escaped {
		// The syntax is checked: the only error left is invalid UTF-8,
		// kept replaced, as jsontext compares such names.
		u, _ := jsontext.AppendUnquote(w.arena, w.buf[start-1:end+1])
		nm.arena, nm.off, nm.n = true, int32(len(w.arena)), int32(len(u)-len(w.arena))
		w.arena = u
		raw = u[nm.off:]
	}
	h := nameHash(raw)
	nm.hash = h
	for i := first; i < len(w.names); i++ {
		if o := &w.names[i]; o.hash == h && o.n == nm.n && string(w.nameBytes(o)) == string(raw) {
			return fmt.Errorf("duplicate member name %q", truncate(string(raw), 60))
		}
	}
	w.names = append(w.names, nm)
	return nil
}

// nameHash is a quick hash of a member name, from its length and its
// first and last eight bytes: equal hashes are compared byte by byte.
func nameHash(b []byte) uint32 {
	var x uint64
	if len(b) >= 8 {
		x = binary.LittleEndian.Uint64(b) ^ binary.LittleEndian.Uint64(b[len(b)-8:])*0x9e3779b97f4a7c15
	} else {
		for _, c := range b {
			x = x<<8 | uint64(c)
		}
	}
	x ^= uint64(len(b)) << 56
	x *= 0xff51afd7ed558ccd
	return uint32(x >> 32)
}

func (w *wireReader) nameBytes(n *wireName) []byte {
	if n.arena {
		return w.arena[n.off : n.off+n.n]
	}
	return w.buf[w.mark+int(n.off) : w.mark+int(n.off)+int(n.n)]
}

func (w *wireReader) nameText(i int) string { return string(w.nameBytes(&w.names[i])) }

// array reads an array whose '[' is at pos, calling elem for each element.
func (w *wireReader) array(depth int, elem func(w *wireReader, depth int) error) error {
	if depth > maxWireDepth {
		return fmt.Errorf("more than %d levels of nesting", maxWireDepth)
	}
	w.pos++
	c, err := w.peek()
	if err != nil {
		return err
	}
	if c == ']' {
		w.pos++
		return nil
	}
	for {
		if err := elem(w, depth); err != nil {
			return err
		}
		if c, err = w.peek(); err != nil {
			return err
		}
		w.pos++
		switch c {
		case ',':
		case ']':
			return nil
		default:
			return invalid(c, "after an array element")
		}
	}
}

// readObject reads an object, or null, into r.
func (w *wireReader) readObject(depth int, r wireRecord) error {
	c, err := w.peek()
	if err != nil {
		return err
	}
	switch c {
	case '{':
		return w.object(depth+1, r)
	case 'n':
		return w.literal("null")
	}
	if err := w.kindError(c, "an object"); err != nil {
		return err
	}
	return nil
}

// kindError says what was found where another kind of value belongs
// (errWrongKind), after checking that it is a value at all.
func (w *wireReader) kindError(c byte, want string) error {
	switch {
	case c == '"' || c == '{' || c == '[' || c == 't' || c == 'f' || c == 'n' || c == '-' || c >= '0' && c <= '9':
		return fmt.Errorf("%w", wrongKindError{wrongKind(wireKind(c), want)})
	}
	return invalid(c, "at the start of a value")
}

// errWrongKind is matched by the errors of kindError for a value of
// another kind.
var errWrongKind = errors.New("wrong kind")

type wrongKindError struct{ err error }

func (e wrongKindError) Error() string        { return e.err.Error() }
func (e wrongKindError) Is(target error) bool { return target == errWrongKind }

// text reads a string, or null as "", as readString does: invalid UTF-8
// replaced; with keep, the string is shared with earlier equal ones.
func (w *wireReader) text(keep bool) (string, error) {
	return w.readText(keep, false)
}

// id reads an id as readID does: invalid UTF-8 is an error.
func (w *wireReader) id(keep bool) (string, error) {
	return w.readText(keep, true)
}

func (w *wireReader) readText(keep, strict bool) (string, error) {
	c, err := w.peek()
	if err != nil {
		return "", err
	}
	switch c {
	case '"':
	case 'n':
		return "", w.literal("null")
	default:
		return "", w.kindError(c, "a string")
	}
	start, end, escaped, wide, err := w.str()
	if err != nil {
		return "", err
	}
	raw := w.buf[start:end]
	if !escaped && (!wide || utf8.Valid(raw)) {
		if !keep {
			return string(raw), nil
		}
		if s, ok := w.intern[string(raw)]; ok {
			return s, nil
		}
		if len(w.intern) >= maxInterned {
			clear(w.intern)
		}
		s := string(raw)
		w.intern[s] = s
		return s, nil
	}
	u, uerr := jsontext.AppendUnquote(nil, w.buf[start-1:end+1])
	if strict && (uerr != nil || !utf8.Valid(u)) {
		return "", errors.New("an id that is not valid UTF-8")
	}
	// The syntax is checked, so the only error left is invalid UTF-8,
	// which is replaced.
	return string(u), nil
}

// boolean reads true, false, or null as false.
func (w *wireReader) boolean() (bool, error) {
	c, err := w.peek()
	if err != nil {
		return false, err
	}
	switch c {
	case 't':
		return true, w.literal("true")
	case 'f':
		return false, w.literal("false")
	case 'n':
		return false, w.literal("null")
	}
	return false, w.kindError(c, "a boolean")
}

// time reads a time as unmarshalTime does.
func (w *wireReader) time() ([]byte, bool, error) {
	c, err := w.peek()
	if err != nil {
		return nil, false, err
	}
	switch c {
	case '"':
	case 'n':
		return nil, false, w.literal("null")
	default:
		if c == '{' || c == '[' || c == 't' || c == 'f' || c == '-' || c >= '0' && c <= '9' {
			return nil, false, fmt.Errorf("a time must be a string, not %s", wireKind(c))
		}
		return nil, false, invalid(c, "at the start of a value")
	}
	start, end, escaped, _, err := w.str()
	if err != nil {
		return nil, false, err
	}
	if escaped {
		u, err := jsontext.AppendUnquote(nil, w.buf[start-1:end+1])
		return u, true, err
	}
	return w.buf[start:end], true, nil
}

// nextWire decodes the next element of the array into r with the
// wireReader, as next does with jsontext: the same bounds (the budget
// reader under both) and the same words for what went wrong.
func (d *arrayDecoder) nextWire(r wireRecord) (bool, error) {
	if d.done {
		return false, nil
	}
	d.allow(d.max)
	w := d.wire
	if w == nil {
		w = newWireReader(d.budget)
		d.wire = w
	}
	w.mark, w.names, w.arena = w.pos, w.names[:0], w.arena[:0]
	c, err := w.peek()
	switch {
	case err != nil && !d.started && d.budget.read == 0 && errors.Is(err, io.ErrUnexpectedEOF):
		return false, errors.New("the body is empty where a JSON array belongs")
	case err != nil && !d.started:
		return false, d.explain(err, "the body, which is not JSON")
	case err != nil:
		return false, d.explain(err, fmt.Sprintf("the array after item %d", d.n))
	}
	if !d.started {
		if c != '[' {
			if kerr := w.kindError(c, "a JSON array"); errors.Is(kerr, errWrongKind) {
				return false, fmt.Errorf("expected a JSON array, got %s", kindName(wireKind(c)))
			} else {
				return false, d.explain(kerr, "the body, which is not JSON")
			}
		}
		d.started = true
		w.pos++
		if c, err = w.peek(); err == nil && c == ']' {
			w.pos++
			d.done = true
			return false, d.wireEnd()
		}
	} else {
		w.pos++
		switch c {
		case ',':
		case ']':
			d.done = true
			return false, d.wireEnd()
		default:
			return false, d.explain(invalid(c, "after an item of the array"), fmt.Sprintf("item %d", d.n+1))
		}
	}
	w.mark = w.pos
	if err := w.readObject(0, r); err != nil {
		return false, d.explain(err, fmt.Sprintf("item %d", d.n+1))
	}
	d.n++
	return true, nil
}

// wireEnd checks that nothing but white space follows the array.
func (d *arrayDecoder) wireEnd() error {
	d.budget.limit = addCapped(d.budget.read, 1<<10)
	eof, err := d.wire.atEOF()
	switch {
	case err != nil:
		return d.explain(err, "what follows the listing's array")
	case !eof:
		return errors.New("the body goes on after the end of the listing's array")
	}
	return nil
}
