package survey

import (
	"errors"
	"testing"
	"time"

	"github.com/ecat-project/ecat/internal/testdb"
	"github.com/ecat-project/ecat/locale"
	"github.com/ecat-project/ecat/pillars"
)

// Password hashes take turns: with every turn taken, a sign-in waits at most the
// configured time and gets ErrBusy, without hashing; once a turn is free it proceeds.
func TestPasswordHashesTakeTurns(t *testing.T) {
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
	s.LimitHashing(2, 50*time.Millisecond)
	if _, err := s.AddFacilitator(t.Context(), NewAccount{Email: "turns@example.org", Name: "T", Password: "a long pass phrase"}); err != nil {
		t.Fatal(err)
	}
	var held []func()
	for range 2 {
		done, err := s.hashing(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, done)
	}
	began := time.Now()
	if _, err := s.SignIn(t.Context(), "turns@example.org", "a long pass phrase", ""); !errors.Is(err, ErrBusy) {
		t.Fatalf("with every turn taken: %v, want ErrBusy", err)
	}
	if waited := time.Since(began); waited > 2*time.Second {
		t.Errorf("ErrBusy after %s, want about the 50 ms wait", waited)
	}
	if _, err := s.AddFacilitator(t.Context(), NewAccount{Email: "b@example.org", Name: "B", Password: "another long phrase"}); !errors.Is(err, ErrBusy) {
		t.Errorf("an account's hash with every turn taken: %v, want ErrBusy", err)
	}
	held[0]()
	if _, err := s.SignIn(t.Context(), "turns@example.org", "a long pass phrase", ""); err != nil {
		t.Errorf("with a turn free: %v", err)
	}
	held[1]()
	if n := len(s.hashSlots); n != 0 {
		t.Errorf("%d turns still taken after every hash ended", n)
	}
}
