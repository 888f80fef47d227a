package survey

import (
	"context"
	"errors"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

// Accounts as an admin manages them (roles, invitations, deactivation, password-reset
// links), the one-time links the invited and the forgetful set their password with, and
// handing an assessment over to another facilitator. ecat sends no e-mail: a link is
// shown once to the admin who made it, who passes it on.
//
// Whether the actor is an admin is read again inside the transaction of each change, so
// an admin demoted a moment ago cannot use a page loaded before. That the installation
// keeps an active admin is decided by the storage statements themselves (ErrLastAdmin).

// ErrAdminOnly: only an active admin may do this.
var ErrAdminOnly = errors.New("survey: only an administrator may do this")

// How long a one-time account link works.
const (
	InviteLifetime = 7 * 24 * time.Hour
	ResetLifetime  = 24 * time.Hour
)

// Field error codes of the account forms, beyond assessment's.
const (
	// CodeTaken: an account has this e-mail already.
	CodeTaken = "taken"
	// CodeAlreadyOwner: the assessment belongs to this facilitator already.
	CodeAlreadyOwner = "already_owner"
)

// Purposes of an account link.
const (
	LinkInvite = storage.LinkInvite
	LinkReset  = storage.LinkReset
)

// requireAdmin checks that actor is, as tx reads it now, an active admin.
func requireAdmin(ctx context.Context, tx *storage.Store, actor *assessment.Facilitator) error {
	if actor == nil || !actor.IsAdmin() {
		return ErrAdminOnly
	}
	f, err := tx.FacilitatorByID(ctx, actor.ID)
	switch {
	case isNotFound(err):
		return ErrAdminOnly
	case err != nil:
		return err
	case !f.IsAdmin():
		return ErrAdminOnly
	}
	return nil
}

// AddFacilitatorAs creates an account at the command line with role
// (assessment.RoleAdmin or RoleFacilitator; "" is a facilitator): the installation's
// first account is an admin whatever is asked. A bad role is a *ValidationError on
// "role"; assessment.ErrDuplicate when the e-mail is taken. The new account's trail
// records its creation.
func (s *Service) AddFacilitatorAs(ctx context.Context, in NewAccount, role string) (*assessment.Facilitator, error) {
	if role == "" {
		role = assessment.RoleFacilitator
	}
	if !assessment.ValidRole(role) {
		verr := &assessment.ValidationError{}
		verr.Add("role", assessment.CodeInvalid)
		return nil, verr
	}
	f, err := s.checkAccount(ctx, in)
	if err != nil {
		return nil, err
	}
	f.Role = role
	err = s.store.InTx(ctx, func(tx *storage.Store) error {
		if err := tx.CreateFacilitator(ctx, f); err != nil {
			return err
		}
		return audit(ctx, tx, f, assessment.AuditAccountCreated, nil, f.Role+" (command line)")
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Accounts lists every account of the installation, oldest first, for an admin.
func (s *Service) Accounts(ctx context.Context, actor *assessment.Facilitator) ([]assessment.Facilitator, error) {
	if err := requireAdmin(ctx, s.store, actor); err != nil {
		return nil, err
	}
	return s.store.Accounts(ctx)
}

// Invitation is who an admin invites: their e-mail, name and role.
type Invitation struct {
	Email, Name, Role string
}

// AccountLink is a one-time link an admin made: the token to put in it (shown once;
// only its hash is kept), what it is for (LinkInvite or LinkReset), the account it
// opens and until when it works.
type AccountLink struct {
	Account *assessment.Facilitator
	Token   string
	Purpose string
	Expires time.Time
}

// Invite creates an account with no password yet, and the link (InviteLifetime) with
// which its owner chooses one and signs in. Every problem is listed at once in a
// *assessment.ValidationError: "email" (required, invalid, or CodeTaken), "name",
// "role"; nothing is stored then. ErrAdminOnly unless actor is an admin.
func (s *Service) Invite(ctx context.Context, actor *assessment.Facilitator, in Invitation) (*AccountLink, error) {
	if actor == nil || !actor.IsAdmin() {
		return nil, ErrAdminOnly
	}
	f, err := assessment.NewInvitedFacilitator(in.Email, in.Name)
	verr := &assessment.ValidationError{}
	if !errors.As(err, &verr) {
		verr = &assessment.ValidationError{}
	}
	if !assessment.ValidRole(in.Role) {
		verr.Add("role", assessment.CodeInvalid)
	}
	if err := verr.OrNil(); err != nil {
		return nil, err
	}
	f.Role = in.Role
	link := &AccountLink{Account: f, Token: assessment.NewResumeToken(), Purpose: LinkInvite}
	err = s.store.InTx(ctx, func(tx *storage.Store) error {
		if err := requireAdmin(ctx, tx, actor); err != nil {
			return err
		}
		if err := tx.CreateFacilitator(ctx, f); errors.Is(err, assessment.ErrDuplicate) {
			taken := &assessment.ValidationError{}
			taken.Add("email", CodeTaken)
			return taken
		} else if err != nil {
			return err
		}
		if err := s.putLink(ctx, tx, link); err != nil {
			return err
		}
		return audit(ctx, tx, actor, assessment.AuditAccountInvited, nil, f.Email)
	})
	if err != nil {
		return nil, err
	}
	return link, nil
}

// putLink stores link (its purpose's lifetime from now), replacing the account's others.
func (s *Service) putLink(ctx context.Context, tx *storage.Store, link *AccountLink) error {
	now := s.now()
	life := ResetLifetime
	if link.Purpose == LinkInvite {
		life = InviteLifetime
	}
	link.Expires = now.Add(life)
	return tx.PutAccountLink(ctx, assessment.HashToken(link.Token), link.Account.ID, link.Purpose, now, link.Expires)
}

// MakeAccountLink makes a new one-time link for account id, for the admin to pass on: a
// password-reset link (ResetLifetime), or, for an invited account that has not chosen a
// password yet, a new invitation link (InviteLifetime). The account's earlier links stop
// working. assessment.ErrNotFound when there is no such account or it is deactivated;
// ErrAdminOnly unless actor is an admin.
func (s *Service) MakeAccountLink(ctx context.Context, actor *assessment.Facilitator, id int64) (*AccountLink, error) {
	if actor == nil || !actor.IsAdmin() {
		return nil, ErrAdminOnly
	}
	link := &AccountLink{Token: assessment.NewResumeToken()}
	err := s.store.InTx(ctx, func(tx *storage.Store) error {
		if err := requireAdmin(ctx, tx, actor); err != nil {
			return err
		}
		f, err := tx.FacilitatorByID(ctx, id)
		if err != nil {
			return err
		}
		if f.DeactivatedAt != nil {
			return assessment.ErrNotFound
		}
		link.Account, link.Purpose = f, LinkReset
		action := assessment.AuditResetLinkCreated
		if f.PasswordHash == "" {
			link.Purpose, action = LinkInvite, assessment.AuditAccountInvited
		}
		if err := s.putLink(ctx, tx, link); err != nil {
			return err
		}
		return audit(ctx, tx, actor, action, nil, f.Email)
	})
	if err != nil {
		return nil, err
	}
	return link, nil
}

// accountChange runs change on account id for an admin, inside one transaction, and
// records action (naming the account) when change says it changed something.
func (s *Service) accountChange(ctx context.Context, actor *assessment.Facilitator, id int64, action string,
	change func(tx *storage.Store) (bool, error)) (*assessment.Facilitator, error) {
	if actor == nil || !actor.IsAdmin() {
		return nil, ErrAdminOnly
	}
	var f *assessment.Facilitator
	err := s.store.InTx(ctx, func(tx *storage.Store) error {
		if err := requireAdmin(ctx, tx, actor); err != nil {
			return err
		}
		changed, err := change(tx)
		if err != nil {
			return err
		}
		if f, err = tx.FacilitatorByID(ctx, id); err != nil {
			return err
		}
		if !changed {
			return nil
		}
		return audit(ctx, tx, actor, action, nil, f.Email)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// ChangeRole makes account id an admin or a facilitator (role), and returns the account
// as it is now. Asking for the role it has changes nothing and records nothing. Demoting
// the last active admin is assessment.ErrLastAdmin; a bad role a *ValidationError on
// "role"; assessment.ErrNotFound when there is no such account; ErrAdminOnly unless
// actor is an admin.
func (s *Service) ChangeRole(ctx context.Context, actor *assessment.Facilitator, id int64, role string) (*assessment.Facilitator, error) {
	if actor == nil || !actor.IsAdmin() {
		return nil, ErrAdminOnly
	}
	if !assessment.ValidRole(role) {
		verr := &assessment.ValidationError{}
		verr.Add("role", assessment.CodeInvalid)
		return nil, verr
	}
	action := assessment.AuditRoleFacilitator
	if role == assessment.RoleAdmin {
		action = assessment.AuditRoleAdmin
	}
	return s.accountChange(ctx, actor, id, action, func(tx *storage.Store) (bool, error) {
		return tx.SetRole(ctx, id, role)
	})
}

// Deactivate deactivates account id: it can no longer sign in, its sessions end, its API
// tokens are revoked and its links void. Its assessments stay its own (an admin can hand
// them over). Deactivating the last active admin is assessment.ErrLastAdmin; an account
// deactivated already changes nothing; ErrAdminOnly unless actor is an admin.
func (s *Service) Deactivate(ctx context.Context, actor *assessment.Facilitator, id int64) (*assessment.Facilitator, error) {
	return s.accountChange(ctx, actor, id, assessment.AuditAccountDeactivated, func(tx *storage.Store) (bool, error) {
		return tx.Deactivate(ctx, id, s.now())
	})
}

// Reactivate lets deactivated account id sign in again (with its password, or a reset
// link an admin makes; its old API tokens stay revoked). ErrAdminOnly unless actor is an
// admin.
func (s *Service) Reactivate(ctx context.Context, actor *assessment.Facilitator, id int64) (*assessment.Facilitator, error) {
	return s.accountChange(ctx, actor, id, assessment.AuditAccountReactivated, func(tx *storage.Store) (bool, error) {
		return tx.Reactivate(ctx, id)
	})
}

// AccountLinkFor tells whose account a live one-time link opens, and what for (its
// page greets them by name). ErrMalformed when token cannot be one;
// assessment.ErrNotFound when it is unknown, used, expired, or its account deactivated.
func (s *Service) AccountLinkFor(ctx context.Context, token string) (*assessment.Facilitator, string, error) {
	if !assessment.LooksLikeResumeToken(token) {
		return nil, "", ErrMalformed
	}
	return s.store.AccountLink(ctx, assessment.HashToken(token), s.now())
}

// NewPassword is a password chosen through a one-time link, typed twice.
type NewPassword struct {
	Password, Confirm string
}

// UseAccountLink spends a one-time link: the account gets the new password (the rules of
// assessment.CheckPassword, a *ValidationError on "password"; "password_confirm" is
// CodeInvalid when the two differ; the link stays usable then), every other session of
// the account ends, and this browser is signed in with a new session (replacing the one
// it brought, if any). The account's trail records an accepted invitation or a password
// reset. ErrMalformed or assessment.ErrNotFound as AccountLinkFor; ErrBusy when no
// hashing turn comes in time.
func (s *Service) UseAccountLink(ctx context.Context, token string, in NewPassword, replacing string) (*Session, error) {
	if _, _, err := s.AccountLinkFor(ctx, token); err != nil {
		return nil, err
	}
	verr := &assessment.ValidationError{}
	checkNewPassword(verr, in.Password, in.Confirm)
	if err := verr.OrNil(); err != nil {
		return nil, err
	}
	done, err := s.hashing(ctx)
	if err != nil {
		return nil, err
	}
	hash := HashPassword(in.Password)
	done()
	var sess *Session
	err = s.store.InTx(ctx, func(tx *storage.Store) error {
		f, purpose, err := tx.UseAccountLink(ctx, assessment.HashToken(token), hash, s.now())
		if err != nil {
			return err
		}
		action := assessment.AuditPasswordReset
		if purpose == LinkInvite {
			action = assessment.AuditInviteAccepted
		}
		if err := audit(ctx, tx, f, action, nil, ""); err != nil {
			return err
		}
		sess, err = s.startSession(ctx, tx, f, replacing)
		return err
	})
	return sess, err
}

// HandOver gives assessment id, with every round of its team, to the active account
// whose e-mail is email: it becomes theirs (their sharing of it, if any, ends), and its
// former owner keeps no access of their own. Only its owner or an admin may (ManageAccess;
// 404 or ErrForbidden otherwise, before anything about email is said). An e-mail that
// names no active account is a *ValidationError on "email" (CodeRequired, CodeUnknown),
// and so is the owner's own (CodeAlreadyOwner). Both trails record it: the actor's and
// the new owner's.
func (s *Service) HandOver(ctx context.Context, actor *assessment.Facilitator, id int64, email string) (*assessment.Assessment, *assessment.Facilitator, error) {
	email = assessment.NormalizeEmail(email)
	var (
		a  *assessment.Assessment
		to *assessment.Facilitator
	)
	err := s.store.InTx(ctx, func(tx *storage.Store) error {
		var err error
		if a, err = s.owned(ctx, tx, actor, id, assessment.ManageAccess); err != nil {
			return err
		}
		problems := &assessment.ValidationError{}
		if email == "" {
			problems.Add("email", assessment.CodeRequired)
			return problems
		}
		to, err = tx.FacilitatorByEmail(ctx, email)
		switch {
		case isNotFound(err) || err == nil && to.DeactivatedAt != nil:
			// No such account, or one that cannot sign in: it could not take the round.
			problems.Add("email", assessment.CodeUnknown)
			return problems
		case err != nil:
			return err
		case a.FacilitatorID != nil && *a.FacilitatorID == to.ID:
			problems.Add("email", CodeAlreadyOwner)
			return problems
		}
		if err := tx.HandOver(ctx, a.SeriesID, to.ID); errors.Is(err, storage.ErrAccountInactive) {
			// Deactivated since it was looked up: the statement refused it.
			problems.Add("email", assessment.CodeUnknown)
			return problems
		} else if err != nil {
			return err
		}
		if err := audit(ctx, tx, actor, assessment.AuditHandedOver, &a.ID, to.Email); err != nil {
			return err
		}
		return tx.AddAuditEvent(ctx, &assessment.AuditEvent{FacilitatorID: to.ID, Action: assessment.AuditHandedOverToMe,
			AssessmentID: &a.ID, Detail: actor.Email})
	})
	if err != nil {
		return nil, nil, err
	}
	a.FacilitatorID = &to.ID
	return a, to, nil
}
