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
