package qrs

import (
	"context"
	"errors"
	"iter"
	"net/url"
	"strings"
	"time"
)

// A Visualization is what a data catalog imports for one sheet: the sheet
// joined to its app, with a key that stays the same while the sheet exists.
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
	Email         string // only with WithContactEmails
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
// plus one per batch of owners with WithContactEmails. A sheet whose app is
// missing from the index still yields, named from the app summary inside the
// sheet. The Client must have a connection code (WithConnectionCode).
//
// Nothing is sent until the loop starts; breaking out of the loop stops all
// requests. Each loop over the sequence lists the site again.
func (c *Client) Visualizations(ctx context.Context, opts *ListOptions) iter.Seq2[Visualization, error] {
	return func(yield func(Visualization, error) bool) {
		if c.cfg.code == "" {
			yield(Visualization{}, errors.New("qrs: Visualizations needs a connection code for its keys: use WithConnectionCode (the connection file's code)"))
			return
		}
		index := map[string]appInfo{}
		var order []string // app ids in listing order, for partitions
		for app, err := range c.Apps(ctx, nil) {
			if err != nil {
				yield(Visualization{}, err)
				return
			}
			info := appInfo{name: app.Name}
			if app.Stream != nil {
				info.stream = app.Stream.Name
			}
			if _, dup := index[app.ID]; !dup {
				order = append(order, app.ID)
			}
			index[app.ID] = info
		}
		sheets := sheets[sheetRecord](ctx, c, opts, order)
		if c.cfg.emails {
			c.withEmails(ctx, sheets, index, yield)
			return
		}
		for s, err := range sheets {
			if err != nil {
				yield(Visualization{}, err)
				return
			}
			if !yield(c.visualization(&s, index, nil), nil) {
				return
			}
		}
	}
}

// visualization joins a sheet to its app. emails maps owner ids to email
// addresses, or is nil.
func (c *Client) visualization(s *sheetRecord, index map[string]appInfo, emails map[string]string) Visualization {
	app, ok := index[s.App.ID]
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
			Email: emails[o.ID], Role: RoleOwner,
		}}
	}
	v.Tags = s.Tags
	return v
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
func (c *Client) withEmails(ctx context.Context, sheets iter.Seq2[sheetRecord, error], index map[string]appInfo, yield func(Visualization, error) bool) {
	emails := map[string]string{}
	var pending []sheetRecord
	var unknown []string
	flush := func() bool {
		if len(unknown) > 0 {
			if err := c.fetchEmails(ctx, unknown, emails); err != nil {
				yield(Visualization{}, err)
				return false
			}
			unknown = unknown[:0]
		}
		for i := range pending {
			if !yield(c.visualization(&pending[i], index, emails), nil) {
				return false
			}
		}
		pending = pending[:0]
		return true
	}
	for s, err := range sheets {
		if err != nil {
			yield(Visualization{}, err)
			return
		}
		pending = append(pending, s)
		if id := s.Owner.ID; id != "" {
			if _, seen := emails[id]; !seen {
				emails[id] = "" // marks it as asked for
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
	for filter := range idFilters("id", ids, maxIDsPerRequest) {
		for u, err := range list[User](ctx, c, "/qrs/user/full", []param{{"filter", filter}}) {
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
