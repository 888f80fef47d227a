// Package throttle counts events per key in a sliding window, in memory: failed
// sign-ins, missed look-ups of codes and links, responses created. Each key keeps at
// most its limit of times, and a flood of distinct keys is bounded by evicting expired
// keys first, then the least recently used.
package throttle

import (
	"sort"
	"sync"
	"time"
)

// DefaultKeys bounds a window's memory: each key holds at most limit times.
const DefaultKeys = 100_000

// Window counts events per key (a failed sign-in of an account, a missed look-up of a
// client network, a response created) in a sliding window, and tells when a key has
// reached its limit. It is safe for concurrent use.
type Window struct {
	mu     sync.Mutex
	window time.Duration
	limit  int
	fails  map[string][]time.Time // oldest first, at most limit each
	// MaxKeys bounds memory (DefaultKeys); Now is the clock, for tests. Set them before
	// use.
	MaxKeys int
	Now     func() time.Time
}

// New returns a window allowing limit events per key within window.
func New(limit int, window time.Duration) *Window {
	return &Window{window: window, limit: limit, MaxKeys: DefaultKeys, fails: map[string][]time.Time{}, Now: time.Now}
}

// Blocked reports whether key is at its limit, and for how long it stays there.
func (t *Window) Blocked(key string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	recent := t.recent(key)
	if len(recent) < t.limit {
		return false, 0
	}
	return true, recent[len(recent)-t.limit].Add(t.window).Sub(t.Now())
}

// Fail records a failure of key.
func (t *Window) Fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	list := append(t.recent(key), t.Now())
	if len(list) > t.limit {
		// Only the latest limit failures decide when the key is free again.
		list = append(list[:0:0], list[len(list)-t.limit:]...)
	}
	t.fails[key] = list
	if len(t.fails) > t.MaxKeys {
		t.evict()
	}
}

// Reserve counts an attempt of key before it is made, unless key is at its limit
// already: then it reports false and how long key stays blocked. An attempt that turns
// out well gives its place back with Release. Counting first means attempts made at the
// same moment cannot all slip under the limit.
func (t *Window) Reserve(key string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	recent := t.recent(key)
	if len(recent) >= t.limit {
		return false, recent[len(recent)-t.limit].Add(t.window).Sub(t.Now())
	}
	t.fails[key] = append(recent, t.Now())
	if len(t.fails) > t.MaxKeys {
		t.evict()
	}
	return true, 0
}

// Release takes back the latest attempt reserve counted for key.
func (t *Window) Release(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	list := t.fails[key]
	if len(list) <= 1 {
		delete(t.fails, key)
		return
	}
	t.fails[key] = list[:len(list)-1]
}

// Reset forgets every event of key.
func (t *Window) Reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, key)
}

// Size is the number of keys held.
func (t *Window) Size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.fails)
}

// recent drops the failures older than the window; the caller holds the lock.
func (t *Window) recent(key string) []time.Time {
	cutoff := t.Now().Add(-t.window)
	list := t.fails[key]
	i := 0
	for i < len(list) && !list[i].After(cutoff) {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(t.fails, key)
	} else {
		t.fails[key] = list
	}
	return list
}

// evict bounds memory under a flood of distinct keys: it drops the keys whose failures
// have all expired, then, while there are still too many, the keys whose latest failure
// is the oldest. It leaves at most 90% of maxKeys, so the next sweep is maxKeys/10 new
// keys away and the cost per failure stays small. The caller holds the lock.
func (t *Window) evict() {
	cutoff := t.Now().Add(-t.window)
	for k, list := range t.fails {
		if !list[len(list)-1].After(cutoff) {
			delete(t.fails, k)
		}
	}
	keep := t.MaxKeys - t.MaxKeys/10
	if len(t.fails) <= keep {
		return
	}
	type entry struct {
		key  string
		last time.Time
	}
	entries := make([]entry, 0, len(t.fails))
	for k, list := range t.fails {
		entries = append(entries, entry{k, list[len(list)-1]})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].last.Before(entries[j].last) })
	for _, e := range entries[:len(entries)-keep] {
		delete(t.fails, e.key)
	}
}
