package ingest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// TokenPrefix starts every ingest token, so that a leaked one is easy to
// recognise, and told apart from a user's API token (khien_).
const TokenPrefix = "khien-ingest_"

// Token is an ingest token's record; the secret is shown once, at
// creation, and only its SHA-256 is kept.
type Token struct {
	ID         int64     `json:"id"`
	AgencyID   int64     `json:"agency_id"`
	AgencyCode string    `json:"agency_code"`
	SystemID   int64     `json:"system_id,omitempty"`
	Label      string    `json:"label"`
	Prefix     string    `json:"prefix"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt string    `json:"last_used_at"`
	RevokedAt  string    `json:"revoked_at"`
}

// NewToken is a token just created, with its secret.
type NewToken struct {
	Token
	Secret string `json:"token"`
}

// TokenInput is what creating a token takes: the agency by id or code,
// optionally one of its systems.
type TokenInput struct {
	AgencyID   int64  `json:"agency_id"`
	AgencyCode string `json:"agency_code"`
	SystemID   int64  `json:"system_id"`
	Label      string `json:"label"`
}

// canManageTokens: admins and analysts create and revoke ingest tokens.
func canManageTokens(a access.Actor) bool { return a.CanWriteSecurity() }

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func randomSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("ingest: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// CreateToken makes an ingest token for an agency (and one of its
// systems), audited; the secret is in the answer only.
func (s *Service) CreateToken(ctx context.Context, actor access.Actor, in TokenInput) (NewToken, error) {
	if !canManageTokens(actor) {
		return NewToken{}, fmt.Errorf("ingest: create token: %w", store.ErrForbidden)
	}
	var e valid.Errors
	e.Text("label", in.Label, false, 100, false)
	if in.AgencyID == 0 && strings.TrimSpace(in.AgencyCode) == "" {
		e.Add("agency_id", "the agency is required (agency_id or agency_code)", "cần chọn cơ quan (agency_id hoặc agency_code)")
	}
	if err := e.Err(); err != nil {
		return NewToken{}, err
	}
	secret := TokenPrefix + randomSecret()
	t := NewToken{Secret: secret}
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		agency, code, err := s.resolveAgency(ctx, tx, in)
		if err != nil {
			return err
		}
		var system any
		if in.SystemID != 0 {
			var owner int64
			err := tx.QueryRowContext(ctx, `SELECT agency_id FROM systems WHERE id = $1 AND archived_at = ''`, in.SystemID).Scan(&owner)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != agency) {
				var e valid.Errors
				e.Add("system_id", "no such live system in this agency", "cơ quan này không có hệ thống đang hoạt động với mã số đó")
				return e
			}
			if err != nil {
				return fmt.Errorf("ingest: create token: %w", err)
			}
			system = in.SystemID
		}
		now := store.Now()
		prefix := secret[:len(TokenPrefix)+6]
		err = tx.QueryRowContext(ctx, `INSERT INTO ingest_tokens (agency_id, system_id, label, token_hash, prefix, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			agency, system, in.Label, hashSecret(secret), prefix, actor.Username, now).Scan(&t.ID)
		if err != nil {
			return fmt.Errorf("ingest: create token: %w", err)
		}
		t.AgencyID, t.AgencyCode, t.SystemID, t.Label, t.Prefix, t.CreatedBy, t.CreatedAt = agency, code, in.SystemID, in.Label, prefix, actor.Username, store.ParseTime(now)
		return s.audit.Record(ctx, actor, audit.Create, "ingest-token", t.ID, nil, t.Token)
	})
	return t, err
}

// resolveAgency finds the agency by id or code.
func (s *Service) resolveAgency(ctx context.Context, tx *store.Tx, in TokenInput) (id int64, code string, err error) {
	if in.AgencyID != 0 {
		err = tx.QueryRowContext(ctx, `SELECT id, code FROM agencies WHERE id = $1`, in.AgencyID).Scan(&id, &code)
	} else {
		err = tx.QueryRowContext(ctx, `SELECT id, code FROM agencies WHERE code = $1`, strings.TrimSpace(in.AgencyCode)).Scan(&id, &code)
	}
	if errors.Is(err, sql.ErrNoRows) {
		var e valid.Errors
		e.Add("agency_id", "no such agency", "không có cơ quan này")
		return 0, "", e
	}
	if err != nil {
		return 0, "", fmt.Errorf("ingest: agency: %w", err)
	}
	return id, code, nil
}

const tokenColumns = `t.id, t.agency_id, g.code, COALESCE(t.system_id, 0), t.label, t.prefix, t.created_by, t.created_at, t.last_used_at, t.revoked_at`

// Tokens lists ingest tokens: all of them for province-wide roles, those
// of the actor's agencies for an agency officer.
func (s *Service) Tokens(ctx context.Context, actor access.Actor) ([]Token, error) {
	if !actor.Authenticated() {
		return nil, fmt.Errorf("ingest: tokens: %w", store.ErrForbidden)
	}
	var w store.Where
	w.Cond(actor.PathFilter("g.path"))
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+tokenColumns+` FROM ingest_tokens t JOIN agencies g ON g.id = t.agency_id WHERE `+w.SQL()+` ORDER BY t.id DESC`, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("ingest: tokens: %w", err)
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		var t Token
		var created string
		if err := rows.Scan(&t.ID, &t.AgencyID, &t.AgencyCode, &t.SystemID, &t.Label, &t.Prefix, &t.CreatedBy, &created, &t.LastUsedAt, &t.RevokedAt); err != nil {
			return nil, fmt.Errorf("ingest: tokens: %w", err)
		}
		t.CreatedAt = store.ParseTime(created)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken disables a token at once (in this process; within
// tokenTTL in others), audited. Revoking a revoked token changes nothing.
func (s *Service) RevokeToken(ctx context.Context, actor access.Actor, id int64) error {
	if !canManageTokens(actor) {
		return fmt.Errorf("ingest: revoke token: %w", store.ErrForbidden)
	}
	defer s.tokens.clear()
	return s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var revoked string
		err := tx.QueryRowContext(ctx, `SELECT revoked_at FROM ingest_tokens WHERE id = $1`, id).Scan(&revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("ingest: token %d: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("ingest: token %d: %w", id, err)
		}
		if revoked != "" {
			return nil
		}
		now := store.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE ingest_tokens SET revoked_at = $1 WHERE id = $2`, now, id); err != nil {
			return fmt.Errorf("ingest: revoke token %d: %w", id, err)
		}
		return s.audit.Record(ctx, actor, audit.Update, "ingest-token", id, map[string]string{"revoked_at": ""}, map[string]string{"revoked_at": now})
	})
}

// Owner is whom an authenticated ingest request's events belong to.
type Owner struct {
	TokenID  int64
	AgencyID int64
	SystemID int64
	Name     string // the token's label, or its prefix
}

// tokenTTL bounds how long a token revoked by another process may still
// be accepted here.
const tokenTTL = 5 * time.Second

// ErrBadToken: the ingest token is missing, malformed, unknown or revoked.
var ErrBadToken = errors.New("ingest: invalid or revoked ingest token")

// Authenticate resolves an ingest token's secret.
func (s *Service) Authenticate(ctx context.Context, secret string) (Owner, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 128 {
		return Owner{}, ErrBadToken
	}
	hash := hashSecret(secret)
	if o, ok := s.tokens.get(hash); ok {
		return o, nil
	}
	var o Owner
	var label, prefix string
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT id, agency_id, COALESCE(system_id, 0), label, prefix FROM ingest_tokens WHERE token_hash = $1 AND revoked_at = ''`, hash).
		Scan(&o.TokenID, &o.AgencyID, &o.SystemID, &label, &prefix)
	if errors.Is(err, sql.ErrNoRows) {
		return Owner{}, ErrBadToken
	}
	if err != nil {
		return Owner{}, fmt.Errorf("ingest: token: %w", err)
	}
	o.Name = label
	if o.Name == "" {
		o.Name = prefix
	}
	s.tokens.put(hash, o)
	if _, err := s.db.Writer().ExecContext(ctx, `UPDATE ingest_tokens SET last_used_at = $1 WHERE id = $2`, store.Now(), o.TokenID); err != nil {
		slog.Warn("record ingest token use", "token", o.TokenID, "err", err)
	}
	return o, nil
}

// tokenCache remembers resolved tokens by hash for tokenTTL: a shipper
// posts many times a second.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]cachedOwner
}

type cachedOwner struct {
	o  Owner
	at time.Time
}

func (c *tokenCache) get(hash string) (Owner, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok || time.Since(e.at) >= tokenTTL {
		return Owner{}, false
	}
	return e.o, true
}

func (c *tokenCache) put(hash string, o Owner) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= 10000 {
		c.m = map[string]cachedOwner{}
	}
	c.m[hash] = cachedOwner{o: o, at: time.Now()}
}

func (c *tokenCache) clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}
