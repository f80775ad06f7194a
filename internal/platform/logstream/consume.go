package logstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Batch is one delivery to a consumer: the records of one or more
// messages, acknowledged together.
type Batch struct {
	Records []Record
	// Redelivered says that some message of the batch was delivered
	// before (a consumer crashed or timed out): expect duplicates.
	Redelivered bool
	// Bad counts lines that did not decode (dropped).
	Bad int
	// Messages are the batch's messages in order: each one's records are
	// the next Count of Records, and Data is them as the stream carried
	// them (the binary form), for a consumer that keeps records as they
	// came (the event store). Data is nil for a message with records that
	// did not decode or in the older JSON form.
	Messages []Message
}

// Message is one message of a Batch.
type Message struct {
	Count int
	Data  []byte
}

// Handler takes a batch. nil acknowledges every message of it; an error
// has them delivered again after a pause (the handler must be idempotent
// by Record.ID).
type Handler func(ctx context.Context, b Batch) error

// ConsumeOptions tune Consume.
type ConsumeOptions struct {
	// MaxMessages fetched per batch (default 32, at most 64 messages,
	// each up to MaxBatchBytes of records: a batch must be done within the
	// acknowledgement wait, or it is delivered again).
	MaxMessages int
	// Wait is how long a fetch waits for the first message (default 1 s).
	Wait time.Duration
	// Retry is the pause before a failed batch is delivered again
	// (default 2 s).
	Retry time.Duration
}

// maxFetch bounds the messages of one batch, whatever is asked.
const maxFetch = 64

// Consume pulls batches from the durable consumer (one of Consumers) and
// hands them to h until ctx ends. Several processes may consume the same
// durable: each message goes to one of them.
func Consume(ctx context.Context, js jetstream.JetStream, durable string, h Handler, opts ConsumeOptions) error {
	if opts.MaxMessages <= 0 {
		opts.MaxMessages = 32
	}
	opts.MaxMessages = min(opts.MaxMessages, maxFetch)
	if opts.Wait <= 0 {
		opts.Wait = time.Second
	}
	if opts.Retry <= 0 {
		opts.Retry = 2 * time.Second
	}
	cons, err := js.Consumer(ctx, Stream, durable)
	if err != nil {
		return fmt.Errorf("logstream: consumer %s: %w", durable, err)
	}
	for ctx.Err() == nil {
		msgs, err := cons.Fetch(opts.MaxMessages, jetstream.FetchMaxWait(opts.Wait))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			slog.Warn("logstream fetch", "consumer", durable, "err", err)
			pause(ctx, opts.Retry)
			continue
		}
		var got []jetstream.Msg
		var b Batch
		for m := range msgs.Messages() {
			got = append(got, m)
			before := len(b.Records)
			var bad int
			b.Records, bad = DecodeAppend(b.Records, m.Data())
			b.Bad += bad
			msg := Message{Count: len(b.Records) - before}
			if bad == 0 && bytes.HasPrefix(m.Data(), magic) {
				msg.Data = m.Data()
			}
			b.Messages = append(b.Messages, msg)
			if md, err := m.Metadata(); err == nil && md.NumDelivered > 1 {
				b.Redelivered = true
			}
		}
		if err := msgs.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && ctx.Err() == nil {
			slog.Warn("logstream fetch", "consumer", durable, "err", err)
		}
		if len(got) == 0 {
			continue
		}
		if err := h(ctx, b); err != nil {
			slog.Warn("logstream batch failed; it will be delivered again", "consumer", durable, "records", len(b.Records), "err", err)
			for _, m := range got {
				_ = m.NakWithDelay(opts.Retry)
			}
			continue
		}
		for _, m := range got {
			// A double acknowledgement waits for the server's receipt, so
			// that a crash right after does not redeliver what was done.
			if err := m.DoubleAck(ctx); err != nil && ctx.Err() == nil {
				slog.Warn("logstream ack", "consumer", durable, "err", err)
			}
		}
	}
	return nil
}

func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Pending reports how many messages wait for the durable consumer (not
// yet delivered plus delivered and unacknowledged), for metrics and
// health.
func Pending(ctx context.Context, js jetstream.JetStream, durable string) (uint64, error) {
	cons, err := js.Consumer(ctx, Stream, durable)
	if err != nil {
		return 0, err
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.NumPending + uint64(info.NumAckPending), nil
}
