package qrs_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

// The demo site's files, read with encoding/json, independently of the
// library and of the test server, for the tests of every entity kind.

const demoDir = "internal/testserver/demo"

// startDemo starts the demo site.
func startDemo(t testing.TB, cfg testserver.Config, opts ...qrs.Option) (*testserver.Server, *qrs.Client) {
	t.Helper()
	cfg.Site = testserver.DemoSite()
	return startSite(t, cfg, opts...)
}

// demoItems reads a listing of the demo site.
func demoItems(t testing.TB, name string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(demoDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var items []map[string]any
	if err := json.Unmarshal(b, &items); err != nil {
		t.Fatal(err)
	}
	return items
}

// demoModel reads the data model of a demo app; ok is false when it has
// none on file.
func demoModel(t testing.TB, appID string) (m map[string]any, ok bool) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(demoDir, testserver.DataModelDir, appID+".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m, true
}

// obj returns v as a JSON object (nil for null).
func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }

// arr returns v as a JSON array.
func arr(v any) []any { a, _ := v.([]any); return a }

func num(v any) float64 { f, _ := v.(float64); return f }

func boolean(v any) bool { b, _ := v.(bool); return b }

// wantUser is the condensed user of a fixture.
func wantUser(v any) qrs.User {
	m := obj(v)
	return qrs.User{ID: str(m["id"]), UserID: str(m["userId"]), UserDirectory: str(m["userDirectory"]),
		UserDirectoryConnectorName: str(m["userDirectoryConnectorName"]), Name: str(m["name"])}
}

// wantTags are the tags of a fixture.
func wantTags(v any) []qrs.Tag {
	var out []qrs.Tag
	for _, t := range arr(v) {
		out = append(out, qrs.Tag{ID: str(obj(t)["id"]), Name: str(obj(t)["name"])})
	}
	return out
}

// wantCPs are the custom property values of a fixture.
func wantCPs(v any) []qrs.CustomProperty {
	var out []qrs.CustomProperty
	for _, c := range arr(v) {
		d := obj(obj(c)["definition"])
		cp := qrs.CustomProperty{ID: str(obj(c)["id"]), Value: str(obj(c)["value"]),
			Definition: qrs.CustomPropertyDefinition{ID: str(d["id"]), Name: str(d["name"]), ValueType: str(d["valueType"])}}
		for _, ch := range arr(d["choiceValues"]) {
			cp.Definition.ChoiceValues = append(cp.Definition.ChoiceValues, str(ch))
		}
		out = append(out, cp)
	}
	return out
}

// wantStream is the condensed stream of a fixture, nil for null.
func wantStream(v any) *qrs.Stream {
	m := obj(v)
	if m == nil {
		return nil
	}
	return &qrs.Stream{ID: str(m["id"]), Name: str(m["name"])}
}

// wantAppCondensed is the condensed app of a fixture.
func wantAppCondensed(t *testing.T, v any) qrs.AppCondensed {
	m := obj(v)
	return qrs.AppCondensed{ID: str(m["id"]), Name: str(m["name"]), Published: boolean(m["published"]),
		PublishTime: wantTime(t, m["publishTime"]), Stream: wantStream(m["stream"]),
		SavedInProductVersion: str(m["savedInProductVersion"]), MigrationHash: str(m["migrationHash"]),
		AvailabilityStatus: qrs.AvailabilityStatus(num(m["availabilityStatus"]))}
}

// wantLocal reads a time QRS writes without a zone (a schedule's), as a
// time in UTC with the same reading.
func wantLocal(t *testing.T, v any) time.Time {
	t.Helper()
	tm, err := time.Parse("2006-01-02T15:04:05.999", str(v))
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// same fails the test when got and want differ, as reflect.DeepEqual
// compares (nil and empty slices alike; times by their instant).
func same(t testing.TB, where string, got, want any) {
	t.Helper()
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	if equalValues(g, w) {
		return
	}
	if g.Kind() == reflect.Slice && w.Kind() == reflect.Slice && g.Type() == w.Type() {
		for i := range min(g.Len(), w.Len()) {
			if !equalValues(g.Index(i), w.Index(i)) {
				t.Errorf("%s: item %d of %d (want %d):\n got %s\nwant %s", where, i, g.Len(), w.Len(), show(g.Index(i)), show(w.Index(i)))
				return
			}
		}
		t.Errorf("%s: %d items, want %d", where, g.Len(), w.Len())
		return
	}
	t.Errorf("%s:\n got %s\nwant %s", where, show(g), show(w))
}

// show prints a value as JSON, which follows pointers.
func show(v reflect.Value) string {
	if !v.IsValid() {
		return "<invalid>"
	}
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return fmt.Sprintf("%+v", v.Interface())
	}
	return string(b)
}

var timeType = reflect.TypeFor[time.Time]()

func equalValues(a, b reflect.Value) bool {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	if a.Type() != b.Type() {
		return false
	}
	if a.Type() == timeType {
		return a.Interface().(time.Time).Equal(b.Interface().(time.Time))
	}
	switch a.Kind() {
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !equalValues(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equalValues(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if !equalValues(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}
