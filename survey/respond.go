package survey

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/storage"
)

// The respondent's use cases: find an assessment by its join code, come back to a
// response by its resume token, and save a response (start it, change it, submit it).
// The join page, the form and the JSON API all go through these.

// RoundByCode finds the assessment of a join code as typed or followed (any case, with
// spaces or dashes), open or not. A code that cannot be one, or matches nothing, is
// assessment.ErrNotFound; Malformed tells the two apart for the caller's throttle, which
// counts only well-formed guesses.
func (s *Service) RoundByCode(ctx context.Context, typed string) (*Round, error) {
	code, ok := assessment.NormalizeJoinCode(typed)
	if !ok {
		return nil, ErrMalformed
	}
	a, err := s.store.AssessmentByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	return s.round(a)
}

// ErrMalformed: a join code or resume token that cannot be one of ecat's, refused
// without looking it up. It is also assessment.ErrNotFound.
var ErrMalformed = malformedError{}

type malformedError struct{}

func (malformedError) Error() string        { return "not the shape of a code or token" }
func (malformedError) Is(target error) bool { return target == assessment.ErrNotFound }

// Resumed is a stored response with the round it answers.
type Resumed struct {
	Response *assessment.Response
	*Round
}

// Resume finds the response behind a resume token, with its round.
func (s *Service) Resume(ctx context.Context, token string) (*Resumed, error) {
	if !assessment.LooksLikeResumeToken(token) {
		return nil, ErrMalformed
	}
	r, err := s.store.ResponseByToken(ctx, assessment.HashToken(token))
	if err != nil {
		return nil, err
	}
	a, err := s.store.Assessment(ctx, r.AssessmentID)
	if err != nil {
		return nil, err
	}
	round, err := s.round(a)
	if err != nil {
		return nil, err
	}
	return &Resumed{Response: r, Round: round}, nil
}

// ResponseSave is one save of a response, as the form or the API sent it.
type ResponseSave struct {
	// Round is the assessment answered; for a change, the stored response's round.
	Round *Round
	// Stored is the response being changed, nil to start a new one.
	Stored *assessment.Response
	// Response is the content sent: pillar, language, answers, reflections, strength and
	// opportunity. An empty Language takes the stored response's, else the round's.
	Response *assessment.Response
	// Submit says the person submits: the response must be complete, and it counts from
	// then on. Without it the save is a draft save (save for later, autosave), which
	// never changes a submitted response.
	Submit bool
	// Problems are what reading the request found wrong already (a field given twice);
	// they are reported with the validation errors, all at once.
	Problems *assessment.ValidationError
	// Client names the network the request came from (an address, an IPv6 /64), for the
	// limit on starting responses; "" for none (the command line, tests).
	Client string
	// Writer is the saving browser's writer key (a secret in its cookie); "" for the API.
	// Token is the resume token a change came with. See WrittenBy.
	Writer, Token string
	// Once, for a new response, makes the write idempotent (see Once); nil for none.
	Once *Once
	// IfVersion, for a change, is the version of the response the client read (its
	// If-Match): the change is stored only if the response is still at that version,
	// else assessment.ErrStale and nothing changes. 0: whatever its version.
	IfVersion int64
}

// Limits on starting responses. A team behind one hospital address must all get in (50
// people starting within a minute pass), while one client cannot fill the database:
// CreationLimit new responses per client network and assessment per CreationWindow, and
// at most MaxDrafts unfinished responses per assessment (drafts untouched for
// DraftLifetime are deleted, see PurgeDrafts).
const (
	CreationLimit  = 60
	CreationWindow = time.Minute
	MaxDrafts      = 500
	DraftLifetime  = 60 * 24 * time.Hour
)

// CreationRetry is how long to suggest waiting after assessment.ErrTooManyResponses.
const CreationRetry = CreationWindow

// Saved is what a save did.
type Saved struct {
	// Token is the resume token of a new response, or the new one of a response another
	// browser took over (see WrittenBy); "" when the link stays as it was.
	Token string
	// Status is how the response is stored now.
	Status assessment.ResponseStatus
	// FirstSubmission is set when this save submitted the response for the first time.
	FirstSubmission bool
	// Replayed is set when nothing was stored: the same request came with the same
	// idempotency key before, and this is its first answer again (see Once).
	Replayed bool
	// Version is the response's version after the save (its ETag); for a replayed
	// creation, the version it was created at.
	Version int64
}

// SaveResponse stores a new response or a change to one. The round must be open
// (assessment.ErrClosed), the content valid for the round's instrument (a
// *assessment.ValidationError listing every bad field, and nothing stored), and complete
// when submitting. Once submitted, a response stays submitted: a change must be a
// complete submission, and a draft save that reaches a submitted response — an autosave
// still in flight when the person pressed Submit, another tab left open — changes
// nothing and returns assessment.ErrAlreadySubmitted. A submitted response keeps its
// pillar (a validation error on "pillar" otherwise): moved, it would count one person in
// two groups. Both rules are decided by the storage statement, so they hold however
// requests race.
func (s *Service) SaveResponse(ctx context.Context, in ResponseSave) (*Saved, error) {
	round, r := in.Round, in.Response
	if in.Stored == nil && in.Once != nil {
		// A copy of a request already stored is answered as it was the first time (even
		// if the assessment has closed since), and counts against no limit.
		if saved, err := s.Replayed(ctx, round, in.Once); saved != nil || err != nil {
			return saved, err
		}
	}
	if err := prepareSave(in); err != nil {
		return nil, err
	}
	if in.Stored == nil {
		key := ""
		if in.Client != "" {
			key = in.Client + "|" + strconv.FormatInt(round.ID, 10)
			if ok, _ := s.creations.Reserve(key); !ok {
				return nil, assessment.ErrTooManyResponses
			}
		}
		token := assessment.NewResumeToken()
		r.Writer = writerHash(in.Writer, token)
		var once *storage.IdempotentWrite
		if in.Once != nil {
			var err error
			if once, err = in.Once.record(round, token, r.Status); err != nil {
				return nil, err
			}
		}
		if err := s.store.CreateResponseOnce(ctx, r, assessment.HashToken(token), MaxDrafts, once); err != nil {
			if key != "" {
				s.creations.Release(key) // nothing was started
			}
			if errors.Is(err, storage.ErrIdempotencyTaken) {
				// Another copy of this request was stored first, and is committed by
				// now: answer as it was answered.
				if saved, rerr := s.Replayed(ctx, round, in.Once); saved != nil || rerr != nil {
					return saved, rerr
				}
			}
			return nil, err
		}
		return &Saved{Token: token, Status: r.Status, FirstSubmission: r.Status == assessment.Submitted, Version: r.Version}, nil
	}
	r.ID = in.Stored.ID
	var rot *storage.Rotation
	var newToken string
	if in.Writer != "" && !WrittenBy(in.Stored, in.Writer, in.Token) {
		// Another browser writes: it takes the link over, and the link the response was
		// reached by stops working, so whoever handed it out cannot read what this
		// person writes through it.
		newToken = assessment.NewResumeToken()
		rot = &storage.Rotation{OldTokenHash: assessment.HashToken(in.Token), NewTokenHash: assessment.HashToken(newToken)}
		r.Writer = writerHash(in.Writer, newToken)
	}
	if err := s.store.UpdateResponseAs(ctx, r, rot, in.IfVersion); err != nil {
		if errors.Is(err, assessment.ErrPillarFixed) {
			return nil, &assessment.ValidationError{Fields: map[string]assessment.FieldError{"pillar": {Code: assessment.CodeFixed}}}
		}
		return nil, err
	}
	// The stored time of first submission tells whether this save was it.
	first := r.Status == assessment.Submitted && r.SubmittedAt != nil && !r.SubmittedAt.Before(r.UpdatedAt)
	return &Saved{Token: newToken, Status: r.Status, FirstSubmission: first, Version: r.Version}, nil
}

// prepareSave checks a save as SaveResponse describes (an open round, content valid for
// its instrument, complete when submitting) and readies in.Response to be stored: its
// language (the stored response's, else the round's, when none is sent), its round and
// its status.
func prepareSave(in ResponseSave) error {
	round, r := in.Round, in.Response
	if !round.IsOpen() {
		return assessment.ErrClosed
	}
	if r.Language == "" {
		r.Language = round.Language
		if in.Stored != nil {
			r.Language = in.Stored.Language
		}
	}
	problems := in.Problems
	if problems == nil {
		problems = &assessment.ValidationError{}
	}
	if err := MergeValidation(problems, r.Validate(round.Instrument, in.Submit)); err != nil {
		return err
	}
	r.AssessmentID, r.Status = round.ID, assessment.Draft
	if in.Submit {
		r.Status = assessment.Submitted
	}
	return nil
}

// A personal link is bound to the browser that last wrote through it. A browser keeps a
// writer key, a random secret, in a cookie; each response stores only a hash of that key
// with the response's current resume token ("" for one written through the API). A
// browser that writes a response another browser (or the API) wrote last takes the link
// over: the response gets a new resume token, bound to it, and the old link stops
// working. So a link made by someone else and handed to a team member (a "personal
// link") lets its maker read nothing that person writes; and a browser that did not
// write a response's answers sees them only after saying the answers are its own
// (Claim), which also takes the link over. The person's own way back stays: the same
// browser, or the new link on another device (claimed there).

// writerHash binds a writer key to a resume token; "" without a key.
func writerHash(key, token string) string {
	if key == "" {
		return ""
	}
	return assessment.HashToken("writer|" + key + "|" + assessment.HashToken(token))
}

// WrittenBy reports whether the browser with writer key key last wrote r, reached by
// token.
func WrittenBy(r *assessment.Response, key, token string) bool {
	return key != "" && r.Writer != "" && r.Writer == writerHash(key, token)
}

// HoldsAnswers reports whether r holds anything someone wrote: an answer or a text.
func HoldsAnswers(r *assessment.Response) bool {
	return len(r.Answers) > 0 || len(r.Reflections) > 0 || r.Strength.Text != "" || r.Opportunity.Text != "" ||
		r.Strength.Theme != "" || r.Opportunity.Theme != ""
}

// Claim makes the browser with writer key key the writer of the response behind token:
// it gets a new resume token, returned, and the old link stops working. Its content is
// unchanged. A browser claims a response whose answers it did not write before seeing
// them.
func (s *Service) Claim(ctx context.Context, token, key string) (string, error) {
	if key == "" {
		return "", errors.New("survey: a claim needs a writer key")
	}
	res, err := s.Resume(ctx, token)
	if err != nil {
		return "", err
	}
	newToken := assessment.NewResumeToken()
	rot := storage.Rotation{OldTokenHash: assessment.HashToken(token), NewTokenHash: assessment.HashToken(newToken)}
	if err := s.store.ClaimResponse(ctx, res.Response.ID, writerHash(key, newToken), rot); err != nil {
		return "", err
	}
	return newToken, nil
}

// ResponseLanguage is the language a response is shown in when nothing else decides:
// its own, else its round's.
func ResponseLanguage(r *assessment.Response, round *Round) locale.Lang {
	if l, ok := locale.ParseCode(r.Language); ok {
		return l
	}
	if l, ok := locale.ParseCode(round.Language); ok {
		return l
	}
	return locale.Default
}

// RefuseWithoutCode answers a new response sent without a join code: a validation error
// naming "code" as required, with every other bad field of the response (problems, found
// while decoding, and the content judged against the current instrument, since no round
// chose one; an absent language is left to the round, as SaveResponse does). A client
// then fixes everything at once rather than one field per try. Nothing is stored.
func (s *Service) RefuseWithoutCode(r *assessment.Response, submit bool, problems *assessment.ValidationError) error {
	verr := problems
	if verr == nil {
		verr = &assessment.ValidationError{}
	}
	verr.Add("code", assessment.CodeRequired)
	check := *r
	if check.Language == "" {
		check.Language = string(locale.Default)
	}
	return MergeValidation(verr, check.Validate(s.catalog.Current(), submit))
}

// MergeValidation adds the field errors of err (a *assessment.ValidationError or nil) to
// verr and returns verr when it holds any; any other error is returned as it is.
func MergeValidation(verr *assessment.ValidationError, err error) error {
	var more *assessment.ValidationError
	if errors.As(err, &more) {
		for k, fe := range more.Fields {
			verr.AddLimit(k, fe.Code, fe.Limit)
		}
	} else if err != nil {
		return err
	}
	return verr.OrNil()
}

// PurgeDrafts deletes the drafts nobody has saved for DraftLifetime: abandoned answers
// are not kept, and the cap on drafts cannot be filled for good. It tells how many went.
//
// The answers remembered for idempotency keys (see Once) past their lifetime go too.
func (s *Service) PurgeDrafts(ctx context.Context) (int64, error) {
	if _, err := s.store.DeleteIdempotentWritesBefore(ctx, s.now().Add(-storage.IdempotencyLifetime)); err != nil {
		return 0, err
	}
	return s.store.DeleteDraftsUntouchedSince(ctx, s.now().Add(-DraftLifetime))
}
