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
// Run it with -help for every flag.
package main

import (
	"context"
	"io"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/cli"
)

const synopsis = `inventory [flags]

Lists the visualizations (one per sheet) of a Qlik Sense site as JSON Lines,
or as a table with -table. Without -url, reads the built-in demo site.
Progress shows on stderr when it is a terminal and stdout is not, or with
-progress.`

// item is one visualization as the output writes it.
type item struct {
	Key         string    `json:"key"`
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
	list := cli.AddListFlags(fs, false)
	table := fs.Bool("table", false, "print an aligned table instead of JSON Lines")
	emails := fs.Bool("emails", false, "fill the contacts' email from their QRS user attributes (one more request per 50 owners)")
	progress := fs.Bool("progress", false, "show progress on stderr even when it is not a terminal")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	// The connection comes from the flags or the demo site; connection
	// files (-conf, -connections) will be other cli.Sources chosen here.
	src, err := conn.Source(stderr)
	if err != nil {
		return err
	}
	client, release, err := src.Open(append(conn.Options(stderr), qrs.WithContactEmails(*emails))...)
	if err != nil {
		return err
	}
	defer release()

	var p *cli.Progress
	if *progress || cli.ShowProgress(stdout, stderr) {
		p = cli.NewProgress(stderr, "inventory", "visualizations", cli.IsTerminal(stderr))
	}
	out := cli.NewWriter(stdout, *table, columns)
	return cli.Emit(client.Visualizations(ctx, list.Options()), out, newItem, p)
}

func main() { cli.Main("inventory", run) }
