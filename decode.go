package qrs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// never is how QRS writes "no time": 1753-01-01, SQL Server's smallest date.
const never = "1753-01-01"

// decodeOptions are the tolerant rules for QRS bodies: unknown fields are
// ignored, invalid UTF-8 is replaced rather than fatal, times are read by
// parseTime and integers in any notation (readInt). A member name that
// comes twice in one object is an error: decoders that merged or replaced
// it would disagree on what the server meant.
var decodeOptions = json.JoinOptions(
	jsontext.AllowInvalidUTF8(true),
	json.WithUnmarshalers(tolerantUnmarshalers),
)

var tolerantUnmarshalers = json.JoinUnmarshalers(
	json.UnmarshalFromFunc(unmarshalTime),
	json.UnmarshalFromFunc(func(dec *jsontext.Decoder, n *int64) (err error) {
		*n, err = readInt(dec)
		return err
	}),
	json.UnmarshalFromFunc(func(dec *jsontext.Decoder, n *int) error {
		v, err := readInt(dec)
		*n = int(v)
		return err
	}),
)

// readInt reads an integer written in any JSON notation (3, 3.0, 3e0),
// or null as 0: a server that writes 1e3 for a size means 1000. A number
// with a fraction, or out of int64's range, is an error.
func readInt(dec *jsontext.Decoder) (int64, error) {
	v, err := dec.ReadValue()
	if err != nil {
		return 0, err
	}
	switch v.Kind() {
	case 'n':
		return 0, nil
	case '0':
	default:
		return 0, wrongKind(v.Kind(), "a number")
	}
	if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, fmt.Errorf("%s is not an integer in range", truncate(string(v), 40))
	}
	return int64(f), nil
}

func unmarshalTime(dec *jsontext.Decoder, t *time.Time) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	switch v.Kind() {
	case 'n':
		*t = time.Time{}
		return nil
	case '"':
	default:
		return fmt.Errorf("a time must be a string, not %s", v.Kind())
	}
	s := v[1 : len(v)-1]
	if bytes.IndexByte(s, '\\') >= 0 {
		if s, err = jsontext.AppendUnquote(nil, v); err != nil {
			return err
		}
	}
	*t, err = parseTime(s)
	return err
}

// parseTime reads QRS times: 2019-01-04T19:40:06.191Z, with or without the
// fraction, with Z or an offset, or without a zone (taken as UTC). The
// empty string and 1753-01-01 mean never: the zero time.
func parseTime(b []byte) (time.Time, error) {
	if len(b) == 0 || bytes.HasPrefix(b, []byte(never)) {
		return time.Time{}, nil
	}
	if t, ok := parseUTC(b); ok {
		return t, nil
	}
	s := string(b)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("cannot read time %q", truncate(s, 40))
}

// parseUTC reads the form QRS writes, 2019-01-04T19:40:06.191Z (any number
// of fraction digits, or none), several times faster than time.Parse,
// which handles everything else.
func parseUTC(b []byte) (time.Time, bool) {
	if len(b) < 20 || b[len(b)-1] != 'Z' || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range b[i : i+n] {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(5, 2), num(8, 2)
	hour, minute, sec := num(11, 2), num(14, 2), num(17, 2)
	if year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	nsec := 0
	if frac := b[19 : len(b)-1]; len(frac) > 0 {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		digits := len(frac) - 1
		if nsec = num(20, digits); nsec < 0 {
			return time.Time{}, false
		}
		for ; digits < 9; digits++ {
			nsec *= 10
		}
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day { // February 30th and the like
		return time.Time{}, false
	}
	return t, true
}

// Bounds of what one element of a listing, and one document, may decode
// into, beyond their size in bytes (WithMaxItemSize): every JSON value
// counts, so that an element made of "tags":[{},{},...] cannot become
// gigabytes of Go values.
const (
	maxItemValues     = 100_000
	maxDocumentValues = 10_000_000
)

// errItemTooLarge is returned when one element of a listing exceeds the
// configured bound.
var errItemTooLarge = errors.New("item too large")

// budgetReader refuses to read past a limit that the decoder moves forward
// at the start of each element, so that no single element (or a string in
// it) can make the decoder buffer more than the bound.
type budgetReader struct {
	r     io.Reader
	read  int64
	limit int64
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.read >= b.limit {
		return 0, errItemTooLarge
	}
	if rest := b.limit - b.read; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := b.r.Read(p)
	b.read += int64(n)
	return n, err
}

// valueCounter counts the JSON values decoded into Go values, refusing
// more than max: the reflective decoder calls it before each one.
type valueCounter struct {
	n, max int
}

var errTooManyValues = errors.New("too many values")

// errTruncated is wrapped by the error of a body that ended in the middle
// of its JSON, as a cut connection leaves it.
var errTruncated = errors.New("truncated JSON")

func (vc *valueCounter) count(*jsontext.Decoder, any) error {
	vc.n++
	if vc.n > vc.max {
		return errTooManyValues
	}
	return errors.ErrUnsupported // go on with the usual decoding
}

func (vc *valueCounter) options(caseless bool) json.Options {
	return json.JoinOptions(decodeOptions, json.MatchCaseInsensitiveNames(caseless),
		json.WithUnmarshalers(json.JoinUnmarshalers(json.UnmarshalFromFunc(vc.count), tolerantUnmarshalers)))
}

// arrayDecoder reads a JSON array one element at a time.
type arrayDecoder struct {
	dec     *jsontext.Decoder
	budget  *budgetReader
	values  valueCounter
	opts    json.Options
	max     int64 // bytes of one element
	total   int64 // bytes of the whole body; 0: no bound
	started bool
	done    bool
	n       int // elements decoded

	wire *wireReader // for records that read themselves from it (wire.go)
}

// newArrayDecoder reads the array of r, with elements of at most max bytes
// and the whole body of at most total (0: no bound). caseless matches
// member names to Go fields without regard to case, as encoding/json does,
// for the caller's own types (the library's types name every field).
func newArrayDecoder(r io.Reader, max, total int64, caseless bool) *arrayDecoder {
	b := &budgetReader{r: r}
	d := &arrayDecoder{
		dec:    jsontext.NewDecoder(b, decodeOptions),
		budget: b,
		max:    max,
		total:  total,
		values: valueCounter{max: maxItemValues},
	}
	d.opts = d.values.options(caseless)
	return d
}

// addCapped returns a+b, or the largest int64 where that overflows.
func addCapped(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// next decodes the next element into v. It returns false at the end of the
// array, or with an error that says which element broke.
func (d *arrayDecoder) next(v any) (bool, error) {
	if r, ok := v.(wireRecord); ok {
		return d.nextWire(r)
	}
	if d.done {
		return false, nil
	}
	d.budget.limit = addCapped(d.budget.read, d.max)
	if d.total > 0 {
		d.budget.limit = min(d.budget.limit, d.total)
	}
	d.values.n = 0
	if !d.started {
		tok, err := d.dec.ReadToken()
		if err != nil {
			if d.budget.read == 0 && errors.Is(err, io.EOF) {
				return false, errors.New("the body is empty where a JSON array belongs")
			}
			return false, d.explain(err, "the body, which is not JSON")
		}
		if tok.Kind() != '[' {
			return false, fmt.Errorf("expected a JSON array, got %s", kindName(tok.Kind()))
		}
		d.started = true
	}
	if d.dec.PeekKind() == ']' {
		d.done = true
		if _, err := d.dec.ReadToken(); err != nil {
			return false, d.explain(err, "the end of the array")
		}
		return false, d.end()
	}
	var err error
	if u, ok := v.(json.UnmarshalerFrom); ok {
		err = u.UnmarshalJSONFrom(d.dec) // the hand decoder: skip the reflective dispatch
	} else {
		err = json.UnmarshalDecode(d.dec, v, d.opts)
	}
	if err != nil {
		return false, d.explain(err, fmt.Sprintf("item %d", d.n+1))
	}
	d.n++
	return true, nil
}

// end checks that nothing but white space follows the array: a second
// array's items would otherwise be lost without a word.
func (d *arrayDecoder) end() error {
	d.budget.limit = addCapped(d.budget.read, 1<<10)
	_, err := d.dec.ReadToken()
	switch {
	case errors.Is(err, io.EOF):
		return nil
	case err == nil:
		return errors.New("the body goes on after the end of the listing's array")
	}
	return d.explain(err, "what follows the listing's array")
}

// explain words a decoding error: a body that could not be read, an
// exhausted budget, a body that ended early, or a value of the wrong shape.
func (d *arrayDecoder) explain(err error, what string) error {
	var re *readError
	switch {
	case errors.As(err, &re):
		return re
	case errors.Is(err, errItemTooLarge) && d.total > 0 && d.budget.read >= d.total:
		return fmt.Errorf("the body is larger than %d bytes, the most a batch may buffer", d.total)
	case errors.Is(err, errItemTooLarge):
		return fmt.Errorf("item %d is larger than %d bytes (WithMaxItemSize)", d.n+1, d.max)
	case errors.Is(err, errTooManyValues):
		return fmt.Errorf("item %d holds more than %d JSON values", d.n+1, d.values.max)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return fmt.Errorf("the body ended in the middle of %s (%w)", what, errTruncated)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// decodeDocument decodes the one JSON document r holds into v, within
// max bytes and maxDocumentValues values, refusing anything after it.
func decodeDocument(r io.Reader, v any, max int64, caseless bool) error {
	b := &budgetReader{r: r, limit: max}
	vc := valueCounter{max: maxDocumentValues}
	dec := jsontext.NewDecoder(b, decodeOptions)
	err := json.UnmarshalDecode(dec, v, vc.options(caseless))
	var re *readError
	switch {
	case err == nil:
	case errors.As(err, &re):
		return re
	case errors.Is(err, errItemTooLarge):
		return fmt.Errorf("the document is larger than %d bytes (WithMaxItemSize)", max)
	case errors.Is(err, errTooManyValues):
		return fmt.Errorf("the document holds more than %d JSON values", vc.max)
	case b.read == 0 && errors.Is(err, io.EOF):
		return errors.New("the body is empty where a JSON document belongs")
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return errors.New("the body ended in the middle of the document (truncated JSON)")
	default:
		return err
	}
	b.limit = addCapped(b.read, 1<<10)
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return errors.New("the body goes on after the end of the JSON document")
	}
	return nil
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	}
	return k.String()
}
