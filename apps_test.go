package qrs_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/testserver"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// rawItems reads a fixture with encoding/json, independently of the
// client's decoder, to compare field by field.
func rawItems(t *testing.T, name string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata/qrs", name))
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.TrimPrefix(string(b), "\ufeff"))
	var items []map[string]any
	if err := json.Unmarshal(b, &items); err != nil {
		t.Fatal(err)
	}
	return items
}

// wantTime reads a QRS time the way the package promises: 1753 is never.
func wantTime(t *testing.T, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	if s == "" || strings.HasPrefix(s, "1753-01-01") {
		return time.Time{}
	}
	return mustTime(t, s)
}

func str(v any) string { s, _ := v.(string); return s }

func TestDecodeApps(t *testing.T) {
	_, c := startSite(t, testserver.Config{})
	apps, err := c.ListApps(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	raw := rawItems(t, "app_full.json")
	if len(apps) != len(raw) {
		t.Fatalf("got %d apps, want %d", len(apps), len(raw))
	}
	for i, a := range apps {
		r := raw[i]
		checks := []struct {
			field string
			got   any
			want  any
		}{
			{"id", a.ID, str(r["id"])},
			{"name", a.Name, str(r["name"])},
			{"description", a.Description, str(r["description"])},
			{"createdDate", a.Created, wantTime(t, r["createdDate"])},
			{"modifiedDate", a.Modified, wantTime(t, r["modifiedDate"])},
			{"publishTime", a.PublishTime, wantTime(t, r["publishTime"])},
			{"lastReloadTime", a.LastReloadTime, wantTime(t, r["lastReloadTime"])},
			{"lastDataDistribution", a.LastDataDistribution, wantTime(t, r["lastDataDistribution"])},
			{"published", a.Published, r["published"]},
			{"modifiedByUserName", a.ModifiedByUserName, str(r["modifiedByUserName"])},
			{"fileSize", float64(a.FileSize), r["fileSize"]},
			{"staticByteSize", float64(a.StaticByteSize), r["staticByteSize"]},
			{"availabilityStatus", float64(a.AvailabilityStatus), r["availabilityStatus"]},
			{"thumbnail", a.Thumbnail, str(r["thumbnail"])},
			{"savedInProductVersion", a.SavedInProductVersion, str(r["savedInProductVersion"])},
			{"migrationHash", a.MigrationHash, str(r["migrationHash"])},
			{"dynamicColor", a.DynamicColor, str(r["dynamicColor"])},
			{"sourceAppId", a.SourceAppID, str(r["sourceAppId"])},
			{"targetAppId", a.TargetAppID, str(r["targetAppId"])},
			{"schemaPath", a.SchemaPath, str(r["schemaPath"])},
			{"owner.id", a.Owner.ID, str(r["owner"].(map[string]any)["id"])},
			{"owner.userId", a.Owner.UserID, str(r["owner"].(map[string]any)["userId"])},
			{"owner.userDirectory", a.Owner.UserDirectory, str(r["owner"].(map[string]any)["userDirectory"])},
			{"owner.userDirectoryConnectorName", a.Owner.UserDirectoryConnectorName, str(r["owner"].(map[string]any)["userDirectoryConnectorName"])},
			{"owner.name", a.Owner.Name, str(r["owner"].(map[string]any)["name"])},
			{"tags", len(a.Tags), len(r["tags"].([]any))},
			{"customProperties", len(a.CustomProperties), len(r["customProperties"].([]any))},
		}
		for _, ck := range checks {
			if ck.got != ck.want {
				t.Errorf("app %d %s = %v, want %v", i, ck.field, ck.got, ck.want)
			}
		}
		if s, ok := r["stream"].(map[string]any); ok {
			if a.Stream == nil || a.Stream.ID != str(s["id"]) || a.Stream.Name != str(s["name"]) {
				t.Errorf("app %d stream = %+v, want %v", i, a.Stream, s)
			}
		} else if a.Stream != nil {
			t.Errorf("app %d stream = %+v, want nil", i, a.Stream)
		}
		for j, tag := range a.Tags {
			if want := str(r["tags"].([]any)[j].(map[string]any)["name"]); tag.Name != want {
				t.Errorf("app %d tag %d = %q, want %q", i, j, tag.Name, want)
			}
		}
	}
	// Spot checks that a mistake in both readers would not hide.
	first := apps[0]
	if first.FileSize <= 1<<31 {
		t.Errorf("fileSize %d: the fixture has one beyond 2^31", first.FileSize)
	}
	if len(first.CustomProperties) == 0 || first.CustomProperties[0].Definition.Name != "Department" ||
		len(first.CustomProperties[0].Definition.ChoiceValues) != 2 {
		t.Errorf("custom properties = %+v", first.CustomProperties)
	}
	if first.AvailabilityStatus != qrs.AvailabilityAvailable {
		t.Errorf("availabilityStatus = %v, want Available", first.AvailabilityStatus)
	}
	if want := time.Date(2021, 3, 4, 10, 22, 11, 123e6, time.UTC); !first.Created.Equal(want) {
		t.Errorf("created = %v, want %v", first.Created, want)
	}
	var unpublished int
	for _, a := range apps {
		if !a.Published {
			unpublished++
			if !a.PublishTime.IsZero() || a.Stream != nil {
				t.Errorf("unpublished app %q: publishTime %v, stream %+v: want never and nil", a.Name, a.PublishTime, a.Stream)
			}
		}
	}
	if unpublished == 0 {
		t.Error("the fixture has no unpublished app")
	}
}

func TestDecodeOlderServer(t *testing.T) {
	objects, err := os.ReadFile("testdata/qrs/app_object_full.json")
	if err != nil {
		t.Fatal(err)
	}
	apps, err := os.ReadFile("testdata/qrs/app_full_12x.json")
	if err != nil {
		t.Fatal(err)
	}
	site, err := testserver.SiteFromJSON(apps, objects, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, c := startSite(t, testserver.Config{Site: site})
	got, err := c.ListApps(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	raw := rawItems(t, "app_full_12x.json")
	if len(got) != len(raw) {
		t.Fatalf("got %d apps, want %d", len(got), len(raw))
	}
	for i, a := range got {
		if a.ID != str(raw[i]["id"]) || a.Name != str(raw[i]["name"]) {
			t.Errorf("app %d = %s %q, want %s %q", i, a.ID, a.Name, raw[i]["id"], raw[i]["name"])
		}
		if a.StaticByteSize != 0 || a.Owner.UserDirectoryConnectorName != "" {
			t.Errorf("app %d: fields a 12.x server does not send are not zero: %d %q", i, a.StaticByteSize, a.Owner.UserDirectoryConnectorName)
		}
	}
}

func TestDecodeSheets(t *testing.T) {
	_, c := startSite(t, testserver.Config{})
	sheets, err := c.ListSheets(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var raw []map[string]any
	for _, r := range rawItems(t, "app_object_full.json") {
		if r["objectType"] == "sheet" {
			raw = append(raw, r)
		}
	}
	if len(sheets) != len(raw) {
		t.Fatalf("got %d sheets, want %d", len(sheets), len(raw))
	}
	statuses := map[qrs.SheetStatus]int{}
	for i, s := range sheets {
		r := raw[i]
		app := r["app"].(map[string]any)
		checks := []struct {
			field     string
			got, want any
		}{
			{"id", s.ID, str(r["id"])},
			{"name", s.Name, str(r["name"])},
			{"description", s.Description, str(r["description"])},
			{"objectType", s.ObjectType, "sheet"},
			{"engineObjectId", s.EngineObjectID, str(r["engineObjectId"])},
			{"engineObjectType", s.EngineObjectType, str(r["engineObjectType"])},
			{"app.id", s.App.ID, str(app["id"])},
			{"app.name", s.App.Name, str(app["name"])},
			{"app.published", s.App.Published, app["published"]},
			{"published", s.Published, r["published"]},
			{"approved", s.Approved, r["approved"]},
			{"publishTime", s.PublishTime, wantTime(t, r["publishTime"])},
			{"createdDate", s.Created, wantTime(t, r["createdDate"])},
			{"modifiedDate", s.Modified, wantTime(t, r["modifiedDate"])},
			{"modifiedByUserName", s.ModifiedByUserName, str(r["modifiedByUserName"])},
			{"contentHash", s.ContentHash, str(r["contentHash"])},
			{"attributes", s.Attributes, str(r["attributes"])},
			{"size", float64(s.Size), r["size"]},
			{"owner.userId", s.Owner.UserID, str(r["owner"].(map[string]any)["userId"])},
			{"schemaPath", s.SchemaPath, "App.Object"},
			{"tags", len(s.Tags), len(r["tags"].([]any))},
		}
		for _, ck := range checks {
			if ck.got != ck.want {
				t.Errorf("sheet %d %s = %v, want %v", i, ck.field, ck.got, ck.want)
			}
		}
		statuses[s.Status()]++
	}
	for _, st := range []qrs.SheetStatus{qrs.StatusBase, qrs.StatusCommunity, qrs.StatusPrivate} {
		if statuses[st] == 0 {
			t.Errorf("no %s sheet in the fixture's decoding: %v", st, statuses)
		}
	}
}

func TestSheetStatus(t *testing.T) {
	tests := []struct {
		approved, published, appPublished bool
		want                              qrs.SheetStatus
	}{
		{true, true, true, qrs.StatusBase},
		{false, true, true, qrs.StatusCommunity},
		{false, false, true, qrs.StatusPrivate},
		{false, true, false, qrs.StatusBase}, // public sheet of an unpublished app
		{false, false, false, qrs.StatusPrivate},
	}
	for _, tt := range tests {
		s := qrs.Sheet{Approved: tt.approved, Published: tt.published, App: qrs.AppCondensed{Published: tt.appPublished}}
		if got := s.Status(); got != tt.want {
			t.Errorf("approved=%v published=%v app published=%v: status %s, want %s", tt.approved, tt.published, tt.appPublished, got, tt.want)
		}
	}
}

func TestDecodeByteOrderMarkAndExtraFields(t *testing.T) {
	body, err := os.ReadFile("testdata/qrs/app_object_full_bom.json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(body), "\ufeff") {
		t.Fatal("the fixture lost its byte-order mark")
	}
	srv, c := startSite(t, testserver.Config{})
	srv.AddFault(testserver.Fault{Status: 200, Body: string(body), ContentType: "application/json; charset=utf-8"})
	// The canned body is not filtered by the server, and holds other app
	// objects than sheets: the generic listing yields them all (ListSheets
	// would refuse the first that is not a sheet).
	var sheets []qrs.Sheet
	for s, err := range qrs.List[qrs.Sheet](t.Context(), c, "/qrs/app/object/full", nil) {
		if err != nil {
			t.Fatal(err)
		}
		sheets = append(sheets, s)
	}
	if want := len(rawItems(t, "app_object_full_bom.json")); len(sheets) != want {
		t.Errorf("got %d items from the BOM body, want %d", len(sheets), want)
	}
}

func TestDecodeTimes(t *testing.T) {
	body := `[{"id":"a","createdDate":"2019-01-04T19:40:06.191Z","modifiedDate":"2019-01-04T19:40:06Z",` +
		`"publishTime":"1753-01-01T00:00:00.000Z","lastReloadTime":null,"lastDataDistribution":"2020-05-06T07:08:09.1+02:00"}]`
	srv, c := startSite(t, testserver.Config{})
	srv.AddFault(testserver.Fault{Status: 200, Body: body, ContentType: "application/json"})
	apps, err := c.ListApps(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	a := apps[0]
	if want := time.Date(2019, 1, 4, 19, 40, 6, 191e6, time.UTC); !a.Created.Equal(want) {
		t.Errorf("created = %v, want %v", a.Created, want)
	}
	if want := time.Date(2019, 1, 4, 19, 40, 6, 0, time.UTC); !a.Modified.Equal(want) {
		t.Errorf("modified = %v, want %v", a.Modified, want)
	}
	if !a.PublishTime.IsZero() || !a.LastReloadTime.IsZero() {
		t.Errorf("never times: publish %v, reload %v, want zero", a.PublishTime, a.LastReloadTime)
	}
	if want := time.Date(2020, 5, 6, 5, 8, 9, 1e8, time.UTC); !a.LastDataDistribution.Equal(want) {
		t.Errorf("lastDataDistribution = %v, want %v", a.LastDataDistribution, want)
	}
}
