package main

import (
	"flag"
	"slices"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/cli"
)

// engineFlags are the flags of the Engine's part of the catalog.
type engineFlags struct {
	all, charts, fields, defs, lineage *bool
	concurrency                        *int
	timeout                            *time.Duration
}

func addEngineFlags(fs *flag.FlagSet) *engineFlags {
	return &engineFlags{
		all:         fs.Bool("engine", false, "read everything through the Engine: -charts -chart-fields -master-definitions -lineage"),
		charts:      fs.Bool("charts", false, "list the charts of every sheet through the Engine (kind chart)"),
		fields:      fs.Bool("chart-fields", false, "with -charts: their fields and expressions too (one more Engine call per sheet)"),
		defs:        fs.Bool("master-definitions", false, "list the definition of every master item through the Engine (kind masterdefinition)"),
		lineage:     fs.Bool("lineage", false, "list the lineage of every app through the Engine: its sources, files, and the edges between\napps and files (kinds source, file, lineage; needs the reload right on the apps)"),
		concurrency: fs.Int("engine-concurrency", 2, "open `N` apps at a time through the Engine, each on its own WebSocket (1 to 16)"),
		timeout:     fs.Duration("engine-timeout", 30*time.Second, "the longest wait for one Engine call's answer: a silent socket fails its app after it"),
	}
}

// engineKind names the flag that yields each of the Engine's kinds.
var engineKind = map[qrs.EntryKind]string{
	qrs.EntryChart:            "-charts",
	qrs.EntryMasterDefinition: "-master-definitions",
	qrs.EntrySource:           "-lineage",
	qrs.EntryFile:             "-lineage",
	qrs.EntryLineage:          "-lineage",
}

// options returns the Engine options the flags ask for, nil for none,
// checked against the kinds of -kinds.
func (f *engineFlags) options(kinds []qrs.EntryKind) (*qrs.EngineOptions, error) {
	e := &qrs.EngineOptions{Charts: *f.charts || *f.all, ChartFields: *f.fields || *f.all, MasterItemDefinitions: *f.defs || *f.all,
		Lineage: *f.lineage || *f.all, Concurrency: *f.concurrency, CallTimeout: *f.timeout}
	on := map[string]bool{"-charts": e.Charts, "-master-definitions": e.MasterItemDefinitions, "-lineage": e.Lineage}
	for _, k := range kinds {
		if flag, ok := engineKind[k]; ok && !on[flag] {
			return nil, cli.Usagef("-kinds %s: its entries come through the Engine: add %s (or -engine)", k, flag)
		}
	}
	switch {
	case e.ChartFields && !e.Charts:
		return nil, cli.Usagef("-chart-fields needs -charts")
	case *f.concurrency < 1 || *f.concurrency > 16:
		return nil, cli.Usagef("-engine-concurrency must be 1 to 16")
	case *f.timeout <= 0:
		return nil, cli.Usagef("-engine-timeout must be positive")
	case !e.Charts && !e.MasterItemDefinitions && !e.Lineage:
		return nil, nil
	}
	// Asked for, but not among -kinds: nothing to read.
	if len(kinds) > 0 && !slices.ContainsFunc(kinds, func(k qrs.EntryKind) bool { _, ok := engineKind[k]; return ok }) {
		return nil, nil
	}
	return e, nil
}
