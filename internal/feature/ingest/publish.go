package ingest

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"time"
	"unicode/utf8"

	"github.com/khien-project/khien/internal/engine/normalize"
	"github.com/khien-project/khien/internal/platform/logstream"
)

// publish puts records on the log stream, counting them.
func (s *Service) publish(ctx context.Context, receiver string, recs []logstream.Record) error {
	js, _ := s.stream()
	if js == nil {
		return errNotStarted
	}
	err := logstream.Publish(ctx, js, recs)
	if errors.Is(err, logstream.ErrFull) {
		s.m.queueFull.WithLabelValues(receiver).Inc()
	}
	if err == nil {
		s.m.received.WithLabelValues(receiver).Add(float64(len(recs)))
		s.m.batches.Observe(float64(len(recs)))
	}
	return err
}

var errNotStarted = errors.New("ingest: the receivers are not started")

// retryPause is how long a stream receiver waits before it tries a batch
// again when the log stream is full or unreachable.
var retryPause = 500 * time.Millisecond

// publishHard publishes recs, retrying while the stream is full or
// unreachable: a stream connection stops reading meanwhile, which pushes
// back on its sender. It gives up only when ctx ends, and then tries once
// more for a few seconds (shutdown).
func (s *Service) publishHard(ctx context.Context, receiver string, recs []logstream.Record) {
	warned := false
	for {
		err := s.publish(ctx, receiver, recs)
		if err == nil {
			return
		}
		if !warned {
			slog.Warn("ingest: cannot publish; pausing the connection and retrying", "receiver", receiver, "events", len(recs), "err", err)
			warned = true
		}
		t := time.NewTimer(retryPause)
		select {
		case <-t.C:
			continue
		case <-ctx.Done():
			t.Stop()
		}
		last, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		err = s.publish(last, receiver, recs)
		cancel()
		if err != nil {
			slog.Error("ingest: events lost at shutdown: the log stream did not take them", "receiver", receiver, "events", len(recs), "err", err)
		}
		return
	}
}

// syslogBatch gathers one sender's records until they are published.
type syslogBatch struct {
	s        *Service
	parser   *MessageParser
	receiver string
	addr     netip.Addr
	bound    *Target // the agency of the sender's client certificate, or nil
	recs     []logstream.Record
	first    time.Time // when the oldest record came
}

// add normalizes one frame.
func (b *syslogBatch) add(frame []byte, now time.Time) {
	if len(frame) == 0 {
		b.s.m.rejected.WithLabelValues(b.receiver, ReasonEmpty).Inc()
		return
	}
	if !utf8.Valid(frame) {
		b.s.m.repaired.WithLabelValues(b.receiver, RepairInvalidUTF8).Inc()
	}
	loc := b.parser.loc
	var ev normalize.Event
	if h, body, ok := b.parser.Parse(frame, now); ok {
		ev = normalize.Normalize(normalize.Input{Kind: normalize.KindSyslog, Syslog: h, Body: body, Received: now, Location: loc})
	} else {
		b.s.m.repaired.WithLabelValues(b.receiver, RepairNoPriority).Inc()
		ev = normalize.Normalize(normalize.Input{Kind: normalize.KindLine, Body: string(frame), Received: now, Location: loc})
	}
	r := logstream.FromEvent(ev)
	r.ID, r.Receiver, r.Sender, r.Received = logstream.NewID(), b.receiver, b.addr.String(), now
	if len(b.recs) == 0 {
		b.first = now
	}
	b.recs = append(b.recs, r)
}

// assign stamps the batch with its sender's system, or marks it
// unassigned; refused unknown senders' records are dropped and counted.
func (b *syslogBatch) assign(now time.Time) {
	t, known := b.s.senders.resolve(b.addr, b.receiver, len(b.recs), now, b.bound)
	if !known {
		b.s.m.unknown.Add(float64(len(b.recs)))
		_, cfg := b.s.stream()
		if cfg.RefuseUnknown {
			b.s.m.rejected.WithLabelValues(b.receiver, ReasonUnknownSender).Add(float64(len(b.recs)))
			b.recs = b.recs[:0]
			return
		}
	}
	for i := range b.recs {
		b.recs[i].AgencyID, b.recs[i].SystemID = t.AgencyID, t.SystemID
		if !known {
			b.recs[i].Fields["khien.unassigned"] = true
		}
	}
}

// take hands the batch's records over, stamped, and starts a new one.
func (b *syslogBatch) take(now time.Time) []logstream.Record {
	b.assign(now)
	out := b.recs
	b.recs = nil
	return out
}
