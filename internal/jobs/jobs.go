// Package jobs names Khiên's background work: the job kinds, their
// handlers and the schedules that enqueue them. Workers (in serve or in
// khien worker) consume every kind registered here from the bus.
package jobs

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/khien-project/khien/internal/auth"
	"github.com/khien-project/khien/internal/bus"
)

// Kind is one kind of job with its handler and worker settings.
type Kind struct {
	Name    string
	Handler bus.Handler
	Options bus.WorkerOptions
}

// Schedule enqueues a job of Kind every Every (with up to 10% jitter), so
// that several servers do not fire at the same instant. The job id is the
// time slot, so a slot enqueued by two servers runs once.
type Schedule struct {
	Kind  string
	Every time.Duration
}

// Deps are what built-in jobs need.
type Deps struct {
	Auth *auth.Service
}

// Kinds returns every job kind Khiên runs.
func Kinds(d Deps) []Kind {
	return []Kind{
		{Name: "purge-sessions", Handler: func(ctx context.Context, _ bus.Job) error {
			return d.Auth.PurgeSessions(ctx)
		}, Options: bus.WorkerOptions{Concurrency: 1}},
	}
}

// Schedules returns the recurring jobs.
func Schedules() []Schedule {
	return []Schedule{{Kind: "purge-sessions", Every: time.Hour}}
}

// RunWorkers consumes every kind until ctx ends, then waits for the jobs
// in hand. concurrency caps each kind's pool (0 keeps the kind's own).
func RunWorkers(ctx context.Context, b *bus.Bus, kinds []Kind, concurrency int) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(kinds))
	for _, k := range kinds {
		opts := k.Options
		if concurrency > 0 && (opts.Concurrency == 0 || opts.Concurrency > concurrency) {
			opts.Concurrency = concurrency
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.Work(ctx, k.Name, k.Handler, opts); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// RunSchedules enqueues each schedule's job on its period until ctx ends.
func RunSchedules(ctx context.Context, b *bus.Bus, list []Schedule) {
	var wg sync.WaitGroup
	for _, s := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				jitter := time.Duration(rand.Int64N(int64(s.Every/10) + 1))
				select {
				case <-ctx.Done():
					return
				case <-time.After(s.Every + jitter):
				}
				slot := time.Now().Truncate(s.Every).UTC().Format(time.RFC3339)
				if err := b.Enqueue(ctx, s.Kind, slot, nil); err != nil && ctx.Err() == nil {
					slog.Warn("enqueue scheduled job", "kind", s.Kind, "err", err)
				}
			}
		}()
	}
	wg.Wait()
}
