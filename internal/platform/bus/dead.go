package bus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// DeadJob is a job that failed every attempt, as the dead-letter stream
// keeps it.
type DeadJob struct {
	Seq      uint64    `json:"seq"`
	Kind     string    `json:"kind"`
	Reason   string    `json:"reason"`
	Attempts string    `json:"attempts"`
	At       time.Time `json:"at"`
	Payload  []byte    `json:"payload"`
}

func deadJob(seq uint64, subject string, header map[string][]string, at time.Time, data []byte) DeadJob {
	first := func(k string) string {
		if v := header[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	return DeadJob{Seq: seq, Kind: strings.TrimPrefix(subject, deadSubject), Reason: first("Khien-Reason"), Attempts: first("Khien-Attempts"), At: at, Payload: data}
}

// DeadJobs lists up to limit dead-lettered jobs, oldest first, of kind
// ("" for every kind).
func (b *Bus) DeadJobs(ctx context.Context, kind string, limit int) ([]DeadJob, error) {
	filter := deadSubject + ">"
	if kind != "" {
		if !kindPattern.MatchString(kind) {
			return nil, fmt.Errorf("bus: invalid job kind %q", kind)
		}
		filter = deadSubject + kind
	}
	cons, err := b.js.OrderedConsumer(ctx, DeadStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
	if err != nil {
		return nil, fmt.Errorf("bus: read dead letters: %w", err)
	}
	batch, err := cons.Fetch(limit, jetstream.FetchMaxWait(time.Second))
	if err != nil {
		return nil, fmt.Errorf("bus: read dead letters: %w", err)
	}
	var out []DeadJob
	for msg := range batch.Messages() {
		meta, err := msg.Metadata()
		if err != nil {
			return nil, err
		}
		out = append(out, deadJob(meta.Sequence.Stream, msg.Subject(), msg.Headers(), meta.Timestamp, msg.Data()))
	}
	return out, batch.Error()
}

// DeadJob returns one dead-lettered job by its sequence number.
func (b *Bus) DeadJob(ctx context.Context, seq uint64) (DeadJob, error) {
	s, err := b.js.Stream(ctx, DeadStream)
	if err != nil {
		return DeadJob{}, fmt.Errorf("bus: dead letters: %w", err)
	}
	m, err := s.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return DeadJob{}, fmt.Errorf("bus: no dead letter %d", seq)
	}
	if err != nil {
		return DeadJob{}, fmt.Errorf("bus: dead letter %d: %w", seq, err)
	}
	return deadJob(m.Sequence, m.Subject, m.Header, m.Time, m.Data), nil
}

// Replay puts a dead-lettered job back on the queue, with a fresh set of
// attempts, and removes it from the dead-letter stream.
func (b *Bus) Replay(ctx context.Context, seq uint64) (DeadJob, error) {
	j, err := b.DeadJob(ctx, seq)
	if err != nil {
		return j, err
	}
	if err := b.Enqueue(ctx, j.Kind, fmt.Sprintf("replay-%d", seq), j.Payload); err != nil {
		return j, err
	}
	s, err := b.js.Stream(ctx, DeadStream)
	if err != nil {
		return j, fmt.Errorf("bus: dead letters: %w", err)
	}
	if err := s.DeleteMsg(ctx, seq); err != nil {
		return j, fmt.Errorf("bus: remove dead letter %d after its replay: %w", seq, err)
	}
	return j, nil
}
