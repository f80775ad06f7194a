// Package registry keeps the province's agencies (a tree) and their
// information systems with their assets. Every function takes the acting
// access.Actor and applies its agency scope in the SQL it runs: an object
// outside the scope does not exist for that actor (store.ErrNotFound).
package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
)

// Registry is the agencies-and-systems service.
type Registry struct {
	db     *store.DB
	audit  *audit.Log
	counts countCache
	events *events.Bus
}

// writeSystems is write for a change to the systems (create, update,
// delete, import) made by actor: once fn succeeds, events.SystemsChanged
// is published in the same transaction with the ids ids gives then (none:
// possibly all) and the actor's role, so what follows the systems
// (sitescan's sites, approved or waiting by who added them) commits with
// them.
func (r *Registry) writeSystems(ctx context.Context, actor access.Actor, ids func() []int64, fn func(ctx context.Context, tx *store.Tx) error) error {
	return r.write(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := fn(ctx, tx); err != nil {
			return err
		}
		return r.events.Publish(ctx, events.SystemsChanged{SystemIDs: ids(), ByRole: string(actor.Role)})
	})
}

// New returns the registry kept in db, recording changes in log and
// publishing them on bus (nil: publishing nothing).
func New(db *store.DB, log *audit.Log, bus *events.Bus) *Registry {
	return &Registry{db: db, audit: log, events: bus}
}

// write runs fn in a transaction and, once it is over (committed or not),
// invalidates the cached list totals.
func (r *Registry) write(ctx context.Context, fn func(ctx context.Context, tx *store.Tx) error) error {
	defer r.counts.changed()
	return r.db.WithTx(ctx, fn)
}

// OptionalID is a JSON field that distinguishes "absent" from "null": Set
// is true when the field was present, and ID is nil when it was null.
type OptionalID struct {
	Set bool
	ID  *int64
}

// UnmarshalJSON records presence and the value (null or a number).
func (o *OptionalID) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.ID = nil
		return nil
	}
	var v int64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	o.ID = &v
	return nil
}

// MarshalJSON writes the value, or null.
func (o OptionalID) MarshalJSON() ([]byte, error) {
	if o.ID == nil {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatInt(*o.ID, 10)), nil
}

// Page is a window on a sorted list.
type Page = store.Page

func normalised(p Page) Page { return p.Capped(50) }

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
