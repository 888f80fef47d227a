package assessment

import (
	"time"

	"github.com/ecat-project/ecat/pillars"
)

// Action is something the team agreed to do in its discussion: what, which pillar and/or
// theme it strengthens, who leads it, what support it needs, by when, and how it stands.
// An action is created in one round (AssessmentID); reassessing carries the open ones
// into the next round, where they point back to the action they came from (CarriedFromID)
// and to the round it was first agreed in (OriginAssessmentID).
type Action struct {
	ID                 int64
	AssessmentID       int64
	OriginAssessmentID int64
	CarriedFromID      *int64
	Text               string
	Pillar             string // "" or a pillar key
	Theme              string // "" or a theme key
	Lead               string
	Support            string
	Due                *time.Time // a date (midnight UTC), or nil
	Status             string
	CreatedAt          time.Time
	UpdatedAt          time.Time
	// Version counts the action's changes from 1: its ETag, which a change can require
	// to be still current (If-Match).
	Version int64
}

// Action statuses, in the order they are offered.
const (
	ActionPlanned    = "planned"
	ActionInProgress = "in_progress"
	ActionDone       = "done"
	ActionDropped    = "dropped"
)

// ActionStatuses lists the statuses in the order a form offers them.
var ActionStatuses = []string{ActionPlanned, ActionInProgress, ActionDone, ActionDropped}

// Open reports whether the action is still to be done, so it carries into the next round.
func (a *Action) Open() bool { return a.Status == ActionPlanned || a.Status == ActionInProgress }

// Length limits of an action's texts, in characters.
const (
	MaxActionLen  = 1000
	MaxLeadLen    = 200
	MaxSupportLen = 1000
)

// ActionDateLayout is how a due date is written in forms and the API.
const ActionDateLayout = "2006-01-02"

// CodePast: a date that has passed everywhere (an action's new due date).
const CodePast = "past"

// Today is the date a due date may not be earlier than, at the instant now: the date
// at UTC−12, the last time zone to start a new day. A date before it has passed for
// everyone; the date itself is still today somewhere (a facilitator in Vancouver at
// 5 p.m. is on a date UTC has already left), so it is never refused. Midnight UTC, like
// a stored due date.
func Today(now time.Time) time.Time {
	d := now.In(time.FixedZone("UTC-12", -12*60*60))
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
}

// ActionInput is an action as a form or the API gives it. For a partial update, a nil
// field is left as it is; for a new action, nil is empty (and Status defaults to planned).
type ActionInput struct {
	Text    *string
	Pillar  *string
	Theme   *string
	Lead    *string
	Support *string
	Due     *string
	Status  *string
}

// ApplyAction checks in and writes it over a. The text and lead are required (a lead is
// who will carry the action; the discussion agenda asks for one), support is optional,
// pillar and theme must exist in the instrument, due must be a YYYY-MM-DD date and the
// status one of ActionStatuses. A due date before today (see Today) is refused
// (CodePast), unless it is the action's due date already: an action whose date has
// passed keeps it while its status or anything else changes. On error a is left
// unchanged and every bad field is listed at once: "text", "pillar", "theme", "lead",
// "support", "due", "status".
func ApplyAction(a *Action, in ActionInput, inst *pillars.Instrument, today time.Time) error {
	verr := &ValidationError{}
	next := *a
	if in.Text != nil {
		next.Text = requiredTextMax(verr, "text", *in.Text, MaxActionLen)
	} else if next.Text == "" {
		verr.Add("text", CodeRequired)
	}
	if in.Lead != nil {
		next.Lead = requiredTextMax(verr, "lead", *in.Lead, MaxLeadLen)
	} else if next.Lead == "" {
		verr.Add("lead", CodeRequired)
	}
	if in.Support != nil {
		clean, code := CleanText(*in.Support, MaxSupportLen)
		if code != "" {
			verr.AddLimit("support", code, MaxSupportLen)
		}
		next.Support = clean
	}
	if in.Pillar != nil {
		next.Pillar = *in.Pillar
		if next.Pillar != "" && inst.Pillar(next.Pillar) == nil {
			verr.Add("pillar", CodeUnknown)
		}
	}
	if in.Theme != nil {
		next.Theme = *in.Theme
		if next.Theme != "" && inst.Theme(next.Theme) == nil {
			verr.Add("theme", CodeUnknown)
		}
	}
	if in.Due != nil {
		next.Due = nil
		if *in.Due != "" {
			d, err := time.Parse(ActionDateLayout, *in.Due)
			switch {
			case err != nil || d.Year() < 2000 || d.Year() > 2199:
				verr.Add("due", CodeInvalid)
			case d.Before(today) && (a.Due == nil || !a.Due.Equal(d)):
				verr.Add("due", CodePast)
			default:
				next.Due = &d
			}
		}
	}
	if in.Status != nil {
		next.Status = *in.Status
	}
	if next.Status == "" {
		next.Status = ActionPlanned
	}
	if !validStatus(next.Status) {
		verr.Add("status", CodeInvalid)
	}
	if err := verr.OrNil(); err != nil {
		return err
	}
	*a = next
	return nil
}

func validStatus(s string) bool {
	for _, v := range ActionStatuses {
		if s == v {
			return true
		}
	}
	return false
}

// DueString is the due date as YYYY-MM-DD, or "".
func (a *Action) DueString() string {
	if a.Due == nil {
		return ""
	}
	return a.Due.Format(ActionDateLayout)
}
