package storage

// BeforeTallyTexts makes Tallies on s run fn before it reads the texts beside the counts
// (talliesBeside), until the returned function is called. fn is given a channel closed
// once the counts are read.
func BeforeTallyTexts(s *Store, fn func(counted <-chan struct{})) (restore func()) {
	beforeTexts.Store(s, fn)
	return func() { beforeTexts.Delete(s) }
}
