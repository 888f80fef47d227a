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
	// PasswordHash is an encoded argon2id hash, never the password; empty for an
	// invited account whose invitation is not taken up yet (it cannot sign in).
	PasswordHash string
	// Role is RoleAdmin or RoleFacilitator.
	Role      string
	CreatedAt time.Time
	// DeactivatedAt is when an admin deactivated the account: it cannot sign in and its
	// sessions and API tokens no longer work. Nil for an active account.
	DeactivatedAt *time.Time
}

// Account roles. An admin sees and manages every assessment of the installation and the
// accounts; a facilitator sees their own assessments and those shared with them. The
// first account is an admin, and the last admin cannot lose that role.
const (
	RoleAdmin       = "admin"
	RoleFacilitator = "facilitator"
)

// ErrLastAdmin: the change would leave the installation without an active admin (the
// last one demoted or deactivated); it is refused.
var ErrLastAdmin = errors.New("the last administrator must stay an active administrator")

// ValidRole reports whether r names an account role.
func ValidRole(r string) bool { return r == RoleAdmin || r == RoleFacilitator }

// IsAdmin reports whether f is an active admin.
func (f *Facilitator) IsAdmin() bool {
	return f != nil && f.Role == RoleAdmin && f.DeactivatedAt == nil
}

// Member roles: what a facilitator an assessment is shared with may do with it (every
// round of its team). A co-facilitator does everything but deleting the assessment and
// managing who it is shared with; a viewer reads it (report, workbook, discussion view,
// action plan) and changes nothing.
const (
	MemberCoFacilitator = "co_facilitator"
	MemberViewer        = "viewer"
)

// ValidMemberRole reports whether r names a member role.
func ValidMemberRole(r string) bool { return r == MemberCoFacilitator || r == MemberViewer }

// Access is what one facilitator may do with one assessment, from nothing to managing it.
type Access int

// Access levels, each including the ones before it.
const (
	// NoAccess: the assessment is someone else's, and is ErrNotFound to this person.
	NoAccess Access = iota
	// ReadAccess: a viewer.
	ReadAccess
	// ChangeAccess: a co-facilitator.
	ChangeAccess
	// ManageAccess: the owner, or an admin: also delete it, share it, hand it over.
	ManageAccess
)

// GetsJoinCode tells whether someone with access a may have the round's join code (its
// link, QR code and printable invitation). The code lets whoever has it add responses
// that count: with it a viewer, who changes nothing, could add answers to a group and
// read one person's answers by subtraction. So only those who may change the round get
// it: co-facilitators, the owner and admins.
func (a Access) GetsJoinCode() bool { return a >= ChangeAccess }

// ErrForbidden: the person may see the assessment but not make this change (a viewer's
// write, a co-facilitator deleting). Someone who may not see it gets ErrNotFound instead.
var ErrForbidden = errors.New("not allowed for your role on this assessment")

// Member is a facilitator an assessment is shared with, or its owner (Role "owner").
type Member struct {
	FacilitatorID int64
	Email         string
	Name          string
	Role          string // "owner", MemberCoFacilitator or MemberViewer
	AddedAt       time.Time
}

// MemberOwner is the Role of the owner in a list of members.
const MemberOwner = "owner"

// ErrOwnAssessment: an assessment cannot be shared with its owner, nor with the person
// sharing it: they have their access already.
var ErrOwnAssessment = errors.New("the assessment is theirs already")

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

	AuditMemberAdded   = "member_add"
	AuditMemberRemoved = "member_remove"
	AuditHandedOver    = "assessment_hand_over"
	AuditUpdated       = "assessment_update"
	AuditNewJoinCode   = "assessment_new_code"
	// The new owner's line of a hand-over (the one handing over has AuditHandedOver).
	AuditHandedOverToMe = "assessment_received"

	// Accounts, managed by an admin (the detail names the account), and the one-time
	// links an account is set up or its password reset with (in the account's own trail).
	AuditAccountInvited     = "account_invite"
	AuditRoleAdmin          = "account_role_admin"
	AuditRoleFacilitator    = "account_role_facilitator"
	AuditAccountDeactivated = "account_deactivate"
	AuditAccountReactivated = "account_reactivate"
	AuditResetLinkCreated   = "account_reset_link"
	AuditInviteAccepted     = "account_invite_accept"
	AuditPasswordReset      = "password_reset"

	// The organization's roll-up downloaded as a workbook (the detail names the unit).
	AuditRollupExport = "rollup_export"
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

// NewInvitedFacilitator checks the details of an account an admin invites: it has no
// password until the invitation is taken up.
func NewInvitedFacilitator(email, name string) (*Facilitator, error) {
	verr := &ValidationError{}
	f := &Facilitator{}
	f.Email = checkEmail(verr, email)
	f.Name = requiredTextMax(verr, "name", name, MaxNameLen)
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
