package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// nameFree refuses name when another account (not id) has it in any case.
func nameFree(ctx context.Context, tx *store.Tx, name string, id int64) error {
	var other string
	err := tx.QueryRowContext(ctx, `SELECT username FROM users WHERE lower(username) = $1 AND id <> $2`, NormalName(name), id).Scan(&other)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("auth: check user name: %w", err)
	}
	return nameTaken(name, other)
}

func nameTaken(name, other string) error {
	var e valid.Errors
	if name == other {
		e.Add("username", fmt.Sprintf("%q is already taken", name), fmt.Sprintf("%q đã có người dùng", name))
	} else {
		e.Add("username", fmt.Sprintf("%q is already taken as %q (user names do not depend on case)", name, other),
			fmt.Sprintf("%q đã có người dùng dưới tên %q (tên đăng nhập không phân biệt chữ hoa, chữ thường)", name, other))
	}
	return fmt.Errorf("%w (%w)", e, store.ErrConflict)
}

// lockAdmins serialises the changes that could leave no active admin:
// PostgreSQL runs them one at a time under a transaction lock, so the
// second of two concurrent demotions counts the admins after the first
// (SQLite has one writer anyway).
func lockAdmins(ctx context.Context, tx *store.Tx) error {
	if tx.Engine != store.Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7291003)`); err != nil {
		return fmt.Errorf("auth: lock accounts: %w", err)
	}
	return nil
}

// keepAnAdmin refuses to turn before, an active admin, into something else
// (after; nil: deleted) when no other active admin exists.
func keepAnAdmin(ctx context.Context, tx *store.Tx, before User, after *User) error {
	if before.Role != string(access.Admin) || before.Disabled {
		return nil
	}
	if after != nil && after.Role == string(access.Admin) && !after.Disabled {
		return nil
	}
	var others int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = $1 AND disabled = 0 AND id <> $2`, string(access.Admin), before.ID).Scan(&others); err != nil {
		return fmt.Errorf("auth: count admins: %w", err)
	}
	if others > 0 {
		return nil
	}
	var e valid.Errors
	switch {
	case after == nil:
		e.Add("id", fmt.Sprintf("%q is the last active admin and cannot be deleted; make another admin first", before.Username),
			fmt.Sprintf("%q là quản trị viên cuối cùng đang hoạt động nên không thể xóa; hãy tạo quản trị viên khác trước", before.Username))
	case after.Disabled:
		e.Add("disabled", fmt.Sprintf("%q is the last active admin and cannot be disabled; make another admin first", before.Username),
			fmt.Sprintf("%q là quản trị viên cuối cùng đang hoạt động nên không thể khóa; hãy tạo quản trị viên khác trước", before.Username))
	default:
		e.Add("role", fmt.Sprintf("%q is the last active admin and must keep the admin role; make another admin first", before.Username),
			fmt.Sprintf("%q là quản trị viên cuối cùng đang hoạt động nên phải giữ vai trò admin; hãy tạo quản trị viên khác trước", before.Username))
	}
	return fmt.Errorf("%w (%w)", e, store.ErrConflict)
}
