package auth

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
)

// Errors of the login flow.
var (
	ErrBadCredentials = store.NewKind("auth: wrong user name or password", store.ErrUnauthenticated)
	ErrThrottled      = store.NewKind("auth: too many failed logins; try again later", store.ErrThrottled)
)

// ThrottledError says how long to wait before trying again.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string { return ErrThrottled.Error() }

// Unwrap makes errors.Is(err, ErrThrottled) true.
func (e *ThrottledError) Unwrap() error { return ErrThrottled }

// Wait is how long to wait (store.Waiter).
func (e *ThrottledError) Wait() time.Duration { return e.RetryAfter }

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// Credentials are one password entry: the user name and password typed,
// the caller's address and the device cookie its browser showed ("" for
// none).
type Credentials struct {
	Username, Password, Addr, Device string
}

// Login checks a user name and password from address addr (a client with
// no device cookie). See LoginWith.
func (s *Service) Login(ctx context.Context, username, password, addr string) (User, error) {
	return s.LoginWith(ctx, Credentials{Username: username, Password: password, Addr: addr})
}

// LoginWith checks credentials, with failed attempts slowed down and
// refused by the login policy (a *ThrottledError says how long to wait).
// User names are matched whatever their case. On success it returns the
// user.
func (s *Service) LoginWith(ctx context.Context, c Credentials) (User, error) {
	u, err := s.checkPassword(ctx, c)
	if err != nil {
		return User{}, err
	}
	if _, err := s.db.Writer().ExecContext(ctx, `UPDATE users SET last_login_at = $1 WHERE id = $2`, store.Now(), u.ID); err != nil {
		return User{}, fmt.Errorf("auth: record login: %w", err)
	}
	return u, nil
}

// checkPassword is every password entry's check: the login policy first,
// then the password (against a dummy hash for an unknown name, so that
// both take as long), failures counted either way.
func (s *Service) checkPassword(ctx context.Context, c Credentials) (User, error) {
	name, now := NormalName(c.Username), s.now()
	device, err := s.trustedDevice(ctx, c.Device, name, now)
	if err != nil {
		return User{}, err
	}
	counters := s.policy.counters(name, c.Addr, device)
	if err := s.admit(ctx, counters, now); err != nil {
		return User{}, err
	}
	u, err := s.userWhere(ctx, "lower(u.username) = $1", name)
	hash := dummyHash
	if err == nil {
		hash = u.hash
	} else if !errors.Is(err, store.ErrNotFound) {
		return User{}, err
	}
	ok, herr := CheckPassword(hash, c.Password)
	if err != nil || herr != nil || !ok || u.Disabled {
		return User{}, ErrBadCredentials
	}
	return u, s.forgive(ctx, counters)
}

// Session is a browser session: the secret goes into the cookie, only its
// hash is stored.
type Session struct {
	Secret  string
	CSRF    string
	Expires time.Time
}

// StartSession opens a browser session for user u.
func (s *Service) StartSession(ctx context.Context, u User) (Session, error) {
	sess := Session{Secret: RandomSecret(32), CSRF: RandomSecret(24), Expires: time.Now().Add(s.SessionTTL)}
	_, err := s.db.Writer().ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		hashSecret(sess.Secret), u.ID, sess.CSRF, store.Now(), store.FormatTime(sess.Expires))
	if err != nil {
		return sess, fmt.Errorf("auth: start session: %w", err)
	}
	return sess, s.audit.Record(ctx, u.Actor(), audit.Login, "session", u.ID, nil, map[string]string{"user": u.Username})
}

// SessionActor resolves a session cookie's secret to its actor and the
// session's CSRF token.
func (s *Service) SessionActor(ctx context.Context, secret string) (access.Actor, string, error) {
	if secret == "" || len(secret) > 128 {
		return access.Actor{}, "", store.ErrNotFound
	}
	var csrf string
	u, err := scanUserWithExtra(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+userColumns+`, x.csrf`+userFrom+` JOIN sessions x ON x.user_id = u.id WHERE x.id_hash = $1 AND x.expires_at > $2 AND u.disabled = 0`,
		hashSecret(secret), store.Now()), &csrf)
	if errors.Is(err, sql.ErrNoRows) {
		return access.Actor{}, "", fmt.Errorf("auth: session: %w", store.ErrNotFound)
	}
	if err != nil {
		return access.Actor{}, "", fmt.Errorf("auth: session: %w", err)
	}
	return u.Actor(), csrf, nil
}

func scanUserWithExtra(r *sql.Row, extra ...any) (User, error) {
	var u User
	var created, updated string
	var disabled int
	dest := append([]any{&u.ID, &u.Username, &u.DisplayName, &u.hash, &u.Role, &u.AgencyID, &disabled, &created, &updated, &u.LastLoginAt, &u.agencyPath}, extra...)
	err := r.Scan(dest...)
	u.Disabled = disabled != 0
	u.CreatedAt, u.UpdatedAt = store.ParseTime(created), store.ParseTime(updated)
	return u, err
}

// EndSession logs a session out.
func (s *Service) EndSession(ctx context.Context, secret string) error {
	_, err := s.db.Writer().ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, hashSecret(secret))
	return err
}

// PurgeSessions removes expired sessions, device cookies and login
// failures whose window has passed.
func (s *Service) PurgeSessions(ctx context.Context) error {
	now := s.now()
	if _, err := s.db.Writer().ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, store.FormatTime(now)); err != nil {
		return err
	}
	if err := s.purgeDevices(ctx, now); err != nil {
		return err
	}
	return s.purgeFailures(ctx, now)
}

// touchCache limits how often a token's last-use time is written: at most
// once a minute per token, so API reads do not become writes.
type touchCache struct {
	mu   sync.Mutex
	last map[int64]time.Time
}

func (c *touchCache) due(id int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if t, ok := c.last[id]; ok && now.Sub(t) < time.Minute {
		return false
	}
	c.last[id] = now
	return true
}
