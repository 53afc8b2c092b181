package qrs

import (
	"context"
	"fmt"
)

// The data model part of a catalog (catalog.go): each app's tables and
// fields, fetched a few apps at a time and yielded app by app.

// modelResult is the outcome of one app's data model.
type modelResult struct {
	model   *DataModel
	badBody bool
	err     error
}

// concurrency returns DataModelConcurrency or its default.
func (o *CatalogOptions) concurrency() int {
	if o == nil || o.DataModelConcurrency == 0 {
		return 4
	}
	return o.DataModelConcurrency
}

// dataModels fetches the data model of every app in scope, at most
// concurrency at once (fetched or waiting to be yielded), and yields each
// app's tables and fields in the order of the apps. All its goroutines
// have ended when it returns.
func (r *catalogRun) dataModels() bool {
	fetch := func(ctx context.Context, id string) modelResult {
		m, bad, err := r.c.dataModel(ctx, id)
		return modelResult{model: m, badBody: bad, err: err}
	}
	return inOrder(r.ctx, r.order, r.opts.concurrency(), fetch, r.model)
}

// model yields the tables and fields of one app's data model, or the
// entry-level error of its failure; it reports whether the loop goes on.
func (r *catalogRun) model(appID string, res modelResult) bool {
	if res.err != nil {
		if err := r.ctx.Err(); err != nil {
			return r.fail(err)
		}
		if entryLevel(res.err, res.badBody) {
			return r.skip(EntryApp, r.appKey(appID), res.err)
		}
		return r.fail(res.err)
	}
	m := res.model
	app := Relation{Kind: EntryApp, Key: r.appKey(appID)}
	if r.opts.wants(EntryTable) {
		seen := make(map[string]bool, len(m.Tables))
		for i := range m.Tables {
			t := m.Tables[i]
			switch {
			case t.Name == "":
				if !r.skip(EntryApp, app.Key, fmt.Errorf("qrs: table %d of the data model of app %s has no name: it cannot have a key", i+1, appID)) {
					return false
				}
				continue
			case seen[t.Name]:
				if !r.skip(EntryApp, app.Key, fmt.Errorf("qrs: the data model of app %s has the table %q twice: the second is left out", appID, truncate(t.Name, 60))) {
					return false
				}
				continue
			}
			seen[t.Name] = true
			e := Entry{Kind: EntryTable, Key: entryKey(r.code, EntryTable, appID, t.Name), Name: t.Name,
				Relations: []Relation{app}, Table: &t}
			if !r.emit(e) {
				return false
			}
		}
	}
	if r.opts.wants(EntryField) {
		seen := make(map[string]bool, len(m.Fields))
		for i := range m.Fields {
			f := m.Fields[i]
			switch {
			case f.Name == "":
				if !r.skip(EntryApp, app.Key, fmt.Errorf("qrs: field %d of the data model of app %s has no name: it cannot have a key", i+1, appID)) {
					return false
				}
				continue
			case seen[f.Name]:
				if !r.skip(EntryApp, app.Key, fmt.Errorf("qrs: the data model of app %s has the field %q twice: the second is left out", appID, truncate(f.Name, 60))) {
					return false
				}
				continue
			}
			seen[f.Name] = true
			rel := make([]Relation, 0, len(f.SourceTables)+1)
			for _, t := range f.SourceTables {
				if t != "" {
					rel = append(rel, Relation{Kind: EntryTable, Key: entryKey(r.code, EntryTable, appID, t)})
				}
			}
			e := Entry{Kind: EntryField, Key: entryKey(r.code, EntryField, appID, f.Name), Name: f.Name,
				Relations: append(rel, app), Field: &f}
			if !r.emit(e) {
				return false
			}
		}
	}
	return true
}
