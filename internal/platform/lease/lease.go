// Package lease limits work across every process sharing the database: a
// key ("scan-host:portal.example") is held by one holder at a time, until
// the holder releases it or stops renewing it and its lease runs out (the
// holder died). It owns the leases table.
package lease

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/khien-project/khien/internal/platform/store"
)

// Leases takes and gives back leases in one database.
type Leases struct {
	db *store.DB
}

// New returns the leases kept in db.
func New(db *store.DB) *Leases { return &Leases{db: db} }

// Lease is one held key. Renew it well inside its time to live.
type Lease struct {
	l      *Leases
	key    string
	holder string
	ttl    time.Duration
}

// TryAcquire takes key for ttl unless another holder has it and its lease
// has not run out; ok is false when it is taken.
func (l *Leases) TryAcquire(ctx context.Context, key string, ttl time.Duration) (*Lease, bool, error) {
	holder := newHolder()
	now := time.Now()
	res, err := l.db.Writer().ExecContext(ctx, `INSERT INTO leases (key, holder, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at WHERE leases.expires_at < $4`,
		key, holder, store.FormatTime(now.Add(ttl)), store.FormatTime(now))
	if err != nil {
		return nil, false, fmt.Errorf("lease: acquire %s: %w", key, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, false, nil
	}
	return &Lease{l: l, key: key, holder: holder, ttl: ttl}, true, nil
}

// Acquire waits until key is free (polling every poll), or ctx ends.
func (l *Leases) Acquire(ctx context.Context, key string, ttl, poll time.Duration) (*Lease, error) {
	for {
		lease, ok, err := l.TryAcquire(ctx, key, ttl)
		if ok || (err != nil && !store.IsUnavailable(err)) {
			return lease, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("lease: waiting for %s: %w", key, ctx.Err())
		case <-time.After(poll):
		}
	}
}

// Renew extends the lease by its time to live; it fails when the lease
// was lost (it ran out and another holder took the key).
func (x *Lease) Renew(ctx context.Context) error {
	res, err := x.l.db.Writer().ExecContext(ctx, `UPDATE leases SET expires_at = $1 WHERE key = $2 AND holder = $3`,
		store.FormatTime(time.Now().Add(x.ttl)), x.key, x.holder)
	if err != nil {
		return fmt.Errorf("lease: renew %s: %w", x.key, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("lease: %s was lost to another holder: %w", x.key, store.ErrConflict)
	}
	return nil
}

// Release gives the key back (a no-op when the lease was lost).
func (x *Lease) Release(ctx context.Context) error {
	if _, err := x.l.db.Writer().ExecContext(context.WithoutCancel(ctx), `DELETE FROM leases WHERE key = $1 AND holder = $2`, x.key, x.holder); err != nil {
		return fmt.Errorf("lease: release %s: %w", x.key, err)
	}
	return nil
}

func newHolder() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand does not fail on Linux
	return hex.EncodeToString(b)
}
