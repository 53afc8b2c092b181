package qrs

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// A Trigger starts a reload task: a schedule (a QRS schema event) or a
// task event (a QRS composite event: after other tasks succeeded or
// failed). Fields of the other type stay zero.
type Trigger struct {
	ID       string      `json:"id"`
	Name     string      `json:"name"`
	Type     TriggerType `json:"type"`
	Enabled  bool        `json:"enabled"`
	Created  time.Time   `json:"createdDate"`
	Modified time.Time   `json:"modifiedDate"`
	// TimesTriggered counts the trigger's firings.
	TimesTriggered int `json:"timesTriggered"`

	// Increment is how often a schedule repeats; IncrementDescription
	// and FilterDescription are QRS's own spelling of it ("0 0 1 0":
	// minutes, hours, days and weeks between runs; "* * - 1 1 * * *").
	Increment            ScheduleIncrement `json:"incrementOption,omitzero"`
	IncrementDescription string            `json:"incrementDescription,omitzero"`
	FilterDescription    []string          `json:"schemaFilterDescription,omitzero"`
	// TimeZone is the schedule's time zone (Europe/Berlin), and
	// DaylightSavingTime how it follows summer time (0 observe, 1 not,
	// 2 permanent, as QRS numbers it).
	TimeZone           string `json:"timeZone,omitzero"`
	DaylightSavingTime int    `json:"daylightSavingTime,omitzero"`
	// Start and Expiration are wall-clock times in TimeZone, which QRS
	// writes without a zone; they are held as times in UTC with the same
	// reading.
	Start      time.Time `json:"startDate,omitzero"`
	Expiration time.Time `json:"expirationDate,omitzero"`
	// LastEvent and NextExecution are a schedule's last and next firing.
	LastEvent     time.Time `json:"lastEventDate,omitzero"`
	NextExecution time.Time `json:"nextExecution,omitzero"`

	// Rules are a task event's conditions, which must all hold within
	// TimeConstraint of each other.
	Rules          []TriggerRule `json:"compositeRules,omitzero"`
	TimeConstraint time.Duration `json:"timeConstraint,omitzero"`
}

// TriggerType tells a schedule from a task event.
type TriggerType string

// The types of triggers.
const (
	TriggerSchedule  TriggerType = "schedule"  // a schema event
	TriggerTaskEvent TriggerType = "taskevent" // a composite event
)

// A TriggerRule is one condition of a task event: another task ended in
// a state.
type TriggerRule struct {
	TaskID   string    `json:"taskId"`
	TaskName string    `json:"taskName"`
	State    RuleState `json:"ruleState"`
}

// RuleState is the state of a task that a task event waits for.
type RuleState int

// The rule states of QRS.
const (
	RuleTaskSuccessful RuleState = 1
	RuleTaskFail       RuleState = 2
)

// String returns TaskSuccessful, TaskFail, or the number of a state this
// version does not know.
func (s RuleState) String() string {
	switch s {
	case RuleTaskSuccessful:
		return "TaskSuccessful"
	case RuleTaskFail:
		return "TaskFail"
	}
	return "RuleState(" + strconv.Itoa(int(s)) + ")"
}

// UnmarshalJSONFrom reads the state as a number in any integer notation.
func (s *RuleState) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	n, err := readInt(dec)
	*s = RuleState(n)
	return err
}

// ScheduleIncrement is how often a schedule repeats.
type ScheduleIncrement int

// The increments of QRS schedules.
const (
	IncrementOnce    ScheduleIncrement = 0
	IncrementHourly  ScheduleIncrement = 1
	IncrementDaily   ScheduleIncrement = 2
	IncrementWeekly  ScheduleIncrement = 3
	IncrementMonthly ScheduleIncrement = 4
	IncrementCustom  ScheduleIncrement = 5
)

var incrementNames = [...]string{"Once", "Hourly", "Daily", "Weekly", "Monthly", "Custom"}

// String returns the increment's name, such as Daily, or the number of one
// this version does not know.
func (s ScheduleIncrement) String() string {
	if s >= 0 && int(s) < len(incrementNames) {
		return incrementNames[s]
	}
	return "ScheduleIncrement(" + strconv.Itoa(int(s)) + ")"
}

// UnmarshalJSONFrom reads the increment as a number in any integer notation.
func (s *ScheduleIncrement) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	n, err := readInt(dec)
	*s = ScheduleIncrement(n)
	return err
}

// taskRef is the condensed task that events name.
type taskRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// schemaEventRecord is a schedule as /qrs/schemaevent/full nests it.
type schemaEventRecord struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	Enabled              bool              `json:"enabled"`
	Created              time.Time         `json:"createdDate"`
	Modified             time.Time         `json:"modifiedDate"`
	TimeZone             string            `json:"timeZone"`
	DaylightSavingTime   int               `json:"daylightSavingTime"`
	Start                time.Time         `json:"startDate"`
	Expiration           time.Time         `json:"expirationDate"`
	FilterDescription    []string          `json:"schemaFilterDescription"`
	IncrementDescription string            `json:"incrementDescription"`
	Increment            ScheduleIncrement `json:"incrementOption"`
	Operational          struct {
		LastEvent      time.Time `json:"lastEventDate"`
		NextExecution  time.Time `json:"nextExecution"`
		TimesTriggered int       `json:"timesTriggered"`
	} `json:"operational"`
	ReloadTask *taskRef `json:"reloadTask"` // nil for the schedules of other kinds of tasks
}

// compositeEventRecord is a task event as /qrs/compositeevent/full nests it.
type compositeEventRecord struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	Enabled        bool      `json:"enabled"`
	Created        time.Time `json:"createdDate"`
	Modified       time.Time `json:"modifiedDate"`
	TimeConstraint struct {
		Days    int64 `json:"days"`
		Hours   int64 `json:"hours"`
		Minutes int64 `json:"minutes"`
		Seconds int64 `json:"seconds"`
	} `json:"timeConstraint"`
	Rules []struct {
		State      RuleState `json:"ruleState"`
		ReloadTask *taskRef  `json:"reloadTask"`
	} `json:"compositeRules"`
	Operational struct {
		TimesTriggered int `json:"timesTriggered"`
	} `json:"operational"`
	ReloadTask *taskRef `json:"reloadTask"`
}

// constraint returns the time constraint, or 0 when it is out of bounds.
func (r *compositeEventRecord) constraint() time.Duration {
	tc := r.TimeConstraint
	secs := tc.Days*86400 + tc.Hours*3600 + tc.Minutes*60 + tc.Seconds
	for _, v := range []int64{tc.Days, tc.Hours, tc.Minutes, tc.Seconds} {
		if v < 0 || v > 1e7 {
			return 0
		}
	}
	return time.Duration(secs) * time.Second
}

// taskTriggers lists the schedules and the task events of the site and
// returns them by the lower-cased id of the task they start: schedules
// first, each group in listing order.
func (c *Client) taskTriggers(ctx context.Context) (map[string][]Trigger, error) {
	out := map[string][]Trigger{}
	for e, err := range list[schemaEventRecord](ctx, c, &request{path: "/qrs/schemaevent/full"}) {
		if err != nil {
			return nil, err
		}
		if e.ReloadTask == nil || e.ReloadTask.ID == "" {
			continue
		}
		id := strings.ToLower(e.ReloadTask.ID)
		out[id] = append(out[id], Trigger{
			ID: e.ID, Name: e.Name, Type: TriggerSchedule, Enabled: e.Enabled, Created: e.Created, Modified: e.Modified,
			TimesTriggered: e.Operational.TimesTriggered, Increment: e.Increment, IncrementDescription: e.IncrementDescription,
			FilterDescription: e.FilterDescription, TimeZone: e.TimeZone, DaylightSavingTime: e.DaylightSavingTime,
			Start: e.Start, Expiration: e.Expiration, LastEvent: e.Operational.LastEvent, NextExecution: e.Operational.NextExecution,
		})
	}
	for e, err := range list[compositeEventRecord](ctx, c, &request{path: "/qrs/compositeevent/full"}) {
		if err != nil {
			return nil, err
		}
		if e.ReloadTask == nil || e.ReloadTask.ID == "" {
			continue
		}
		t := Trigger{
			ID: e.ID, Name: e.Name, Type: TriggerTaskEvent, Enabled: e.Enabled, Created: e.Created, Modified: e.Modified,
			TimesTriggered: e.Operational.TimesTriggered, TimeConstraint: e.constraint(),
		}
		for _, r := range e.Rules {
			if r.ReloadTask != nil {
				t.Rules = append(t.Rules, TriggerRule{TaskID: r.ReloadTask.ID, TaskName: r.ReloadTask.Name, State: r.State})
			}
		}
		id := strings.ToLower(e.ReloadTask.ID)
		out[id] = append(out[id], t)
	}
	return out, nil
}
