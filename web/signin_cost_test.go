package web

import (
	"net/http"
	"sync"
	"testing"
)

// Sign-ins at the same moment cannot all slip under the throttle: each attempt is
// counted before its password is hashed, so of 24 wrong passwords sent at once from one
// address, at most 20 are hashed (answered 401) and the others are refused with 429
// without any hashing.
func TestConcurrentSignInsCountedBeforeHashing(t *testing.T) {
	e := newTestEnv(t)
	f := e.newFacilitator("flood@example.org", "Flo")
	const n = 24
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		b := e.newBrowser()
		b.ensureCSRF()
		wg.Go(func() {
			<-start
			codes[i] = b.loginFrom("198.51.100.99:1234", []string{f.Email, "nobody@example.org"}[i%2], "wrong password here", "").Code
		})
	}
	close(start)
	wg.Wait()
	hashed, refused := 0, 0
	for _, c := range codes {
		switch c {
		case http.StatusUnauthorized:
			hashed++
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			refused++
		default:
			t.Errorf("status %d", c)
		}
	}
	if hashed > 20 || hashed+refused != n {
		t.Errorf("%d attempts hashed and %d refused, want at most 20 hashed (the limit per address)", hashed, refused)
	}
}
