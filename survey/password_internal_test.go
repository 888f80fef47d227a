package survey

import (
	"errors"
	"testing"
	"time"

	"github.com/ecat-project/ecat/internal/testdb"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
)

// Changing a password takes its turn like a sign-in: with every turn taken it waits at
// most the configured time and gets ErrBusy, with nothing changed.
func TestChangePasswordTakesATurn(t *testing.T) {
	db := testdb.Migrated(t)[0]
	catalog, err := pillars.Load()
	if err != nil {
		t.Fatal(err)
	}
	words, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	s := New(db.Store, catalog, words, nil)
	s.LimitHashing(1, 50*time.Millisecond)
	f, err := s.AddFacilitator(t.Context(), NewAccount{Email: "busy@example.org", Name: "B", Password: "a long pass phrase"})
	if err != nil {
		t.Fatal(err)
	}
	done, err := s.hashing(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	change := PasswordChange{Current: "a long pass phrase", New: "another long phrase", Confirm: "another long phrase"}
	if _, err := s.ChangePassword(t.Context(), f, change); !errors.Is(err, ErrBusy) {
		t.Fatalf("with every turn taken: %v, want ErrBusy", err)
	}
	done()
	if _, err := s.SignIn(t.Context(), f.Email, "a long pass phrase", ""); err != nil {
		t.Errorf("the busy change changed the password: %v", err)
	}
	if _, err := s.ChangePassword(t.Context(), f, change); err != nil {
		t.Errorf("with a turn free: %v", err)
	}
}
