package survey_test

import (
	"errors"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/survey"
)

// A facilitator changes their own password: only with the current one, under the rules
// of a new account's, confirmed; every session of the account ends and one new session
// starts for the browser that made the change; the change is in the activity trail.
func TestChangePassword(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		const old, next = "the old pass phrase", "a brand new pass phrase"
		f, err := e.svc.AddFacilitator(e.ctx(), survey.NewAccount{Email: "change@example.org", Name: "Cam", Password: old})
		if err != nil {
			t.Fatal(err)
		}
		here, err := e.svc.SignIn(e.ctx(), f.Email, old, "")
		if err != nil {
			t.Fatal(err)
		}
		elsewhere, err := e.svc.SignIn(e.ctx(), f.Email, old, "")
		if err != nil {
			t.Fatal(err)
		}
		live := func(id string) bool {
			t.Helper()
			got, err := e.svc.SessionFacilitator(e.ctx(), id)
			if err != nil && !errors.Is(err, assessment.ErrNotFound) {
				t.Fatal(err)
			}
			return err == nil && got.ID == f.ID
		}
		codes := func(err error) map[string]string {
			t.Helper()
			var verr *assessment.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("err = %v, want a validation error", err)
			}
			out := map[string]string{}
			for k, fe := range verr.Fields {
				out[k] = fe.Code
			}
			return out
		}
		trail := func() []string {
			t.Helper()
			events, err := e.svc.Activity(e.ctx(), f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, ev := range events {
				out = append(out, ev.Action)
			}
			return out
		}
		before := len(trail())

		for _, c := range []struct {
			name  string
			in    survey.PasswordChange
			want  map[string]string
			wrong bool
		}{
			{"wrong current, short and different", survey.PasswordChange{Current: "not the password", New: "short", Confirm: "shorter"},
				map[string]string{"current_password": assessment.CodeInvalid, "password": assessment.CodeTooShort, "password_confirm": assessment.CodeInvalid}, true},
			{"wrong current only", survey.PasswordChange{Current: "not the password", New: next, Confirm: next},
				map[string]string{"current_password": assessment.CodeInvalid}, true},
			{"no current", survey.PasswordChange{New: next, Confirm: next}, map[string]string{"current_password": assessment.CodeRequired}, false},
			{"right current, weak new", survey.PasswordChange{Current: old, New: "aaaaaaaaaaaaaaaa", Confirm: "aaaaaaaaaaaaaaaa"},
				map[string]string{"password": assessment.CodeWeak}, false},
			{"right current, confirmation differs", survey.PasswordChange{Current: old, New: next, Confirm: next + "!"},
				map[string]string{"password_confirm": assessment.CodeInvalid}, false},
		} {
			_, err := e.svc.ChangePassword(e.ctx(), f, c.in)
			got := codes(err)
			if len(got) != len(c.want) {
				t.Errorf("%s: fields %v, want %v", c.name, got, c.want)
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("%s: %s = %q, want %q", c.name, k, got[k], v)
				}
			}
			if survey.WrongPassword(err) != c.wrong {
				t.Errorf("%s: WrongPassword = %v", c.name, !c.wrong)
			}
			if !live(here.ID) || !live(elsewhere.ID) {
				t.Fatalf("%s: a refused change ended a session", c.name)
			}
		}
		if n := len(trail()); n != before {
			t.Errorf("refused changes wrote %d lines in the activity trail", n-before)
		}
		if _, err := e.svc.SignIn(e.ctx(), f.Email, old, ""); err != nil {
			t.Fatalf("a refused change changed the password: %v", err)
		}

		sess, err := e.svc.ChangePassword(e.ctx(), f, survey.PasswordChange{Current: old, New: next, Confirm: next})
		if err != nil {
			t.Fatal(err)
		}
		if live(here.ID) || live(elsewhere.ID) {
			t.Error("a session of the old password is still live")
		}
		if sess == nil || sess.ID == here.ID || !live(sess.ID) {
			t.Errorf("no new session for the browser that made the change: %+v", sess)
		}
		if _, err := e.svc.SignIn(e.ctx(), f.Email, old, ""); !errors.Is(err, survey.ErrSignInFailed) {
			t.Errorf("the old password still signs in: %v", err)
		}
		if _, err := e.svc.SignIn(e.ctx(), f.Email, next, ""); err != nil {
			t.Errorf("the new password does not sign in: %v", err)
		}
		if got := trail(); len(got) < 2 || got[1] != assessment.AuditPasswordChanged {
			t.Errorf("activity trail %v, want the change before the last sign-in", got)
		}
	})
}
