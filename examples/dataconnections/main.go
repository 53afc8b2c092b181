// Dataconnections lists the data connections of a Qlik Sense site, with
// their connection strings scrubbed of credentials and the target each
// names (host, database, folder, URL), as JSON Lines on stdout, or as a
// table. Without -url it reads a built-in demo site:
//
//	go run ./examples/dataconnections -table
//	go run ./examples/dataconnections -filter "type eq 'ODBC'"
//
// Run it with -help for every flag.
package main

import (
	"context"
	"io"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/cli"
)

const synopsis = `dataconnections [flags]

Lists the data connections of a Qlik Sense site as JSON Lines, or as a table
with -table: name, type, the connection string with every credential
replaced by xxxxx, and what it points at ("target": host, port, database,
DSN, driver, folder path or URL). QRS's password field is never read.
Without -url, reads the built-in demo site.`

// connection is one data connection as the output writes it.
type connection struct {
	ID               string               `json:"id"`
	Name             string               `json:"name"`
	Type             string               `json:"type"`
	ConnectionString string               `json:"connection_string"`
	Target           qrs.ConnectionTarget `json:"target"`
	Owner            string               `json:"owner"`
	LogOn            string               `json:"log_on"`
}

func newConnection(d *qrs.DataConnection) connection {
	return connection{
		ID: d.ID, Name: d.Name, Type: d.Type, ConnectionString: d.ConnectionString, Target: d.Target,
		Owner: cli.UserName(d.Owner.UserDirectory, d.Owner.UserID), LogOn: d.LogOn.String(),
	}
}

var columns = []cli.Column[connection]{
	{Title: "NAME", Max: 28, Value: func(c *connection) string { return c.Name }},
	{Title: "TYPE", Max: 28, Value: func(c *connection) string { return c.Type }},
	{Title: "HOST", Max: 32, Value: func(c *connection) string { return c.Target.Host }},
	{Title: "DATABASE", Max: 20, Value: func(c *connection) string { return c.Target.Database }},
	{Title: "PATH_OR_URL", Value: func(c *connection) string { return c.Target.Path + c.Target.URL }},
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("dataconnections", synopsis, stderr)
	site := cli.AddSiteFlags(fs, 0)
	filter := fs.String("filter", "", "QRS filter `text`, e.g. \"type eq 'ODBC'\"")
	table := fs.Bool("table", false, "print an aligned table instead of JSON Lines")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	client, release, err := site.Open(stderr)
	if err != nil {
		return err
	}
	defer release()

	// The data connections, decoded one at a time; each connection string
	// comes scrubbed, with the target it names.
	conns := client.DataConnections(ctx, &qrs.ListOptions{Filter: *filter, OrderBy: "name asc"})

	out := cli.NewWriter(stdout, *table, columns)
	for d, err := range conns {
		if err != nil {
			return err
		}
		row := newConnection(&d)
		if err := out.Write(&row); err != nil {
			return err
		}
	}
	return out.Close()
}

func main() { cli.Main("dataconnections", run) }
