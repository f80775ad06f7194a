// Package auth keeps users, their passwords, browser sessions and API
// tokens, and turns a credential into an access.Actor.
package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Service is the accounts service.
type Service struct {
	db      *store.DB
	audit   *audit.Log
	policy  LoginPolicy
	now     func() time.Time
	touched touchCache
	tokens  tokenCache
	// SessionTTL is how long a browser session lasts.
	SessionTTL time.Duration
}

// New returns the accounts service over db.
func New(db *store.DB, log *audit.Log) *Service {
	return &Service{
		db: db, audit: log,
		policy:     DefaultLoginPolicy,
		now:        time.Now,
		touched:    touchCache{last: map[int64]time.Time{}},
		SessionTTL: 12 * time.Hour,
	}
}

// SetLoginPolicy replaces the login policy (tests shorten it).
func (s *Service) SetLoginPolicy(p LoginPolicy) { s.policy = p }

// User is an account. The password hash never leaves this package.
type User struct {
	ID          int64     `json:"id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Role        string    `json:"role"`
	AgencyID    *int64    `json:"agency_id"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	LastLoginAt string    `json:"last_login_at"`
	hash        string
	agencyPath  string
}

// Actor is the access.Actor acting as u.
func (u User) Actor() access.Actor {
	a := access.Actor{UserID: u.ID, Username: u.Username, Role: access.Role(u.Role), AgencyPath: u.agencyPath}
	if u.AgencyID != nil {
		a.AgencyID = *u.AgencyID
	}
	return a
}

// UserInput creates a user (all fields) or changes one (fields present).
type UserInput struct {
	Username    *string `json:"username"`
	Password    *string `json:"password"`
	DisplayName *string `json:"display_name"`
	Role        *string `json:"role"`
	AgencyID    *int64  `json:"agency_id"`
	Disabled    *bool   `json:"disabled"`
}

// apply copies the fields present in in onto u. Leaving role agency
// drops the agency unless a new one is given.
func (in UserInput) apply(u *User) {
	if in.Username != nil {
		u.Username = strings.TrimSpace(*in.Username)
	}
	if in.DisplayName != nil {
		u.DisplayName = strings.TrimSpace(*in.DisplayName)
	}
	if in.Role != nil {
		u.Role = *in.Role
		if u.Role != string(access.Agency) {
			u.AgencyID = nil
		}
	}
	if in.AgencyID != nil {
		u.AgencyID = in.AgencyID
	}
	if in.Disabled != nil {
		u.Disabled = *in.Disabled
	}
}

const userColumns = `u.id, u.username, u.display_name, u.password_hash, u.role, u.agency_id, u.disabled, u.created_at, u.updated_at, u.last_login_at, COALESCE(a.path, '')`
const userFrom = ` FROM users u LEFT JOIN agencies a ON a.id = u.agency_id`

func scanUser(r interface{ Scan(...any) error }) (User, error) {
	var u User
	var created, updated string
	var disabled int
	err := r.Scan(&u.ID, &u.Username, &u.DisplayName, &u.hash, &u.Role, &u.AgencyID, &disabled, &created, &updated, &u.LastLoginAt, &u.agencyPath)
	u.Disabled = disabled != 0
	u.CreatedAt, u.UpdatedAt = store.ParseTime(created), store.ParseTime(updated)
	return u, err
}

func (s *Service) userWhere(ctx context.Context, cond string, args ...any) (User, error) {
	u, err := scanUser(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+userColumns+userFrom+` WHERE `+cond, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("auth: user: %w", store.ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("auth: user: %w", err)
	}
	return u, nil
}

// User returns one user. Admins see everyone; others see only themselves.
func (s *Service) User(ctx context.Context, actor access.Actor, id int64) (User, error) {
	if !actor.CanManageUsers() && actor.UserID != id {
		return User{}, fmt.Errorf("auth: user %d: %w", id, store.ErrNotFound)
	}
	return s.userWhere(ctx, "u.id = $1", id)
}

// UserByName returns the user called name, whatever its case (for the
// operator's command line).
func (s *Service) UserByName(ctx context.Context, name string) (User, error) {
	return s.userWhere(ctx, "lower(u.username) = $1", NormalName(name))
}

// Users lists every user (admins only).
func (s *Service) Users(ctx context.Context, actor access.Actor) ([]User, error) {
	if !actor.CanManageUsers() {
		return nil, fmt.Errorf("auth: list users: %w", store.ErrForbidden)
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+userColumns+userFrom+` ORDER BY u.username`)
	if err != nil {
		return nil, fmt.Errorf("auth: list users: %w", err)
	}
	defer rows.Close()
	out := []User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("auth: list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CountUsers reports how many accounts exist.
func (s *Service) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

func validateUser(u *User, password *string, creating bool) error {
	var e valid.Errors
	if len(u.Username) < 2 || len(u.Username) > 64 || strings.IndexFunc(u.Username, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' || r == '@')
	}) >= 0 {
		e.Add("username", "must be 2–64 letters, digits, '.', '_', '-' or '@'", "phải gồm 2–64 chữ cái không dấu, chữ số, '.', '_', '-' hoặc '@'")
	}
	e.Text("display_name", u.DisplayName, false, 200, false)
	if _, err := access.ParseRole(u.Role); err != nil {
		e.Add("role", fmt.Sprintf("%q is not a role (admin, analyst, agency, auditor)", u.Role), fmt.Sprintf("%q không phải vai trò hợp lệ (admin, analyst, agency, auditor)", u.Role))
	}
	if u.Role == string(access.Agency) && u.AgencyID == nil {
		e.Add("agency_id", "is required for role agency", "bắt buộc với vai trò agency")
	}
	if u.Role != string(access.Agency) && u.AgencyID != nil {
		e.Add("agency_id", "is only used with role agency", "chỉ dùng cho vai trò agency")
	}
	if password != nil || creating {
		p := ""
		if password != nil {
			p = *password
		}
		checkNewPassword(&e, "password", p)
	}
	return e.Err()
}

// checkNewPassword is the rule every new password meets, wherever it is
// set (the user form, a change of one's own, the command line).
func checkNewPassword(e *valid.Errors, field, p string) {
	if n := len([]rune(p)); n < 8 || len(p) > 256 {
		e.Add(field, "must be 8 to 256 characters", "phải dài từ 8 đến 256 ký tự")
	}
}

// CreateUser adds an account (admins only; access.System too).
func (s *Service) CreateUser(ctx context.Context, actor access.Actor, in UserInput) (User, error) {
	if !actor.CanManageUsers() {
		return User{}, fmt.Errorf("auth: create user: %w", store.ErrForbidden)
	}
	var u User
	in.apply(&u)
	if err := validateUser(&u, in.Password, true); err != nil {
		return u, err
	}
	hash, err := HashPassword(*in.Password)
	if err != nil {
		return u, err
	}
	var out User
	err = s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := checkAgency(ctx, tx, u.AgencyID); err != nil {
			return err
		}
		if err := nameFree(ctx, tx, u.Username, 0); err != nil {
			return err
		}
		now := store.Now()
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO users (username, display_name, password_hash, role, agency_id, disabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
			u.Username, u.DisplayName, hash, u.Role, u.AgencyID, store.Flag(u.Disabled), now).Scan(&id)
		if store.IsUniqueViolation(err) {
			return nameTaken(u.Username, u.Username)
		}
		if err != nil {
			return fmt.Errorf("auth: create user: %w", err)
		}
		if out, err = s.userWhere(ctx, "u.id = $1", id); err != nil {
			return err
		}
		return s.audit.Record(ctx, actor, audit.Create, "user", id, nil, out)
	})
	return out, err
}

func checkAgency(ctx context.Context, tx *store.Tx, id *int64) error {
	if id == nil {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM agencies WHERE id = $1`, *id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		var e valid.Errors
		e.Add("agency_id", fmt.Sprintf("agency %d does not exist", *id), fmt.Sprintf("đơn vị %d không tồn tại", *id))
		return e
	}
	return nil
}

// UpdateUser changes an account (admins only). Setting its password ends
// its sessions and API tokens; disabling it or changing its role ends its
// sessions. The last active admin keeps that role and stays enabled.
func (s *Service) UpdateUser(ctx context.Context, actor access.Actor, id int64, in UserInput) (User, error) {
	if !actor.CanManageUsers() {
		return User{}, fmt.Errorf("auth: update user: %w", store.ErrForbidden)
	}
	defer s.tokens.clear()
	var out User
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := lockAdmins(ctx, tx); err != nil {
			return err
		}
		before, err := s.userWhere(ctx, "u.id = $1", id)
		if err != nil {
			return err
		}
		u := before
		in.apply(&u)
		if err := validateUser(&u, in.Password, false); err != nil {
			return err
		}
		if err := checkAgency(ctx, tx, u.AgencyID); err != nil {
			return err
		}
		if err := nameFree(ctx, tx, u.Username, id); err != nil {
			return err
		}
		if err := keepAnAdmin(ctx, tx, before, &u); err != nil {
			return err
		}
		hash := before.hash
		if in.Password != nil {
			if hash, err = HashPassword(*in.Password); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE users SET username = $1, display_name = $2, password_hash = $3, role = $4, agency_id = $5, disabled = $6, updated_at = $7 WHERE id = $8`,
			u.Username, u.DisplayName, hash, u.Role, u.AgencyID, store.Flag(u.Disabled), store.Now(), id)
		if store.IsUniqueViolation(err) {
			return nameTaken(u.Username, u.Username)
		}
		if err != nil {
			return fmt.Errorf("auth: update user %d: %w", id, err)
		}
		if in.Password != nil || u.Disabled || u.Role != before.Role {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return err
			}
		}
		if out, err = s.userWhere(ctx, "u.id = $1", id); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, actor, audit.Update, "user", id, before, out); err != nil {
			return err
		}
		if in.Password != nil {
			_, err = s.passwordSet(ctx, actor, id, "set by an admin", false)
		}
		return err
	})
	return out, err
}

// DeleteUser removes an account with its sessions and tokens. Nobody can
// delete their own account, nor the last active admin.
func (s *Service) DeleteUser(ctx context.Context, actor access.Actor, id int64) error {
	if !actor.CanManageUsers() {
		return fmt.Errorf("auth: delete user: %w", store.ErrForbidden)
	}
	if actor.UserID == id {
		return fmt.Errorf("auth: you cannot delete your own account: %w", store.ErrConflict)
	}
	defer s.tokens.clear()
	return s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := lockAdmins(ctx, tx); err != nil {
			return err
		}
		before, err := s.userWhere(ctx, "u.id = $1", id)
		if err != nil {
			return err
		}
		if err := keepAnAdmin(ctx, tx, before, nil); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = $1`, id); err != nil {
			return fmt.Errorf("auth: delete user %d: %w", id, err)
		}
		return s.audit.Record(ctx, actor, audit.Delete, "user", id, before, nil)
	})
}

// EnsureAdmin creates the first account, "admin", when there are no users.
// An empty password makes a random one. It returns the password it set, or
// "" when users already existed.
func (s *Service) EnsureAdmin(ctx context.Context, password string) (string, error) {
	n, err := s.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	if password == "" {
		password = RandomPassword(20)
	}
	name, role := "admin", string(access.Admin)
	_, err = s.CreateUser(ctx, access.System, UserInput{Username: &name, Password: &password, Role: &role})
	if err != nil {
		return "", fmt.Errorf("auth: create first admin: %w", err)
	}
	return password, nil
}
