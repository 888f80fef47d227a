package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"gorm.io/gorm"
)

// Group commit. On SQLite every acknowledged write waits for an fsync (synchronous=FULL),
// and one fsync per transaction is the floor for writes committed one at a time. So the
// respondents' writes (starting, saving and submitting a response) go through one writer
// goroutine: it takes every write waiting at that moment into one transaction, each in
// its own savepoint, commits them with one fsync, and only then answers each. A write
// that fails (a closed assessment, a submitted response an autosave reached) is rolled
// back to its savepoint and answered with its error; its neighbours commit. If the
// transaction itself fails (the commit, a savepoint statement), each write is run again
// alone in its own transaction, so one bad write never fails the others and none is
// answered before it is on disk.
//
// A write waits only while the batch before it commits: there is no timer, so one person
// alone pays nothing for the grouping. PostgreSQL groups concurrent commits itself (its
// WAL flush covers every transaction waiting for it), so there each write is its own
// transaction on one of the pool's connections; see BENCHMARKS.md for both.

// maxGroup bounds a batch: the first write of a batch waits for all of it to be done.
const maxGroup = 128

// ErrStoreClosed: the store was closed while a write waited for the writer.
var ErrStoreClosed = errors.New("storage: the database is closed")

// errInjected is the failure tests inject into a batch (failBatch).
var errInjected = errors.New("storage: injected batch failure")

// unit is one write waiting for the group writer.
type unit struct {
	ctx  context.Context
	fn   func(tx *gorm.DB) error
	done chan error
}

// groupWriter runs units in batches on db.
type groupWriter struct {
	db      *gorm.DB
	queue   chan *unit // unbuffered: a write is either taken by the writer or still its caller's
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once
	// batches counts the transactions that held more than one write, and grouped the
	// writes in them; waiting counts the writes offered to the writer and not yet taken.
	// Tests read them.
	batches, grouped, waiting atomic.Int64
	// failBatch, set by tests only, fails the next batch's transaction just before its
	// commit.
	failBatch atomic.Bool
}

func newGroupWriter(db *gorm.DB) *groupWriter {
	g := &groupWriter{db: db, queue: make(chan *unit), stop: make(chan struct{}), stopped: make(chan struct{})}
	go g.run()
	return g
}

// close stops the writer once the batch it is committing is done; writes still waiting
// get ErrStoreClosed.
func (g *groupWriter) close() {
	g.once.Do(func() { close(g.stop) })
	<-g.stopped
}

// write runs fn as one write: in the group writer's next transaction, or, on a store
// without one (PostgreSQL, or a store inside InTx, which must not wait for a connection
// its own transaction holds), in a transaction of its own. fn must use only the tx it is
// given, may be run more than once (each run starts from nothing stored), and must leave
// its results (ids, times) in its caller's variables only as its last step.
func (s *Store) write(ctx context.Context, fn func(tx *gorm.DB) error) error {
	s.writes.mark()
	if s.group == nil {
		return s.db.WithContext(ctx).Transaction(fn)
	}
	if err := s.file.check(); err != nil {
		return err
	}
	u := &unit{ctx: ctx, fn: fn, done: make(chan error, 1)}
	s.group.waiting.Add(1)
	select {
	case s.group.queue <- u:
		s.group.waiting.Add(-1)
	case <-ctx.Done():
		s.group.waiting.Add(-1)
		return ctx.Err()
	case <-s.group.stop:
		s.group.waiting.Add(-1)
		return ErrStoreClosed
	}
	// Taken: the answer says whether it was committed, so wait for it even if the
	// request is cancelled meanwhile (the writer skips units cancelled before their
	// batch starts).
	return <-u.done
}

func (g *groupWriter) run() {
	defer close(g.stopped)
	batch := make([]*unit, 0, maxGroup)
	for {
		select {
		case u := <-g.queue:
			batch = append(batch[:0], u)
		case <-g.stop:
			return
		}
	gather:
		for len(batch) < maxGroup {
			select {
			case u := <-g.queue:
				batch = append(batch, u)
			default:
				break gather
			}
		}
		g.commit(batch)
		clear(batch)
	}
}

// commit runs one batch and answers every unit in it, each once.
func (g *groupWriter) commit(batch []*unit) {
	live := batch[:0:0]
	for _, u := range batch {
		if err := u.ctx.Err(); err != nil {
			u.done <- err
			continue
		}
		live = append(live, u)
	}
	answered := make([]bool, len(live))
	answer := func(i int, err error) {
		answered[i] = true
		live[i].done <- err
	}
	defer func() {
		if p := recover(); p != nil {
			for i := range live {
				if !answered[i] {
					answer(i, fmt.Errorf("storage: a write failed: %v", p))
				}
			}
		}
	}()
	if len(live) == 1 {
		answer(0, g.alone(live[0]))
		return
	}
	errs := make([]error, len(live))
	err := g.db.Transaction(func(tx *gorm.DB) error {
		for i, u := range live {
			if err := tx.Exec("SAVEPOINT ecat_write").Error; err != nil {
				return err
			}
			errs[i] = u.fn(tx)
			if errs[i] != nil {
				if err := tx.Exec("ROLLBACK TO SAVEPOINT ecat_write").Error; err != nil {
					return err
				}
			}
			if err := tx.Exec("RELEASE SAVEPOINT ecat_write").Error; err != nil {
				return err
			}
		}
		if g.failBatch.CompareAndSwap(true, false) {
			return errInjected
		}
		return nil
	})
	if err != nil {
		// Nothing of the batch is stored: each write again, alone.
		for i, u := range live {
			answer(i, g.alone(u))
		}
		return
	}
	g.batches.Add(1)
	g.grouped.Add(int64(len(live)))
	for i := range live {
		answer(i, errs[i])
	}
}

// alone runs one unit in a transaction of its own.
func (g *groupWriter) alone(u *unit) error {
	return g.db.Transaction(u.fn)
}
