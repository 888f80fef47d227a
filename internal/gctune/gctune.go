// Package gctune sets the Go garbage collector as `ecat serve` runs it.
//
// A server's live heap is small (tens of MB) while a workbook export or a large report
// allocates hundreds of MB of short-lived buffers. With Go's default (GOGC=100) the
// collector then runs every few tens of MB allocated, and on a small machine each cycle
// takes CPU from the respondents' submissions: measured on 2 cores, the p99 latency of
// submissions while workbooks were exported back to back went from 2.3x to 4.4x that of
// the same load alone (BENCHMARKS.md). So the server lets the heap grow to five times
// what is live between collections (GOGC=400), under a soft limit that makes the
// collector work harder as the heap nears it, so that a large export stays within
// about the memory it takes with the default.
package gctune

import (
	"os"
	"runtime/debug"
)

const (
	// ServerGOGC is the collector's target percentage for a server.
	ServerGOGC = 400
	// ServerMemoryLimit is the soft limit on the Go heap and runtime for a server.
	ServerMemoryLimit = 144 << 20
)

// Settings is what ForServer left in force: the GC percentage and the soft memory limit
// in bytes, and whether each came from the environment (GOGC, GOMEMLIMIT).
type Settings struct {
	GOGC               int
	MemoryLimit        int64
	GOGCFromEnv        bool
	MemoryLimitFromEnv bool
}

// ForServer sets ServerGOGC and ServerMemoryLimit, each unless the environment already
// sets it (GOGC, GOMEMLIMIT, which the runtime has read), and returns what is in force.
func ForServer() Settings {
	var s Settings
	if _, ok := os.LookupEnv("GOGC"); ok {
		s.GOGCFromEnv = true
		s.GOGC = debug.SetGCPercent(-1) // read it: -1 switches the collector off…
		debug.SetGCPercent(s.GOGC)      // …so put it back at once
	} else {
		debug.SetGCPercent(ServerGOGC)
		s.GOGC = ServerGOGC
	}
	if _, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		s.MemoryLimitFromEnv = true
	} else {
		debug.SetMemoryLimit(ServerMemoryLimit)
	}
	s.MemoryLimit = debug.SetMemoryLimit(-1) // a negative limit reads it
	return s
}

// Saved returns a function that puts back the collector's settings in force now (for
// tests and benchmarks that change them).
func Saved() (restore func()) {
	gogc := debug.SetGCPercent(100)
	debug.SetGCPercent(gogc)
	limit := debug.SetMemoryLimit(-1)
	return func() {
		debug.SetGCPercent(gogc)
		debug.SetMemoryLimit(limit)
	}
}
