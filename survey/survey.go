// Package survey holds ecat's use cases: each thing a respondent, a facilitator or the
// command line can do is one method of Service (SaveResponse, Close, Reassess,
// LoadReport, Agenda, RecordAction, SignIn, …). A use case checks who may do it, applies
// the rules of package assessment, and makes its change, with its line in the activity
// trail, in one storage transaction; rules about the state of a row (a submitted response
// stays submitted, only an open round takes answers) are decided by the storage
// statement itself, so two requests racing each other cannot get around them.
//
// The web package and the command line only translate HTTP requests and flags into
// these calls, and their results into pages, JSON and terminal lines: neither holds a
// business rule, and the form and the JSON API for the same thing call the same method.
package survey

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/internal/throttle"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/storage"
)

// Service runs the use cases over one store. It is safe for concurrent use.
type Service struct {
	store   *storage.Store
	catalog *pillars.Catalog
	words   *locale.Catalog
	log     *slog.Logger
	now     func() time.Time

	dummyOnce sync.Once
	dummyHash string
	// hashSlots bounds the password hashes running at once (each takes 64 MiB), and
	// hashWait how long a sign-in queues for one before ErrBusy.
	hashSlots chan struct{}
	hashWait  time.Duration
	// creations counts the responses each client network starts per assessment.
	creations *throttle.Window
}

// New returns the use cases over store, answering with the instrument versions of
// catalog and the words of words. log receives what fails without failing the use case
// (noting when an API token was last used).
func New(store *storage.Store, catalog *pillars.Catalog, words *locale.Catalog, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, catalog: catalog, words: words, log: log, now: time.Now,
		hashSlots: make(chan struct{}, DefaultHashSlots), hashWait: DefaultHashWait,
		creations: throttle.New(CreationLimit, CreationWindow)}
}

// Password hashing bounds: at most DefaultHashSlots hashes at once (2 × 64 MiB), and a
// sign-in waits at most DefaultHashWait for a turn.
const (
	DefaultHashSlots = 2
	DefaultHashWait  = 5 * time.Second
)

// LimitHashing sets how many password hashes may run at once and how long one may wait
// for a turn (for tests and small machines); it must be called before use.
func (s *Service) LimitHashing(slots int, wait time.Duration) {
	s.hashSlots, s.hashWait = make(chan struct{}, max(1, slots)), wait
}

// SetClock sets what time it is for the use cases (tests fix it; time.Now otherwise):
// when sessions end, which drafts are old, which day is today for a due date, and
// whether a round's closing moment has come. The store keeps its own clock, which
// stamps rows and decides in its statements whether a moment has come: a test of
// closing sets both (storage.Store.SetClock) to the same time. It must be called before
// use.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Store is the store the use cases run over, for serving /readyz and closing at exit.
func (s *Service) Store() *storage.Store { return s.store }

// Instruments is the catalogue of instrument versions.
func (s *Service) Instruments() *pillars.Catalog { return s.catalog }

// Words is the catalogue of words.
func (s *Service) Words() *locale.Catalog { return s.words }

// Round is an assessment with the instrument version it is answered on.
type Round struct {
	*assessment.Assessment
	Instrument *pillars.Instrument
}

// ErrUnknownInstrument: a stored assessment names an instrument version this ecat does
// not have (a database from a newer ecat); a server fault, never the person's.
var ErrUnknownInstrument = errors.New("survey: instrument version unknown to this ecat")

// round pairs a with its instrument, as it stands now (asOfNow: a round whose closing
// moment has come is closed).
func (s *Service) round(a *assessment.Assessment) (*Round, error) {
	a = s.asOfNow(a)
	in, ok := s.catalog.Version(a.InstrumentVersion)
	if !ok {
		return nil, fmt.Errorf("%w: assessment %d uses %q", ErrUnknownInstrument, a.ID, a.InstrumentVersion)
	}
	return &Round{Assessment: a, Instrument: in}, nil
}

// accessTo tells what actor may do with a: an admin and the owner manage it, a
// facilitator it is shared with (every round of its team, see assessment.Member) may
// change it or only read it, anybody else has no access. A deactivated account has none.
// An assessment opened at the command line before any account existed belongs to nobody
// until the first account adopts it.
func accessTo(ctx context.Context, st *storage.Store, actor *assessment.Facilitator, a *assessment.Assessment) (assessment.Access, error) {
	switch {
	case actor == nil || actor.DeactivatedAt != nil:
		return assessment.NoAccess, nil
	case actor.IsAdmin(), a.FacilitatorID != nil && *a.FacilitatorID == actor.ID:
		return assessment.ManageAccess, nil
	}
	role, err := st.MemberRole(ctx, a.SeriesID, actor.ID)
	switch {
	case err != nil:
		return assessment.NoAccess, err
	case role == assessment.MemberCoFacilitator:
		return assessment.ChangeAccess, nil
	case role == assessment.MemberViewer:
		return assessment.ReadAccess, nil
	}
	return assessment.NoAccess, nil
}

// owned loads assessment id for actor, inside tx when one is given, when actor's access
// to it is at least need. An assessment actor may not see is assessment.ErrNotFound,
// exactly like one that does not exist, so an id tells nobody what is not theirs; one
// they may see but not change this way is assessment.ErrForbidden.
func (s *Service) owned(ctx context.Context, st *storage.Store, actor *assessment.Facilitator, id int64, need assessment.Access) (*assessment.Assessment, error) {
	if id <= 0 {
		return nil, assessment.ErrNotFound
	}
	a, err := st.Assessment(ctx, id)
	if err != nil {
		return nil, err
	}
	has, err := accessTo(ctx, st, actor, a)
	switch {
	case err != nil:
		return nil, err
	case has == assessment.NoAccess:
		return nil, assessment.ErrNotFound
	case has < need:
		return nil, assessment.ErrForbidden
	}
	return a, nil
}

// audit records what actor did, inside the transaction of the change.
func audit(ctx context.Context, tx *storage.Store, actor *assessment.Facilitator, action string, assessmentID *int64, detail string) error {
	if actor == nil {
		return nil // the command line (CreateAssessmentAt): no account acts
	}
	return tx.AddAuditEvent(ctx, &assessment.AuditEvent{FacilitatorID: actor.ID, Action: action, AssessmentID: assessmentID, Detail: detail})
}
