package alert

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/khien-project/khien/internal/platform/logstream"
)

// RunOptions tune Run.
type RunOptions struct {
	Consume    logstream.ConsumeOptions
	Partitions PartitionOptions
	// Replicas of the correlation stream (0: 1).
	Replicas int
}

// Run runs detection in this process until ctx ends: the detection stage
// on the log stream's shared detect consumer (each record goes to one
// process) and the correlation partitions this process can hold. serve
// and every khien worker run it.
func (s *Service) Run(ctx context.Context, js jetstream.JetStream, opts RunOptions) {
	for ctx.Err() == nil {
		err := SetupCorrelation(ctx, js, opts.Replicas)
		if err == nil {
			break
		}
		slog.Warn("detection waits for the bus", "err", err)
		sleep(ctx, 5*time.Second)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.RunPartitions(ctx, js, opts.Partitions)
	}()
	det := s.NewDetector(js)
	for ctx.Err() == nil {
		// The consumer exists once the receivers set the stream up.
		if err := logstream.Consume(ctx, js, logstream.ConsumerDetect, det.Handle, opts.Consume); err != nil {
			slog.Debug("detection waits for the log stream", "err", err)
			sleep(ctx, 2*time.Second)
		}
	}
	wg.Wait()
}
