package survey

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/ecat-project/ecat/storage"
)

// Readiness tells whether the service can serve: Reachable when the database answers,
// Current when its schema is this build's.
type Readiness struct {
	Reachable, Current bool
}

// Ready checks the database for a load balancer's health check.
func (s *Service) Ready(ctx context.Context) Readiness {
	if err := s.store.Ping(ctx); err != nil {
		return Readiness{}
	}
	return Readiness{Reachable: true, Current: s.store.CheckSchema(ctx) == nil}
}

// IsUnavailable reports whether err means the database cannot serve right now, through
// no fault of the request (gone, full, read-only, restarting): trying again later is
// the right thing to do.
func IsUnavailable(err error) bool { return storage.IsUnavailable(err) }

// FormKey is the secret that binds the forms' CSRF tokens to a browser and a session. It
// is made once and kept in the database, so every server sharing it checks the same
// tokens.
func (s *Service) FormKey(ctx context.Context) ([]byte, error) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	v, err := s.store.ServerSecret(ctx, "forms", hex.EncodeToString(b[:]))
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(v)
}
