package main

import (
	"strings"
	"testing"

	"github.com/qrskit/qrs"
	"github.com/qrskit/qrs/internal/cli/clitest"
	"github.com/qrskit/qrs/internal/testserver"
)

// last returns the last execution of a demo task.
func last(task map[string]any) map[string]any {
	return task["operational"].(map[string]any)["lastExecutionResult"].(map[string]any)
}

func TestDemoJSONLines(t *testing.T) {
	triggered := 0
	for _, p := range clitest.ByID(t, run, clitest.Demo(t, testserver.ReloadTaskFile)) {
		it, task := p[0], p[1]
		id := clitest.Str(task, "id")
		run := last(task)
		status := qrs.TaskStatus(run["status"].(float64)).String()
		if it["name"] != clitest.Str(task, "name") || it["app_id"] != clitest.Str(task, "app.id") || it["status"] != status {
			t.Errorf("%s: %v, want name %v, app %v, status %s", id, it, task["name"], clitest.Str(task, "app.id"), status)
		}
		if want := run["duration"].(float64) / 1000; it["seconds"] != want {
			t.Errorf("%s: %v seconds, want %v", id, it["seconds"], want)
		}
		_, started := it["started"]
		if never := clitest.IsNever(clitest.Str(run, "startTime")); started == never {
			t.Errorf("%s: started present %v, QRS %q", id, started, run["startTime"])
		}
		if msg, _ := it["message"].(string); (status == "FinishedFail") != (msg != "" && !strings.HasPrefix(msg, "Abort")) {
			t.Errorf("%s: status %s, message %q", id, status, msg)
		}
		if len(it["triggers"].([]any)) > 0 {
			triggered++
		}
	}
	if triggered == 0 {
		t.Error("no task with a trigger")
	}
}

func TestFailed(t *testing.T) {
	want := 0
	for _, task := range clitest.Demo(t, testserver.ReloadTaskFile) {
		if qrs.TaskStatus(last(task)["status"].(float64)).Failed() {
			want++
		}
	}
	stdout, _ := clitest.MustRun(t, run, "-failed")
	lines := clitest.JSONLines(t, stdout)
	if len(lines) != want || want == 0 {
		t.Fatalf("%d failed tasks, want %d", len(lines), want)
	}
	for _, l := range lines {
		if s := l["status"]; s != "FinishedFail" && s != "Aborted" && s != "Error" && s != "Skipped" {
			t.Errorf("task %v with status %v", l["name"], s)
		}
	}
}

func TestTable(t *testing.T) {
	stdout, _ := clitest.MustRun(t, run, "-table")
	clitest.TableLines(t, stdout, []string{"TASK", "APP", "STATUS", "STOPPED", "NEXT_RUN", "MESSAGE"}, len(clitest.Demo(t, testserver.ReloadTaskFile)))
}

func TestWrongUser(t *testing.T) { clitest.CheckWrongUser(t, "reloads", run) }
