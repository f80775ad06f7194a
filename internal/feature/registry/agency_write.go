// Creating, changing, moving and deleting agencies.

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

// CreateAgency adds an agency. An agency user may only add agencies under
// an agency within its scope.
func (r *Registry) CreateAgency(ctx context.Context, actor access.Actor, in AgencyInput) (Agency, error) {
	if !actor.CanWriteRegistry() {
		return Agency{}, fmt.Errorf("registry: create agency: %w", store.ErrForbidden)
	}
	var a Agency
	in.apply(&a)
	if err := a.validate(); err != nil {
		return a, err
	}
	var out Agency
	err := r.write(ctx, func(ctx context.Context, tx *store.Tx) error {
		parentPath := ""
		if a.ParentID != nil {
			p, err := r.Agency(ctx, actor, *a.ParentID)
			if errors.Is(err, store.ErrNotFound) {
				return parentError(*a.ParentID)
			}
			if err != nil {
				return err
			}
			parentPath = p.Path
		} else if actor.Scoped() {
			return parentError(0)
		}
		now := store.Now()
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO agencies (code, name, parent_id, path, kind, email, phone, security_officer, public_status, search, created_at, updated_at)
			VALUES ($1, $2, $3, '', $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			a.Code, a.Name, a.ParentID, a.Kind, a.Email, a.Phone, a.SecurityOfficer, store.Flag(a.PublicStatus), agencySearch(a), now).Scan(&id)
		if store.IsUniqueViolation(err) {
			return codeTaken(a.Code)
		}
		if err != nil {
			return fmt.Errorf("registry: create agency %q: %w", a.Code, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE agencies SET path = $1 WHERE id = $2`, access.AgencyPath(parentPath, id), id); err != nil {
			return fmt.Errorf("registry: create agency %q: %w", a.Code, err)
		}
		if out, err = r.Agency(ctx, access.System, id); err != nil {
			return err
		}
		return r.audit.Record(ctx, actor, audit.Create, "agency", id, nil, out)
	})
	return out, err
}

func agencySearch(a Agency) string { return valid.Fold(a.Code + " " + a.Name) }

func parentError(id int64) error {
	var e valid.Errors
	if id == 0 {
		e.Add("parent_id", "is required: you may only add agencies under your own agency", "bắt buộc: bạn chỉ được thêm đơn vị trực thuộc đơn vị của mình")
	} else {
		e.Add("parent_id", fmt.Sprintf("agency %d does not exist or is outside your scope", id), fmt.Sprintf("đơn vị %d không tồn tại hoặc ngoài phạm vi của bạn", id))
	}
	return e
}

func codeTaken(code string) error {
	var e valid.Errors
	e.Add("code", fmt.Sprintf("%q is already used by another agency", code), fmt.Sprintf("%q đã được dùng cho đơn vị khác", code))
	return fmt.Errorf("%w (%w)", e, store.ErrConflict)
}

// UpdateAgency changes the fields present in in. Moving an agency moves
// its whole subtree; it may not move under itself, and an agency user may
// not move or rename the code of its own root agency.
func (r *Registry) UpdateAgency(ctx context.Context, actor access.Actor, id int64, in AgencyInput) (Agency, error) {
	if !actor.CanWriteRegistry() {
		return Agency{}, fmt.Errorf("registry: update agency: %w", store.ErrForbidden)
	}
	var out Agency
	err := r.write(ctx, func(ctx context.Context, tx *store.Tx) error {
		before, err := r.Agency(ctx, actor, id)
		if err != nil {
			return err
		}
		a := before
		in.apply(&a)
		if err := a.validate(); err != nil {
			return err
		}
		moved := !sameID(a.ParentID, before.ParentID)
		if actor.Scoped() && before.ID == actor.AgencyID && (moved || a.Code != before.Code) {
			var e valid.Errors
			e.Add("parent_id", "you may not move your own agency or change its code", "bạn không được chuyển đơn vị của mình hay đổi mã của nó")
			return e
		}
		newPath := before.Path
		if moved {
			if newPath, err = r.movedPath(ctx, actor, before, a.ParentID); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE agencies SET code = $1, name = $2, parent_id = $3, kind = $4, email = $5, phone = $6, security_officer = $7, public_status = $8, search = $9, updated_at = $10 WHERE id = $11`,
			a.Code, a.Name, a.ParentID, a.Kind, a.Email, a.Phone, a.SecurityOfficer, store.Flag(a.PublicStatus), agencySearch(a), store.Now(), id)
		if store.IsUniqueViolation(err) {
			return codeTaken(a.Code)
		}
		if err != nil {
			return fmt.Errorf("registry: update agency %d: %w", id, err)
		}
		if moved {
			if err := movePaths(ctx, tx, before.Path, newPath); err != nil {
				return fmt.Errorf("registry: move agency %d: %w", id, err)
			}
		}
		if out, err = r.Agency(ctx, access.System, id); err != nil {
			return err
		}
		return r.audit.Record(ctx, actor, audit.Update, "agency", id, before, out)
	})
	return out, err
}

func (r *Registry) movedPath(ctx context.Context, actor access.Actor, a Agency, parent *int64) (string, error) {
	if parent == nil {
		if actor.Scoped() {
			return "", parentError(0)
		}
		return access.AgencyPath("", a.ID), nil
	}
	p, err := r.Agency(ctx, actor, *parent)
	if errors.Is(err, store.ErrNotFound) {
		return "", parentError(*parent)
	}
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(p.Path, a.Path) {
		var e valid.Errors
		e.Add("parent_id", "an agency cannot be placed under itself or one of its own units", "không thể đặt một đơn vị trực thuộc chính nó hoặc đơn vị con của nó")
		return "", e
	}
	return access.AgencyPath(p.Path, a.ID), nil
}

func sameID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// DeleteAgency removes an agency that has no sub-units, systems (live or
// archived) or users.
func (r *Registry) DeleteAgency(ctx context.Context, actor access.Actor, id int64) error {
	if !actor.CanWriteRegistry() {
		return fmt.Errorf("registry: delete agency: %w", store.ErrForbidden)
	}
	return r.write(ctx, func(ctx context.Context, tx *store.Tx) error {
		before, err := r.Agency(ctx, actor, id)
		if err != nil {
			return err
		}
		if actor.Scoped() && before.ID == actor.AgencyID {
			return fmt.Errorf("registry: an agency officer cannot delete their own agency: %w", store.ErrForbidden)
		}
		// Archived systems count: their history keeps the agency until an
		// admin purges them, so deleting an agency never erases it.
		var children, systems, archived, users int
		err = tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM agencies WHERE parent_id = $1), (SELECT COUNT(*) FROM systems WHERE agency_id = $1),
			(SELECT COUNT(*) FROM systems WHERE agency_id = $1 AND archived_at <> ''), (SELECT COUNT(*) FROM users WHERE agency_id = $1)`, id).Scan(&children, &systems, &archived, &users)
		if err != nil {
			return fmt.Errorf("registry: delete agency %d: %w", id, err)
		}
		if children+systems+users > 0 {
			var e valid.Errors
			e.Add("id", fmt.Sprintf("agency %q still has %d sub-units, %d systems (%d of them archived: only an admin can purge those) and %d users; move or delete them first", before.Code, children, systems, archived, users),
				fmt.Sprintf("đơn vị %q còn %d đơn vị trực thuộc, %d hệ thống (%d đã lưu trữ: chỉ quản trị viên xoá hẳn được) và %d người dùng; hãy chuyển hoặc xoá chúng trước", before.Code, children, systems, archived, users))
			return fmt.Errorf("%w (%w)", e, store.ErrConflict)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM agencies WHERE id = $1`, id); err != nil {
			return fmt.Errorf("registry: delete agency %d: %w", id, err)
		}
		return r.audit.Record(ctx, actor, audit.Delete, "agency", id, before, nil)
	})
}

// movePaths rewrites the materialised paths of a moved subtree, in the
// agencies and in their systems.
func movePaths(ctx context.Context, tx *store.Tx, oldPath, newPath string) error {
	for _, q := range []string{
		`UPDATE agencies SET path = $1 || substr(path, $2) WHERE %s`,
		`UPDATE systems SET agency_path = $1 || substr(agency_path, $2) WHERE %s`,
	} {
		col := "path"
		if strings.Contains(q, "systems") {
			col = "agency_path"
		}
		var w store.Where
		w.Before(newPath, len(oldPath)+1)
		w.Cond(access.SubtreeCondition(col, oldPath))
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(q, w.SQL()), w.Args()...); err != nil {
			return err
		}
	}
	return nil
}
