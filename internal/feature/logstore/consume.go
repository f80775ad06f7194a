package logstore

import (
	"context"
	"log/slog"
	"sync/atomic"

	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/nats-io/nats.go/jetstream"
)

// Counters of the consumer, for metrics.
type Counters struct {
	Stored     atomic.Int64 // records written
	Duplicates atomic.Int64 // records already stored (redeliveries)
	Bad        atomic.Int64 // lines of the stream that did not decode
}

// Stats returns the consumer's counters in this process.
func (s *Service) Stats() *Counters { return &s.counters }

// Handle stores one batch of the stream: the logstream.Handler of the
// durable consumer logstream.ConsumerStore. It acknowledges (nil) only
// once every record is committed; an error has the batch delivered again,
// and what was committed before the error is skipped then by id.
func (s *Service) Handle(ctx context.Context, b logstream.Batch) error {
	n, err := s.store(ctx, b.Records, b.Messages)
	s.counters.Stored.Add(int64(n))
	s.counters.Bad.Add(int64(b.Bad))
	if err != nil {
		return err
	}
	s.counters.Duplicates.Add(int64(len(b.Records) - n))
	return nil
}

// consumers is how many batches one process takes at once: while one is
// written, the next is fetched and decoded (the database's writer is the
// narrow part; the stream's decoding and the fields' encoding run beside
// it).
const consumers = 2

// Run consumes the log stream into the store until ctx ends. Several
// processes may run it too: each batch goes to one consumer.
func (s *Service) Run(ctx context.Context, js jetstream.JetStream) error {
	slog.Info("log storage consuming the event stream", "consumer", logstream.ConsumerStore, "retention_days", s.cfg.RetentionDays)
	if s.files == nil {
		if err := s.upgradeDays(ctx); err != nil {
			slog.Error("log storage: days of events stored one row each were not read into blocks", "err", err)
		}
	}
	errs := make(chan error, consumers)
	for range consumers {
		go func() {
			errs <- logstream.Consume(ctx, js, logstream.ConsumerStore, s.Handle, logstream.ConsumeOptions{MaxMessages: 32})
		}()
	}
	var first error
	for range consumers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}
