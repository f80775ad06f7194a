// Package hostrate paces the platform's traffic to each host, across every
// process sharing the database: scans and monitoring probes of one host
// together make at most PerMinute requests per Window, and two assessments
// of a host start at least Spacing apart. It owns the host_rates table.
//
// Each host has a "next free time" per kind of slot (a request, an
// assessment). Taking a slot moves that time on by the slot's length in
// one atomic statement, so processes never share a slot; the taker then
// waits until its slot begins. A slot that would begin too late (after the
// caller's deadline, or beyond the wait it accepts) is not taken: the
// caller gets a *BusyError saying when to come back.
package hostrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/khien-project/khien/internal/platform/store"
)

// Config sets the limits; zero fields take the defaults.
type Config struct {
	// PerMinute is how many requests one host gets at most per Window,
	// from scans and probes together (default 120).
	PerMinute int
	// Window is the period PerMinute counts over (default one minute;
	// tests shorten it).
	Window time.Duration
	// Spacing is the least time between the starts of two assessments
	// (a scan or a probe) of one host (default 2s).
	Spacing time.Duration
	// Remember is how many hosts the process keeps in its own table of
	// busy hosts (default 4096): the oldest are forgotten first.
	Remember int
}

func (c *Config) defaults() {
	if c.PerMinute <= 0 {
		c.PerMinute = 120
	}
	if c.Window <= 0 {
		c.Window = time.Minute
	}
	if c.Spacing <= 0 {
		c.Spacing = 2 * time.Second
	}
	if c.Remember <= 0 {
		c.Remember = 4096
	}
}

// Step is the time one request of a host takes from its budget.
func (c Config) Step() time.Duration {
	c.defaults()
	return c.Window / time.Duration(c.PerMinute)
}

// Limiter paces hosts through one database.
type Limiter struct {
	db    *store.DB
	cfg   Config
	known *recent
	// observe, when set, learns the start of every slot taken.
	observe func(key string, start time.Time)
}

// Observe makes f learn the start of every slot this limiter takes (the
// time the database allotted, before the taker's wait): for metrics, and
// for tests that check the allotment without the scheduler's jitter.
// Call it before the limiter is used.
func (l *Limiter) Observe(f func(key string, start time.Time)) { l.observe = f }

// New returns the limiter kept in db.
func New(db *store.DB, cfg Config) *Limiter {
	cfg.defaults()
	return &Limiter{db: db, cfg: cfg, known: newRecent(cfg.Remember)}
}

// Config returns the limits in force.
func (l *Limiter) Config() Config { return l.cfg }

// ErrBusy is the kind of a BusyError.
var ErrBusy = errors.New("hostrate: the host's rate limit is reached")

// BusyError means a host's next free slot begins too late for the caller.
type BusyError struct {
	Host string
	wait time.Duration
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("hostrate: %s has no free slot for %s (rate limit)", e.Host, e.wait.Round(time.Millisecond))
}

// Is makes errors.Is(err, ErrBusy) hold.
func (e *BusyError) Is(target error) bool { return target == ErrBusy }

// Wait is when the host has a free slot again.
func (e *BusyError) Wait() time.Duration { return e.wait }

// Request waits for host's next request slot. With a deadline on ctx,
// the slot is taken only if it begins before it; otherwise the answer is
// a *BusyError and nothing is taken.
func (l *Limiter) Request(ctx context.Context, host string) error {
	latest := time.Now().Add(24 * time.Hour)
	if d, ok := ctx.Deadline(); ok {
		latest = d
	}
	return l.take(ctx, "req:"+host, host, l.cfg.Step(), latest)
}

// Assessment waits for host's next assessment slot (Spacing after the
// one before), if it begins within maxWait; otherwise it answers a
// *BusyError and takes nothing.
func (l *Limiter) Assessment(ctx context.Context, host string, maxWait time.Duration) error {
	return l.take(ctx, "start:"+host, host, l.cfg.Spacing, time.Now().Add(maxWait))
}

// take reserves the slot of length step on key that begins first, if it
// begins by latest, and waits until it begins.
func (l *Limiter) take(ctx context.Context, key, host string, step time.Duration, latest time.Time) error {
	now := time.Now()
	if until, ok := l.known.get(key, now); ok && until.After(latest) {
		return &BusyError{Host: host, wait: until.Sub(now)}
	}
	nowMS, stepMS := now.UnixMilli(), step.Milliseconds()
	var next int64
	err := l.db.Writer().QueryRowContext(ctx, `INSERT INTO host_rates (key, next_ms) VALUES ($1, CAST($2 AS BIGINT) + CAST($3 AS BIGINT))
		ON CONFLICT (key) DO UPDATE SET next_ms = (CASE WHEN host_rates.next_ms < CAST($2 AS BIGINT) THEN CAST($2 AS BIGINT) ELSE host_rates.next_ms END) + CAST($3 AS BIGINT)
		WHERE host_rates.next_ms <= CAST($4 AS BIGINT) RETURNING next_ms`, key, nowMS, stepMS, latest.UnixMilli()).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) {
		// Taken too far ahead: learn until when, to answer the next
		// caller without the database.
		if err := l.db.Q(ctx).QueryRowContext(ctx, `SELECT next_ms FROM host_rates WHERE key = $1`, key).Scan(&next); err != nil {
			return fmt.Errorf("hostrate: %s: %w", key, err)
		}
		until := time.UnixMilli(next)
		l.known.put(key, until)
		return &BusyError{Host: host, wait: until.Sub(now)}
	}
	if err != nil {
		return fmt.Errorf("hostrate: take a slot of %s: %w", key, err)
	}
	l.known.put(key, time.UnixMilli(next))
	start := time.UnixMilli(next - stepMS)
	if l.observe != nil {
		l.observe(key, start)
	}
	if wait := time.Until(start); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return fmt.Errorf("hostrate: waiting for %s: %w", key, ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// Purge forgets hosts whose slots all lie more than an hour in the past
// (the table keeps one row per host and kind of slot).
func (l *Limiter) Purge(ctx context.Context, now time.Time) error {
	if _, err := l.db.Writer().ExecContext(ctx, `DELETE FROM host_rates WHERE next_ms < $1`, now.Add(-time.Hour).UnixMilli()); err != nil {
		return fmt.Errorf("hostrate: purge: %w", err)
	}
	return nil
}
