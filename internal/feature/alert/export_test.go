package alert

import (
	"context"
	"sync"
)

// LoadAtOnce asks for the current ruleset from n goroutines at once and
// returns how many times it was compiled meanwhile.
func (s *Service) LoadAtOnce(ctx context.Context, n int) (int64, error) {
	before := s.loads.Load()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.ruleset(ctx); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return s.loads.Load() - before, <-errs
}
