package qrs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// never is how QRS writes "no time": 1753-01-01, SQL Server's smallest date.
const never = "1753-01-01"

// decodeOptions are the tolerant rules for QRS bodies: unknown fields are
// ignored, field names may repeat, invalid UTF-8 is replaced rather than
// fatal, and times are read by parseTime.
var decodeOptions = json.JoinOptions(
	jsontext.AllowInvalidUTF8(true),
	jsontext.AllowDuplicateNames(true),
	json.WithUnmarshalers(json.UnmarshalFromFunc(unmarshalTime)),
)

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

// arrayDecoder reads a JSON array one element at a time.
type arrayDecoder struct {
	dec     *jsontext.Decoder
	budget  *budgetReader
	max     int64
	started bool
	done    bool
	n       int // elements decoded
}

func newArrayDecoder(r io.Reader, max int64) *arrayDecoder {
	b := &budgetReader{r: r, limit: max}
	return &arrayDecoder{
		dec:    jsontext.NewDecoder(b, decodeOptions),
		budget: b,
		max:    max,
	}
}

// next decodes the next element into v. It returns false at the end of the
// array, or with an error that says which element broke.
func (d *arrayDecoder) next(v any) (bool, error) {
	if d.done {
		return false, nil
	}
	d.budget.limit = d.budget.read + d.max
	if !d.started {
		tok, err := d.dec.ReadToken()
		if err != nil {
			return false, d.explain(err, "the body is not JSON")
		}
		if tok.Kind() != '[' {
			return false, fmt.Errorf("expected a JSON array, got %s", kindName(tok.Kind()))
		}
		d.started = true
	}
	if d.dec.PeekKind() == ']' {
		d.done = true
		_, err := d.dec.ReadToken()
		return false, err
	}
	var err error
	if u, ok := v.(json.UnmarshalerFrom); ok {
		err = u.UnmarshalJSONFrom(d.dec) // the hand decoder: skip the reflective dispatch
	} else {
		err = json.UnmarshalDecode(d.dec, v, decodeOptions)
	}
	if err != nil {
		return false, d.explain(err, fmt.Sprintf("item %d", d.n+1))
	}
	d.n++
	return true, nil
}

// explain words a decoding error: a body that could not be read, an
// exhausted budget, a body that ended early, or a value of the wrong shape.
func (d *arrayDecoder) explain(err error, what string) error {
	var re *readError
	switch {
	case errors.As(err, &re):
		return re.err
	case errors.Is(err, errItemTooLarge):
		return fmt.Errorf("item %d is larger than %d bytes (WithMaxItemSize)", d.n+1, d.max)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return fmt.Errorf("the body ended in the middle of %s (truncated JSON)", what)
	}
	return fmt.Errorf("%s: %w", what, err)
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
