package assessment

import (
	"time"

	"github.com/ecat-project/ecat/pillars"
)

// Answer to one checklist item.
type Answer string

const (
	Yes      Answer = "yes"
	No       Answer = "no"
	Somewhat Answer = "somewhat"
	Unknown  Answer = "unknown"
)

// Answers lists the four answers in the order they are offered.
var Answers = []Answer{Yes, No, Somewhat, Unknown}

// Valid reports whether a is one of the four answers.
func (a Answer) Valid() bool {
	switch a {
	case Yes, No, Somewhat, Unknown:
		return true
	}
	return false
}

// ResponseStatus tells whether a response counts yet.
type ResponseStatus string

const (
	// Draft responses are saved for later and never counted.
	Draft ResponseStatus = "draft"
	// Submitted responses are complete and counted in the report.
	Submitted ResponseStatus = "submitted"
)

// Named is a key strength or opportunity: free text and, optionally, the shared theme
// it belongs to.
type Named struct {
	Text  string
	Theme string
}

// Response is one person's anonymous answers for one pillar. No name, e-mail or address
// is ever stored with it; the person comes back through a resume token whose hash only
// is kept.
type Response struct {
	ID           int64
	AssessmentID int64
	Pillar       string
	Language     string
	// Answers holds the answered items only; an item missing here is unanswered.
	Answers map[string]Answer
	// Reflections holds the non-empty reflection texts by prompt id.
	Reflections map[string]string
	Strength    Named
	Opportunity Named
	Status      ResponseStatus
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SubmittedAt *time.Time
	// ReleasedAt is when the response first entered its team report; from then on it
	// no longer changes (see ErrReleased). nil while a draft, or submitted and held.
	ReleasedAt *time.Time
	// Writer binds the response to the browser that last wrote it: a hash of that
	// browser's writer key and the response's current resume token, "" when it was
	// written without a browser (the API). Only its hash is kept.
	Writer string
	// Version counts the changes of the response (1 when created); it is the response's
	// ETag, and a client's If-Match names it (see ErrStale).
	Version int64
}

// Progress returns how many of the pillar's items are answered, and how many there are.
func (r *Response) Progress(p *pillars.Pillar) (answered, total int) {
	for _, it := range p.Items() {
		total++
		if _, ok := r.Answers[it.ID]; ok {
			answered++
		}
	}
	return answered, total
}
