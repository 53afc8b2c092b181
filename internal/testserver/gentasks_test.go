package testserver

import (
	"strings"
	"testing"
	"time"
)

// TestGeneratedTaskRuns checks the last executions of generated reload
// tasks: every status 0 to 14, never-run tasks in 1753, results that agree
// with the apps' lastReloadTime, failures with a message, durations that
// are stop minus start.
func TestGeneratedTaskRuns(t *testing.T) {
	g := Generate(GenConfig{Seed: 12, Apps: 400, Sheets: 2000})
	apps := map[string]map[string]any{}
	for _, a := range decodeArray(t, body(t, g, KindApp, "")) {
		apps[a["id"].(string)] = a
	}
	tasks := decodeArray(t, body(t, g, KindReloadTask, ""))
	statuses := map[int]int{}
	perApp := map[string]int{}
	matched := 0
	for _, task := range tasks {
		name := task["name"].(string)
		app := apps[task["app"].(map[string]any)["id"].(string)]
		perApp[app["id"].(string)]++
		op := task["operational"].(map[string]any)
		res := op["lastExecutionResult"].(map[string]any)
		status := int(res["status"].(float64))
		statuses[status]++
		start, stop := res["startTime"].(string), res["stopTime"].(string)
		details := res["details"].([]any)
		switch status {
		case stNeverStarted:
			if start != neverTime || stop != neverTime || op["nextExecution"] != neverTime || len(details) != 0 ||
				res["executingNodeName"] != "" || res["fileReferenceID"] != zeroGUID {
				t.Errorf("never-run task %q: start %s, stop %s, next %v, %d details, node %q", name, start, stop, op["nextExecution"], len(details), res["executingNodeName"])
			}
		case stFinishedSuccess:
			if app["lastReloadTime"] == neverTime {
				t.Errorf("task %q succeeded for an app never reloaded", name)
			}
			if stop == app["lastReloadTime"] {
				matched++
			} else if stop > app["lastReloadTime"].(string) {
				t.Errorf("task %q succeeded at %s, after its app's lastReloadTime %v", name, stop, app["lastReloadTime"])
			}
		case stFinishedFail:
			failure := false
			for _, d := range details {
				dm := d.(map[string]any)
				if dm["detailsType"] == float64(detailError) && dm["message"] != "" {
					failure = true
				}
			}
			if !failure {
				t.Errorf("failed task %q has no failure message: %v", name, details)
			}
		}
		if status != stNeverStarted && len(details) == 0 {
			t.Errorf("task %q (status %d) without details", name, status)
		}
		if start != neverTime && stop != neverTime {
			t0, _ := time.Parse(time.RFC3339, start)
			t1, _ := time.Parse(time.RFC3339, stop)
			if d := res["duration"].(float64); d != float64(t1.Sub(t0).Milliseconds()) || d < 0 {
				t.Errorf("task %q: duration %v from %s to %s", name, d, start, stop)
			}
		} else if res["duration"] != 0.0 {
			t.Errorf("task %q: duration %v without start and stop", name, res["duration"])
		}
		if (res["scriptLogAvailable"] == true) != (res["scriptLogLocation"] != "") {
			t.Errorf("task %q: scriptLogAvailable %v, location %q", name, res["scriptLogAvailable"], res["scriptLogLocation"])
		}
	}
	for s := range numStatuses {
		if statuses[s] == 0 {
			t.Errorf("no task with status %d (%s): %v", s, statusNames[s], statuses)
		}
	}
	if matched < len(tasks)/2 {
		t.Errorf("%d of %d tasks end at their app's lastReloadTime", matched, len(tasks))
	}
	none, two := 0, 0
	for id := range apps {
		switch perApp[id] {
		case 0:
			none++
		case 2:
			two++
		}
	}
	if none == 0 || two == 0 || none > len(apps)/4 {
		t.Errorf("%d apps without a task, %d with two, of %d", none, two, len(apps))
	}
}

// TestGeneratedTriggers checks the schedules and chains of generated tasks:
// manual tasks have none; chains run after tasks listed before them.
func TestGeneratedTriggers(t *testing.T) {
	g := Generate(GenConfig{Seed: 12, Apps: 400, Sheets: 2000})
	index := map[string]int{}
	manual := map[string]bool{}
	for i, task := range decodeArray(t, body(t, g, KindReloadTask, "")) {
		index[task["id"].(string)] = i
		manual[task["id"].(string)] = task["isManuallyTriggered"].(bool)
	}
	options := map[float64]int{}
	for _, e := range decodeArray(t, body(t, g, KindSchemaEvent, "")) {
		id := e["reloadTask"].(map[string]any)["id"].(string)
		if manual[id] {
			t.Errorf("schedule %q for a manually triggered task", e["name"])
		}
		options[e["incrementOption"].(float64)]++
		if f := e["schemaFilterDescription"].([]any); len(f) != 1 || !strings.HasPrefix(f[0].(string), "* * - ") {
			t.Errorf("schemaFilterDescription %v", f)
		}
	}
	for _, o := range []float64{incOnce, incHourly, incDaily, incWeekly} {
		if options[o] == 0 {
			t.Errorf("no schedule with incrementOption %v: %v", o, options)
		}
	}
	chains := decodeArray(t, body(t, g, KindCompositeEvent, ""))
	if len(chains) < 20 {
		t.Fatalf("%d composite events on 400 apps", len(chains))
	}
	states := map[float64]int{}
	for _, e := range chains {
		down := index[e["reloadTask"].(map[string]any)["id"].(string)]
		for _, r := range e["compositeRules"].([]any) {
			rm := r.(map[string]any)
			up, ok := index[rm["reloadTask"].(map[string]any)["id"].(string)]
			if !ok || up >= down {
				t.Errorf("task %d runs after task %d (known %v)", down, up, ok)
			}
			states[rm["ruleState"].(float64)]++
		}
	}
	if states[1] == 0 || states[2] == 0 {
		t.Errorf("rule states %v: want TaskSuccessful and TaskFail", states)
	}
}
