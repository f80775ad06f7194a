package events

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/khien-project/khien/internal/platform/store"
)

// outboxRow is one durable delivery waiting for the bus.
type outboxRow struct {
	id      int64
	kind    string
	payload []byte
}

// EnqueueJob puts a job of kind on the queue once ctx's transaction
// commits, through the outbox like a durable event, so that the row that
// asks for the job and the job are written together: no row without its
// job, no job without its row. Without a queue yet, the job waits in the
// outbox for the relay.
func (b *Bus) EnqueueJob(ctx context.Context, kind string, payload []byte) error {
	if b == nil || b.db == nil {
		return fmt.Errorf("events: enqueue %s: no outbox", kind)
	}
	b.mu.RLock()
	queue := b.queue
	b.mu.RUnlock()
	return b.outbox(ctx, queue, []string{kind}, payload)
}

// outbox writes one row per job kind in ctx's transaction (or its own)
// and, once that commits, sends them (when there is a queue).
func (b *Bus) outbox(ctx context.Context, queue Queue, kinds []string, payload []byte) error {
	return b.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var rows []outboxRow
		for _, kind := range kinds {
			r := outboxRow{kind: kind, payload: payload}
			if err := tx.QueryRowContext(ctx, `INSERT INTO event_outbox (job_kind, payload, created_at) VALUES ($1, $2, $3) RETURNING id`,
				r.kind, string(payload), store.Now()).Scan(&r.id); err != nil {
				return fmt.Errorf("events: outbox: %w", err)
			}
			rows = append(rows, r)
		}
		if queue == nil {
			return nil
		}
		store.AfterCommit(ctx, func(ctx context.Context) {
			if _, err := b.send(ctx, queue, rows); err != nil {
				slog.Warn("job delivery deferred to the relay", "kinds", kinds, "err", err)
			}
		})
		return nil
	})
}

// send puts rows on the queue, each under its outbox id (the bus drops a
// second copy of the same id, so a row sent twice runs once), and marks
// each sent. It stops at the first refusal: the rest wait for the relay.
func (b *Bus) send(ctx context.Context, queue Queue, rows []outboxRow) (int, error) {
	sent := 0
	for _, r := range rows {
		if err := queue.Enqueue(ctx, r.kind, "outbox-"+strconv.FormatInt(r.id, 10), r.payload); err != nil {
			return sent, fmt.Errorf("events: enqueue outbox row %d: %w", r.id, err)
		}
		if _, err := b.db.Writer().ExecContext(ctx, `UPDATE event_outbox SET sent_at = $1 WHERE id = $2`, store.Now(), r.id); err != nil {
			return sent, fmt.Errorf("events: mark outbox row %d sent: %w", r.id, err)
		}
		sent++
	}
	return sent, nil
}

// Relay sends the durable deliveries still in the outbox after grace (left
// by a crash between a commit and its enqueue, or by a bus outage), oldest
// first, at most 1,000 a call, and forgets rows sent more than a day ago.
// Every serve and worker process may run it at once: a row is run once.
func (b *Bus) Relay(ctx context.Context, grace time.Duration) (int, error) {
	b.mu.RLock()
	queue := b.queue
	b.mu.RUnlock()
	if b.db == nil || queue == nil {
		return 0, nil
	}
	now := time.Now()
	rows, err := b.db.Q(ctx).QueryContext(ctx, `SELECT id, job_kind, payload FROM event_outbox WHERE sent_at = '' AND created_at < $1 ORDER BY id LIMIT 1000`,
		store.FormatTime(now.Add(-grace)))
	if err != nil {
		return 0, fmt.Errorf("events: read the outbox: %w", err)
	}
	var pending []outboxRow
	for rows.Next() {
		var r outboxRow
		var payload string
		if err := rows.Scan(&r.id, &r.kind, &payload); err != nil {
			rows.Close()
			return 0, fmt.Errorf("events: read the outbox: %w", err)
		}
		r.payload = []byte(payload)
		pending = append(pending, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("events: read the outbox: %w", err)
	}
	sent, err := b.send(ctx, queue, pending)
	if err != nil {
		return sent, err
	}
	if _, err := b.db.Writer().ExecContext(ctx, `DELETE FROM event_outbox WHERE sent_at <> '' AND sent_at < $1`, store.FormatTime(now.Add(-24*time.Hour))); err != nil {
		return sent, fmt.Errorf("events: forget sent outbox rows: %w", err)
	}
	return sent, nil
}

// Backlog counts the durable deliveries not yet on the bus.
func (b *Bus) Backlog(ctx context.Context) (int, error) {
	if b.db == nil {
		return 0, nil
	}
	var n int
	err := b.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM event_outbox WHERE sent_at = ''`).Scan(&n)
	return n, err
}
