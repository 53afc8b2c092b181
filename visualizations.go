package qrs

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strings"
	"time"
)

// A Visualization is what a data catalog imports for one sheet: the sheet
// joined to its app, with a key that stays the same while the sheet exists.
// "Visualization" is the catalog's name for a sheet; the charts inside a
// sheet are another kind of thing.
type Visualization struct {
	Key         Key
	Name        string
	Description string
	Contacts    []Contact
	AppID       string
	AppName     string
	StreamName  string // "" when the app is not published
	SheetURL    string
	Created     time.Time
	Modified    time.Time
	Published   time.Time // zero: never published
	Status      SheetStatus
	Tags        []string
}

// A Contact is a person responsible for a visualization. Role is "owner"
// for the sheet's owner.
type Contact struct {
	Name          string
	UserID        string
	UserDirectory string
	Email         string // only with ListOptions.ContactEmails
	Role          string
}

// RoleOwner is the Role of a sheet's owner among its contacts.
const RoleOwner = "owner"

// appInfo is what the join keeps of each app: memory grows with apps only.
type appInfo struct {
	name, stream string
}

// Visualizations returns one Visualization per sheet that the options
// select (the filter applies to sheets, as in Sheets). It lists the apps
// once to index their names and streams, then decodes sheets one at a time
// from the sheet listing and joins each to its app: two requests in all,
// plus one per batch of owners with ListOptions.ContactEmails, or, with
// ListOptions.Listing = ListTable, one per page of each listing. It takes
// ListOptions.Partitions, ContactEmails, Listing and PageSize; Partitions
// and ListTable compose: each batch of apps is paged. A sheet whose app is
// missing from the index still yields, named from the app summary inside the
// sheet; a sheet without an app id, or without an id, is an error, since it
// cannot have a key. The Client must have a connection code
// (WithConnectionCode).
//
// Nothing is sent until the loop starts; breaking out of the loop stops all
// requests. Each loop over the sequence lists the site again.
func (c *Client) Visualizations(ctx context.Context, opts *ListOptions) iter.Seq2[Visualization, error] {
	return func(yield func(Visualization, error) bool) {
		if c.cfg.code == "" {
			yield(Visualization{}, errors.New("qrs: Visualizations needs a connection code for its keys: use WithConnectionCode (the connection file's code)"))
			return
		}
		if err := opts.check(callVisualizations); err != nil {
			yield(Visualization{}, err)
			return
		}
		index, order, paged, err := c.appIndex(ctx, opts)
		if err != nil {
			yield(Visualization{}, err)
			return
		}
		c.joinSheets(ctx, opts, callVisualizations, index, order, paged, nil, yield)
	}
}

// joinSheets yields one Visualization per sheet that opts select, joined
// to the apps of index (listed in order), the sheets read through /table
// when paged, else /full. With keep, only the sheets of the apps it keeps
// are joined; the others are left out.
func (c *Client) joinSheets(ctx context.Context, opts *ListOptions, cl call, index map[string]appInfo, order []string,
	paged bool, keep func(appID string) bool, yield func(Visualization, error) bool) {
	src := fullSheets[sheetRecord](c, opts)
	if paged {
		src = tableSheets(c, opts)
	}
	seq := sheets[sheetRecord](ctx, c, opts, order, cl, src)
	if keep != nil {
		seq = keepSheets(seq, keep)
	}
	j := joiner{c: c, index: index}
	if opts.emails() {
		j.withEmails(ctx, seq, yield)
		return
	}
	for s, err := range seq {
		var v Visualization
		if err == nil {
			v, err = j.visualization(&s)
		}
		if !yield(v, err) || err != nil {
			return
		}
	}
}

// keepSheets leaves out of seq the sheets of the apps keep does not keep.
func keepSheets(seq iter.Seq2[sheetRecord, error], keep func(appID string) bool) iter.Seq2[sheetRecord, error] {
	return func(yield func(sheetRecord, error) bool) {
		for s, err := range seq {
			if err == nil && !keep(s.App.ID) {
				continue
			}
			if !yield(s, err) {
				return
			}
		}
	}
}

// appIndex lists the apps, indexing their names and streams by id, with
// their ids in listing order (for partitions), through /full or, with
// ListTable, /table. It reports whether the listing was paged: a site
// without /table, found out at this first request, is listed through
// /full, and so are the sheets then.
func (c *Client) appIndex(ctx context.Context, opts *ListOptions) (map[string]appInfo, []string, bool, error) {
	index := map[string]appInfo{}
	var order []string
	add := func(app *appRecord) {
		if _, dup := index[app.ID]; !dup {
			order = append(order, app.ID)
		}
		index[app.ID] = appInfo{name: app.Name, stream: app.Stream}
	}
	if opts.listing() == ListTable && !c.noTable.Load() {
		t := newTable("/qrs/app/table", "App", appColumns, "", opts.pageSize())
		n := 0
		for app, err := range pages[appRecord](ctx, c, t) {
			if err != nil {
				if n == 0 && c.tableMissing(t, err) {
					break // nothing listed yet: through /full instead
				}
				return nil, nil, false, err
			}
			n++
			add(&app)
		}
		if !c.noTable.Load() {
			return index, order, true, nil
		}
	}
	for app, err := range list[appRecord](ctx, c, &request{path: "/qrs/app/full"}) {
		if err != nil {
			return nil, nil, false, err
		}
		add(&app)
	}
	return index, order, false, nil
}

// tableSheets is the source of POST /qrs/app/object/table, in pages of
// the options' size with the columns of a Visualization.
func tableSheets(c *Client, opts *ListOptions) sheetSource[sheetRecord] {
	return sheetSource[sheetRecord]{paged: true, fetch: func(ctx context.Context, base string, maxBody int64) iter.Seq2[sheetRecord, error] {
		t := newTable("/qrs/app/object/table", "App.Object", sheetColumns, andFilter(base, opts.filter()), opts.pageSize())
		t.maxBody = maxBody
		return pages[sheetRecord](ctx, c, t)
	}}
}

// A joiner joins sheets to their apps.
type joiner struct {
	c      *Client
	index  map[string]appInfo
	emails map[string]string // owner ids to email addresses, or nil
}

// visualization joins a sheet to its app. A sheet without an app id or
// an id cannot have a key: it is an error.
func (j *joiner) visualization(s *sheetRecord) (Visualization, error) {
	c := j.c
	if s.App.ID == "" || (s.ID == "" && s.EngineObjectID == "") {
		return Visualization{}, fmt.Errorf("qrs: the sheet %q (id %q) has no app id or no id: it cannot have a key", truncate(s.Name, 60), s.ID)
	}
	app, ok := j.index[s.App.ID]
	if !ok {
		app = appInfo{name: s.App.Name, stream: s.App.Stream.name}
	}
	sheetID := s.EngineObjectID
	if sheetID == "" {
		sheetID = s.ID
	}
	v := Visualization{
		Key:         Key{Code: c.cfg.code, AppID: s.App.ID, SheetID: sheetID},
		Name:        s.Name,
		Description: s.Description,
		AppID:       s.App.ID,
		AppName:     app.name,
		StreamName:  app.stream,
		SheetURL:    c.SheetURL(s.App.ID, sheetID),
		Created:     s.Created,
		Modified:    s.Modified,
		Published:   s.PublishTime,
		Status:      sheetStatus(s.Approved, s.Published, s.App.Published),
	}
	if !s.Published {
		v.Published = time.Time{}
	}
	if o := s.Owner; o.ID != "" || o.UserID != "" {
		v.Contacts = []Contact{{
			Name: o.Name, UserID: o.UserID, UserDirectory: o.UserDirectory,
			Email: j.emails[o.ID], Role: RoleOwner,
		}}
	}
	v.Tags = s.Tags
	return v, nil
}

// SheetURL returns the hub's address of a sheet: the base URL with its
// virtual proxy prefix, then /sense/app/{appID}/sheet/{sheetID}/state/analysis,
// each id path-escaped. sheetID is the sheet's engine object id.
func (c *Client) SheetURL(appID, sheetID string) string {
	var b strings.Builder
	b.Grow(len(c.baseStr) + len(appID) + len(sheetID) + 40)
	b.WriteString(c.baseStr)
	b.WriteString("/sense/app/")
	b.WriteString(url.PathEscape(appID))
	b.WriteString("/sheet/")
	b.WriteString(url.PathEscape(sheetID))
	b.WriteString("/state/analysis")
	return b.String()
}

// emailBatch bounds how many sheets wait for their owners' emails, and so
// the memory held: a batch is sent when it has this many sheets, or
// maxIDsPerRequest owners not seen before.
const emailBatch = 1000

// withEmails joins sheets in batches: for each batch it fetches the emails
// of owners not seen before in one request per maxIDsPerRequest owners,
// then yields the batch. Emails are cached for the whole loop.
func (j *joiner) withEmails(ctx context.Context, seq iter.Seq2[sheetRecord, error], yield func(Visualization, error) bool) {
	j.emails = map[string]string{}
	var pending []sheetRecord
	var unknown []string
	flush := func() bool {
		if len(unknown) > 0 {
			if err := j.c.fetchEmails(ctx, unknown, j.emails); err != nil {
				yield(Visualization{}, err)
				return false
			}
			unknown = unknown[:0]
		}
		for i := range pending {
			v, err := j.visualization(&pending[i])
			if !yield(v, err) || err != nil {
				return false
			}
		}
		pending = pending[:0]
		return true
	}
	for s, err := range seq {
		if err != nil {
			yield(Visualization{}, err)
			return
		}
		pending = append(pending, s)
		if id := s.Owner.ID; id != "" {
			if _, seen := j.emails[id]; !seen {
				j.emails[id] = "" // marks it as asked for
				unknown = append(unknown, id)
			}
		}
		if len(pending) >= emailBatch || len(unknown) >= maxIDsPerRequest {
			if !flush() {
				return
			}
		}
	}
	flush()
}

// fetchEmails asks /qrs/user/full for the users with the given ids, in
// requests that stay under the server's URL limit, and records each email.
func (c *Client) fetchEmails(ctx context.Context, ids []string, emails map[string]string) error {
	for batch := range idBatches("id", ids, maxIDsPerRequest) {
		for u, err := range list[User](ctx, c, &request{path: "/qrs/user/full", query: []param{{"filter", idFilter("id", batch)}}}) {
			if err != nil {
				return err
			}
			for _, a := range u.Attributes {
				if strings.EqualFold(a.Type, "email") && a.Value != "" {
					emails[u.ID] = a.Value
					break
				}
			}
		}
	}
	return nil
}
