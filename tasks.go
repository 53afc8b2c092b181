package qrs

import (
	"context"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// A ReloadTask is a reload task as /qrs/reloadtask/full describes it, with
// its last execution and its triggers. Times that QRS writes as
// 1753-01-01 ("never", as for a task that never ran) are the zero time.
type ReloadTask struct {
	ID                  string           `json:"id"`
	Name                string           `json:"name"`
	TaskType            int              `json:"taskType"` // 0: reload
	Enabled             bool             `json:"enabled"`
	App                 AppCondensed     `json:"app"` // the app the task reloads
	IsManuallyTriggered bool             `json:"isManuallyTriggered"`
	IsPartialReload     bool             `json:"isPartialReload"`
	MaxRetries          int              `json:"maxRetries"`
	SessionTimeout      int              `json:"taskSessionTimeout"` // minutes
	Tags                []Tag            `json:"tags"`
	CustomProperties    []CustomProperty `json:"customProperties"`
	Created             time.Time        `json:"createdDate"`
	Modified            time.Time        `json:"modifiedDate"`
	ModifiedByUserName  string           `json:"modifiedByUserName"`
	SchemaPath          string           `json:"schemaPath"`
	// LastExecution is the task's last run (operational.lastExecutionResult).
	LastExecution TaskExecution `json:"lastExecution"`
	// NextExecution is when the scheduler will start the task next; zero
	// when it has no schedule.
	NextExecution time.Time `json:"nextExecution,omitzero"`
	// Triggers are the task's schedules and task events, which QRS keeps
	// beside the task (see [Client.ReloadTasks]).
	Triggers []Trigger `json:"triggers"`
}

// A TaskExecution is a task's last run as QRS records it.
type TaskExecution struct {
	Status   TaskStatus    `json:"status"`
	Start    time.Time     `json:"startTime,omitzero"` // zero: never started
	Stop     time.Time     `json:"stopTime,omitzero"`  // zero: not ended
	Duration time.Duration `json:"duration"`
	// Node is the scheduler node that ran the task.
	Node string `json:"executingNodeName"`
	// Message is why the run failed: the last error among Details, or for
	// a run that failed, was aborted or skipped without one, its last
	// detail that is not a change of state. Empty for other runs.
	Message            string       `json:"message,omitzero"`
	Details            []TaskDetail `json:"details"`
	ScriptLogAvailable bool         `json:"scriptLogAvailable"`
	ScriptLogLocation  string       `json:"scriptLogLocation,omitzero"`
	ScriptLogSize      int64        `json:"scriptLogSize,omitzero"`
}

// A TaskDetail is one message of the scheduler about a run.
type TaskDetail struct {
	Type    int       `json:"detailsType"` // 1: error, 2: information (unverified numbering)
	Message string    `json:"message"`
	Created time.Time `json:"detailCreatedDate"`
}

// taskDetailError is the detailsType of errors.
const taskDetailError = 1

// TaskStatus is the status of a task's execution, as QRS numbers it.
type TaskStatus int

// The execution statuses of QRS.
const (
	TaskStatusNeverStarted        TaskStatus = 0
	TaskStatusTriggered           TaskStatus = 1
	TaskStatusStarted             TaskStatus = 2
	TaskStatusQueued              TaskStatus = 3
	TaskStatusAbortInitiated      TaskStatus = 4
	TaskStatusAborting            TaskStatus = 5
	TaskStatusAborted             TaskStatus = 6
	TaskStatusFinishedSuccess     TaskStatus = 7
	TaskStatusFinishedFail        TaskStatus = 8
	TaskStatusSkipped             TaskStatus = 9
	TaskStatusRetry               TaskStatus = 10
	TaskStatusError               TaskStatus = 11
	TaskStatusReset               TaskStatus = 12
	TaskStatusDistributionQueue   TaskStatus = 13
	TaskStatusDistributionRunning TaskStatus = 14
)

var taskStatusNames = [...]string{"NeverStarted", "Triggered", "Started", "Queued", "AbortInitiated", "Aborting",
	"Aborted", "FinishedSuccess", "FinishedFail", "Skipped", "Retry", "Error", "Reset", "DistributionQueue", "DistributionRunning"}

// String returns the status's name in QRS, such as FinishedSuccess, or the
// number of a status this version does not know.
func (s TaskStatus) String() string {
	if s >= 0 && int(s) < len(taskStatusNames) {
		return taskStatusNames[s]
	}
	return "TaskStatus(" + strconv.Itoa(int(s)) + ")"
}

// Failed reports whether the run ended without success: FinishedFail,
// Aborted, Error or Skipped.
func (s TaskStatus) Failed() bool {
	switch s {
	case TaskStatusFinishedFail, TaskStatusAborted, TaskStatusError, TaskStatusSkipped:
		return true
	}
	return false
}

// UnmarshalJSONFrom reads the status as a number, in any notation that
// writes an integer; null is 0.
func (s *TaskStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	n, err := readInt(dec)
	*s = TaskStatus(n)
	return err
}

// taskRecord is a reload task as QRS nests it.
type taskRecord struct {
	ID                  string           `json:"id"`
	Name                string           `json:"name"`
	TaskType            int              `json:"taskType"`
	Enabled             bool             `json:"enabled"`
	App                 AppCondensed     `json:"app"`
	IsManuallyTriggered bool             `json:"isManuallyTriggered"`
	IsPartialReload     bool             `json:"isPartialReload"`
	MaxRetries          int              `json:"maxRetries"`
	SessionTimeout      int              `json:"taskSessionTimeout"`
	Tags                []Tag            `json:"tags"`
	CustomProperties    []CustomProperty `json:"customProperties"`
	Created             time.Time        `json:"createdDate"`
	Modified            time.Time        `json:"modifiedDate"`
	ModifiedByUserName  string           `json:"modifiedByUserName"`
	SchemaPath          string           `json:"schemaPath"`
	Operational         struct {
		NextExecution time.Time `json:"nextExecution"`
		Last          struct {
			Status             TaskStatus   `json:"status"`
			Start              time.Time    `json:"startTime"`
			Stop               time.Time    `json:"stopTime"`
			Duration           int64        `json:"duration"` // milliseconds
			Node               string       `json:"executingNodeName"`
			Details            []TaskDetail `json:"details"`
			ScriptLogAvailable bool         `json:"scriptLogAvailable"`
			ScriptLogLocation  string       `json:"scriptLogLocation"`
			ScriptLogSize      int64        `json:"scriptLogSize"`
		} `json:"lastExecutionResult"`
	} `json:"operational"`
}

func (r *taskRecord) task() ReloadTask {
	last := &r.Operational.Last
	t := ReloadTask{
		ID: r.ID, Name: r.Name, TaskType: r.TaskType, Enabled: r.Enabled, App: r.App,
		IsManuallyTriggered: r.IsManuallyTriggered, IsPartialReload: r.IsPartialReload,
		MaxRetries: r.MaxRetries, SessionTimeout: r.SessionTimeout, Tags: r.Tags, CustomProperties: r.CustomProperties,
		Created: r.Created, Modified: r.Modified, ModifiedByUserName: r.ModifiedByUserName, SchemaPath: r.SchemaPath,
		NextExecution: r.Operational.NextExecution,
		LastExecution: TaskExecution{
			Status: last.Status, Start: last.Start, Stop: last.Stop, Node: last.Node, Details: last.Details,
			ScriptLogAvailable: last.ScriptLogAvailable, ScriptLogLocation: last.ScriptLogLocation, ScriptLogSize: last.ScriptLogSize,
		},
	}
	if last.Duration > 0 && last.Duration <= int64(maxDuration/time.Millisecond) {
		t.LastExecution.Duration = time.Duration(last.Duration) * time.Millisecond
	}
	t.LastExecution.Message = failureMessage(last.Status, last.Details)
	return t
}

// maxDuration bounds a run's duration: a server's nonsense beyond a
// hundred years is not multiplied into an overflow.
const maxDuration = 100 * 365 * 24 * time.Hour

// failureMessage picks the message that says why a run failed: its last
// error, or for a run that failed without one, its last detail that is not
// a change of state ("Changing task state from ... to ...").
func failureMessage(status TaskStatus, details []TaskDetail) string {
	for i := len(details) - 1; i >= 0; i-- {
		if details[i].Type == taskDetailError && details[i].Message != "" {
			return details[i].Message
		}
	}
	if !status.Failed() {
		return ""
	}
	for i := len(details) - 1; i >= 0; i-- {
		if m := details[i].Message; m != "" && !strings.HasPrefix(m, "Changing task state") {
			return m
		}
	}
	return ""
}

var callReloadTasks = call{"ReloadTasks", 0}

// ReloadTasks returns the reload tasks the user may see, decoded one at a
// time from /qrs/reloadtask/full as the loop asks for them, each with its
// last execution and its triggers. It takes ListOptions.Filter and
// OrderBy (app.id eq 9f4b..., operational.lastExecutionResult.status eq
// 8), which select tasks; an error ends the sequence.
//
// QRS keeps triggers beside the tasks: schedules at /qrs/schemaevent/full,
// task events ("after task X succeeded") at /qrs/compositeevent/full, each
// naming its task. ReloadTasks lists both first and joins them to the
// tasks by task id: three requests in all, and the triggers of the whole
// site are held for the loop (about one or two per task: memory grows with
// tasks, not with sheets).
func (c *Client) ReloadTasks(ctx context.Context, opts *ListOptions) iter.Seq2[ReloadTask, error] {
	return func(yield func(ReloadTask, error) bool) {
		if err := opts.check(callReloadTasks); err != nil {
			yield(ReloadTask{}, err)
			return
		}
		triggers, err := c.taskTriggers(ctx)
		if err != nil {
			yield(ReloadTask{}, err)
			return
		}
		for r, err := range list[taskRecord](ctx, c, &request{path: "/qrs/reloadtask/full", query: opts.query("")}) {
			var t ReloadTask
			if err == nil {
				t = r.task()
				t.Triggers = triggers[strings.ToLower(t.ID)]
			}
			if !yield(t, err) || err != nil {
				return
			}
		}
	}
}

// ListReloadTasks returns every reload task that ReloadTasks yields.
func (c *Client) ListReloadTasks(ctx context.Context, opts *ListOptions) ([]ReloadTask, error) {
	return collect(c.ReloadTasks(ctx, opts))
}
