package storage

// BeforeTallyTexts makes Tallies on s run fn before it reads the texts beside the counts
// (talliesApart), until the returned function is called. fn is given a channel closed
// once the counts are read.
func BeforeTallyTexts(s *Store, fn func(counted <-chan struct{})) (restore func()) {
	beforeTexts.Store(s, fn)
	return func() { beforeTexts.Delete(s) }
}

// BeforeTallyPart makes Tallies on s run fn before each part it counts a large round's
// answers in (countApart), given the part's number, until the returned function is
// called.
func BeforeTallyPart(s *Store, fn func(part int)) (restore func()) {
	beforePart.Store(s, fn)
	return func() { beforePart.Delete(s) }
}

// SplitTalliesFrom makes rounds of n shown responses or more count in parts, until the
// returned function is called.
func SplitTalliesFrom(n int) (restore func()) {
	was := tallySplitMin
	tallySplitMin = n
	return func() { tallySplitMin = was }
}

// TallyParts is how many parts a large round's answers are counted in.
const TallyParts = tallyParts

// ForgetWrites makes s count as if no respondent had written for long: Tallies counts a
// large round in parts again.
func ForgetWrites(s *Store) { s.writes.last.Store(0) }

// OnTalliesDisagree makes Tallies on s run fn when the reads it made apart saw different
// states of the database and it reads again in one, until the returned function is
// called.
func OnTalliesDisagree(s *Store, fn func()) (restore func()) {
	onDisagree.Store(s, fn)
	return func() { onDisagree.Delete(s) }
}

// MarkWrite makes s count as if a respondent had just written: Tallies reads in one
// transaction.
func MarkWrite(s *Store) { s.writes.mark() }
