package testserver

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The fixtures under testdata/qrs are the root package's decoding
// material; these checks keep them saying what their README says.

func readFixture(t *testing.T, name string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../testdata/qrs", name))
	if err != nil {
		t.Fatal(err)
	}
	return decodeArray(t, bytes.TrimPrefix(b, bom))
}

var appFields = []string{"id", "name", "appId", "description", "createdDate", "modifiedDate", "modifiedByUserName",
	"publishTime", "published", "stream", "owner", "tags", "customProperties", "fileSize", "lastReloadTime",
	"thumbnail", "savedInProductVersion", "migrationHash", "dynamicColor", "availabilityStatus", "sourceAppId",
	"targetAppId", "lastDataDistribution", "staticByteSize", "privileges", "schemaPath"}

func TestFixtureApps(t *testing.T) {
	apps := readFixture(t, "app_full.json")
	var unpublished, big, noFraction int
	for _, a := range apps {
		for _, f := range appFields {
			if _, ok := a[f]; !ok {
				t.Errorf("app %v lacks %q", a["name"], f)
			}
		}
		if _, ok := a["owner"].(map[string]any)["userDirectoryConnectorName"]; !ok {
			t.Errorf("14.x owner without userDirectoryConnectorName")
		}
		if a["stream"] == nil {
			unpublished++
			if a["publishTime"] != neverTime || a["published"] != false {
				t.Errorf("unpublished app %v: publishTime %v", a["name"], a["publishTime"])
			}
		}
		if a["fileSize"].(float64) > 1<<31 {
			big++
		}
		if len(a["createdDate"].(string)) == len("2019-01-04T19:40:06Z") {
			noFraction++
		}
	}
	if unpublished == 0 || unpublished == len(apps) || big == 0 || noFraction == 0 {
		t.Errorf("%d unpublished, %d beyond 2^31, %d without fraction: want each present", unpublished, big, noFraction)
	}
	for _, a := range readFixture(t, "app_full_12x.json") {
		for _, f := range []string{"staticByteSize", "lastDataDistribution", "sourceAppId", "availabilityStatus"} {
			if _, ok := a[f]; ok {
				t.Errorf("12.x app has the newer field %q", f)
			}
		}
	}
}

func TestFixtureObjects(t *testing.T) {
	objs := readFixture(t, "app_object_full.json")
	statuses, types := map[string]bool{}, map[string]bool{}
	missingEngine := 0
	for _, o := range objs {
		types[o["objectType"].(string)] = true
		if _, ok := o["engineObjectId"]; !ok {
			missingEngine++
		}
		if o["objectType"] == "sheet" {
			statuses[map[[2]bool]string{{true, true}: "base", {false, true}: "community", {false, false}: "private"}[[2]bool{o["approved"].(bool), o["published"].(bool)}]] = true
		}
	}
	if len(statuses) != 3 || !types["story"] || !types["masterobject"] || missingEngine != 1 {
		t.Errorf("statuses %v, types %v, %d without engineObjectId", statuses, types, missingEngine)
	}
	raw, err := os.ReadFile("../../testdata/qrs/app_object_full_bom.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, bom) {
		t.Errorf("app_object_full_bom.json does not start with a BOM")
	}
	if withBOM := readFixture(t, "app_object_full_bom.json"); !reflect.DeepEqual(withBOM, objs) {
		t.Errorf("the BOM variant holds other items")
	}
	var about map[string]any
	b, _ := os.ReadFile("../../testdata/qrs/about.json")
	if err := json.Unmarshal(b, &about); err != nil || about["buildDate"] == nil {
		t.Errorf("about.json: %v", err)
	}
}
