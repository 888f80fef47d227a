package throttle

import (
	"fmt"
	"testing"
	"time"
)

// TestThrottleWindowAndMemory: the window slides with an injected clock, each key keeps
// at most limit times, and a flood of distinct keys stays under MaxKeys by dropping
// expired keys first, then the least recently failing ones.
func TestThrottleWindowAndMemory(t *testing.T) {
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	th := New(3, time.Minute)
	th.Now = func() time.Time { return now }

	for i := range 3 {
		if blocked, _ := th.Blocked("k"); blocked {
			t.Fatalf("blocked after %d failures", i)
		}
		th.Fail("k")
		now = now.Add(10 * time.Second)
	}
	blocked, wait := th.Blocked("k")
	if !blocked || wait != 30*time.Second {
		t.Fatalf("after 3 failures: blocked %v for %v, want 30s (until the first is a minute old)", blocked, wait)
	}
	for range 10 { // failures past the limit keep only the latest three
		th.Fail("k")
	}
	if n := len(th.fails["k"]); n != 3 {
		t.Errorf("key holds %d times, want 3", n)
	}
	now = now.Add(time.Minute)
	if blocked, _ := th.Blocked("k"); blocked {
		t.Error("still blocked a window after the last failure")
	}
	if th.Size() != 0 {
		t.Errorf("%d keys left after the window", th.Size())
	}

	th.MaxKeys = 1000
	th.Fail("old")
	now = now.Add(2 * time.Minute) // "old" has expired
	for i := range 5000 {
		now = now.Add(time.Millisecond)
		th.Fail(fmt.Sprintf("flood-%d", i))
		if th.Size() > th.MaxKeys {
			t.Fatalf("%d keys after %d distinct failures, over %d", th.Size(), i+1, th.MaxKeys)
		}
	}
	if _, ok := th.fails["old"]; ok {
		t.Error("an expired key survived eviction")
	}
	if _, ok := th.fails["flood-4999"]; !ok {
		t.Error("the most recent key was evicted")
	}
	if _, ok := th.fails["flood-0"]; ok {
		t.Error("the least recent flood key survived")
	}
}

// FuzzWindow drives a window with any sequence of events on a few keys and checks that
// no key ever holds more than its limit, that Reserve refuses exactly when a key is at
// its limit, and that Release gives back what Reserve took.
func FuzzWindow(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7})
	f.Add([]byte{0, 0, 0, 0, 0, 1, 1, 1})
	f.Fuzz(func(t *testing.T, ops []byte) {
		now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		w := New(3, time.Minute)
		w.Now = func() time.Time { return now }
		for _, op := range ops {
			key := fmt.Sprint(op % 3)
			switch op / 3 % 5 {
			case 0:
				w.Fail(key)
			case 1:
				blocked, _ := w.Blocked(key) // drops expired events first
				before := len(w.fails[key])
				ok, _ := w.Reserve(key)
				if ok == blocked {
					t.Fatalf("Reserve %v while Blocked %v", ok, blocked)
				}
				if ok {
					w.Release(key)
					if got := len(w.fails[key]); got != before {
						t.Fatalf("Release left %d events, want the %d before Reserve", got, before)
					}
				}
			case 2:
				w.Reset(key)
			case 3:
				now = now.Add(time.Duration(op) * time.Second)
			case 4:
				w.Reserve(key)
			}
			for k, list := range w.fails {
				if len(list) > 3 {
					t.Fatalf("key %s holds %d events, over the limit of 3", k, len(list))
				}
			}
		}
	})
}
