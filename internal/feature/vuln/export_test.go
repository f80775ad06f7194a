package vuln

import "context"

// RematchFromScratch matches every live system against the feeds read
// again from the database (not the cached index, which it leaves as it
// was), as a reference for the incremental re-match.
func (s *Service) RematchFromScratch(ctx context.Context) (MatchSummary, error) {
	s.mu.Lock()
	saved := s.cache
	s.cache = nil
	s.mu.Unlock()
	sum, err := s.matchAll(ctx)
	s.mu.Lock()
	s.cache = saved
	s.mu.Unlock()
	return sum, err
}

// Loads is how many times the feeds were read from the database.
func (s *Service) Loads() int64 { return s.loads.Load() }

// SetMatchHook makes every match call f once its feeds are chosen.
func (s *Service) SetMatchHook(f func()) { s.matchHook = f }
