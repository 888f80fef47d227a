// Package loadtest drives a real `ecat serve` process over loopback: many respondents at
// once, SIGTERM in the middle of them, and database faults (file removed or read-only,
// disk full, PostgreSQL restarted). It checks that every request ecat acknowledged is on
// disk afterwards, that failures are clear errors rather than panics, and that ecat
// recovers; it reports requests/s and latency percentiles.
//
// The tests build the ecat binary and take a minute or two, so they run only when
// ECAT_LOADTEST=1 (CI's "loadtest" phase sets it); otherwise every test skips.
// ECAT_TEST_POSTGRES adds the PostgreSQL runs, and ECAT_TEST_PG_RESTART, a shell command
// that restarts that PostgreSQL, adds the restart fault. The fault tests that mount a
// tmpfs or mark files immutable need root and skip, saying why, without it.
//
// Run them with:
//
//	ECAT_LOADTEST=1 go test ./loadtest/ -v -count=1 -timeout 10m
package loadtest
