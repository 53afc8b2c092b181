package qrs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// The /table answer, {"id":…, "type":…, "columnNames":[…], "rows":[[…], …]},
// read row by row: each row an array of cells in the order of the answer's
// columnNames, which are mapped to the columns asked for by name, whatever
// their order.

// maxColumns bounds the columnNames of an answer.
const maxColumns = 1000

// A tableReader reads the rows of one /table answer.
type tableReader struct {
	d     *arrayDecoder // the answer: its decoder, budgets and wording
	rows  *arrayDecoder // the rows, when they came before columnNames and were buffered
	cols  []tableColumn
	index []int // the answer's column i is cols[index[i]], or none (-1)
	done  bool
}

// newTableReader reads the answer up to its first row.
// At most total bytes are read when total > 0.
func newTableReader(r io.Reader, maxItem, total int64, cols []tableColumn) (*tableReader, error) {
	tr := &tableReader{d: newArrayDecoder(r, maxItem, total, false), cols: cols} // never nil: its budget tells the bytes read
	d := tr.d
	d.allow(maxItem)
	tok, err := d.dec.ReadToken()
	if err != nil {
		if d.budget.read == 0 && errors.Is(err, io.EOF) {
			return tr, errors.New("the body is empty where a table belongs")
		}
		return tr, d.explain(err, "the body, which is not JSON")
	}
	if tok.Kind() != '{' {
		return tr, fmt.Errorf("expected a table (a JSON object), got %s", kindName(tok.Kind()))
	}
	var buffered []byte
	for {
		d.allow(maxItem)
		name, more, err := nextMember(d.dec)
		if err != nil {
			return tr, d.explain(err, "the table")
		}
		if !more {
			break
		}
		switch string(name) {
		case "columnNames":
			if tr.index != nil {
				return tr, errors.New("the table has columnNames twice")
			}
			if err := tr.readColumnNames(); err != nil {
				return tr, err
			}
		case "rows":
			if tr.index != nil && buffered == nil {
				tok, err := d.dec.ReadToken()
				if err != nil {
					return tr, d.explain(err, "the rows")
				}
				if tok.Kind() != '[' {
					return tr, fmt.Errorf("the table's rows are %s, not an array", kindName(tok.Kind()))
				}
				return tr, nil
			}
			// Rows before columnNames: which cell is which is not known
			// yet, so keep them (bounded) until it is.
			d.allow(maxRowsFirstBytes)
			v, err := d.dec.ReadValue()
			if err != nil {
				return tr, d.explain(err, "the rows")
			}
			if v.Kind() != '[' {
				return tr, fmt.Errorf("the table's rows are %s, not an array", kindName(v.Kind()))
			}
			buffered = bytes.Clone(v)
		default:
			if err := d.dec.SkipValue(); err != nil {
				return tr, d.explain(err, "the table")
			}
		}
	}
	if tr.index == nil {
		return tr, errors.New("the table has no columnNames")
	}
	if buffered == nil {
		return tr, errors.New("the table has no rows")
	}
	d.done = true
	if err := d.end(); err != nil {
		return tr, err
	}
	tr.rows = newArrayDecoder(bytes.NewReader(buffered), maxItem, 0, false)
	tr.rows.allow(maxItem)
	if _, err := tr.rows.dec.ReadToken(); err != nil { // the '[' seen above
		return tr, err
	}
	return tr, nil
}

// allow lets the decoder read n more bytes, within the body's total.
func (d *arrayDecoder) allow(n int64) {
	d.budget.limit = addCapped(d.budget.read, n)
	if d.total > 0 {
		d.budget.limit = min(d.budget.limit, d.total)
	}
}

// readColumnNames maps the answer's columns to the columns asked for,
// which must all be there, each once.
func (tr *tableReader) readColumnNames() error {
	dec := tr.d.dec
	tok, err := dec.ReadToken()
	if err != nil {
		return tr.d.explain(err, "the columnNames")
	}
	if tok.Kind() != '[' {
		return fmt.Errorf("the table's columnNames are %s, not an array", kindName(tok.Kind()))
	}
	found := make([]bool, len(tr.cols))
	tr.index = []int{}
	for dec.PeekKind() != ']' {
		if len(tr.index) == maxColumns {
			return fmt.Errorf("the table has more than %d columns", maxColumns)
		}
		name, err := readString(dec)
		if err != nil {
			return tr.d.explain(err, "the columnNames")
		}
		col := -1
		for i, c := range tr.cols {
			if strings.EqualFold(c.Name, name) {
				col = i
			}
		}
		if col >= 0 {
			if found[col] {
				return fmt.Errorf("the table has the column %q twice", truncate(name, 60))
			}
			found[col] = true
		}
		tr.index = append(tr.index, col)
	}
	if _, err := dec.ReadToken(); err != nil {
		return tr.d.explain(err, "the columnNames")
	}
	for i, ok := range found {
		if !ok {
			return fmt.Errorf("the table lacks the column %q (definition %q) that was asked for", tr.cols[i].Name, tr.cols[i].Definition)
		}
	}
	return nil
}

// next decodes the next row into row. It returns false after the last
// row, once the rest of the answer has been read and checked.
func (tr *tableReader) next(row tableRow) (bool, error) {
	if tr.done {
		return false, nil
	}
	d := tr.d
	if tr.rows != nil {
		d = tr.rows
	}
	d.allow(d.max)
	ok, err := tr.readRow(d, row)
	if err != nil || ok {
		return ok, err
	}
	tr.done = true
	if tr.rows != nil {
		return false, tr.rows.end()
	}
	// The members after the rows, then nothing.
	for {
		d.allow(d.max)
		name, more, err := nextMember(d.dec)
		if err != nil {
			return false, d.explain(err, "the end of the table")
		}
		if !more {
			break
		}
		if string(name) == "columnNames" || string(name) == "rows" {
			return false, fmt.Errorf("the table has %s twice", name)
		}
		if err := d.dec.SkipValue(); err != nil {
			return false, d.explain(err, "the end of the table")
		}
	}
	d.done = true
	return false, d.end()
}

// readRow reads one row of the rows array, or its end.
func (tr *tableReader) readRow(d *arrayDecoder, row tableRow) (bool, error) {
	dec := d.dec
	what := fmt.Sprintf("row %d", d.n+1)
	tok, err := dec.ReadToken()
	if err != nil {
		return false, d.explain(err, what)
	}
	switch tok.Kind() {
	case ']':
		return false, nil
	case '[':
	default:
		return false, fmt.Errorf("row %d is %s, not an array", d.n+1, kindName(tok.Kind()))
	}
	cells := 0
	for dec.PeekKind() != ']' {
		if cells == len(tr.index) {
			return false, fmt.Errorf("row %d has more cells than the table's %d columns", d.n+1, len(tr.index))
		}
		col := tr.index[cells]
		cells++
		if col < 0 {
			err = dec.SkipValue()
		} else if err = row.cell(dec, col); err != nil {
			err = fmt.Errorf("%s: %w", tr.cols[col].Name, err)
		}
		if err != nil {
			return false, d.explain(err, what)
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return false, d.explain(err, what)
	}
	if cells != len(tr.index) {
		return false, fmt.Errorf("row %d has %d cells for the table's %d columns", d.n+1, cells, len(tr.index))
	}
	d.n++
	return true, nil
}

// readListStrings reads a List cell, {"columnNames":[…],"rows":[[…],…]} or
// null, keeping the string cells of its column name; nil when it has no
// rows.
func readListStrings(dec *jsontext.Decoder, name string) ([]string, error) {
	if ok, err := enterObject(dec); !ok {
		return nil, err
	}
	col := -1
	var out []string
	var buffered []byte
	for {
		member, more, err := nextMember(dec)
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
		switch string(member) {
		case "columnNames":
			if col, err = listColumnIndex(dec, name); err != nil {
				return nil, err
			}
		case "rows":
			if col < 0 {
				// Before columnNames: kept until they say which cell is
				// which (the row's size bounds it).
				v, err := dec.ReadValue()
				if err != nil {
					return nil, err
				}
				buffered = bytes.Clone(v)
				continue
			}
			if out, err = readListRows(dec, col); err != nil {
				return nil, err
			}
		default:
			if err := dec.SkipValue(); err != nil {
				return nil, err
			}
		}
	}
	if col < 0 {
		return nil, fmt.Errorf("the list has no column %q", name)
	}
	if buffered != nil {
		return readListRows(jsontext.NewDecoder(bytes.NewReader(buffered), decodeOptions), col)
	}
	return out, nil
}

// listColumnIndex reads a list's columnNames and returns the index of name.
func listColumnIndex(dec *jsontext.Decoder, name string) (int, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return -1, err
	}
	if tok.Kind() != '[' {
		return -1, wrongKind(tok.Kind(), "an array of column names")
	}
	col := -1
	for i := 0; dec.PeekKind() != ']'; i++ {
		if i == maxColumns {
			return -1, fmt.Errorf("more than %d columns", maxColumns)
		}
		s, err := readString(dec)
		if err != nil {
			return -1, err
		}
		if strings.EqualFold(s, name) {
			if col >= 0 {
				return -1, fmt.Errorf("the column %q twice", name)
			}
			col = i
		}
	}
	_, err = dec.ReadToken()
	return col, err
}

// readListRows reads a list's rows, keeping the strings of column col.
func readListRows(dec *jsontext.Decoder, col int) ([]string, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	if tok.Kind() != '[' {
		return nil, wrongKind(tok.Kind(), "an array of rows")
	}
	var out []string
	for dec.PeekKind() != ']' {
		if len(out) == maxItemValues {
			return nil, fmt.Errorf("more than %d rows in a list", maxItemValues)
		}
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		if tok.Kind() != '[' {
			return nil, wrongKind(tok.Kind(), "a row (an array)")
		}
		var v string
		found := false
		for i := 0; dec.PeekKind() != ']'; i++ {
			if i == col {
				if v, err = readString(dec); err != nil {
					return nil, err
				}
				found = true
			} else if err := dec.SkipValue(); err != nil {
				return nil, err
			}
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("a row of the list lacks column %d", col+1)
		}
		out = append(out, v)
	}
	_, err = dec.ReadToken()
	return out, err
}

// The columns of the sheet listing: what a Visualization needs, and the
// object type for the check that only sheets came.
const (
	colID = iota
	colName
	colDescription
	colEngineObjectID
	colObjectType
	colPublished
	colApproved
	colPublishTime
	colCreated
	colModified
	colAppID
	colAppName
	colAppPublished
	colAppStream
	colOwnerID
	colOwnerUserID
	colOwnerDirectory
	colOwnerName
	colTags
)

var sheetColumns = []tableColumn{
	colID:             property("id", "id"),
	colName:           property("name", "name"),
	colDescription:    property("description", "description"),
	colEngineObjectID: property("engineObjectId", "engineObjectId"),
	colObjectType:     property("objectType", "objectType"),
	colPublished:      property("published", "published"),
	colApproved:       property("approved", "approved"),
	colPublishTime:    property("publishTime", "publishTime"),
	colCreated:        property("createdDate", "createdDate"),
	colModified:       property("modifiedDate", "modifiedDate"),
	colAppID:          property("appId", "app.id"),
	colAppName:        property("appName", "app.name"),
	colAppPublished:   property("appPublished", "app.published"),
	colAppStream:      property("appStream", "app.stream.name"),
	colOwnerID:        property("ownerId", "owner.id"),
	colOwnerUserID:    property("ownerUserId", "owner.userId"),
	colOwnerDirectory: property("ownerUserDirectory", "owner.userDirectory"),
	colOwnerName:      property("ownerName", "owner.name"),
	colTags:           listColumn("tags", "tag", property("name", "name")),
}

func (s *sheetRecord) rowID() string { return s.ID }

// cell decodes one cell of the sheet listing's row, as member decodes the
// same field of /full.
func (s *sheetRecord) cell(dec *jsontext.Decoder, col int) (err error) {
	switch col {
	case colID:
		s.ID, err = readID(dec)
	case colName:
		s.Name, err = readString(dec)
	case colDescription:
		s.Description, err = readString(dec)
	case colEngineObjectID:
		s.EngineObjectID, err = readID(dec)
	case colObjectType:
		s.ObjectType, err = readString(dec)
	case colPublished:
		s.Published, err = readBool(dec)
	case colApproved:
		s.Approved, err = readBool(dec)
	case colPublishTime:
		err = unmarshalTime(dec, &s.PublishTime)
	case colCreated:
		err = unmarshalTime(dec, &s.Created)
	case colModified:
		err = unmarshalTime(dec, &s.Modified)
	case colAppID:
		s.App.ID, err = readID(dec)
	case colAppName:
		s.App.Name, err = readString(dec)
	case colAppPublished:
		s.App.Published, err = readBool(dec)
	case colAppStream:
		s.App.Stream.name, err = readString(dec)
	case colOwnerID:
		s.Owner.ID, err = readString(dec)
	case colOwnerUserID:
		s.Owner.UserID, err = readString(dec)
	case colOwnerDirectory:
		s.Owner.UserDirectory, err = readString(dec)
	case colOwnerName:
		s.Owner.Name, err = readString(dec)
	case colTags:
		s.Tags, err = readListStrings(dec, "name")
	default:
		err = dec.SkipValue()
	}
	return err
}

// The columns of the app index: an app's id, name and stream.
const (
	appColID = iota
	appColName
	appColStream
)

var appColumns = []tableColumn{
	appColID:     property("id", "id"),
	appColName:   property("name", "name"),
	appColStream: property("streamName", "stream.name"),
}

func (a *appRecord) rowID() string { return a.ID }

func (a *appRecord) cell(dec *jsontext.Decoder, col int) (err error) {
	switch col {
	case appColID:
		a.ID, err = readID(dec)
	case appColName:
		a.Name, err = readString(dec)
	case appColStream:
		a.Stream, err = readString(dec)
	default:
		err = dec.SkipValue()
	}
	return err
}
