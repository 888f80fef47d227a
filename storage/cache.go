package storage

import (
	"sync"
	"time"

	"github.com/ecat-project/ecat/assessment"
)

// Assessments are read on every respondent request (the join code of a new response,
// the round of a resumed one) and change rarely (closed, reopened, deleted, claimed,
// discussed). So a store keeps the assessments it read for a moment, by join code and by
// id. Every change this store makes to an assessment empties the cache, after its
// commit; a change made elsewhere (another ecat server on the same PostgreSQL, the
// command line on the same SQLite file) shows within assessmentCacheTTL. A stale entry
// never lets a response into a closed round: the insert checks the status itself.

// assessmentCacheTTL is how long an assessment read stays cached.
const assessmentCacheTTL = 2 * time.Second

// maxCachedAssessments bounds the cache; when full it starts again empty.
const maxCachedAssessments = 4096

type cachedAssessment struct {
	a  assessment.Assessment
	at time.Time
}

type assessmentCache struct {
	ttl    time.Duration
	mu     sync.Mutex
	gen    uint64 // counts invalidations: a read that began before one is not cached
	byCode map[string]cachedAssessment
	byID   map[int64]cachedAssessment
}

func newAssessmentCache() *assessmentCache {
	return &assessmentCache{ttl: assessmentCacheTTL, byCode: map[string]cachedAssessment{}, byID: map[int64]cachedAssessment{}}
}

// generation is the cache's generation, taken before reading the database.
func (c *assessmentCache) generation() uint64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// get returns a copy of the cached assessment with code (when code != "") or id.
func (c *assessmentCache) get(code string, id int64) (*assessment.Assessment, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var (
		e  cachedAssessment
		ok bool
	)
	if code != "" {
		e, ok = c.byCode[code]
	} else {
		e, ok = c.byID[id]
	}
	if !ok || time.Since(e.at) >= c.ttl {
		return nil, false
	}
	a := e.a
	return &a, true
}

// put caches a, read from the database at generation gen.
func (c *assessmentCache) put(a *assessment.Assessment, gen uint64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.byID) >= maxCachedAssessments {
		clear(c.byCode)
		clear(c.byID)
	}
	e := cachedAssessment{a: *a, at: time.Now()}
	c.byCode[a.Code], c.byID[a.ID] = e, e
}

// invalidate empties the cache.
func (c *assessmentCache) invalidate() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.byCode)
	clear(c.byID)
}
