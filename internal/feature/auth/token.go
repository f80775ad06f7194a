package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// TokenPrefix starts every API token, so that leaked tokens are easy to
// recognise by secret scanners.
const TokenPrefix = "khien_"

// Token is an API token's record. The secret itself is shown once, at
// creation, and only its hash is kept.
type Token struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"user_id"`
	Username   string    `json:"username"`
	Label      string    `json:"label"`
	Prefix     string    `json:"prefix"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt string    `json:"last_used_at"`
	RevokedAt  string    `json:"revoked_at"`
}

// NewToken is a token just created, with its secret.
type NewToken struct {
	Token
	Secret string `json:"token"`
}

// CreateToken makes an API token for user userID. Admins may make tokens
// for anyone, other users only for themselves.
func (s *Service) CreateToken(ctx context.Context, actor access.Actor, userID int64, label string) (NewToken, error) {
	if !actor.CanManageUsers() && actor.UserID != userID {
		return NewToken{}, fmt.Errorf("auth: create token: %w", store.ErrForbidden)
	}
	var e valid.Errors
	e.Text("label", label, false, 100, false)
	if err := e.Err(); err != nil {
		return NewToken{}, err
	}
	secret := TokenPrefix + RandomSecret(32)
	t := NewToken{Secret: secret}
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		u, err := s.userWhere(ctx, "u.id = $1", userID)
		if err != nil {
			return err
		}
		now := store.Now()
		prefix := secret[:len(TokenPrefix)+6]
		err = tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, label, token_hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			userID, label, hashSecret(secret), prefix, now).Scan(&t.ID)
		if err != nil {
			return fmt.Errorf("auth: create token: %w", err)
		}
		t.UserID, t.Username, t.Label, t.Prefix, t.CreatedAt = userID, u.Username, label, prefix, store.ParseTime(now)
		return s.audit.Record(ctx, actor, audit.Create, "token", t.ID, nil, t.Token)
	})
	return t, err
}

// Tokens lists tokens: all of them for admins, one's own for others.
func (s *Service) Tokens(ctx context.Context, actor access.Actor) ([]Token, error) {
	if !actor.Authenticated() {
		return nil, fmt.Errorf("auth: tokens: %w", store.ErrForbidden)
	}
	cond, args := "1=1", []any{}
	if !actor.CanManageUsers() {
		cond, args = "t.user_id = $1", []any{actor.UserID}
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT t.id, t.user_id, u.username, t.label, t.prefix, t.created_at, t.last_used_at, t.revoked_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE `+cond+` ORDER BY t.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("auth: tokens: %w", err)
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		var t Token
		var created string
		if err := rows.Scan(&t.ID, &t.UserID, &t.Username, &t.Label, &t.Prefix, &created, &t.LastUsedAt, &t.RevokedAt); err != nil {
			return nil, fmt.Errorf("auth: tokens: %w", err)
		}
		t.CreatedAt = store.ParseTime(created)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken disables a token at once. Admins may revoke any token,
// others only their own.
func (s *Service) RevokeToken(ctx context.Context, actor access.Actor, id int64) error {
	defer s.tokens.clear()
	return s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var owner int64
		var revoked string
		err := tx.QueryRowContext(ctx, `SELECT user_id, revoked_at FROM api_tokens WHERE id = $1`, id).Scan(&owner, &revoked)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !actor.CanManageUsers() && owner != actor.UserID) {
			return fmt.Errorf("auth: token %d: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("auth: token %d: %w", id, err)
		}
		if revoked != "" {
			return nil
		}
		now := store.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2`, now, id); err != nil {
			return fmt.Errorf("auth: revoke token %d: %w", id, err)
		}
		return s.audit.Record(ctx, actor, audit.Update, "token", id, map[string]string{"revoked_at": ""}, map[string]string{"revoked_at": now})
	})
}

// TokenActor resolves an API token to the actor it acts as.
func (s *Service) TokenActor(ctx context.Context, secret string) (access.Actor, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 128 {
		return access.Actor{}, fmt.Errorf("auth: token: %w", store.ErrNotFound)
	}
	hash := hashSecret(secret)
	if e, ok := s.tokens.get(hash); ok {
		s.touch(ctx, e.id)
		return e.actor, nil
	}
	var tokenID int64
	u, err := scanUserWithExtra(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+userColumns+`, t.id`+userFrom+` JOIN api_tokens t ON t.user_id = u.id WHERE t.token_hash = $1 AND t.revoked_at = '' AND u.disabled = 0`,
		hash), &tokenID)
	if errors.Is(err, sql.ErrNoRows) {
		return access.Actor{}, fmt.Errorf("auth: token: %w", store.ErrNotFound)
	}
	if err != nil {
		return access.Actor{}, fmt.Errorf("auth: token: %w", err)
	}
	s.tokens.put(hash, cachedToken{actor: u.Actor(), id: tokenID, at: time.Now()})
	s.touch(ctx, tokenID)
	return u.Actor(), nil
}

// touch records a token's use, at most once a minute.
func (s *Service) touch(ctx context.Context, tokenID int64) {
	if s.touched.due(tokenID) {
		if _, err := s.db.Writer().ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, store.Now(), tokenID); err != nil {
			slog.Warn("record token use", "token", tokenID, "err", err)
		}
	}
}
