// Package assessment is ecat's domain: assessments (one round of the self-assessment for
// one team), the anonymous responses to them, and the rules a response must follow.
// It depends only on the standard library and the instrument (package pillars); storage,
// web and reports speak in its types.
package assessment

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

// Sentinel errors, mapped to HTTP statuses by the web package.
var (
	// ErrNotFound: no assessment or response with that id, code or token.
	ErrNotFound = errors.New("not found")
	// ErrClosed: the assessment no longer takes responses or changes to them.
	ErrClosed = errors.New("assessment is closed")
	// ErrStillOpen: the round must be closed first (to reassess it).
	ErrStillOpen = errors.New("assessment is still open")
	// ErrAlreadyReassessed: the round already has a next round.
	ErrAlreadyReassessed = errors.New("assessment already has a next round")
	// ErrNoActions: a round is marked discussed only once it has an action.
	ErrNoActions = errors.New("no action recorded")
	// ErrStale: a change was made against a version of the record that is no longer
	// the stored one (an If-Match that no longer matches); nothing was changed.
	ErrStale = errors.New("changed since it was read")
	// ErrAlreadySubmitted: a draft save reached a response that is submitted by now. A
	// draft save never changes a submitted response (it would take it out of the count);
	// changing one takes a complete save that submits it again.
	ErrAlreadySubmitted = errors.New("response already submitted")
	// ErrPillarFixed: a submitted response keeps its pillar. Moving it to another group
	// would let one person's answers count in two groups (or pad a small one).
	ErrPillarFixed = errors.New("a submitted response keeps its pillar")
	// ErrReleased: the submitted response is in its team report already, and no longer
	// changes: a change shown in the next view would tell what that one person changed.
	ErrReleased = errors.New("response already in the team report")
	// ErrTooManyDrafts: the assessment holds as many unfinished responses as it may.
	ErrTooManyDrafts = errors.New("too many unfinished responses")
	// ErrTooManyResponses: one client network started too many responses to an
	// assessment within a short time.
	ErrTooManyResponses = errors.New("too many responses started at once")
)

// Status of an assessment.
type Status string

const (
	Open   Status = "open"
	Closed Status = "closed"
)

// Anonymity threshold bounds and default (README, "The team report").
const (
	DefaultThreshold = 3
	MinThreshold     = 1
	MaxThreshold     = 20
	// MaxExpected is the largest expected headcount of a pillar.
	MaxExpected = 10000
	// SafeThreshold is the lowest threshold accepted without an explicit confirmation.
	SafeThreshold = 3
)

// Assessment is one round of the self-assessment for one team.
type Assessment struct {
	ID        int64
	Title     string
	Team      string
	Language  string // default interface language, "en" or "fr"
	Threshold int    // smallest pillar group whose results may be shown
	Status    Status
	// Code is the join code shared with the team. It is unguessable (see NewJoinCode).
	Code string
	// InstrumentVersion is the instrument version the round was opened with.
	InstrumentVersion string
	Round             int
	PreviousID        *int64
	// SeriesID is the id of the team's first round: every round of one team shares it,
	// and sharing an assessment shares the series.
	SeriesID int64
	// Unit is the program, site or department the team belongs to (free text, may be
	// empty), by which an organization filters and groups its teams.
	Unit string
	// Expected is the headcount expected per pillar (pillar key → 0..MaxExpected), for
	// the response rate; a pillar left out has no expectation.
	Expected map[string]int
	// ClosesAt, when set, is the moment the round closes itself: no answer is taken
	// after it, even before the status says closed.
	ClosesAt *time.Time
	// FacilitatorID owns the assessment; nil for one created at the command line
	// before any facilitator existed (the first facilitator adopts those).
	FacilitatorID *int64
	CreatedAt     time.Time
	ClosedAt      *time.Time
	// DiscussedAt is when the facilitator marked the team discussion held, with at
	// least one action recorded; nil until then.
	DiscussedAt *time.Time
	// Version counts the changes of the assessment's own state (status, discussion,
	// next round), 1 when created; it is the assessment's ETag, and a client's If-Match
	// names it (see ErrStale). Responses coming in do not change it.
	Version int64
}

// NextRound returns the team's next round of a, open, with a new join code, the same
// settings and owner, and the given (current) instrument version.
func NextRound(a *Assessment, instrumentVersion string) *Assessment {
	prev := a.ID
	return &Assessment{
		Title: a.Title, Team: a.Team, Language: a.Language, Threshold: a.Threshold,
		Status: Open, Code: NewJoinCode(), InstrumentVersion: instrumentVersion,
		Round: a.Round + 1, PreviousID: &prev, FacilitatorID: a.FacilitatorID,
		SeriesID: a.SeriesID, Unit: a.Unit, Expected: a.Expected,
	}
}

// Shows reports whether a pillar group with n submitted responses may be shown: the
// anonymity rule. A smaller group (or an empty one) is withheld everywhere: no count,
// score or text of it, on screen, in exports and in the API.
func (a *Assessment) Shows(n int) bool { return n > 0 && n >= a.Threshold }

// LowThreshold reports whether groups smaller than SafeThreshold are shown: answers are
// then easier to single out, and the pages respondents read say so.
func (a *Assessment) LowThreshold() bool { return a.Threshold < SafeThreshold }

// IsOpen reports whether the assessment takes responses.
func (a *Assessment) IsOpen() bool { return a.Status == Open }

// joinCodeAlphabet is Crockford's base32: no I, L, O or U, so a code read aloud or
// typed from a printed sheet is hard to get wrong.
const joinCodeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var joinEncoding = base32.NewEncoding(joinCodeAlphabet).WithPadding(base32.NoPadding)

// JoinCodeLength is the number of symbols in a join code: 16 × 5 bits = 80 bits.
const JoinCodeLength = 16

// NewJoinCode returns a fresh random join code of 80 bits, e.g. "7KQ2-M9XD-4HTV-RB3C"
// without the dashes (FormatJoinCode adds them for display).
func NewJoinCode() string {
	var b [10]byte
	mustRandom(b[:])
	return joinEncoding.EncodeToString(b[:])
}

// NormalizeJoinCode turns what a person typed into the stored form: upper case, no
// spaces or dashes, and the look-alike letters O, I and L read as 0, 1 and 1.
// It returns false when the result cannot be a join code.
func NormalizeJoinCode(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case ' ', '-', '\t':
			continue
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if !strings.ContainsRune(joinCodeAlphabet, r) {
			return "", false
		}
		b.WriteRune(r)
	}
	code := b.String()
	if len(code) != JoinCodeLength {
		return "", false
	}
	return code, true
}

// FormatJoinCode groups a code by four for reading: "7KQ2-M9XD-4HTV-RB3C".
func FormatJoinCode(code string) string {
	var parts []string
	for len(code) > 4 {
		parts = append(parts, code[:4])
		code = code[4:]
	}
	parts = append(parts, code)
	return strings.Join(parts, "-")
}

// NewResumeToken returns a random 128-bit token a respondent uses to come back to their
// response. Only its hash (HashToken) is stored.
func NewResumeToken() string {
	var b [16]byte
	mustRandom(b[:])
	return strings.ToLower(joinEncoding.EncodeToString(b[:]))
}

// ResumeTokenLength is the length of a resume token: 128 bits in 26 base32 symbols.
const ResumeTokenLength = 26

// LooksLikeResumeToken reports whether s has the shape of a resume token, so a lookup
// for anything else can be refused without touching the database.
func LooksLikeResumeToken(s string) bool {
	if len(s) != ResumeTokenLength {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune(strings.ToLower(joinCodeAlphabet), r) {
			return false
		}
	}
	return true
}

// HashToken is what is stored in place of a secret token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func mustRandom(b []byte) {
	// crypto/rand.Read never returns an error on supported platforms (Go ≥ 1.24).
	_, _ = rand.Read(b)
}
