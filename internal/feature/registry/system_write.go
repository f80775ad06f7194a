// Creating, changing and deleting systems and their assets.

package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

func (s *System) search() string {
	parts := []string{s.Name, s.Purpose, s.Operator, s.AgencyCode}
	parts = append(parts, s.URLs...)
	parts = append(parts, s.Domains...)
	parts = append(parts, s.IPs...)
	for _, sw := range s.Software {
		parts = append(parts, sw.Name)
	}
	return valid.Fold(strings.Join(parts, " "))
}

// CreateSystem registers an information system under an agency within
// actor's scope.
func (r *Registry) CreateSystem(ctx context.Context, actor access.Actor, in SystemInput) (out System, err error) {
	if !actor.CanWriteRegistry() {
		return System{}, fmt.Errorf("registry: create system: %w", store.ErrForbidden)
	}
	var s System
	in.apply(&s)
	if err := s.validate(); err != nil {
		return s, err
	}
	err = r.writeSystems(ctx, actor, func() []int64 { return []int64{out.ID} }, func(ctx context.Context, tx *store.Tx) error {
		ag, err := r.Agency(ctx, actor, s.AgencyID)
		if errors.Is(err, store.ErrNotFound) {
			return agencyError(s.AgencyID)
		}
		if err != nil {
			return err
		}
		s.AgencyCode = ag.Code
		now := store.Now()
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO systems (agency_id, agency_path, url_count, assets, name, purpose, info_kind, audience, hosting, operator, status, search, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id`,
			s.AgencyID, ag.Path, len(s.URLs), s.assetText(), s.Name, s.Purpose, s.InfoKind, s.Audience, s.Hosting, s.Operator, s.Status, s.search(), now).Scan(&id)
		if err != nil {
			return fmt.Errorf("registry: create system %q: %w", s.Name, err)
		}
		if err := writeAssets(ctx, tx, id, s); err != nil {
			return err
		}
		if out, err = r.System(ctx, access.System, id); err != nil {
			return err
		}
		return r.audit.Record(ctx, actor, audit.Create, "system", id, nil, out)
	})
	return out, err
}

func agencyError(id int64) error {
	var e valid.Errors
	e.Add("agency_id", fmt.Sprintf("agency %d does not exist or is outside your scope", id), fmt.Sprintf("đơn vị %d không tồn tại hoặc ngoài phạm vi của bạn", id))
	return e
}

func writeAssets(ctx context.Context, tx *store.Tx, id int64, s System) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM system_assets WHERE system_id = $1`, id); err != nil {
		return fmt.Errorf("registry: replace assets of system %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM system_software WHERE system_id = $1`, id); err != nil {
		return fmt.Errorf("registry: replace software of system %d: %w", id, err)
	}
	for _, group := range []struct {
		kind   string
		values []string
	}{{assetURL, s.URLs}, {assetDomain, s.Domains}, {assetIP, s.IPs}, {assetCIDR, s.CIDRs}} {
		for i, v := range group.values {
			if _, err := tx.ExecContext(ctx, `INSERT INTO system_assets (system_id, kind, value, position) VALUES ($1, $2, $3, $4)`, id, group.kind, v, i); err != nil {
				return fmt.Errorf("registry: add %s of system %d: %w", group.kind, id, err)
			}
		}
	}
	for i, sw := range s.Software {
		if _, err := tx.ExecContext(ctx, `INSERT INTO system_software (system_id, name, version, cpe, purl, position) VALUES ($1, $2, $3, $4, $5, $6)`, id, sw.Name, sw.Version, sw.CPE, sw.PURL, i); err != nil {
			return fmt.Errorf("registry: add software of system %d: %w", id, err)
		}
	}
	return nil
}

// UpdateSystem changes the fields present in in. Moving a system to
// another agency needs that agency to be within actor's scope too.
func (r *Registry) UpdateSystem(ctx context.Context, actor access.Actor, id int64, in SystemInput) (out System, err error) {
	if !actor.CanWriteRegistry() {
		return System{}, fmt.Errorf("registry: update system: %w", store.ErrForbidden)
	}
	err = r.writeSystems(ctx, actor, func() []int64 { return []int64{id} }, func(ctx context.Context, tx *store.Tx) error {
		before, err := r.System(ctx, actor, id)
		if err != nil {
			return err
		}
		s := before
		s.URLs, s.Domains, s.IPs, s.CIDRs = clone(before.URLs), clone(before.Domains), clone(before.IPs), clone(before.CIDRs)
		s.Software = append([]Software{}, before.Software...)
		in.apply(&s)
		if err := s.validate(); err != nil {
			return err
		}
		ag, err := r.Agency(ctx, actor, s.AgencyID)
		if errors.Is(err, store.ErrNotFound) {
			return agencyError(s.AgencyID)
		}
		if err != nil {
			return err
		}
		s.AgencyCode = ag.Code
		_, err = tx.ExecContext(ctx, `UPDATE systems SET agency_id = $1, agency_path = $2, url_count = $3, assets = $4, name = $5, purpose = $6, info_kind = $7, audience = $8, hosting = $9, operator = $10, status = $11, search = $12, updated_at = $13 WHERE id = $14`,
			s.AgencyID, ag.Path, len(s.URLs), s.assetText(), s.Name, s.Purpose, s.InfoKind, s.Audience, s.Hosting, s.Operator, s.Status, s.search(), store.Now(), id)
		if err != nil {
			return fmt.Errorf("registry: update system %d: %w", id, err)
		}
		if err := writeAssets(ctx, tx, id, s); err != nil {
			return err
		}
		if out, err = r.System(ctx, access.System, id); err != nil {
			return err
		}
		return r.audit.Record(ctx, actor, audit.Update, "system", id, before, out)
	})
	return out, err
}

func clone(s []string) []string { return append([]string{}, s...) }

// DeleteSystem removes a system and its assets.
func (r *Registry) DeleteSystem(ctx context.Context, actor access.Actor, id int64) (err error) {
	if !actor.CanWriteRegistry() {
		return fmt.Errorf("registry: delete system: %w", store.ErrForbidden)
	}
	return r.writeSystems(ctx, actor, func() []int64 { return []int64{id} }, func(ctx context.Context, tx *store.Tx) error {
		before, err := r.System(ctx, actor, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM systems WHERE id = $1`, id); err != nil {
			return fmt.Errorf("registry: delete system %d: %w", id, err)
		}
		return r.audit.Record(ctx, actor, audit.Delete, "system", id, before, nil)
	})
}
