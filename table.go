package qrs

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// ListMode chooses the QRS endpoint a listing reads (ListOptions.Listing).
type ListMode int

const (
	// ListFull reads GET /qrs/{type}/full: every field of every item in one
	// response, which QRS cannot page.
	ListFull ListMode = iota
	// ListTable reads POST /qrs/{type}/table: only the columns the listing
	// needs (about a fifth of the bytes for Visualizations), in pages of
	// ListOptions.PageSize rows sorted by id, each page a request of its
	// own. Items added or removed while it pages neither make it skip nor
	// repeat an item that exists throughout. A page that breaks off is
	// fetched again from where it broke, within the page's retries. A site
	// that answers the first /table request of a listing with 404, 405 or
	// 400 (a release or proxy without it) is listed through /full instead,
	// then and for the rest of the Client's life, with one log line; a 400
	// that names one of the listing's columns is an error naming it, and
	// so is any failure after the first request.
	ListTable
)

// Bounds of ListOptions.PageSize.
const (
	defaultPageSize = 10_000
	maxPageSize     = 100_000
)

// maxPageStalls bounds the requests in a row that bring no new row: the
// back-offs after items vanished before the cursor, and full pages of
// rows already seen.
const maxPageStalls = 40

// maxRowsFirstBytes bounds the rows of a page buffered because the answer
// gave them before its columnNames.
const maxRowsFirstBytes = 256 << 20

// A tableColumn is one column of a /table request: a property (nested
// ones dotted: app.stream.name) or a list of objects with columns of its
// own.
type tableColumn struct {
	Name       string        `json:"name"`
	ColumnType string        `json:"columnType"`
	Definition string        `json:"definition"`
	List       []tableColumn `json:"list,omitempty"`
}

// property is a column of the property definition.
func property(name, definition string) tableColumn {
	return tableColumn{Name: name, ColumnType: "Property", Definition: definition}
}

// listColumn is a List column: the list property name, of elements of type
// definition, with the columns of each element.
func listColumn(name, definition string, cols ...tableColumn) tableColumn {
	return tableColumn{Name: name, ColumnType: "List", Definition: definition, List: cols}
}

// A table is one paged listing: the endpoint, the entity and its columns,
// the filter, the page size.
type table struct {
	path    string // /qrs/app/object/table
	entity  string // App.Object
	columns []tableColumn
	filter  string
	size    int
	body    []byte
	maxBody int64 // bytes of all pages together; 0: no bound
}

func newTable(path, entity string, columns []tableColumn, filter string, size int) *table {
	t := &table{path: path, entity: entity, columns: columns, filter: filter, size: size}
	t.body, _ = json.Marshal(struct {
		Entity  string        `json:"entity"`
		Columns []tableColumn `json:"columns"`
	}{entity, columns}) // plain strings and slices: it cannot fail
	return t
}

// request is the request of the page of take rows from skip, sorted by id.
func (t *table) request(skip, take int) *request {
	q := make([]param, 0, 5)
	if t.filter != "" {
		q = append(q, param{"filter", t.filter})
	}
	q = append(q, param{"skip", strconv.Itoa(skip)}, param{"take", strconv.Itoa(take)},
		param{"sortColumn", "id"}, param{"orderAscending", "true"})
	return &request{method: http.MethodPost, path: t.path, query: q, body: t.body}
}

// A tableRow decodes the cells of one row of a table.
type tableRow interface {
	// cell consumes the value of column col of the table's columns.
	cell(dec *jsontext.Decoder, col int) error
	// rowID is the row's id, once decoded.
	rowID() string
}

// A cursor is where a paged listing stands: the id of the last row it
// has yielded (ids ascend) and the server's offset of the next row.
type cursor struct {
	started bool
	last    string
	next    int
}

// window is the next request's skip and take: with one row of overlap,
// the last row seen, so that the first row tells whether items before
// the cursor vanished.
func (cur *cursor) window(size int) (skip, take int) {
	if cur.started && cur.next > 0 {
		return cur.next - 1, size + 1
	}
	return cur.next, size
}

// pages streams the rows of a table in id order, page by page, each
// decoded into a fresh R as the loop asks for it. Every page is a request
// of its own with its own budget of retries, which a page that breaks off
// draws on to be fetched again from where it broke. Rows at or before the
// cursor are dropped; a page whose first row lies beyond it while items
// came before it (items vanished) makes the cursor step back until the
// answer reaches the cursor again. Ids are compared without regard to
// case; a server that sends them in another order is an error, since
// nothing then tells a page's boundaries.
func pages[R any, P interface {
	*R
	tableRow
}](ctx context.Context, c *Client, t *table) iter.Seq2[R, error] {
	return func(yield func(R, error) bool) {
		var zero R
		var cur cursor
		stalls, step := 0, t.size
		left := t.maxBody
		for {
			b := newBudget(c.cfg.retries)
			pctx := withBudget(ctx, b)
			var out pageOutcome
			for attempt := 0; ; attempt++ {
				skip, take := cur.window(t.size)
				out = readPage[R, P](pctx, c, t, &cur, skip, take, &left, yield)
				if out.stopped {
					return
				}
				if out.err == nil {
					break
				}
				if ctx.Err() != nil {
					yield(zero, ctx.Err())
					return
				}
				if !brokeOff(out.err) || !b.take() {
					yield(zero, out.err)
					return
				}
				c.cfg.logger.Warn("qrs: fetching a page again", "path", t.path, "skip", cur.next, "attempt", attempt+1, "error", out.err.Error())
				if sleep(ctx, backoff(c.cfg.retryWait, c.cfg.retryMax, attempt, nil)) != nil {
					yield(zero, ctx.Err())
					return
				}
			}
			switch {
			case out.gap:
				// Items before the cursor vanished: its offset is too far.
				// Step back, twice as far each time, until the answer
				// reaches the cursor again.
				cur.next = max(cur.next-step, 0)
				step *= 2
			case out.rows < out.take:
				return // the end: every row after the cursor was in this answer
			default:
				step = t.size
			}
			if out.fresh > 0 {
				stalls = 0
			} else if stalls++; stalls > maxPageStalls {
				yield(zero, fmt.Errorf("qrs: POST %s: %d requests in a row brought no new row (at offset %d): the site changes faster than it can be paged, or the server ignores skip",
					t.path, stalls, cur.next))
				return
			}
		}
	}
}

// pageOutcome is what one request of a paged listing brought.
type pageOutcome struct {
	rows, take int  // rows in the answer, rows asked for
	fresh      int  // rows yielded
	gap        bool // the first row lies beyond the cursor, past an offset > 0
	stopped    bool // the loop stopped, or an error was yielded
	err        error
}

// readPage requests one page and yields its new rows, moving the cursor
// past each row it reads.
func readPage[R any, P interface {
	*R
	tableRow
}](ctx context.Context, c *Client, t *table, cur *cursor, skip, take int, left *int64, yield func(R, error) bool) pageOutcome {
	out := pageOutcome{take: take}
	resp, err := c.do(ctx, t.request(skip, take))
	if err != nil {
		out.err = err
		if !brokeOff(err) {
			out.err = t.requestError(err)
		}
		return out
	}
	defer resp.Close()
	total := int64(0)
	if t.maxBody > 0 {
		if *left <= 0 {
			out.err = fmt.Errorf("qrs: %s %s: the pages are larger than %d bytes together, the most a batch may buffer", resp.method, resp.path, t.maxBody)
			return out
		}
		total = *left
	}
	tr, err := newTableReader(resp, c.cfg.maxItem, total, t.columns)
	if t.maxBody > 0 {
		defer func() { *left -= tr.d.budget.read }()
	}
	if err != nil {
		out.err = resp.bodyError(err, 0)
		return out
	}
	prev := ""
	for {
		var row R
		ok, err := tr.next(P(&row))
		if err != nil {
			out.err = resp.bodyError(err, out.rows)
			return out
		}
		if !ok {
			break
		}
		out.rows++
		if out.rows > take {
			out.err = fmt.Errorf("qrs: %s %s: the answer has more than the %d rows asked for: the server ignores take", resp.method, resp.path, take)
			return out
		}
		id := P(&row).rowID()
		switch {
		case id == "":
			out.err = fmt.Errorf("qrs: %s %s: row %d has no id", resp.method, resp.path, out.rows)
		case prev != "" && compareIDs(id, prev) <= 0:
			out.err = fmt.Errorf("qrs: %s %s: row %d (id %q) does not come after id %q: the server does not sort ids as this library does, so its pages cannot be followed; use ListFull",
				resp.method, resp.path, out.rows, truncate(id, 60), truncate(prev, 60))
		}
		if out.err != nil {
			return out
		}
		prev = id
		if out.rows == 1 && cur.started && skip > 0 && compareIDs(id, cur.last) > 0 {
			out.gap = true
			return out
		}
		cur.next = skip + out.rows
		if cur.started && compareIDs(id, cur.last) <= 0 {
			continue // seen already, or added behind the cursor
		}
		cur.started, cur.last = true, id
		out.fresh++
		if !yield(row, nil) {
			out.stopped = true
			return out
		}
	}
	if out.rows == 0 && cur.started && skip > 0 {
		out.gap = true // every row from the cursor on vanished, or the offset is too far
	}
	return out
}

// requestError words a refused page request: a 400 that names one of the
// table's columns says which.
func (t *table) requestError(err error) error {
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest {
		return err
	}
	if col, ok := t.namedColumn(ae.Message); ok {
		return fmt.Errorf("qrs: the server refused the table column %q (definition %q) of %s: %w; list with ListOptions.Listing = ListFull",
			col.Name, col.Definition, t.path, err)
	}
	return err
}

// namedColumn finds the column that a server's message names, in quotes.
func (t *table) namedColumn(msg string) (tableColumn, bool) {
	// The message may hold the server's text quoted again (%q).
	lower := strings.ReplaceAll(strings.ToLower(msg), `\"`, `"`)
	var find func(cols []tableColumn) (tableColumn, bool)
	find = func(cols []tableColumn) (tableColumn, bool) {
		for _, col := range cols {
			for _, s := range []string{col.Name, col.Definition} {
				s = strings.ToLower(s)
				if strings.Contains(lower, `"`+s+`"`) || strings.Contains(lower, `'`+s+`'`) {
					return col, true
				}
			}
			if sub, ok := find(col.List); ok {
				return sub, true
			}
		}
		return tableColumn{}, false
	}
	return find(t.columns)
}

// tableMissing reports whether err, the error of the first request of a
// paged listing, says that the site does not serve /table (404, 405, or a
// 400 that names none of the columns); the Client then remembers it and
// logs it once.
func (c *Client) tableMissing(t *table, err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.StatusCode {
	case http.StatusNotFound, http.StatusMethodNotAllowed:
	case http.StatusBadRequest:
		if _, named := t.namedColumn(ae.Message); named {
			return false
		}
	default:
		return false
	}
	if c.noTable.CompareAndSwap(false, true) {
		c.cfg.logger.Warn("qrs: the site does not serve paged listings (/table); listing through /full from now on",
			"path", ae.URL, "status", ae.StatusCode)
	}
	return true
}

// compareIDs orders ids as QRS sorts GUIDs: by their text, without regard
// to case (the hexadecimal digits' case).
func compareIDs(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := lowerASCII(a[i]), lowerASCII(b[i])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
