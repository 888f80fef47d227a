package survey

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

// Facilitator accounts: the one-time setup link, accounts made at the command line,
// signing in and out (server-side sessions), API tokens, and the activity trail.
// Passwords are hashed with argon2id; sessions and tokens are stored by their SHA-256
// only, so a copy of the database opens no account.

// argon2id parameters (RFC 9106's second recommended option, with 64 MiB).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// SessionLifetime is how long a sign-in lasts.
const SessionLifetime = 12 * time.Hour

// ErrSignInFailed: the e-mail is unknown or the password wrong; which one is never said.
var ErrSignInFailed = errors.New("survey: e-mail or password not recognized")

// ErrBusy: too many passwords are being checked at this moment; try again shortly.
var ErrBusy = errors.New("survey: too many sign-ins at once")

// BusyRetry is how long to suggest waiting after ErrBusy.
const BusyRetry = 5 * time.Second

// hashing waits for a turn to hash a password: each hash takes 64 MiB of memory, so a
// flood of sign-ins queues here rather than exhausting the server. It returns the
// function that gives the turn back, or ErrBusy after the wait.
func (s *Service) hashing(ctx context.Context) (func(), error) {
	timer := time.NewTimer(s.hashWait)
	defer timer.Stop()
	select {
	case s.hashSlots <- struct{}{}:
		return func() {
			<-s.hashSlots
			// The 64 MiB just used is garbage now: collect it and give it back to the
			// system at once, rather than let a burst of sign-ins pile up hashes' worth
			// of it before the collector's next turn. Sign-ins are rare; this costs
			// milliseconds.
			debug.FreeOSMemory()
		}, nil
	case <-timer.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// ErrPasswordMismatch: the password and its confirmation differ.
var ErrPasswordMismatch = errors.New("survey: the passwords differ")

// HashPassword returns an encoded argon2id hash: $argon2id$v=19$m=…,t=…,p=…$salt$key.
func HashPassword(password string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt) // never fails (Go ≥ 1.24)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, enc.EncodeToString(salt), enc.EncodeToString(key))
}

// CheckPassword reports whether password matches an encoded hash, in constant time.
func CheckPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var memory, iterations uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &iterations, &threads); err != nil {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, iterations, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// timingSafeMiss checks the password against a throwaway hash when an e-mail is
// unknown, so a wrong e-mail takes as long as a wrong password.
func (s *Service) timingSafeMiss(password string) {
	s.dummyOnce.Do(func() { s.dummyHash = HashPassword("ecat-no-such-account") })
	CheckPassword(s.dummyHash, password)
}

// NewAccount is what a new facilitator gives.
type NewAccount struct {
	Email, Name, Password string
	// Confirm repeats the password, where a form asks for it; nil when not asked.
	Confirm *string
}

func (s *Service) checkAccount(ctx context.Context, n NewAccount) (*assessment.Facilitator, error) {
	f, err := assessment.NewFacilitator(n.Email, n.Name, n.Password)
	if err != nil {
		return nil, err
	}
	if n.Confirm != nil && *n.Confirm != n.Password {
		return nil, ErrPasswordMismatch
	}
	done, err := s.hashing(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	f.PasswordHash = HashPassword(n.Password)
	return f, nil
}

// AddFacilitator creates an account at the command line (assessment.ErrDuplicate when
// the e-mail is taken). The first account adopts the assessments opened before it.
func (s *Service) AddFacilitator(ctx context.Context, in NewAccount) (*assessment.Facilitator, error) {
	f, err := s.checkAccount(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateFacilitator(ctx, f); err != nil {
		return nil, err
	}
	return f, nil
}

// SetPassword gives the account with e-mail email a new password (at the command line:
// the way back in for someone who forgot theirs) and ends every session of the account,
// so whoever was signed in with the old one is signed out. The password follows the
// rules of a new account's (a *assessment.ValidationError on "password");
// assessment.ErrNotFound when no account has that e-mail. The change is in the account's
// activity trail.
func (s *Service) SetPassword(ctx context.Context, email, password string) (*assessment.Facilitator, error) {
	if err := assessment.CheckPassword(password); err != nil {
		return nil, err
	}
	f, err := s.store.FacilitatorByEmail(ctx, assessment.NormalizeEmail(email))
	if err != nil {
		return nil, err
	}
	done, err := s.hashing(ctx)
	if err != nil {
		return nil, err
	}
	hash := HashPassword(password)
	done()
	err = s.store.InTx(ctx, func(tx *storage.Store) error {
		return replacePassword(ctx, tx, f, hash, assessment.AuditPasswordSet)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// replacePassword stores hash as f's password, ends every session of the account and
// records action in its activity trail, inside tx.
func replacePassword(ctx context.Context, tx *storage.Store, f *assessment.Facilitator, hash, action string) error {
	if err := tx.SetPassword(ctx, f.ID, hash); err != nil {
		return err
	}
	return tx.AddAuditEvent(ctx, &assessment.AuditEvent{FacilitatorID: f.ID, Action: action})
}

// PasswordChange is what a signed-in facilitator gives to change their password: the one
// in use, and the new one twice.
type PasswordChange struct {
	Current, New, Confirm string
}

// checkNewPassword notes in verr what is wrong with a new password typed twice: the
// rules of assessment.CheckPassword (on "password"), and "password_confirm" CodeInvalid
// when confirm differs.
func checkNewPassword(verr *assessment.ValidationError, password, confirm string) {
	var rules *assessment.ValidationError
	if errors.As(assessment.CheckPassword(password), &rules) {
		for field, fe := range rules.Fields {
			verr.AddLimit(field, fe.Code, fe.Limit)
		}
	}
	if confirm != password {
		verr.Add("password_confirm", assessment.CodeInvalid)
	}
}

// ChangePassword gives actor a new password, as SetPassword does at the command line and
// under the same rules, once actor has given the current one. Every problem is listed at
// once in a *assessment.ValidationError: "current_password" (CodeRequired, or
// CodeInvalid when it is not the account's: see WrongPassword), "password" (the rules
// of assessment.CheckPassword) and "password_confirm" (CodeInvalid when it differs);
// nothing changes then. Checking and hashing take one turn (see hashing): ErrBusy when
// none comes in time.
//
// Every session of the account ends, the one making the change included, and a new one
// starts, returned for this browser. Ending the other sessions is the point: whoever
// was signed in elsewhere with the old password is out. This browser stays signed in
// (asking for the new password again would prove nothing it has not just proved) but
// under a new session id, so a copy of the old cookie, wherever it went, opens nothing.
func (s *Service) ChangePassword(ctx context.Context, actor *assessment.Facilitator, in PasswordChange) (*Session, error) {
	if actor == nil {
		return nil, assessment.ErrNotFound
	}
	verr := &assessment.ValidationError{}
	if in.Current == "" {
		verr.Add("current_password", assessment.CodeRequired)
	}
	checkNewPassword(verr, in.New, in.Confirm)
	if in.Current == "" {
		return nil, verr // nothing to check it against: no turn taken
	}
	f, err := s.store.FacilitatorByEmail(ctx, actor.Email)
	if err != nil {
		return nil, err
	}
	done, err := s.hashing(ctx)
	if err != nil {
		return nil, err
	}
	var hash string
	if !CheckPassword(f.PasswordHash, in.Current) {
		verr.Add("current_password", assessment.CodeInvalid)
	} else if verr.OrNil() == nil {
		hash = HashPassword(in.New)
	}
	done()
	if err := verr.OrNil(); err != nil {
		return nil, err
	}
	var sess *Session
	err = s.store.InTx(ctx, func(tx *storage.Store) error {
		if err := replacePassword(ctx, tx, f, hash, assessment.AuditPasswordChanged); err != nil {
			return err
		}
		sess, err = s.startSession(ctx, tx, f, "")
		return err
	})
	return sess, err
}

// WrongPassword reports whether err is ChangePassword's refusal of a current password
// that is not the account's (the web throttles those like failed sign-ins).
func WrongPassword(err error) bool {
	var verr *assessment.ValidationError
	return errors.As(err, &verr) && verr.Fields["current_password"].Code == assessment.CodeInvalid
}

// OfferSetupLink makes a new one-time setup token when no account exists yet (the old
// one stops working) and returns it; "" when an account exists.
func (s *Service) OfferSetupLink(ctx context.Context) (string, error) {
	n, err := s.store.CountFacilitators(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	token := assessment.NewResumeToken()
	if err := s.store.SetSetupToken(ctx, assessment.HashToken(token)); err != nil {
		return "", err
	}
	return token, nil
}

// CheckSetupToken tells whether token is the live one-time setup link's:
// assessment.ErrNotFound when it is wrong, used, or an account exists by now (however
// it was made). ErrMalformed when it cannot be a token at all.
func (s *Service) CheckSetupToken(ctx context.Context, token string) error {
	if !assessment.LooksLikeResumeToken(token) {
		return ErrMalformed
	}
	ok, err := s.store.SetupTokenValid(ctx, assessment.HashToken(token))
	if err != nil {
		return err
	}
	if !ok {
		return assessment.ErrNotFound
	}
	n, err := s.store.CountFacilitators(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return assessment.ErrNotFound
	}
	return nil
}

// Session is a facilitator signed in: the secret id the browser keeps (only its hash is
// stored) and when it ends.
type Session struct {
	Facilitator *assessment.Facilitator
	ID          string
	Expires     time.Time
}

// SetUp creates the first account through the one-time setup link and signs it in. The
// token is consumed with the account (assessment.ErrNotFound when it is no longer live).
// replacing is the session the browser brought along, if any, which ends.
func (s *Service) SetUp(ctx context.Context, token string, in NewAccount, replacing string) (*Session, error) {
	f, err := s.checkAccount(ctx, in)
	if err != nil {
		return nil, err
	}
	var sess *Session
	err = s.store.InTx(ctx, func(tx *storage.Store) error {
		if err := tx.CreateFirstFacilitator(ctx, f, assessment.HashToken(token)); err != nil {
			return err
		}
		if err := audit(ctx, tx, f, assessment.AuditAccountCreated, nil, ""); err != nil {
			return err
		}
		sess, err = s.startSession(ctx, tx, f, replacing)
		return err
	})
	return sess, err
}

// SignIn checks an e-mail and password and starts a session (ErrSignInFailed otherwise;
// an unknown e-mail takes as long as a wrong password). Password checks take turns (see
// hashing): ErrBusy when no turn comes in time. replacing is the session the browser
// brought along, if any: it ends, so a session id is never carried across a sign-in.
func (s *Service) SignIn(ctx context.Context, email, password, replacing string) (*Session, error) {
	f, err := s.store.FacilitatorByEmail(ctx, email)
	if err != nil && !errors.Is(err, assessment.ErrNotFound) {
		return nil, err
	}
	done, herr := s.hashing(ctx)
	if herr != nil {
		return nil, herr
	}
	var ok bool
	if f == nil || f.DeactivatedAt != nil || f.PasswordHash == "" {
		// No account, or one that cannot sign in (deactivated, or invited and not set up
		// yet): the same answer, after the same work, as a wrong password.
		s.timingSafeMiss(password)
	} else {
		ok = CheckPassword(f.PasswordHash, password)
	}
	done()
	if !ok {
		return nil, ErrSignInFailed
	}
	var sess *Session
	err = s.store.InTx(ctx, func(tx *storage.Store) error {
		if sess, err = s.startSession(ctx, tx, f, replacing); err != nil {
			return err
		}
		return audit(ctx, tx, f, assessment.AuditSignIn, nil, "")
	})
	return sess, err
}

// SessionIDLength is the length of a session id: 256 bits in hex.
const SessionIDLength = 64

func (s *Service) startSession(ctx context.Context, tx *storage.Store, f *assessment.Facilitator, replacing string) (*Session, error) {
	if replacing != "" {
		if err := tx.DeleteSession(ctx, assessment.HashToken(replacing)); err != nil {
			return nil, err
		}
	}
	var b [SessionIDLength / 2]byte
	_, _ = rand.Read(b[:])
	sess := &Session{Facilitator: f, ID: hex.EncodeToString(b[:]), Expires: s.now().Add(SessionLifetime)}
	if err := tx.CreateSession(ctx, assessment.HashToken(sess.ID), f.ID, sess.Expires); err != nil {
		return nil, err
	}
	return sess, nil
}

// SessionFacilitator returns the facilitator of a live session id, or
// assessment.ErrNotFound (an expired session is removed).
func (s *Service) SessionFacilitator(ctx context.Context, id string) (*assessment.Facilitator, error) {
	if len(id) != SessionIDLength {
		return nil, ErrMalformed
	}
	return s.store.SessionFacilitator(ctx, assessment.HashToken(id))
}

// SignOut ends actor's session id, recording it.
func (s *Service) SignOut(ctx context.Context, actor *assessment.Facilitator, id string) error {
	return s.store.InTx(ctx, func(tx *storage.Store) error {
		if err := audit(ctx, tx, actor, assessment.AuditSignOut, nil, ""); err != nil {
			return err
		}
		return tx.DeleteSession(ctx, assessment.HashToken(id))
	})
}

// EndSession forgets a session id without recording anything (a browser's stale cookie).
func (s *Service) EndSession(ctx context.Context, id string) error {
	return s.store.DeleteSession(ctx, assessment.HashToken(id))
}

// DeleteExpiredSessions removes every session past its end, at start-up.
func (s *Service) DeleteExpiredSessions(ctx context.Context) error {
	return s.store.DeleteExpiredSessions(ctx)
}

// TokenFacilitator returns the owner of a live API token (ErrMalformed when it cannot
// be one, assessment.ErrNotFound when unknown or revoked) and notes when it was used;
// failing to note it is logged, not refused.
func (s *Service) TokenFacilitator(ctx context.Context, token string) (*assessment.Facilitator, error) {
	if !assessment.LooksLikeAPIToken(token) {
		return nil, ErrMalformed
	}
	f, tokenID, err := s.store.FacilitatorByAPIToken(ctx, assessment.HashToken(token))
	if err != nil {
		return nil, err
	}
	if err := s.store.TouchAPIToken(ctx, tokenID); err != nil {
		s.log.WarnContext(ctx, "API token use not recorded", "token_id", tokenID, "error", err.Error())
	}
	return f, nil
}

// CreateToken makes an API token for actor and returns it; it is shown once, and only
// its hash is kept. The label is optional.
func (s *Service) CreateToken(ctx context.Context, actor *assessment.Facilitator, label string) (string, error) {
	return s.createToken(ctx, actor, label, "")
}

// CreateTokenAt makes an API token at the command line for the facilitator whose e-mail
// is email (assessment.ErrNotFound when there is none).
func (s *Service) CreateTokenAt(ctx context.Context, email, label string) (string, *assessment.Facilitator, error) {
	clean, err := assessment.CheckTokenLabel(label)
	if err != nil {
		return "", nil, err
	}
	f, err := s.store.FacilitatorByEmail(ctx, email)
	if err != nil {
		return "", nil, err
	}
	token, err := s.createToken(ctx, f, clean, " (command line)")
	return token, f, err
}

func (s *Service) createToken(ctx context.Context, owner *assessment.Facilitator, label, detailSuffix string) (string, error) {
	clean, err := assessment.CheckTokenLabel(label)
	if err != nil {
		return "", err
	}
	token := assessment.NewAPIToken()
	err = s.store.InTx(ctx, func(tx *storage.Store) error {
		t := &assessment.APIToken{FacilitatorID: owner.ID, Label: clean}
		if err := tx.CreateAPIToken(ctx, t, assessment.HashToken(token)); err != nil {
			return err
		}
		return audit(ctx, tx, owner, assessment.AuditTokenCreated, nil, clean+detailSuffix)
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// Tokens lists actor's API tokens, newest first, revoked ones included.
func (s *Service) Tokens(ctx context.Context, actor *assessment.Facilitator) ([]assessment.APIToken, error) {
	return s.store.APITokens(ctx, actor.ID)
}

// RevokeToken revokes one of actor's tokens (assessment.ErrNotFound when it is not
// theirs or revoked already).
func (s *Service) RevokeToken(ctx context.Context, actor *assessment.Facilitator, id int64) error {
	return s.store.InTx(ctx, func(tx *storage.Store) error {
		tokens, err := tx.APITokens(ctx, actor.ID)
		if err != nil {
			return err
		}
		label := fmt.Sprintf("#%d", id)
		for _, t := range tokens {
			if t.ID == id && t.Label != "" {
				label = t.Label
			}
		}
		if err := tx.RevokeAPIToken(ctx, actor.ID, id); err != nil {
			return err
		}
		return audit(ctx, tx, actor, assessment.AuditTokenRevoked, nil, label)
	})
}

// ActivityLimit is how many of the latest lines the activity trail shows.
const ActivityLimit = 200

// Activity is actor's latest actions, newest first.
func (s *Service) Activity(ctx context.Context, actor *assessment.Facilitator) ([]assessment.AuditEvent, error) {
	return s.store.AuditEvents(ctx, actor.ID, ActivityLimit)
}
