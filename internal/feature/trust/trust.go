// Package trust keeps the trust labels of registered sites: the label
// policy (kept as data), each label's state (granted, suspended, revoked,
// expired) with reasons and history, automatic suspension when a critical
// check fails, and the public view anyone may verify without logging in.
package trust

import (
	"context"

	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
)

// Label states.
const (
	Granted   = "granted"
	Suspended = "suspended"
	Revoked   = "revoked"
	Expired   = "expired"
)

// Service manages labels and policies.
type Service struct {
	db    *store.DB
	audit *audit.Log
}

// New builds the service and subscribes it to what re-verifies a label:
// a monitoring probe inside the probe's own transaction (a failing
// critical check suspends the label within that probe), and a finished
// scan durably after it is stored (a failure to verify never undoes the
// stored report; it is retried). Archiving a site suspends its label, and
// purging its system deletes it, both in the publisher's transaction.
func New(db *store.DB, log *audit.Log, bus *events.Bus) *Service {
	s := &Service{db: db, audit: log}
	events.Subscribe(bus, "trust-scan", events.Durable, func(ctx context.Context, e events.ScanFinished) error {
		_, err := s.Verify(ctx, e.SiteID, e.Report, nil)
		return err
	})
	events.Subscribe(bus, "trust-probe", events.Inline, func(ctx context.Context, e events.ProbeFinished) error {
		_, err := s.Verify(ctx, e.SiteID, nil, e.Failing)
		return err
	})
	events.Subscribe(bus, "trust-archive", events.Inline, s.suspendArchived)
	events.Subscribe(bus, "trust-purge", events.Inline, s.purgeSites)
	return s
}
