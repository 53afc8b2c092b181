// Inventory lists a Qlik Sense site as a data catalog imports it: the site,
// its streams, apps, data connections (credentials scrubbed), reload tasks,
// visualizations (one per sheet), master items, and the tables and fields
// of each app's data model, as JSON Lines on stdout, or as tables; and,
// through the Engine, the charts of each sheet, the definitions of master
// items, and the lineage between apps, files and sources.
//
// Without -url it reads a built-in demo site, served on 127.0.0.1:
//
//	go run ./examples/inventory
//	go run ./examples/inventory -table
//	go run ./examples/inventory -kinds visualization
//	go run ./examples/inventory -engine -kinds file,lineage -table
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
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/cli"
)

const synopsis = `inventory [flags]

Lists a Qlik Sense site as a data catalog imports it, as JSON Lines, or as
tables with -table (one per kind). Every line has "kind", "key" and
"connection" (its connection's code, which is also the first segment of
its key). The kinds, in the order they come (-kinds chooses among them):

  site            the connection itself: its code and address
  stream          a stream
  app             an app, with its stream, owner, tags and last reload
  dataconnection  a data connection: its connection string scrubbed of
                  credentials, and the target it names
  reloadtask      a reload task: its last run's status and message, its
                  triggers
  visualization   a sheet, with its app, stream, URL, status and owner
  masteritem      a master visualization, dimension or measure
  table, field    the tables and fields of each app's data model

Through the Engine, with -charts, -master-definitions and -lineage (or
-engine for all three), app by app, each app opened without its data on
a WebSocket of its own:

  chart           a chart or other object of a sheet: type, titles, its
                  dimensions' and measures' titles (with -chart-fields,
                  their fields and expressions)
  masterdefinition  what a master item is made of: fields, expression,
                  or a master visualization's dimensions and measures
  source          a database, connector or extension that apps load from
  file            a file (QVD, spreadsheet, web file) that apps load or
                  store, its lib:// path resolved to its data connection
  lineage         an edge: a source or file feeds an app, or an app
                  stores a file; with the statements behind it (scrubbed)

Lines other than visualizations have "relations", the keys of the entries
they belong to (an app's stream, a task's app, a field's tables and app,
a chart's sheet, a lineage edge's two ends). An app whose data model or
Engine part cannot be read (never reloaded, not readable by the user,
failing) is reported on stderr, and the rest still comes.

The site is the one of -url and the flags that go with it, of a connection
file (-conf), or of each connection file of a folder (-connections);
without any of them, the built-in demo site is read. A connection file's
filter block selects the part of the site, as -stream, -app, -tag and
their -exclude- forms and -published-only do for -url. Progress shows on
stderr when it is a terminal and stdout is not, or with -progress.

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
  {"event":"done","connection":CODE,"file":PATH,"items":N,"incomplete":[KEY...]}
      the N items since "added" or "changed" are all the connection's
      items, and any other item it had before is gone, except the tables
      and fields (and the Engine's items) of the apps listed in
      "incomplete" (when present), whose data models (or Engine parts)
      could not be read this time
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

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("inventory", synopsis, stderr)
	conn := cli.AddConnFlags(fs, cli.FlagCode|cli.FlagPartitions)
	files := cli.AddFileFlags(fs, conn, true)
	scope := cli.AddScopeFlags(fs)
	kindList := fs.String("kinds", "all", "the `kinds` to list, separated by commas (see above), or all")
	filter := fs.String("filter", "", "QRS filter `text` over apps: only these apps and what is theirs, e.g. \"name sw 'Sales'\"")
	table := fs.Bool("table", false, "print aligned tables, one per kind, instead of JSON Lines")
	emails := fs.Bool("emails", false, "fill the contacts' email from their QRS user attributes (one more request per 50 owners)")
	concurrency := fs.Int("models", 4, "fetch `N` data models at a time (1 to 16)")
	progress := fs.Bool("progress", false, "show progress on stderr even when it is not a terminal")
	listing := fs.String("listing", "full", "how to list: full (GET /qrs/.../full, one request per listing) or table\n(POST /qrs/.../table, the needed columns only, in pages; sites without it are read as full)")
	pageSize := fs.Int("page-size", 0, "rows per request with -listing table (default 10000)")
	watch := fs.Bool("watch", false, "with -connections: then watch the folder and read again the connections whose file\nis added, changed or removed, until interrupted (see above)")
	every := fs.Duration("watch-interval", 2*time.Second, "how often -watch looks at the folder")
	eng := addEngineFlags(fs)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	kinds, err := parseKinds(*kindList)
	switch {
	case err != nil:
		return err
	case *watch && !set["connections"]:
		return cli.Usagef("-watch needs -connections")
	case set["watch-interval"] && !*watch:
		return cli.Usagef("-watch-interval needs -watch")
	case *every <= 0:
		return cli.Usagef("-watch-interval must be positive")
	case *watch && *table:
		return cli.Usagef("-watch writes JSON Lines with events: -table cannot be used with it")
	case scope.Given() && files.Given():
		return cli.Usagef("-stream, -app, -tag and their -exclude- forms cannot be used with a connection file: its filter block says them")
	case *concurrency < 1 || *concurrency > 16:
		return cli.Usagef("-models must be 1 to 16")
	case *listing != "full" && *listing != "table":
		return cli.Usagef("-listing %q: want full or table", *listing)
	case set["page-size"] && *listing != "table":
		return cli.Usagef("-page-size needs -listing table")
	}
	engine, err := eng.options(kinds)
	if err != nil {
		return err
	}

	// What to list and how: the options of one Catalog call.
	opts := &qrs.CatalogOptions{
		Kinds:                kinds,
		Scope:                scope.Scope(*filter),
		ContactEmails:        *emails,
		Partitions:           qrs.Partitions{AppsPerRequest: conn.Partitions},
		DataModelConcurrency: *concurrency,
		Engine:               engine,
	}
	if *listing == "table" {
		opts.Listing, opts.PageSize = qrs.ListTable, *pageSize
	}
	noun := "entries"
	if slices.Equal(kinds, []qrs.EntryKind{qrs.EntryVisualization}) {
		noun = "visualizations"
	}
	counts := map[qrs.EntryKind]int{} // of the whole run, for the progress's last line
	newProgress := func() *cli.Progress {
		if *progress || cli.ShowProgress(stdout, stderr) {
			p := cli.NewProgress(stderr, "inventory", noun, cli.IsTerminal(stderr))
			p.SetDetail(func() string { return countsText(counts) })
			return p
		}
		return nil
	}

	if set["connections"] {
		if err := files.Check(); err != nil {
			return err
		}
		f := newFolder(files.Dir, stderr, newOutput(stdout, *table))
		f.catalog, f.filter, f.opts, f.progress, f.events, f.counts = opts, *filter, conn.Options(stderr), newProgress(), *watch, counts
		return f.run(ctx, *watch, *every)
	}
	src, err := files.SiteSource(stderr)
	if err != nil {
		return err
	}
	client, release, err := src.Open(conn.Options(stderr)...)
	if err != nil {
		return err
	}
	defer release()
	if files.Given() {
		opts.Scope = cli.ScopeOf(src) // the file's filter block
		opts.Scope.AppFilter = *filter
	}
	out := newOutput(stdout, *table)
	p := newProgress()
	_, _, err = inventory(ctx, client, opts, out, p, counts, stderr)
	if cerr := out.close(); err == nil {
		err = cerr
	}
	if cli.BrokenPipe(err) {
		p.Clear()
	} else {
		p.Done()
	}
	return err
}

// inventory writes the catalog of client to out, counting each entry on p
// and in counts, and returns how many lines it wrote and the keys of the
// apps whose data model could not be read (other than for having none). An
// entry-level error (one app's data model) is reported on stderr and the
// catalog goes on; any other error ends it.
func inventory(ctx context.Context, client *qrs.Client, opts *qrs.CatalogOptions, out *output, p *cli.Progress,
	counts map[qrs.EntryKind]int, stderr io.Writer) (written int, incomplete []string, err error) {
	var noModel, noLineage int
	defer func() {
		if noModel > 0 {
			fmt.Fprintf(stderr, "inventory: %d apps have no data model recorded (never reloaded on a release that records them)\n", noModel)
		}
		if noLineage > 0 {
			fmt.Fprintf(stderr, "inventory: %d apps have no lineage (never reloaded, or without the reload right)\n", noLineage)
		}
	}()
	code := ""
	for e, err := range client.Catalog(ctx, opts) {
		var ee *qrs.EntryError
		switch {
		case errors.Is(err, qrs.ErrNoDataModel):
			noModel++
			continue
		case errors.Is(err, qrs.ErrNoLineage):
			noLineage++
			continue
		case errors.As(err, &ee):
			fmt.Fprintf(stderr, "inventory: %v\n", err)
			incomplete = append(incomplete, ee.Key)
			continue
		case err != nil:
			return written, incomplete, err
		}
		if code == "" {
			k, _ := qrs.ParseEntryKey(e.Key)
			code = k.Code
		}
		r := newRecord(code, &e)
		if err := out.write(&r); err != nil {
			return written, incomplete, err
		}
		written++
		counts[e.Kind]++
		p.Add()
	}
	return written, incomplete, nil
}

// parseKinds reads -kinds: all (nil: every kind), or kinds separated by
// commas.
func parseKinds(list string) ([]qrs.EntryKind, error) {
	if strings.TrimSpace(list) == "all" {
		return nil, nil
	}
	var kinds []qrs.EntryKind
	for name := range strings.SplitSeq(list, ",") {
		k := qrs.EntryKind(strings.TrimSpace(name))
		if !slices.Contains(qrs.EntryKinds(), k) {
			return nil, cli.Usagef("-kinds: unknown kind %q: use all, or some of %s", name, kindNames())
		}
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	return kinds, nil
}

func kindNames() string {
	var names []string
	for _, k := range qrs.EntryKinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ",")
}

// countsText says how many entries of each kind there were.
func countsText(counts map[qrs.EntryKind]int) string {
	var parts []string
	for _, k := range qrs.EntryKinds() {
		if n := counts[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, plural(k, n)))
		}
	}
	return strings.Join(parts, ", ")
}

func plural(k qrs.EntryKind, n int) string {
	switch {
	case n == 1:
		return string(k)
	case k == qrs.EntryDataConnection:
		return "data connections"
	case k == qrs.EntryReloadTask:
		return "reload tasks"
	case k == qrs.EntryMasterItem:
		return "master items"
	case k == qrs.EntryMasterDefinition:
		return "master item definitions"
	case k == qrs.EntryLineage:
		return "lineage edges"
	}
	return string(k) + "s"
}

func main() { cli.Main("inventory", run) }
