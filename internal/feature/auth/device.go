package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/khien-project/khien/internal/platform/store"
)

// DeviceTTL is how long a device cookie is honoured after its last
// successful login.
const DeviceTTL = 180 * 24 * time.Hour

// devicesPerUser bounds the devices remembered per account (the least
// recently used go first).
const devicesPerUser = 20

// trustedDevice returns the hash of device when it is a live device
// cookie of the account called name, else "".
func (s *Service) trustedDevice(ctx context.Context, device, name string, now time.Time) (string, error) {
	if device == "" || len(device) > 128 {
		return "", nil
	}
	hash := hashSecret(device)
	var one int
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT 1 FROM login_devices d JOIN users u ON u.id = d.user_id
		WHERE d.token_hash = $1 AND lower(u.username) = $2 AND d.expires_at > $3`, hash, name, store.FormatTime(now)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("auth: device: %w", err)
	}
	return hash, nil
}

// RememberDevice is called after a successful login of u from a browser
// that showed device (its device cookie, or ""). It returns the device
// cookie to set: the same one, renewed, when it was u's, else a new one.
// Only the cookie's hash is stored.
func (s *Service) RememberDevice(ctx context.Context, u User, device string) (string, error) {
	now := s.now()
	expires := store.FormatTime(now.Add(DeviceTTL))
	if hash, err := s.trustedDevice(ctx, device, NormalName(u.Username), now); err != nil || hash != "" {
		if err == nil {
			_, err = s.db.Writer().ExecContext(ctx, `UPDATE login_devices SET last_used_at = $1, expires_at = $2 WHERE token_hash = $3`, store.FormatTime(now), expires, hash)
		}
		return device, err
	}
	device = RandomSecret(32)
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		at := store.FormatTime(now)
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_devices (token_hash, user_id, created_at, last_used_at, expires_at) VALUES ($1, $2, $3, $3, $4)`,
			hashSecret(device), u.ID, at, expires); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM login_devices WHERE user_id = $1 AND token_hash NOT IN
			(SELECT token_hash FROM login_devices WHERE user_id = $1 ORDER BY last_used_at DESC, created_at DESC LIMIT $2)`, u.ID, devicesPerUser)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("auth: remember device: %w", err)
	}
	return device, nil
}

// purgeDevices forgets device cookies past their time.
func (s *Service) purgeDevices(ctx context.Context, now time.Time) error {
	_, err := s.db.Writer().ExecContext(ctx, `DELETE FROM login_devices WHERE expires_at <= $1`, store.FormatTime(now))
	return err
}
