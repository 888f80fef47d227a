package web

import (
	"fmt"
	"math"
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// Throttling of guesses. One mechanism, a sliding window of failures per key, serves
// two uses:
//
//   - sign-in (signin.go): 5 failures per account from one client network, and 20 per
//     client network, in 15 minutes, after which that account from that network, or that
//     network, gets 429. An attempt is counted before its password is hashed, so attempts
//     made at the same moment cannot all get through; a right password gives its place
//     back. The account count is per network, so wrong guesses from elsewhere never lock
//     the owner out of their own account.
//   - look-ups of secrets someone types or follows (join codes, resume and setup links):
//     after 20 failed look-ups per client network and kind in 15 minutes, a look-up of
//     that kind from that network that matches nothing gets 429 with Retry-After instead
//     of "not found". A look-up that matches is always served, so a colleague behind the
//     same hospital address still opens their own link; with 80-bit codes and 128-bit
//     tokens a right guess is out of reach anyway. A look-up that finds what it looks for
//     neither counts nor resets the count; a code or token of the wrong shape is refused
//     without a database query and does not count either.
//
// Join codes and links have separate counts: someone on a shared hospital connection
// mistyping codes does not stop a colleague behind the same address from saving the
// response they are in the middle of.
//
// Counts live in memory: behind a load balancer each server throttles on its own, which
// still bounds guessing to servers × limit per window. Memory is bounded by maxKeys.

// Failed look-ups allowed per client network and kind, per window.
const (
	lookupLimit  = 20
	lookupWindow = 15 * time.Minute
)

// Kinds of look-up, counted apart.
const (
	lookupCode  = "code"  // join codes
	lookupToken = "token" // resume links and the setup link
)

// defaultThrottleKeys bounds a throttle's memory: each key holds at most limit times.
const defaultThrottleKeys = 100_000

// throttle counts failures per key (an account, a client network) in a sliding window.
type throttle struct {
	mu      sync.Mutex
	window  time.Duration
	limit   int
	maxKeys int
	fails   map[string][]time.Time // oldest first, at most limit each
	now     func() time.Time
}

func newThrottle(limit int, window time.Duration) *throttle {
	return &throttle{window: window, limit: limit, maxKeys: defaultThrottleKeys, fails: map[string][]time.Time{}, now: time.Now}
}

// blocked reports whether key is at its limit, and for how long it stays there.
func (t *throttle) blocked(key string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	recent := t.recent(key)
	if len(recent) < t.limit {
		return false, 0
	}
	return true, recent[len(recent)-t.limit].Add(t.window).Sub(t.now())
}

// fail records a failure of key.
func (t *throttle) fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	list := append(t.recent(key), t.now())
	if len(list) > t.limit {
		// Only the latest limit failures decide when the key is free again.
		list = append(list[:0:0], list[len(list)-t.limit:]...)
	}
	t.fails[key] = list
	if len(t.fails) > t.maxKeys {
		t.evict()
	}
}

// reserve counts an attempt of key before it is made, unless key is at its limit
// already: then it reports false and how long key stays blocked. An attempt that turns
// out well gives its place back with release. Counting first means attempts made at the
// same moment cannot all slip under the limit.
func (t *throttle) reserve(key string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	recent := t.recent(key)
	if len(recent) >= t.limit {
		return false, recent[len(recent)-t.limit].Add(t.window).Sub(t.now())
	}
	t.fails[key] = append(recent, t.now())
	if len(t.fails) > t.maxKeys {
		t.evict()
	}
	return true, 0
}

// release takes back the latest attempt reserve counted for key.
func (t *throttle) release(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	list := t.fails[key]
	if len(list) <= 1 {
		delete(t.fails, key)
		return
	}
	t.fails[key] = list[:len(list)-1]
}

func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, key)
}

// size is the number of keys held.
func (t *throttle) size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.fails)
}

// recent drops the failures older than the window; the caller holds the lock.
func (t *throttle) recent(key string) []time.Time {
	cutoff := t.now().Add(-t.window)
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
func (t *throttle) evict() {
	cutoff := t.now().Add(-t.window)
	for k, list := range t.fails {
		if !list[len(list)-1].After(cutoff) {
			delete(t.fails, k)
		}
	}
	keep := t.maxKeys - t.maxKeys/10
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

// clientNetwork is the throttling key of a client address: the address itself for IPv4,
// its /64 network for IPv6, since one subscriber commonly holds a whole /64. The address
// comes from echo's IP extractor, so it follows Config.TrustProxy.
func clientNetwork(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			return p.String()
		}
	}
	return addr.String()
}

// retryAfter is a Retry-After value in whole seconds, at least 1.
func retryAfter(wait time.Duration) string {
	return fmt.Sprint(max(1, int(math.Ceil(wait.Seconds()))))
}

func lookupKey(c echo.Context, kind string) string {
	return kind + ":" + clientNetwork(c.RealIP())
}

// missedLookup counts a well-formed code or token that matched nothing. Once the client
// has missed too often lately, the miss is answered 429 with Retry-After (a JSON error
// under /api, the friendly page elsewhere) instead of "not found". A look-up that matches
// is never refused, so a colleague behind the same address still opens their own link.
func (s *Server) missedLookup(c echo.Context, kind string) error {
	key := lookupKey(c, kind)
	if blocked, wait := s.lookups.blocked(key); blocked {
		c.Response().Header().Set("Retry-After", retryAfter(wait))
		return errTooManyLookups
	}
	s.lookups.fail(key)
	return nil
}
