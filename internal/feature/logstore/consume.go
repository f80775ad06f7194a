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
	n, err := s.Store(ctx, b.Records)
	s.counters.Stored.Add(int64(n))
	s.counters.Bad.Add(int64(b.Bad))
	if err != nil {
		return err
	}
	s.counters.Duplicates.Add(int64(len(b.Records) - n))
	return nil
}

// Run consumes the log stream into the store until ctx ends. Several
// processes may run it: each batch goes to one of them.
func (s *Service) Run(ctx context.Context, js jetstream.JetStream) error {
	slog.Info("log storage consuming the event stream", "consumer", logstream.ConsumerStore, "retention_days", s.cfg.RetentionDays)
	return logstream.Consume(ctx, js, logstream.ConsumerStore, s.Handle, logstream.ConsumeOptions{MaxMessages: 64})
}
