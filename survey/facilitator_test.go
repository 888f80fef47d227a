package survey_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
	"github.com/ecat-project/ecat/survey"
)

// Every facilitator use case on someone else's assessment or action answers ErrNotFound,
// exactly like one that does not exist, and changes nothing.
func TestOneFacilitatorNeverReachesAnothers(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		alice, bob := e.facilitator("alice@example.org"), e.facilitator("bob@example.org")
		round := e.round(alice, "Alice's round")
		e.start(round, e.complete(pillars.Staff, assessment.Yes, "kept"), true)
		act, err := e.svc.RecordAction(t.Context(), alice, round.ID, actionInput("Invite partners", "Sam"), nil)
		if err != nil {
			t.Fatal(err)
		}
		trail := func(f *assessment.Facilitator) int {
			events, err := e.svc.Activity(t.Context(), f)
			if err != nil {
				t.Fatal(err)
			}
			return len(events)
		}
		aliceBefore := trail(alice)
		ctx := t.Context()
		for name, call := range map[string]func(context.Context, *assessment.Facilitator, int64) error{
			"Assessment": func(ctx context.Context, f *assessment.Facilitator, id int64) error {
				_, err := e.svc.Assessment(ctx, f, id)
				return err
			},
			"Close": func(ctx context.Context, f *assessment.Facilitator, id int64) error {
				_, err := e.svc.Close(ctx, f, id, 0)
				return err
			},
			"Reopen": func(ctx context.Context, f *assessment.Facilitator, id int64) error {
				_, err := e.svc.Reopen(ctx, f, id, 0)
				return err
			},
			"Delete": func(ctx context.Context, f *assessment.Facilitator, id int64) error {
				return e.svc.Delete(ctx, f, id, 0)
			},
			"Reassess": func(ctx context.Context, f *assessment.Facilitator, id int64) error {
				_, err := e.svc.Reassess(ctx, f, id, 0)
				return err
			},
			"Report": func(ctx context.Context, f *assessment.Facilitator, id int64) error {
				_, err := e.svc.Report(ctx, f, id, true)
				return err
			},
			"Workbook": func(ctx context.Context, f *assessment.Facilitator, id int64) error {
				_, _, err := e.svc.Workbook(ctx, f, id, locale.English)
				return err
			},
			"Actions": func(ctx context.Context, f *assessment.Facilitator, id int64) error {
				_, err := e.svc.Actions(ctx, f, id)
				return err
			},
			"RecordAction": func(ctx context.Context, f *assessment.Facilitator, id int64) error {
				_, err := e.svc.RecordAction(ctx, f, id, actionInput("Mine now", "Bob"), nil)
				return err
			},
			"MarkDiscussed": func(ctx context.Context, f *assessment.Facilitator, id int64) error {
				_, err := e.svc.MarkDiscussed(ctx, f, id, 0)
				return err
			},
			"Action": func(ctx context.Context, f *assessment.Facilitator, _ int64) error {
				_, err := e.svc.Action(ctx, f, act.ID)
				return err
			},
			"UpdateAction": func(ctx context.Context, f *assessment.Facilitator, _ int64) error {
				_, err := e.svc.UpdateAction(ctx, f, act.ID, actionInput("Changed", "Bob"), nil)
				return err
			},
			"DeleteAction": func(ctx context.Context, f *assessment.Facilitator, _ int64) error {
				_, err := e.svc.DeleteAction(ctx, f, act.ID, 0)
				return err
			},
		} {
			for _, who := range []*assessment.Facilitator{bob, nil} {
				if err := call(ctx, who, round.ID); !errors.Is(err, assessment.ErrNotFound) {
					t.Errorf("%s by %v: %v, want ErrNotFound", name, who, err)
				}
			}
			if name == "Action" || name == "UpdateAction" || name == "DeleteAction" {
				continue // these name Alice's action itself
			}
			if err := call(ctx, alice, round.ID+1000); !errors.Is(err, assessment.ErrNotFound) {
				t.Errorf("%s of a missing assessment: %v, want ErrNotFound", name, err)
			}
		}
		if got, err := e.svc.Assessment(ctx, alice, round.ID); err != nil || got.Status != assessment.Open || got.DiscussedAt != nil {
			t.Errorf("Alice's round after Bob's attempts: %+v, %v", got, err)
		}
		if acts, err := e.svc.Actions(ctx, alice, round.ID); err != nil || len(acts) != 1 || acts[0].Text != "Invite partners" {
			t.Errorf("Alice's actions after Bob's attempts: %+v, %v", acts, err)
		}
		if trail(alice) != aliceBefore || trail(bob) != 0 {
			t.Errorf("activity trails changed: Alice %d → %d, Bob %d", aliceBefore, trail(alice), trail(bob))
		}
		if list, err := e.svc.Assessments(ctx, bob); err != nil || len(list) != 0 {
			t.Errorf("Bob lists %v, %v", list, err)
		}
	})
}

func actionInput(text, lead string) assessment.ActionInput {
	return assessment.ActionInput{Text: &text, Lead: &lead}
}

// A change and its line in the activity trail commit together: a refused change records
// nothing, a made one records exactly one line.
func TestChangesAndTheirTrailCommitTogether(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		f := e.facilitator("lead@example.org")
		round := e.round(f, "trail")
		last := func() (string, int) {
			events, err := e.svc.Activity(t.Context(), f)
			if err != nil {
				t.Fatal(err)
			}
			if len(events) == 0 {
				return "", 0
			}
			return events[0].Action, len(events)
		}
		_, n := last()
		if _, err := e.svc.MarkDiscussed(t.Context(), f, round.ID, 0); !errors.Is(err, assessment.ErrNoActions) {
			t.Fatalf("discussed without actions: %v", err)
		}
		if _, err := e.svc.Reassess(t.Context(), f, round.ID, 0); !errors.Is(err, assessment.ErrStillOpen) {
			t.Fatalf("reassess an open round: %v", err)
		}
		if _, err := e.svc.RecordAction(t.Context(), f, round.ID, actionInput("", ""), nil); err == nil {
			t.Fatal("an empty action was recorded")
		}
		if _, m := last(); m != n {
			t.Fatalf("refused changes added %d trail lines", m-n)
		}
		steps := []struct {
			do   func() error
			want string
		}{
			{func() error {
				_, err := e.svc.RecordAction(t.Context(), f, round.ID, actionInput("Invite partners", "Sam"), nil)
				return err
			}, assessment.AuditActionCreated},
			{func() error { _, err := e.svc.MarkDiscussed(t.Context(), f, round.ID, 0); return err }, assessment.AuditDiscussed},
			{func() error { _, err := e.svc.Close(t.Context(), f, round.ID, 0); return err }, assessment.AuditClose},
			{func() error { _, err := e.svc.Reassess(t.Context(), f, round.ID, 0); return err }, assessment.AuditReassess},
		}
		for _, step := range steps {
			if err := step.do(); err != nil {
				t.Fatalf("%s: %v", step.want, err)
			}
			action, m := last()
			if action != step.want || m != n+1 {
				t.Errorf("after %s the trail's last line is %q and it grew by %d", step.want, action, m-n)
			}
			n = m
		}
		// The reassessed round keeps its plan and cannot be reopened.
		if _, err := e.svc.Reopen(t.Context(), f, round.ID, 0); !errors.Is(err, assessment.ErrAlreadyReassessed) {
			t.Errorf("reopen a reassessed round: %v", err)
		}
		if _, m := last(); m != n {
			t.Error("a refused reopen was recorded")
		}
	})
}

func TestSignIn(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		f, err := e.svc.AddFacilitator(t.Context(), survey.NewAccount{Email: "Ada@Example.org", Name: "Ada", Password: "a long pass phrase"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AddFacilitator(t.Context(), survey.NewAccount{Email: "ada@example.org", Name: "Ada", Password: "a long pass phrase"}); !errors.Is(err, assessment.ErrDuplicate) {
			t.Errorf("second account with the same e-mail: %v", err)
		}
		for _, c := range []struct{ email, password string }{
			{"ada@example.org", "a long pass phrasE"},
			{"nobody@example.org", "a long pass phrase"},
		} {
			if _, err := e.svc.SignIn(t.Context(), c.email, c.password, ""); !errors.Is(err, survey.ErrSignInFailed) {
				t.Errorf("SignIn(%s): %v, want ErrSignInFailed", c.email, err)
			}
		}
		first, err := e.svc.SignIn(t.Context(), "ada@example.org", "a long pass phrase", "")
		if err != nil || first.Facilitator.ID != f.ID || len(first.ID) != survey.SessionIDLength {
			t.Fatalf("SignIn: %+v, %v", first, err)
		}
		// Signing in again from the same browser ends the session it brought.
		second, err := e.svc.SignIn(t.Context(), "ada@example.org", "a long pass phrase", first.ID)
		if err != nil || second.ID == first.ID {
			t.Fatalf("second SignIn: %+v, %v", second, err)
		}
		if _, err := e.svc.SessionFacilitator(t.Context(), first.ID); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("the replaced session still works: %v", err)
		}
		if got, err := e.svc.SessionFacilitator(t.Context(), second.ID); err != nil || got.ID != f.ID {
			t.Errorf("SessionFacilitator: %v, %v", got, err)
		}
		if err := e.svc.SignOut(t.Context(), f, second.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SessionFacilitator(t.Context(), second.ID); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("signed out, the session still works: %v", err)
		}
		events, err := e.svc.Activity(t.Context(), f)
		if err != nil || len(events) != 3 || events[0].Action != assessment.AuditSignOut || events[2].Action != assessment.AuditSignIn {
			t.Errorf("trail %+v, %v; want two sign-ins and a sign-out", events, err)
		}
	})
}

func TestAPITokens(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		f := e.facilitator("lead@example.org")
		token, err := e.svc.CreateToken(t.Context(), f, "export script")
		if err != nil || !assessment.LooksLikeAPIToken(token) {
			t.Fatalf("CreateToken: %q, %v", token, err)
		}
		if got, err := e.svc.TokenFacilitator(t.Context(), token); err != nil || got.ID != f.ID {
			t.Fatalf("TokenFacilitator: %v, %v", got, err)
		}
		list, err := e.svc.Tokens(t.Context(), f)
		if err != nil || len(list) != 1 || list[0].LastUsedAt == nil || list[0].Label != "export script" {
			t.Fatalf("tokens %+v, %v: want one, used", list, err)
		}
		if err := e.svc.RevokeToken(t.Context(), f, list[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.TokenFacilitator(t.Context(), token); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("a revoked token works: %v", err)
		}
		if _, err := e.svc.TokenFacilitator(t.Context(), "ecat_short"); !errors.Is(err, survey.ErrMalformed) {
			t.Errorf("a malformed token: %v", err)
		}
		if _, err := e.svc.CreateToken(t.Context(), f, "=HYPERLINK(\"x\")"); err == nil {
			t.Error("a formula label was accepted")
		}
	})
}

// The form key is made once and then the same for every server on the database.
func TestFormKeyIsShared(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		first, err := e.svc.FormKey(t.Context())
		if err != nil || len(first) != 32 {
			t.Fatalf("FormKey: %x, %v", first, err)
		}
		other := newEnv(t, e.db) // a second server on the same database
		second, err := other.svc.FormKey(t.Context())
		if err != nil || !bytes.Equal(first, second) {
			t.Errorf("a second server's key %x, want %x (%v)", second, first, err)
		}
	})
}
