// Inventory lists the visualizations of a Qlik Sense site, one per sheet,
// as a data catalog imports them: JSON Lines on stdout, or a table.
//
// Without -url it reads a built-in demo site, served on 127.0.0.1:
//
//	go run ./examples/inventory
//	go run ./examples/inventory -table
//
// Against a real site through a virtual proxy with header authentication:
//
//	QRS_TRUSTSTORE_PASSWORD=... go run ./examples/inventory \
//		-url https://qlik.example.com/hdr -user 'CORP\svc_catalog' \
//		-truststore qlik.p12 -code qlik-prod
//
// Through a JWT virtual proxy, with tokens signed by the key whose
// certificate the proxy holds, under the proxy's claim names; through the
// default virtual proxy with Windows authentication (the password from the
// environment); or with a session someone already has:
//
//	go run ./examples/inventory -url https://qlik.example.com/jwt -truststore qlik.pem \
//		-jwt-key catalog-jwt.key -jwt-claims userId,userDirectory -user 'CORP\svc_catalog'
//	QRS_WINDOWS_PASSWORD=... go run ./examples/inventory -url https://qlik.example.com \
//		-truststore qlik.pem -windows-user 'CORP\svc_catalog'
//	QRS_SESSION_COOKIE=... go run ./examples/inventory -url https://qlik.example.com/hdr \
//		-truststore qlik.pem -session-cookie X-Qlik-Session-hdr
//
// The demo site can authenticate in each of these ways (windows needs
// apache2 with mod_auth_gssapi and gss-ntlmssp, as .ci/install-deps
// installs them, for a real NTLM verifier):
//
//	go run ./examples/inventory -demo-auth jwt
//	go run ./examples/inventory -demo-auth windows
//
// From a connection file (see connection.conf.template), or from every
// connection file of a folder, watched for changes until interrupted:
//
//	go run ./examples/inventory -conf qlik-prod.conf
//	go run ./examples/inventory -connections /etc/catalog/connections -watch
//
// Run it with -help for every flag, and the format of -watch's events.
package main

import (
	"context"
	"flag"
	"io"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/cli"
)

const synopsis = `inventory [flags]

Lists the visualizations (one per sheet) of a Qlik Sense site as JSON Lines,
or as a table with -table. The site is the one of -url and the flags that go
with it, of a connection file (-conf), or of each connection file of a folder
(-connections); without any of them, the built-in demo site is read.
Progress shows on stderr when it is a terminal and stdout is not, or with
-progress. Every item has "connection", its connection's code, which is also
the first segment of its "key".

With -connections, the *.conf files of the folder are read in name order
(names starting with "." are left out). Files of another connector and
disabled connections are skipped with a notice on stderr; a file with
errors, or whose code another file has already, is reported on stderr and
the others are still read, but the exit status is then 1.

With -watch, inventory then looks at the folder every -watch-interval until
interrupted (exit status 0), and reads a connection again when its file is
added, changed (or only touched) or removed. The output, JSON Lines, has
event lines among the items, told apart by their "event" field:

  {"event":"added","connection":CODE,"name":NAME,"file":PATH}
      a connection to inventory: its items follow
  {"event":"changed","connection":CODE,"name":NAME,"file":PATH}
      its file changed: all its items follow again
  {"event":"done","connection":CODE,"file":PATH,"items":N}
      the N items since "added" or "changed" are all the connection's
      items, and any other item it had before is gone
  {"event":"removed","connection":CODE,"name":NAME,"file":PATH,"reason":WHY}
      all the connection's items are gone: its file was removed, disabled,
      turned into another connector's, or changed the code (an "added"
      event of the new code follows)
  {"event":"error","connection":CODE,"file":PATH,"error":MESSAGE}
      a file could not be read, or its inventory failed, also reported on
      stderr; no "done" follows. CODE, when present, is the connection of
      the file as last read well, which stays as it was.

The first reading of the folder writes its events too. A file that is being
written is read when it has stayed the same for one -watch-interval.`

// item is one visualization as the output writes it.
type item struct {
	Key         string    `json:"key"`
	Connection  string    `json:"connection"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	AppID       string    `json:"app_id"`
	App         string    `json:"app"`
	Stream      string    `json:"stream"`
	URL         string    `json:"url"`
	Status      string    `json:"status"`
	Created     time.Time `json:"created,omitzero"`
	Modified    time.Time `json:"modified,omitzero"`
	Published   time.Time `json:"published,omitzero"`
	Tags        []string  `json:"tags"`
	Contacts    []contact `json:"contacts"`
}

// contact is a person responsible for a visualization.
type contact struct {
	Name          string `json:"name"`
	UserID        string `json:"user_id"`
	UserDirectory string `json:"user_directory"`
	Email         string `json:"email,omitempty"`
	Role          string `json:"role"`
}

func newItem(v *qrs.Visualization) item {
	it := item{
		Key:         v.Key.String(),
		Connection:  v.Key.Code,
		Name:        v.Name,
		Description: v.Description,
		AppID:       v.AppID,
		App:         v.AppName,
		Stream:      v.StreamName,
		URL:         v.SheetURL,
		Status:      string(v.Status),
		Created:     v.Created,
		Modified:    v.Modified,
		Published:   v.Published,
		Tags:        v.Tags,
		Contacts:    make([]contact, len(v.Contacts)),
	}
	if it.Tags == nil {
		it.Tags = []string{}
	}
	for i, c := range v.Contacts {
		it.Contacts[i] = contact(c)
	}
	return it
}

// AppendJSON appends the item as one JSON object, exactly as encoding it
// with its tags would (TestItemAppendJSON compares them), without
// reflection: this is the inventory's hot path.
func (it *item) AppendJSON(b []byte) []byte {
	str := func(b []byte, name, v string) []byte {
		b = append(b, name...)
		b, _ = jsontext.AppendQuote(b, v) // invalid UTF-8 is replaced, as encoding does
		return b
	}
	tm := func(b []byte, name string, t time.Time) []byte {
		if t.IsZero() {
			return b
		}
		b = append(append(b, name...), '"')
		return append(t.AppendFormat(b, time.RFC3339Nano), '"')
	}
	b = str(b, `{"key":`, it.Key)
	b = str(b, `,"connection":`, it.Connection)
	b = str(b, `,"name":`, it.Name)
	b = str(b, `,"description":`, it.Description)
	b = str(b, `,"app_id":`, it.AppID)
	b = str(b, `,"app":`, it.App)
	b = str(b, `,"stream":`, it.Stream)
	b = str(b, `,"url":`, it.URL)
	b = str(b, `,"status":`, it.Status)
	b = tm(b, `,"created":`, it.Created)
	b = tm(b, `,"modified":`, it.Modified)
	b = tm(b, `,"published":`, it.Published)
	b = append(b, `,"tags":[`...)
	for i, t := range it.Tags {
		if i > 0 {
			b = append(b, ',')
		}
		b, _ = jsontext.AppendQuote(b, t)
	}
	b = append(b, `],"contacts":[`...)
	for i, c := range it.Contacts {
		if i > 0 {
			b = append(b, ',')
		}
		b = str(b, `{"name":`, c.Name)
		b = str(b, `,"user_id":`, c.UserID)
		b = str(b, `,"user_directory":`, c.UserDirectory)
		if c.Email != "" {
			b = str(b, `,"email":`, c.Email)
		}
		b = str(b, `,"role":`, c.Role)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// owner returns the owner's DIRECTORY\user.
func (it *item) owner() string {
	for _, c := range it.Contacts {
		if c.Role == qrs.RoleOwner {
			return cli.UserName(c.UserDirectory, c.UserID)
		}
	}
	return ""
}

var columns = []cli.Column[item]{
	{Title: "KEY", Value: func(it *item) string { return it.Key }},
	{Title: "NAME", Max: 32, Value: func(it *item) string { return it.Name }},
	{Title: "APP", Max: 28, Value: func(it *item) string { return it.App }},
	{Title: "STREAM", Max: 20, Value: func(it *item) string { return it.Stream }},
	{Title: "STATUS", Value: func(it *item) string { return it.Status }},
	{Title: "MODIFIED", Value: func(it *item) string { return cli.TableTime(it.Modified) }},
	{Title: "OWNER", Max: 24, Value: (*item).owner},
	{Title: "URL", Value: func(it *item) string { return it.URL }},
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("inventory", synopsis, stderr)
	conn := cli.AddConnFlags(fs, cli.FlagCode|cli.FlagPartitions)
	files := cli.AddFileFlags(fs, conn, true)
	list := cli.AddListFlags(fs, false)
	table := fs.Bool("table", false, "print an aligned table instead of JSON Lines")
	emails := fs.Bool("emails", false, "fill the contacts' email from their QRS user attributes (one more request per 50 owners)")
	progress := fs.Bool("progress", false, "show progress on stderr even when it is not a terminal")
	listing := fs.String("listing", "full", "how to list: full (GET /qrs/.../full, one request per listing) or table\n(POST /qrs/.../table, the needed columns only, in pages; sites without it are read as full)")
	pageSize := fs.Int("page-size", 0, "rows per request with -listing table (default 10000)")
	watch := fs.Bool("watch", false, "with -connections: then watch the folder and read again the connections whose file\nis added, changed or removed, until interrupted (see above)")
	every := fs.Duration("watch-interval", 2*time.Second, "how often -watch looks at the folder")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case *watch && !set["connections"]:
		return cli.Usagef("-watch needs -connections")
	case set["watch-interval"] && !*watch:
		return cli.Usagef("-watch-interval needs -watch")
	case *every <= 0:
		return cli.Usagef("-watch-interval must be positive")
	case *watch && *table:
		return cli.Usagef("-watch writes JSON Lines with events: -table cannot be used with it")
	case *listing != "full" && *listing != "table":
		return cli.Usagef("-listing %q: want full or table", *listing)
	case set["page-size"] && *listing != "table":
		return cli.Usagef("-page-size needs -listing table")
	}
	opts := conn.Options(stderr)
	lo := list.Options()
	lo.ContactEmails = *emails
	lo.Partitions.AppsPerRequest = conn.Partitions
	if *listing == "table" {
		lo.Listing, lo.PageSize = qrs.ListTable, *pageSize
	}
	newProgress := func() *cli.Progress {
		if *progress || cli.ShowProgress(stdout, stderr) {
			return cli.NewProgress(stderr, "inventory", "visualizations", cli.IsTerminal(stderr))
		}
		return nil
	}

	if set["connections"] {
		if err := files.Check(); err != nil {
			return err
		}
		f := newFolder(files.Dir, stderr, cli.NewWriter(stdout, *table, columns))
		f.list, f.opts, f.progress, f.events = lo, opts, newProgress(), *watch
		return f.run(ctx, *watch, *every)
	}
	src, err := files.SiteSource(stderr)
	if err != nil {
		return err
	}
	client, release, err := src.Open(opts...)
	if err != nil {
		return err
	}
	defer release()
	out := cli.NewWriter(stdout, *table, columns)
	return cli.Emit(client.Visualizations(ctx, lo), out, newItem, newProgress())
}

func main() { cli.Main("inventory", run) }
