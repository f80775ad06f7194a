package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// PasswordChange is a user's change of their own password.
type PasswordChange struct {
	Current string `json:"current_password"`
	New     string `json:"new_password"`
	// KeepTokens keeps the user's API tokens working; by default a new
	// password ends them, as it ends every session.
	KeepTokens bool `json:"keep_tokens"`
}

// PasswordChanged says what a new password ended.
type PasswordChanged struct {
	SessionsEnded int64 `json:"sessions_ended"`
	TokensRevoked int64 `json:"tokens_revoked"`
}

// ChangePassword sets actor's own password. The current password is
// checked like a login from addr with device (the same policy and
// counters; a *ThrottledError says how long to wait); a wrong one is a
// field error on current_password.
func (s *Service) ChangePassword(ctx context.Context, actor access.Actor, ch PasswordChange, addr, device string) (PasswordChanged, error) {
	var done PasswordChanged
	if actor.UserID == 0 {
		return done, fmt.Errorf("auth: change password: %w", store.ErrForbidden)
	}
	var e valid.Errors
	checkNewPassword(&e, "new_password", ch.New)
	if err := e.Err(); err != nil {
		return done, err
	}
	me, err := s.userWhere(ctx, "u.id = $1", actor.UserID)
	if err != nil {
		return done, err
	}
	// Outside the transaction: the check counts failures on its own.
	u, err := s.checkPassword(ctx, Credentials{Username: me.Username, Password: ch.Current, Addr: addr, Device: device})
	if errors.Is(err, ErrBadCredentials) || (err == nil && u.ID != me.ID) {
		e.Add("current_password", "is not your current password", "không đúng mật khẩu hiện tại")
		return done, e
	}
	if err != nil {
		return done, err
	}
	hash, err := HashPassword(ch.New)
	if err != nil {
		return done, err
	}
	defer s.tokens.clear()
	err = s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3`, hash, store.Now(), me.ID); err != nil {
			return fmt.Errorf("auth: change password: %w", err)
		}
		done, err = s.passwordSet(ctx, actor, me.ID, "changed by its user", ch.KeepTokens)
		return err
	})
	return done, err
}

// passwordSet ends the sessions of user id, and its API tokens unless
// keepTokens, after its password was set (how: by whom), and audits it.
// It runs in the transaction that set the password.
func (s *Service) passwordSet(ctx context.Context, actor access.Actor, id int64, how string, keepTokens bool) (PasswordChanged, error) {
	var done PasswordChanged
	tx := s.db.Q(ctx)
	res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, id)
	if err == nil {
		done.SessionsEnded, err = res.RowsAffected()
	}
	if err == nil && !keepTokens {
		res, err = tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at = ''`, store.Now(), id)
		if err == nil {
			done.TokensRevoked, err = res.RowsAffected()
		}
	}
	if err != nil {
		return done, fmt.Errorf("auth: end sessions and tokens of user %d: %w", id, err)
	}
	return done, s.audit.Record(ctx, actor, audit.Update, "user", id, nil, map[string]any{
		"password": how, "sessions_ended": done.SessionsEnded, "tokens_revoked": done.TokensRevoked, "tokens_kept": keepTokens})
}

// ResetPassword sets the password of the user called name (whatever its
// case) as an admin does, for the operator who lost it: the same rules,
// and its sessions and API tokens end.
func (s *Service) ResetPassword(ctx context.Context, actor access.Actor, name, password string) (User, error) {
	if !actor.CanManageUsers() {
		return User{}, fmt.Errorf("auth: reset password: %w", store.ErrForbidden)
	}
	var e valid.Errors
	checkNewPassword(&e, "password", password)
	if err := e.Err(); err != nil {
		return User{}, err
	}
	u, err := s.UserByName(ctx, name)
	if err != nil {
		return User{}, err
	}
	return s.UpdateUser(ctx, actor, u.ID, UserInput{Password: &password})
}
