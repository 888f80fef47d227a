package assessment

import (
	"encoding/hex"
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrDuplicate: something that must be unique (a facilitator's e-mail) already exists.
var ErrDuplicate = errors.New("already exists")

// Facilitator runs assessments for their teams. Facilitators are the only people with
// accounts; respondents never have one.
type Facilitator struct {
	ID    int64
	Email string // stored lower-case
	Name  string
	// PasswordHash is an encoded argon2id hash, never the password.
	PasswordHash string
	CreatedAt    time.Time
}

// APIToken lets a facilitator's scripts use the API. Only the token's hash is stored.
type APIToken struct {
	ID            int64
	FacilitatorID int64
	Label         string
	CreatedAt     time.Time
	LastUsedAt    *time.Time
	RevokedAt     *time.Time
}

// AuditEvent records one facilitator action: who, what, when, on which assessment.
type AuditEvent struct {
	ID            int64
	FacilitatorID int64
	Action        string
	AssessmentID  *int64
	Detail        string
	CreatedAt     time.Time
}

// Audit actions.
const (
	AuditSignIn         = "sign_in"
	AuditSignOut        = "sign_out"
	AuditCreate         = "assessment_create"
	AuditClose          = "assessment_close"
	AuditReopen         = "assessment_reopen"
	AuditDelete         = "assessment_delete"
	AuditExport         = "assessment_export"
	AuditTokenCreated   = "token_create"
	AuditTokenRevoked   = "token_revoke"
	AuditAccountCreated = "account_create"
	AuditReassess       = "assessment_reassess"
	AuditDiscussed      = "assessment_discussed"
	AuditActionCreated  = "action_create"
	AuditActionUpdated  = "action_update"
	AuditActionDeleted  = "action_delete"
	AuditPasswordSet    = "password_set"
	// A facilitator changed their own password on the web (SetPassword is the command line's).
	AuditPasswordChanged = "password_change"
	// The team summary published for everyone invited, and unpublished.
	AuditSummaryPublished   = "summary_publish"
	AuditSummaryUnpublished = "summary_unpublish"
	AuditSummaryQuoted      = "summary_quote"
	// A response written on paper entered, corrected or deleted by the facilitator.
	AuditPaperEntered   = "paper_enter"
	AuditPaperCorrected = "paper_correct"
	AuditPaperDeleted   = "paper_delete"
)

// Password length bounds, in characters. Long passphrases are welcome; the upper bound
// only keeps hashing cheap for the server.
const (
	MinPasswordLen = 12
	// MinPasswordVariety is how many different characters a password needs: twelve of
	// one letter, or "abababababab", is long but guessed at once.
	MinPasswordVariety = 5
	MaxPasswordLen     = 256
	MaxNameLen         = 120
	MaxEmailLen        = 254
	MaxLabelLen        = 80
)

// NewFacilitator checks a new account's details; the caller hashes the password.
func NewFacilitator(email, name, password string) (*Facilitator, error) {
	verr := &ValidationError{}
	f := &Facilitator{}
	f.Email = checkEmail(verr, email)
	f.Name = requiredTextMax(verr, "name", name, MaxNameLen)
	checkPassword(verr, "password", password)
	return f, verr.OrNil()
}

// checkPassword records a field error unless password is of an acceptable length.
// CheckPassword checks a new password by the rules of NewFacilitator: a
// *ValidationError on "password", or nil.
func CheckPassword(password string) error {
	verr := &ValidationError{}
	checkPassword(verr, "password", password)
	return verr.OrNil()
}

func checkPassword(verr *ValidationError, field, password string) {
	switch n := utf8.RuneCountInString(password); {
	case !utf8.ValidString(password):
		verr.Add(field, CodeInvalidUTF8)
	case n < MinPasswordLen:
		verr.AddLimit(field, CodeTooShort, MinPasswordLen)
	case n > MaxPasswordLen:
		verr.AddLimit(field, CodeTooLong, MaxPasswordLen)
	case distinctRunes(password) < MinPasswordVariety:
		verr.AddLimit(field, CodeWeak, MinPasswordVariety)
	}
}

// distinctRunes counts the different characters of s.
func distinctRunes(s string) int {
	seen := map[rune]bool{}
	for _, r := range s {
		seen[r] = true
	}
	return len(seen)
}

// NormalizeEmail returns the canonical form used to store and find an account.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func checkEmail(verr *ValidationError, s string) string {
	email := NormalizeEmail(s)
	switch {
	case email == "":
		verr.Add("email", CodeRequired)
	case !utf8.ValidString(email) || len(email) > MaxEmailLen:
		verr.Add("email", CodeInvalid)
	default:
		addr, err := mail.ParseAddress(email)
		if err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
			verr.Add("email", CodeInvalid)
		}
	}
	return email
}

func requiredTextMax(verr *ValidationError, field, s string, max int) string {
	clean, code := CleanText(s, max)
	if code == "" && clean == "" {
		code = CodeRequired
	}
	if code != "" {
		verr.AddLimit(field, code, max)
	}
	return clean
}

// APITokenPrefix starts every API token, so a leaked one is easy to recognize.
const APITokenPrefix = "ecat_"

// NewAPIToken returns a fresh 256-bit API token: "ecat_" and 64 hex digits.
func NewAPIToken() string {
	var b [32]byte
	mustRandom(b[:])
	return APITokenPrefix + hex.EncodeToString(b[:])
}

// LooksLikeAPIToken reports whether s has the shape of an API token.
func LooksLikeAPIToken(s string) bool {
	rest, ok := strings.CutPrefix(s, APITokenPrefix)
	if !ok || len(rest) != 64 {
		return false
	}
	_, err := hex.DecodeString(rest)
	return err == nil && strings.ToLower(rest) == rest
}

// CheckTokenLabel tidies an API token's label (optional).
func CheckTokenLabel(label string) (string, error) {
	verr := &ValidationError{}
	clean, code := CleanText(label, MaxLabelLen)
	if code != "" {
		verr.AddLimit("label", code, MaxLabelLen)
	}
	return clean, verr.OrNil()
}
