// Package levels is security by level (issue 12): the legal regimes as
// versioned data (criteria, approval matrix, dossier sections,
// requirement catalogue, duties, annual-report calendar), the level
// questionnaire and its evaluation, each system's level and the regime it
// was proposed and approved under, and the four protection layers.
//
// It owns level_proposals, system_levels, system_layers, the dossiers
// (level_dossiers, dossier_steps, dossier_comments, dossier_attachments),
// requirement_statuses, level_evidence_files, assessment_snapshots, level_summaries (one per
// system, for the dashboard and reports), level_duty_records and risks;
// it reads
// systems for agency scope and reacts to registry's SystemPurge.
package levels

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Service answers level questions about the systems in an actor's scope.
type Service struct {
	db    *store.DB
	audit *audit.Log
	lib   *Library
	now   func() time.Time // nil: time.Now
	// scales are the risk register's scales (scales/risk.yaml).
	scales RiskScales
}

// New builds the service over the embedded regimes; bus (nil in some
// tests) brings registry's purges.
func New(db *store.DB, log *audit.Log, bus *events.Bus) (*Service, error) {
	lib, err := Builtin()
	if err != nil {
		return nil, fmt.Errorf("levels: embedded regimes: %w", err)
	}
	scales, err := LoadRiskScales(riskScalesYAML)
	if err != nil {
		return nil, err
	}
	s := &Service{db: db, audit: log, lib: lib, scales: scales}
	if bus != nil {
		events.Subscribe(bus, "levels-purge", events.Inline, s.purgeSystem)
	}
	return s, nil
}

// Library is the regimes and frameworks the service knows.
func (s *Service) Library() *Library { return s.lib }

// system is what levels reads of a registry system.
type system struct {
	ID       int64
	Name     string
	Archived bool
}

// system returns system id if it lies in actor's scope (else an error
// wrapping store.ErrNotFound: other agencies' systems do not exist).
func (s *Service) system(ctx context.Context, actor access.Actor, id int64) (system, error) {
	var w store.Where
	w.Add("s.id = ?", id)
	w.Cond(actor.PathFilter(store.ScopePath))
	var sys system
	var archivedAt string
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT s.id, s.name, s.archived_at FROM systems s WHERE `+w.SQL(), w.Args()...).Scan(&sys.ID, &sys.Name, &archivedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return system{}, fmt.Errorf("levels: system %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return system{}, fmt.Errorf("levels: system %d: %w", id, err)
	}
	sys.Archived = archivedAt != ""
	return sys, nil
}

// writable returns system id for a change by actor: in scope (404), the
// actor's role may change its agencies' systems (403), and live (409).
func (s *Service) writable(ctx context.Context, actor access.Actor, id int64) (system, error) {
	sys, err := s.system(ctx, actor, id)
	if err != nil {
		return system{}, err
	}
	if !actor.CanWriteRegistry() {
		return system{}, fmt.Errorf("levels: %s may not change system %d: %w", actor.Role, id, store.ErrForbidden)
	}
	if sys.Archived {
		var e valid.Errors
		e.Add("id", fmt.Sprintf("system %d is archived and read-only; an admin can restore it", id),
			fmt.Sprintf("hệ thống %d đã được lưu trữ, chỉ được xem; quản trị viên có thể khôi phục", id))
		return system{}, fmt.Errorf("%w (%w)", e, store.ErrConflict)
	}
	return sys, nil
}

// purgeSystem deletes the level records of a system being purged (in
// registry's transaction) and counts them.
func (s *Service) purgeSystem(ctx context.Context, e events.SystemPurge) error {
	return s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		for _, q := range []struct{ kind, sql string }{
			{"dossier_attachments", `DELETE FROM dossier_attachments WHERE dossier_id IN (SELECT id FROM level_dossiers WHERE system_id = $1)`},
			{"dossier_comments", `DELETE FROM dossier_comments WHERE dossier_id IN (SELECT id FROM level_dossiers WHERE system_id = $1)`},
			{"dossier_steps", `DELETE FROM dossier_steps WHERE dossier_id IN (SELECT id FROM level_dossiers WHERE system_id = $1)`},
			{"level_dossiers", `DELETE FROM level_dossiers WHERE system_id = $1`},
			{"requirement_statuses", `DELETE FROM requirement_statuses WHERE system_id = $1`},
			{"level_evidence_files", `DELETE FROM level_evidence_files WHERE system_id = $1`},
			{"assessment_snapshots", `DELETE FROM assessment_snapshots WHERE system_id = $1`},
			{"risks", `DELETE FROM risks WHERE system_id = $1`},
			{"level_summaries", `DELETE FROM level_summaries WHERE system_id = $1`},
			{"level_duty_records", `DELETE FROM level_duty_records WHERE system_id = $1`},
			{"system_levels", `DELETE FROM system_levels WHERE system_id = $1`},
			{"level_proposals", `DELETE FROM level_proposals WHERE system_id = $1`},
			{"system_layers", `DELETE FROM system_layers WHERE system_id = $1`},
		} {
			res, err := tx.ExecContext(ctx, q.sql, e.SystemID)
			if err != nil {
				return fmt.Errorf("levels: purge %s of system %d: %w", q.kind, e.SystemID, err)
			}
			n, _ := res.RowsAffected()
			e.Removed.Add(q.kind, n)
		}
		return nil
	})
}
