package storage_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ecat-project/ecat/assessment"
	"github.com/ecat-project/ecat/storage"
)

// facAccount checks and stores a facilitator account; the e-mail may be given in any
// case and with spaces, as a person would type it.
func facAccount(t *testing.T, s *storage.Store, email, name string) *assessment.Facilitator {
	t.Helper()
	f := facDetails(t, email, name)
	if err := s.CreateFacilitator(t.Context(), f); err != nil {
		t.Fatalf("CreateFacilitator(%s): %v", email, err)
	}
	return f
}

// facDetails is a checked, not yet stored, account with a stand-in password hash.
func facDetails(t *testing.T, email, name string) *assessment.Facilitator {
	t.Helper()
	f, err := assessment.NewFacilitator(email, name, "correct horse battery staple")
	if err != nil {
		t.Fatalf("NewFacilitator(%q): %v", email, err)
	}
	f.PasswordHash = "$argon2id$v=19$m=65536,t=3,p=4$stand-in$" + name
	return f
}

// facOwnedAssessment stores an open assessment belonging to facilitatorID (nil: nobody).
func facOwnedAssessment(t *testing.T, s *storage.Store, title string, facilitatorID *int64) *assessment.Assessment {
	t.Helper()
	a, err := assessment.NewAssessment(title, "Team "+title, "en", assessment.DefaultThreshold, false, "v1")
	if err != nil {
		t.Fatalf("NewAssessment: %v", err)
	}
	a.FacilitatorID = facilitatorID
	if err := s.CreateAssessment(t.Context(), a); err != nil {
		t.Fatalf("CreateAssessment: %v", err)
	}
	return a
}

// facHash is the hash of a fresh random token.
func facHash() string { return assessment.HashToken(assessment.NewResumeToken()) }

// facOwner returns the stored owner of assessment id.
func facOwner(t *testing.T, s *storage.Store, id int64) *int64 {
	t.Helper()
	a, err := s.Assessment(t.Context(), id)
	if err != nil {
		t.Fatalf("Assessment(%d): %v", id, err)
	}
	return a.FacilitatorID
}

// facCount is CountFacilitators, failing the test on error.
func facCount(t *testing.T, s *storage.Store) int64 {
	t.Helper()
	n, err := s.CountFacilitators(t.Context())
	if err != nil {
		t.Fatalf("CountFacilitators: %v", err)
	}
	return n
}

// facTokenValid is SetupTokenValid, failing the test on error.
func facTokenValid(t *testing.T, s *storage.Store, hash string) bool {
	t.Helper()
	ok, err := s.SetupTokenValid(t.Context(), hash)
	if err != nil {
		t.Fatalf("SetupTokenValid: %v", err)
	}
	return ok
}

// facWithin reports whether at lies in [from, to], with a second of slack for clocks
// and the microsecond truncation of stored times.
func facWithin(at, from, to time.Time) bool {
	return !at.Before(from.Add(-time.Second)) && !at.After(to.Add(time.Second))
}

func facIDs[T any](items []T, id func(T) int64) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func assessmentIDs(as []assessment.Assessment) []int64 {
	return facIDs(as, func(a assessment.Assessment) int64 { return a.ID })
}

func TestCreateFacilitator(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		if n := facCount(t, s); n != 0 {
			t.Fatalf("CountFacilitators on a new database = %d, want 0", n)
		}
		before := time.Now()
		ana := facAccount(t, s, "ana@example.org", "Ana")
		if ana.ID <= 0 {
			t.Errorf("ID = %d, want > 0", ana.ID)
		}
		if !facWithin(ana.CreatedAt, before, time.Now()) {
			t.Errorf("CreatedAt = %v, want about now", ana.CreatedAt)
		}

		// Each attempt uses an e-mail that normalizes to Ana's.
		for _, email := range []string{"ana@example.org", "ANA@Example.ORG", "  Ana@example.org\t"} {
			f := facDetails(t, email, "Impostor")
			if err := s.CreateFacilitator(t.Context(), f); !errors.Is(err, assessment.ErrDuplicate) {
				t.Errorf("CreateFacilitator(%q) = %v, want ErrDuplicate", email, err)
			}
			if f.ID != 0 {
				t.Errorf("CreateFacilitator(%q) failed but set ID %d", email, f.ID)
			}
		}
		if n := facCount(t, s); n != 1 {
			t.Errorf("CountFacilitators after refused duplicates = %d, want 1", n)
		}

		bo := facAccount(t, s, "bo@example.org", "Bo")
		if bo.ID <= 0 || bo.ID == ana.ID {
			t.Errorf("second facilitator's ID = %d (first %d)", bo.ID, ana.ID)
		}
		if n := facCount(t, s); n != 2 {
			t.Errorf("CountFacilitators = %d, want 2", n)
		}
	})
}

func TestFacilitatorByEmail(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		ana := facAccount(t, s, "Ana@Example.org", "Ana")
		bo := facAccount(t, s, "bo@example.org", "Bo")
		tests := []struct {
			query string
			want  *assessment.Facilitator // nil: ErrNotFound
		}{
			{"ana@example.org", ana},
			{"ANA@EXAMPLE.ORG", ana},
			{"  Ana@example.Org \n", ana},
			{"bo@example.org", bo},
			{"nobody@example.org", nil},
			{"ana@example.com", nil},
			{"", nil},
		}
		for _, tt := range tests {
			got, err := s.FacilitatorByEmail(t.Context(), tt.query)
			if tt.want == nil {
				if !errors.Is(err, assessment.ErrNotFound) {
					t.Errorf("FacilitatorByEmail(%q) = %v, %v; want ErrNotFound", tt.query, got, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("FacilitatorByEmail(%q): %v", tt.query, err)
				continue
			}
			if got.ID != tt.want.ID || got.Email != tt.want.Email || got.Name != tt.want.Name ||
				got.PasswordHash != tt.want.PasswordHash || !got.CreatedAt.Equal(tt.want.CreatedAt) {
				t.Errorf("FacilitatorByEmail(%q) = %+v, want %+v", tt.query, got, tt.want)
			}
		}
	})
}

// Assessments opened at the command line before any account existed belong to the
// first facilitator, however that account is made; later accounts adopt nothing.
func TestFirstFacilitatorAdoptsOrphanAssessments(t *testing.T) {
	tests := []struct {
		name   string
		create func(t *testing.T, s *storage.Store, f *assessment.Facilitator) error
	}{
		{"CreateFacilitator", func(t *testing.T, s *storage.Store, f *assessment.Facilitator) error {
			return s.CreateFacilitator(t.Context(), f)
		}},
		{"CreateFirstFacilitator", func(t *testing.T, s *storage.Store, f *assessment.Facilitator) error {
			hash := facHash()
			if err := s.SetSetupToken(t.Context(), hash); err != nil {
				t.Fatal(err)
			}
			return s.CreateFirstFacilitator(t.Context(), f, hash)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachStore(t, func(t *testing.T, ns namedStore) {
				s := ns.store
				o1 := facOwnedAssessment(t, s, "orphan one", nil)
				o2 := facOwnedAssessment(t, s, "orphan two", nil)
				for _, a := range []*assessment.Assessment{o1, o2} {
					if owner := facOwner(t, s, a.ID); owner != nil {
						t.Fatalf("assessment %d created with owner %d, want none", a.ID, *owner)
					}
				}

				first := facDetails(t, "first@example.org", "First")
				if err := tt.create(t, s, first); err != nil {
					t.Fatalf("first facilitator: %v", err)
				}
				for _, a := range []*assessment.Assessment{o1, o2} {
					if owner := facOwner(t, s, a.ID); owner == nil || *owner != first.ID {
						t.Errorf("assessment %d owner = %s, want the first facilitator %d", a.ID, fmtIntPtr(owner), first.ID)
					}
				}

				// An orphan made after the first account stays an orphan: a second
				// facilitator does not take it, nor the first one's.
				late := facOwnedAssessment(t, s, "late orphan", nil)
				second := facAccount(t, s, "second@example.org", "Second")
				if owner := facOwner(t, s, late.ID); owner != nil {
					t.Errorf("late orphan adopted by %d, want nobody", *owner)
				}
				for _, a := range []*assessment.Assessment{o1, o2} {
					if owner := facOwner(t, s, a.ID); owner == nil || *owner != first.ID {
						t.Errorf("after a second account, assessment %d owner = %s, want %d", a.ID, fmtIntPtr(owner), first.ID)
					}
				}
				for _, c := range []struct {
					who  *assessment.Facilitator
					want []int64
				}{
					{first, []int64{o2.ID, o1.ID}},
					{second, []int64{}},
				} {
					got, err := assessmentsOwnedBy(t.Context(), s, c.who.ID)
					if err != nil {
						t.Fatal(err)
					}
					if ids := assessmentIDs(got); !slices.Equal(ids, c.want) {
						t.Errorf("AssessmentsOf(%s) = %v, want %v", c.who.Name, ids, c.want)
					}
				}
			})
		})
	}
}

func TestSetupToken(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		h1, h2 := facHash(), facHash()
		steps := []struct {
			name  string
			set   string // the token to set first; "" sets none
			valid map[string]bool
		}{
			{"none set", "", map[string]bool{h1: false, h2: false, "": false}},
			{"first set", h1, map[string]bool{h1: true, h2: false, "": false}},
			{"replaced", h2, map[string]bool{h1: false, h2: true, "": false}},
			{"set again", h2, map[string]bool{h1: false, h2: true}},
		}
		for _, st := range steps {
			if st.set != "" {
				if err := s.SetSetupToken(t.Context(), st.set); err != nil {
					t.Fatalf("%s: SetSetupToken: %v", st.name, err)
				}
			}
			for hash, want := range st.valid {
				if got := facTokenValid(t, s, hash); got != want {
					t.Errorf("%s: SetupTokenValid(%.8q) = %v, want %v", st.name, hash, got, want)
				}
			}
		}
		if n := countRows(t, s, "settings", "key = ?", "setup_token_hash"); n != 1 {
			t.Errorf("%d setup tokens stored, want only the latest", n)
		}
	})
}

func TestCreateFirstFacilitator(t *testing.T) {
	good, wrong := facHash(), facHash()
	tests := []struct {
		name string
		// setup prepares the store; it may set the token and create accounts.
		setup     func(t *testing.T, s *storage.Store)
		hash      string
		wantErr   error
		wantCount int64
		// wantGoodValid: is the good token still valid afterwards?
		wantGoodValid bool
	}{
		{
			name:  "no token set",
			setup: func(t *testing.T, s *storage.Store) {},
			hash:  good, wantErr: assessment.ErrNotFound, wantCount: 0,
		},
		{
			name: "wrong token",
			setup: func(t *testing.T, s *storage.Store) {
				mustSetSetupToken(t, s, good)
			},
			hash: wrong, wantErr: assessment.ErrNotFound, wantCount: 0, wantGoodValid: true,
		},
		{
			name: "empty token",
			setup: func(t *testing.T, s *storage.Store) {
				mustSetSetupToken(t, s, good)
			},
			hash: "", wantErr: assessment.ErrNotFound, wantCount: 0, wantGoodValid: true,
		},
		{
			name: "right token",
			setup: func(t *testing.T, s *storage.Store) {
				mustSetSetupToken(t, s, good)
			},
			hash: good, wantCount: 1, wantGoodValid: false,
		},
		{
			name: "token already used",
			setup: func(t *testing.T, s *storage.Store) {
				mustSetSetupToken(t, s, good)
				if err := s.CreateFirstFacilitator(t.Context(), facDetails(t, "early@example.org", "Early"), good); err != nil {
					t.Fatalf("first use of the token: %v", err)
				}
			},
			hash: good, wantErr: assessment.ErrNotFound, wantCount: 1, wantGoodValid: false,
		},
		{
			// The token's delete and the count check share a transaction: refusing
			// rolls the delete back, so the link is not spent by the refusal.
			name: "an account exists already",
			setup: func(t *testing.T, s *storage.Store) {
				facAccount(t, s, "cli@example.org", "Made at the command line")
				mustSetSetupToken(t, s, good)
			},
			hash: good, wantErr: assessment.ErrNotFound, wantCount: 1, wantGoodValid: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachStore(t, func(t *testing.T, ns namedStore) {
				s := ns.store
				tt.setup(t, s)
				f := facDetails(t, "  New@Example.org ", "New")
				before := time.Now()
				err := s.CreateFirstFacilitator(t.Context(), f, tt.hash)
				if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
					t.Fatalf("CreateFirstFacilitator = %v, want %v", err, tt.wantErr)
				}
				if n := facCount(t, s); n != tt.wantCount {
					t.Errorf("CountFacilitators = %d, want %d", n, tt.wantCount)
				}
				if got := facTokenValid(t, s, good); got != tt.wantGoodValid {
					t.Errorf("setup token valid afterwards = %v, want %v", got, tt.wantGoodValid)
				}
				got, lookupErr := s.FacilitatorByEmail(t.Context(), "new@example.org")
				if tt.wantErr != nil {
					if f.ID != 0 {
						t.Errorf("refused, yet ID set to %d", f.ID)
					}
					if !errors.Is(lookupErr, assessment.ErrNotFound) {
						t.Errorf("refused, yet the account exists: %v, %v", got, lookupErr)
					}
					return
				}
				if lookupErr != nil {
					t.Fatalf("FacilitatorByEmail of the new account: %v", lookupErr)
				}
				if f.ID <= 0 || got.ID != f.ID || !facWithin(f.CreatedAt, before, time.Now()) || !got.CreatedAt.Equal(f.CreatedAt) {
					t.Errorf("created %+v, stored %+v", f, got)
				}
				// The link works once.
				again := facDetails(t, "again@example.org", "Again")
				if err := s.CreateFirstFacilitator(t.Context(), again, tt.hash); !errors.Is(err, assessment.ErrNotFound) {
					t.Errorf("second CreateFirstFacilitator with the same token = %v, want ErrNotFound", err)
				}
				if n := facCount(t, s); n != 1 {
					t.Errorf("CountFacilitators after reusing the token = %d, want 1", n)
				}
			})
		})
	}
}

func mustSetSetupToken(t *testing.T, s *storage.Store, hash string) {
	t.Helper()
	if err := s.SetSetupToken(t.Context(), hash); err != nil {
		t.Fatalf("SetSetupToken: %v", err)
	}
}

func TestSessionFacilitator(t *testing.T) {
	tests := []struct {
		name      string
		expiresIn time.Duration
		unknown   bool // look up a hash that was never stored
		wantErr   error
		wantRows  int64 // rows of the session left after the lookup
	}{
		{name: "live", expiresIn: time.Hour, wantRows: 1},
		{name: "live for a moment more", expiresIn: time.Minute, wantRows: 1},
		{name: "unknown", expiresIn: time.Hour, unknown: true, wantErr: assessment.ErrNotFound, wantRows: 1},
		{name: "expired", expiresIn: -time.Hour, wantErr: assessment.ErrNotFound, wantRows: 0},
		{name: "just expired", expiresIn: -time.Second, wantErr: assessment.ErrNotFound, wantRows: 0},
	}
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		ana := facAccount(t, s, "ana@example.org", "Ana")
		bo := facAccount(t, s, "bo@example.org", "Bo")
		// Bo's live session is there throughout, to show lookups pick the right row.
		boHash := facHash()
		if err := s.CreateSession(t.Context(), boHash, bo.ID, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				hash := facHash()
				if err := s.CreateSession(t.Context(), hash, ana.ID, time.Now().Add(tt.expiresIn)); err != nil {
					t.Fatalf("CreateSession: %v", err)
				}
				lookup := hash
				if tt.unknown {
					lookup = facHash()
				}
				got, err := s.SessionFacilitator(t.Context(), lookup)
				if tt.wantErr != nil {
					if !errors.Is(err, tt.wantErr) {
						t.Errorf("SessionFacilitator = %v, %v; want %v", got, err, tt.wantErr)
					}
				} else if err != nil {
					t.Errorf("SessionFacilitator: %v", err)
				} else if got.ID != ana.ID || got.Email != ana.Email || got.Name != ana.Name {
					t.Errorf("SessionFacilitator = %+v, want %+v", got, ana)
				}
				if n := countRows(t, s, "sessions", "id_hash = ?", hash); n != tt.wantRows {
					t.Errorf("%d rows of the session left, want %d", n, tt.wantRows)
				}
				if got, err := s.SessionFacilitator(t.Context(), boHash); err != nil || got.ID != bo.ID {
					t.Errorf("Bo's session = %v, %v; want Bo", got, err)
				}
			})
		}
	})
}

func TestDeleteSessions(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		ana := facAccount(t, s, "ana@example.org", "Ana")
		now := time.Now()
		sessions := []struct {
			name      string
			expiresIn time.Duration
			signOut   bool // ended with DeleteSession
			wantLeft  bool // still stored after DeleteExpiredSessions
		}{
			{"live", time.Hour, false, true},
			{"live long", 30 * 24 * time.Hour, false, true},
			{"signed out", time.Hour, true, false},
			{"expired", -time.Hour, false, false},
			{"long expired", -30 * 24 * time.Hour, false, false},
		}
		hashes := make([]string, len(sessions))
		for i, ss := range sessions {
			hashes[i] = facHash()
			if err := s.CreateSession(t.Context(), hashes[i], ana.ID, now.Add(ss.expiresIn)); err != nil {
				t.Fatalf("%s: CreateSession: %v", ss.name, err)
			}
		}
		for i, ss := range sessions {
			if ss.signOut {
				if err := s.DeleteSession(t.Context(), hashes[i]); err != nil {
					t.Fatalf("%s: DeleteSession: %v", ss.name, err)
				}
				if _, err := s.SessionFacilitator(t.Context(), hashes[i]); !errors.Is(err, assessment.ErrNotFound) {
					t.Errorf("%s: SessionFacilitator after DeleteSession = %v, want ErrNotFound", ss.name, err)
				}
			}
		}
		if err := s.DeleteSession(t.Context(), facHash()); err != nil {
			t.Errorf("DeleteSession of an unknown session: %v", err)
		}
		if err := s.DeleteExpiredSessions(t.Context()); err != nil {
			t.Fatalf("DeleteExpiredSessions: %v", err)
		}
		for i, ss := range sessions {
			want := int64(0)
			if ss.wantLeft {
				want = 1
			}
			if n := countRows(t, s, "sessions", "id_hash = ?", hashes[i]); n != want {
				t.Errorf("%s: %d rows after DeleteExpiredSessions, want %d", ss.name, n, want)
			}
		}
		if n := countRows(t, s, "sessions", "1 = 1"); n != 2 {
			t.Errorf("%d sessions left, want 2", n)
		}
	})
}

// Deleting an account (there is no repository for it; an operator might, in SQL) takes
// its sessions, tokens, audit trail and assessments with it, and nobody else's.
func TestDeletingFacilitatorCascades(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		ana := facAccount(t, s, "ana@example.org", "Ana")
		bo := facAccount(t, s, "bo@example.org", "Bo")
		hashes := map[int64]string{}
		for _, f := range []*assessment.Facilitator{ana, bo} {
			hashes[f.ID] = facHash()
			if err := s.CreateSession(t.Context(), hashes[f.ID], f.ID, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateAPIToken(t.Context(), &assessment.APIToken{FacilitatorID: f.ID, Label: f.Name}, facHash()); err != nil {
				t.Fatal(err)
			}
			if err := s.AddAuditEvent(t.Context(), &assessment.AuditEvent{FacilitatorID: f.ID, Action: assessment.AuditSignIn}); err != nil {
				t.Fatal(err)
			}
			facOwnedAssessment(t, s, f.Name, &f.ID)
		}

		if err := storage.RawDB(s).WithContext(t.Context()).Exec("DELETE FROM facilitators WHERE id = ?", ana.ID).Error; err != nil {
			t.Fatalf("delete facilitator: %v", err)
		}
		for _, table := range []string{"sessions", "api_tokens", "audit_events", "assessments"} {
			if n := countRows(t, s, table, "facilitator_id = ?", ana.ID); n != 0 {
				t.Errorf("%s: %d rows of the deleted facilitator left", table, n)
			}
			if n := countRows(t, s, table, "facilitator_id = ?", bo.ID); n != 1 {
				t.Errorf("%s: %d rows of the other facilitator, want 1", table, n)
			}
		}
		if _, err := s.SessionFacilitator(t.Context(), hashes[ana.ID]); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("deleted facilitator's session: %v, want ErrNotFound", err)
		}
		if got, err := s.SessionFacilitator(t.Context(), hashes[bo.ID]); err != nil || got.ID != bo.ID {
			t.Errorf("other facilitator's session = %v, %v; want Bo", got, err)
		}
	})
}

func TestAPITokens(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		ana := facAccount(t, s, "ana@example.org", "Ana")
		bo := facAccount(t, s, "bo@example.org", "Bo")

		type stored struct {
			tok  *assessment.APIToken
			hash string
		}
		before := time.Now()
		toks := map[string]stored{}
		for _, c := range []struct {
			key   string
			owner int64
			label string
		}{
			{"ana laptop", ana.ID, "laptop"},
			{"bo", bo.ID, "Bo's script"},
			{"ana ci", ana.ID, "CI — nightly"},
			{"ana unlabelled", ana.ID, ""},
		} {
			tok := &assessment.APIToken{FacilitatorID: c.owner, Label: c.label}
			hash := assessment.HashToken(assessment.NewAPIToken())
			if err := s.CreateAPIToken(t.Context(), tok, hash); err != nil {
				t.Fatalf("CreateAPIToken(%s): %v", c.key, err)
			}
			if tok.ID <= 0 || !facWithin(tok.CreatedAt, before, time.Now()) {
				t.Errorf("CreateAPIToken(%s) set ID %d, CreatedAt %v", c.key, tok.ID, tok.CreatedAt)
			}
			toks[c.key] = stored{tok, hash}
		}

		list := func(f int64) []assessment.APIToken {
			t.Helper()
			got, err := s.APITokens(t.Context(), f)
			if err != nil {
				t.Fatalf("APITokens(%d): %v", f, err)
			}
			return got
		}
		tokenIDs := func(ts []assessment.APIToken) []int64 {
			return facIDs(ts, func(tok assessment.APIToken) int64 { return tok.ID })
		}
		// Newest first, and only the facilitator's own.
		for _, c := range []struct {
			who  int64
			want []string
		}{
			{ana.ID, []string{"ana unlabelled", "ana ci", "ana laptop"}},
			{bo.ID, []string{"bo"}},
			{bo.ID + ana.ID + 100, nil},
		} {
			var want []int64
			for _, k := range c.want {
				want = append(want, toks[k].tok.ID)
			}
			got := list(c.who)
			if ids := tokenIDs(got); !slices.Equal(ids, want) {
				t.Errorf("APITokens(%d) = %v, want %v", c.who, ids, want)
			}
			for i, g := range got {
				w := toks[c.want[i]].tok
				if g.FacilitatorID != w.FacilitatorID || g.Label != w.Label || !g.CreatedAt.Equal(w.CreatedAt) || g.LastUsedAt != nil || g.RevokedAt != nil {
					t.Errorf("APITokens(%d)[%d] = %+v, want %+v", c.who, i, g, w)
				}
			}
		}

		// A token names its owner and itself; noting its use records when, and other
		// tokens are untouched.
		used := time.Now()
		got, tokenID, err := s.FacilitatorByAPIToken(t.Context(), toks["ana laptop"].hash)
		if err != nil || got.ID != ana.ID || tokenID != toks["ana laptop"].tok.ID {
			t.Fatalf("FacilitatorByAPIToken = %v, %d, %v; want Ana and token %d", got, tokenID, err, toks["ana laptop"].tok.ID)
		}
		if err := s.TouchAPIToken(t.Context(), tokenID); err != nil {
			t.Fatalf("TouchAPIToken: %v", err)
		}
		for _, tok := range list(ana.ID) {
			switch tok.ID {
			case toks["ana laptop"].tok.ID:
				if tok.LastUsedAt == nil || !facWithin(*tok.LastUsedAt, used, time.Now()) {
					t.Errorf("LastUsedAt after use = %s, want about now", fmtTimePtr(tok.LastUsedAt))
				}
			default:
				if tok.LastUsedAt != nil {
					t.Errorf("token %d never used, yet LastUsedAt = %v", tok.ID, *tok.LastUsedAt)
				}
			}
		}
		if got, _, err := s.FacilitatorByAPIToken(t.Context(), toks["bo"].hash); err != nil || got.ID != bo.ID {
			t.Errorf("FacilitatorByAPIToken(Bo's) = %v, %v; want Bo", got, err)
		}
		if got, _, err := s.FacilitatorByAPIToken(t.Context(), facHash()); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("FacilitatorByAPIToken(unknown) = %v, %v; want ErrNotFound", got, err)
		}

		// Revocations, in order: each step sees the ones before.
		revokes := []struct {
			name    string
			by      int64
			token   int64
			wantErr error
		}{
			{"someone else's token", ana.ID, toks["bo"].tok.ID, assessment.ErrNotFound},
			{"own token", ana.ID, toks["ana laptop"].tok.ID, nil},
			{"own token again", ana.ID, toks["ana laptop"].tok.ID, assessment.ErrNotFound},
			{"unknown token", ana.ID, toks["bo"].tok.ID + 1000, assessment.ErrNotFound},
			{"other own token", ana.ID, toks["ana ci"].tok.ID, nil},
		}
		for _, r := range revokes {
			err := s.RevokeAPIToken(t.Context(), r.by, r.token)
			if !errors.Is(err, r.wantErr) || (r.wantErr == nil && err != nil) {
				t.Errorf("%s: RevokeAPIToken = %v, want %v", r.name, err, r.wantErr)
			}
		}
		for _, c := range []struct {
			key     string
			owner   int64
			revoked bool
		}{
			{"ana laptop", ana.ID, true},
			{"ana ci", ana.ID, true},
			{"ana unlabelled", ana.ID, false},
			{"bo", bo.ID, false},
		} {
			got, _, err := s.FacilitatorByAPIToken(t.Context(), toks[c.key].hash)
			if c.revoked {
				if !errors.Is(err, assessment.ErrNotFound) {
					t.Errorf("%s revoked, yet FacilitatorByAPIToken = %v, %v", c.key, got, err)
				}
			} else if err != nil || got.ID != c.owner {
				t.Errorf("%s live, yet FacilitatorByAPIToken = %v, %v", c.key, got, err)
			}
		}
		// Revoked tokens stay listed, marked.
		for _, tok := range list(ana.ID) {
			revoked := tok.ID == toks["ana laptop"].tok.ID || tok.ID == toks["ana ci"].tok.ID
			if (tok.RevokedAt != nil) != revoked {
				t.Errorf("token %d (%q) RevokedAt = %s, want revoked %v", tok.ID, tok.Label, fmtTimePtr(tok.RevokedAt), revoked)
			}
		}
		if ids := tokenIDs(list(ana.ID)); len(ids) != 3 {
			t.Errorf("APITokens(Ana) after revoking lists %v, want all 3", ids)
		}
	})
}

func TestAuditEvents(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		ana := facAccount(t, s, "ana@example.org", "Ana")
		bo := facAccount(t, s, "bo@example.org", "Bo")
		doomed := facOwnedAssessment(t, s, "doomed", &ana.ID)

		before := time.Now()
		add := func(e assessment.AuditEvent) assessment.AuditEvent {
			t.Helper()
			if err := s.AddAuditEvent(t.Context(), &e); err != nil {
				t.Fatalf("AddAuditEvent(%s): %v", e.Action, err)
			}
			if e.ID <= 0 || !facWithin(e.CreatedAt, before, time.Now()) {
				t.Errorf("AddAuditEvent(%s) set ID %d, CreatedAt %v", e.Action, e.ID, e.CreatedAt)
			}
			return e
		}
		var anas []assessment.AuditEvent // oldest first
		anas = append(anas, add(assessment.AuditEvent{FacilitatorID: ana.ID, Action: assessment.AuditSignIn}))
		boSignIn := add(assessment.AuditEvent{FacilitatorID: bo.ID, Action: assessment.AuditSignIn, Detail: "from 192.0.2.1"})
		anas = append(anas, add(assessment.AuditEvent{FacilitatorID: ana.ID, Action: assessment.AuditCreate, AssessmentID: &doomed.ID}))
		anas = append(anas, add(assessment.AuditEvent{FacilitatorID: ana.ID, Action: assessment.AuditExport, AssessmentID: &doomed.ID, Detail: "csv"}))
		anas = append(anas, add(assessment.AuditEvent{FacilitatorID: ana.ID, Action: assessment.AuditTokenCreated, Detail: "« laptop »"}))

		// The trail outlives the assessment: assessment_id is not a foreign key.
		if err := s.DeleteAssessment(t.Context(), doomed.ID); err != nil {
			t.Fatalf("DeleteAssessment: %v", err)
		}
		anas = append(anas, add(assessment.AuditEvent{FacilitatorID: ana.ID, Action: assessment.AuditDelete, AssessmentID: &doomed.ID}))

		newest := slices.Clone(anas)
		slices.Reverse(newest)
		tests := []struct {
			who   int64
			limit int
			want  []assessment.AuditEvent
		}{
			{ana.ID, 100, newest},
			{ana.ID, len(anas), newest},
			{ana.ID, 2, newest[:2]},
			{ana.ID, 1, newest[:1]},
			{bo.ID, 100, []assessment.AuditEvent{boSignIn}},
			{bo.ID + ana.ID + 100, 100, nil},
		}
		for _, tt := range tests {
			got, err := s.AuditEvents(t.Context(), tt.who, tt.limit)
			if err != nil {
				t.Fatalf("AuditEvents(%d, %d): %v", tt.who, tt.limit, err)
			}
			if len(got) != len(tt.want) {
				t.Errorf("AuditEvents(%d, %d) = %d events, want %d", tt.who, tt.limit, len(got), len(tt.want))
				continue
			}
			for i, g := range got {
				w := tt.want[i]
				if g.ID != w.ID || g.FacilitatorID != w.FacilitatorID || g.Action != w.Action || g.Detail != w.Detail ||
					fmtIntPtr(g.AssessmentID) != fmtIntPtr(w.AssessmentID) || !g.CreatedAt.Equal(w.CreatedAt) {
					t.Errorf("AuditEvents(%d, %d)[%d] = %+v, want %+v", tt.who, tt.limit, i, g, w)
				}
			}
		}
	})
}

func TestAssessmentsOf(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		ana := facAccount(t, s, "ana@example.org", "Ana")
		bo := facAccount(t, s, "bo@example.org", "Bo")
		a1 := facOwnedAssessment(t, s, "ana one", &ana.ID)
		b1 := facOwnedAssessment(t, s, "bo one", &bo.ID)
		orphan := facOwnedAssessment(t, s, "nobody's", nil)
		a2 := facOwnedAssessment(t, s, "ana two", &ana.ID)

		tests := []struct {
			who  int64
			want []int64
		}{
			{ana.ID, []int64{a2.ID, a1.ID}},
			{bo.ID, []int64{b1.ID}},
			{ana.ID + bo.ID + 100, []int64{}},
		}
		for _, tt := range tests {
			got, err := assessmentsOwnedBy(t.Context(), s, tt.who)
			if err != nil {
				t.Fatalf("AssessmentsOf(%d): %v", tt.who, err)
			}
			if ids := assessmentIDs(got); !slices.Equal(ids, tt.want) {
				t.Errorf("AssessmentsOf(%d) = %v, want %v", tt.who, ids, tt.want)
			}
			for _, a := range got {
				if a.FacilitatorID == nil || *a.FacilitatorID != tt.who {
					t.Errorf("AssessmentsOf(%d) lists %d owned by %s", tt.who, a.ID, fmtIntPtr(a.FacilitatorID))
				}
			}
		}

		// The owner round-trips through every way of reading an assessment.
		all, err := assessmentsOf(t.Context(), s, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ids := assessmentIDs(all); !slices.Equal(ids, []int64{a2.ID, orphan.ID, b1.ID, a1.ID}) {
			t.Errorf("Assessments = %v", ids)
		}
		byID := map[int64]assessment.Assessment{}
		for _, a := range all {
			byID[a.ID] = a
		}
		for _, want := range []*assessment.Assessment{a1, b1, orphan, a2} {
			got, err := s.Assessment(t.Context(), want.ID)
			if err != nil {
				t.Fatal(err)
			}
			byCode, err := s.AssessmentByCode(t.Context(), want.Code)
			if err != nil {
				t.Fatal(err)
			}
			listed := byID[want.ID]
			for how, g := range map[string]*assessment.Assessment{"Assessment": got, "AssessmentByCode": byCode, "Assessments": &listed} {
				if d := assessmentDiff(want, g); d != nil {
					t.Errorf("%s(%d): %v", how, want.ID, d)
				}
				if fmtIntPtr(g.FacilitatorID) != fmtIntPtr(want.FacilitatorID) {
					t.Errorf("%s(%d).FacilitatorID = %s, want %s", how, want.ID, fmtIntPtr(g.FacilitatorID), fmtIntPtr(want.FacilitatorID))
				}
			}
		}
	})
}

func TestDeleteAssessment(t *testing.T) {
	eachStore(t, func(t *testing.T, ns namedStore) {
		s := ns.store
		ana := facAccount(t, s, "ana@example.org", "Ana")
		doomed := facOwnedAssessment(t, s, "doomed", &ana.ID)
		kept := facOwnedAssessment(t, s, "kept", &ana.ID)
		doomedResps := []*assessment.Response{sampleResponse(doomed.ID), sampleResponse(doomed.ID)}
		var doomedHashes []string
		for _, r := range doomedResps {
			doomedHashes = append(doomedHashes, createResponse(t, s, r))
		}
		keptResp := sampleResponse(kept.ID)
		keptHash := createResponse(t, s, keptResp)

		steps := []struct {
			name    string
			id      int64
			wantErr error
		}{
			{"existing", doomed.ID, nil},
			{"already deleted", doomed.ID, assessment.ErrNotFound},
			{"never existed", kept.ID + 1000, assessment.ErrNotFound},
		}
		for _, st := range steps {
			err := s.DeleteAssessment(t.Context(), st.id)
			if !errors.Is(err, st.wantErr) || (st.wantErr == nil && err != nil) {
				t.Errorf("%s: DeleteAssessment(%d) = %v, want %v", st.name, st.id, err, st.wantErr)
			}
		}

		if _, err := s.Assessment(t.Context(), doomed.ID); !errors.Is(err, assessment.ErrNotFound) {
			t.Errorf("Assessment of the deleted one: %v, want ErrNotFound", err)
		}
		if n := countRows(t, s, "responses", "assessment_id = ?", doomed.ID); n != 0 {
			t.Errorf("%d responses of the deleted assessment left", n)
		}
		for i, r := range doomedResps {
			for _, table := range []string{"answers", "reflections"} {
				if n := countRows(t, s, table, "response_id = ?", r.ID); n != 0 {
					t.Errorf("%s: %d rows of deleted response %d left", table, n, r.ID)
				}
			}
			if _, err := s.ResponseByToken(t.Context(), doomedHashes[i]); !errors.Is(err, assessment.ErrNotFound) {
				t.Errorf("ResponseByToken of a deleted response: %v, want ErrNotFound", err)
			}
		}
		if got := mustResponse(t, s, keptHash); responseDiff(keptResp, got) != nil {
			t.Errorf("the other assessment's response changed: %v", responseDiff(keptResp, got))
		}
		got, err := assessmentsOwnedBy(t.Context(), s, ana.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ids := assessmentIDs(got); !slices.Equal(ids, []int64{kept.ID}) {
			t.Errorf("AssessmentsOf after delete = %v, want [%d]", ids, kept.ID)
		}
	})
}

// A database at schema 1 (before accounts) upgrades in place: its assessments keep
// everything and have no owner, until the first facilitator adopts them.
//
// Migrate is the only way to build a schema, so the test stops it at version 1: a table
// in the way of migration 2 makes that step fail and roll back, leaving a real version-1
// database. Removing the obstacle lets a second Migrate finish the upgrade.
func TestMigrateFromSchema1(t *testing.T) {
	if storage.SchemaVersion() != 2 {
		t.Logf("schema is at version %d; this test checks the step from 1 to 2", storage.SchemaVersion())
	}
	for _, ns := range openRawStores(t) {
		t.Run(ns.name, func(t *testing.T) {
			s := ns.store
			db := storage.RawDB(s).WithContext(t.Context())
			if err := db.Exec("CREATE TABLE facilitators (obstacle INTEGER)").Error; err != nil {
				t.Fatal(err)
			}
			from, to, err := s.Migrate(t.Context())
			if err == nil || from != 0 || to != 1 {
				t.Fatalf("Migrate with migration 2 blocked = %d→%d, %v; want 0→1 and an error", from, to, err)
			}
			if v, err := s.CurrentSchema(t.Context()); err != nil || v != 1 {
				t.Fatalf("CurrentSchema = %d, %v; want 1", v, err)
			}
			var cols int64
			q := `SELECT COUNT(*) FROM pragma_table_info('assessments') WHERE name = 'facilitator_id'`
			if ns.name == "postgres" {
				q = `SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'assessments' AND column_name = 'facilitator_id'`
			}
			if err := db.Raw(q).Scan(&cols).Error; err != nil || cols != 0 {
				t.Fatalf("version-1 assessments has facilitator_id (%d, %v): migration 2 was not rolled back", cols, err)
			}

			// A version-1 ecat wrote this, knowing nothing of owners.
			created := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)
			old := &assessment.Assessment{
				Title: "Before accounts", Team: "Old team", Language: "fr", Threshold: 5,
				Status: assessment.Open, Code: "OLD0CODE0000V1V1", InstrumentVersion: "v1", Round: 1,
				CreatedAt: created,
			}
			if err := db.Exec(`INSERT INTO assessments (title, team, language, threshold, status, code, instrument_version, round, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				old.Title, old.Team, old.Language, old.Threshold, string(old.Status), old.Code, old.InstrumentVersion, old.Round, created).Error; err != nil {
				t.Fatalf("insert a version-1 assessment: %v", err)
			}
			if err := db.Raw("SELECT id FROM assessments WHERE code = ?", old.Code).Scan(&old.ID).Error; err != nil {
				t.Fatal(err)
			}

			if err := db.Exec("DROP TABLE facilitators").Error; err != nil {
				t.Fatal(err)
			}
			from, to, err = s.Migrate(t.Context())
			if err != nil || from != 1 || to != storage.SchemaVersion() {
				t.Fatalf("Migrate = %d→%d, %v; want 1→%d", from, to, err, storage.SchemaVersion())
			}
			if err := s.CheckSchema(t.Context()); err != nil {
				t.Fatalf("CheckSchema after the upgrade: %v", err)
			}

			got, err := s.Assessment(t.Context(), old.ID)
			if err != nil {
				t.Fatalf("Assessment after the upgrade: %v", err)
			}
			if d := assessmentDiff(old, got); d != nil {
				t.Errorf("assessment changed by the upgrade: %v", d)
			}
			if got.FacilitatorID != nil {
				t.Errorf("FacilitatorID after the upgrade = %d, want nil", *got.FacilitatorID)
			}
			if n := facCount(t, s); n != 0 {
				t.Errorf("CountFacilitators after the upgrade = %d, want 0", n)
			}

			first := facAccount(t, s, "first@example.org", "First")
			if owner := facOwner(t, s, old.ID); owner == nil || *owner != first.ID {
				t.Errorf("upgraded assessment owner = %s, want the first facilitator %d", fmtIntPtr(owner), first.ID)
			}
		})
	}
}
