// Reloads shows the reload status of a Qlik Sense site: each reload task,
// its app, how its last run ended and why it failed, when it runs next and
// what triggers it, as JSON Lines on stdout, or as a table. Without -url it
// reads a built-in demo site:
//
//	go run ./examples/reloads -table
//	go run ./examples/reloads -failed
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

const synopsis = `reloads [flags]

Shows the reload tasks of a Qlik Sense site as JSON Lines, or as a table
with -table: the app, whether the task is enabled, its last run (status,
start, stop, duration, node, and the scheduler's message when it failed),
its next run and its triggers. Times QRS reports as never are left out.
Without -url, reads the built-in demo site.`

// task is one reload task as the output writes it.
type task struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	App      string    `json:"app"`
	AppID    string    `json:"app_id"`
	Enabled  bool      `json:"enabled"`
	Status   string    `json:"status"`
	Started  time.Time `json:"started,omitzero"`
	Stopped  time.Time `json:"stopped,omitzero"`
	Seconds  float64   `json:"seconds"`
	Node     string    `json:"node,omitzero"`
	Message  string    `json:"message,omitzero"`
	NextRun  time.Time `json:"next_run,omitzero"`
	Triggers []string  `json:"triggers"`
}

func newTask(t *qrs.ReloadTask) task {
	last := t.LastExecution
	out := task{
		ID: t.ID, Name: t.Name, App: t.App.Name, AppID: t.App.ID, Enabled: t.Enabled, Status: last.Status.String(),
		Started: last.Start, Stopped: last.Stop, Seconds: last.Duration.Seconds(), Node: last.Node,
		Message: last.Message, NextRun: t.NextExecution, Triggers: []string{},
	}
	for _, tr := range t.Triggers {
		switch tr.Type {
		case qrs.TriggerSchedule:
			out.Triggers = append(out.Triggers, tr.Increment.String()+" ("+tr.Name+")")
		case qrs.TriggerTaskEvent:
			for _, r := range tr.Rules {
				out.Triggers = append(out.Triggers, "after "+r.TaskName+" ("+r.State.String()+")")
			}
		}
	}
	return out
}

var columns = []cli.Column[task]{
	{Title: "TASK", Max: 36, Value: func(t *task) string { return t.Name }},
	{Title: "APP", Max: 28, Value: func(t *task) string { return t.App }},
	{Title: "STATUS", Value: func(t *task) string { return t.Status }},
	{Title: "STOPPED", Value: func(t *task) string { return cli.TableTime(t.Stopped) }},
	{Title: "NEXT_RUN", Value: func(t *task) string { return cli.TableTime(t.NextRun) }},
	{Title: "MESSAGE", Max: 60, Value: func(t *task) string { return t.Message }},
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("reloads", synopsis, stderr)
	site := cli.AddSiteFlags(fs, 0)
	filter := fs.String("filter", "", "QRS filter `text` over tasks, e.g. \"app.stream.name eq 'Finance'\"")
	failed := fs.Bool("failed", false, "only the tasks whose last run failed, was aborted or was skipped")
	table := fs.Bool("table", false, "print an aligned table instead of JSON Lines")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	client, release, err := site.Open(stderr)
	if err != nil {
		return err
	}
	defer release()

	// The reload tasks, each with its last run and its triggers (QRS keeps
	// those apart: ReloadTasks joins them).
	tasks := client.ReloadTasks(ctx, &qrs.ListOptions{Filter: *filter})

	out := cli.NewWriter(stdout, *table, columns)
	for t, err := range tasks {
		if err != nil {
			return err
		}
		if *failed && !t.LastExecution.Status.Failed() {
			continue
		}
		row := newTask(&t)
		if err := out.Write(&row); err != nil {
			return err
		}
	}
	return out.Close()
}

func main() { cli.Main("reloads", run) }
