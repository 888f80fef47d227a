package survey

import (
	"context"

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
