// Package benchpair measures ecat against a baseline in the same benchmark run, for the
// targets of BENCHMARKS.md that are stated as ratios. Only benchmarks import it.
package benchpair

import (
	"testing"
	"time"
)

// Run runs the three parts of a target stated as a ratio as sub-benchmarks: "baseline"
// and "ecat", each alone with its allocations reported, then "paired" (Ratio).
func Run(b *testing.B, baseline, ecat func(*testing.B)) {
	b.Helper()
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			baseline(b)
		}
	})
	b.Run("ecat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ecat(b)
		}
	})
	b.Run("paired", func(b *testing.B) { Ratio(b, baseline, ecat) })
}

// Ratio runs baseline and ecat alternately, one call each per iteration, switching
// which goes first every iteration, and reports each side's mean time per call and
// ecat's as a multiple of the baseline's ("ratio"). Both sides then see the same load
// from other processes, which separate runs on a busy machine do not.
func Ratio(b *testing.B, baseline, ecat func(*testing.B)) {
	var base, own time.Duration
	n := 0
	for b.Loop() {
		if n%2 == 0 {
			t0 := time.Now()
			baseline(b)
			t1 := time.Now()
			ecat(b)
			base, own = base+t1.Sub(t0), own+time.Since(t1)
		} else {
			t0 := time.Now()
			ecat(b)
			t1 := time.Now()
			baseline(b)
			own, base = own+t1.Sub(t0), base+time.Since(t1)
		}
		n++
	}
	b.ReportMetric(0, "ns/op") // an iteration is one of each: its time means little
	b.ReportMetric(float64(base.Nanoseconds())/float64(n), "baseline-ns/op")
	b.ReportMetric(float64(own.Nanoseconds())/float64(n), "ecat-ns/op")
	b.ReportMetric(float64(own)/float64(base), "ratio")
}
