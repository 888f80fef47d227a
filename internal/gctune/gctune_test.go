package gctune

import (
	"math"
	"os"
	"runtime/debug"
	"testing"
)

// keep restores the collector's settings when the test ends.
func keep(t *testing.T) { t.Cleanup(Saved()) }

func TestForServerSetsTheServerDefaults(t *testing.T) {
	keep(t)
	t.Setenv("GOGC", "") // restored after the test…
	t.Setenv("GOMEMLIMIT", "")
	unset(t, "GOGC", "GOMEMLIMIT") // …and absent during it, as ForServer looks for presence
	debug.SetGCPercent(100)
	debug.SetMemoryLimit(math.MaxInt64)
	got := ForServer()
	want := Settings{GOGC: ServerGOGC, MemoryLimit: ServerMemoryLimit}
	if got != want {
		t.Fatalf("ForServer() = %+v, want %+v", got, want)
	}
	if now := debug.SetGCPercent(100); now != ServerGOGC {
		t.Errorf("GC percent in force %d, want %d", now, ServerGOGC)
	}
	if now := debug.SetMemoryLimit(-1); now != ServerMemoryLimit {
		t.Errorf("memory limit in force %d, want %d", now, ServerMemoryLimit)
	}
}

func TestForServerLeavesTheEnvironmentsSettings(t *testing.T) {
	keep(t)
	t.Setenv("GOGC", "150")
	t.Setenv("GOMEMLIMIT", "1GiB")
	// The runtime read these at start; stand in for it.
	debug.SetGCPercent(150)
	debug.SetMemoryLimit(1 << 30)
	got := ForServer()
	want := Settings{GOGC: 150, MemoryLimit: 1 << 30, GOGCFromEnv: true, MemoryLimitFromEnv: true}
	if got != want {
		t.Fatalf("ForServer() = %+v, want %+v", got, want)
	}
	if now := debug.SetGCPercent(100); now != 150 {
		t.Errorf("GC percent in force %d, want the environment's 150", now)
	}
}

// unset removes the variables for the rest of the test (t.Setenv first, so they are put
// back after it).
func unset(t *testing.T, names ...string) {
	for _, n := range names {
		if err := os.Unsetenv(n); err != nil {
			t.Fatal(err)
		}
	}
}
