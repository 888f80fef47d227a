package web

import (
	"fmt"
	"math"
	"net/netip"
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
// still bounds guessing to servers × limit per window. Memory is bounded
// (throttle.DefaultKeys).

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
	if blocked, wait := s.lookups.Blocked(key); blocked {
		c.Response().Header().Set("Retry-After", retryAfter(wait))
		return errTooManyLookups
	}
	s.lookups.Fail(key)
	return nil
}
