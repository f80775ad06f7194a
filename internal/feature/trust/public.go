package trust

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/store"
)

// Public is what anyone may see of a label, without logging in.
type Public struct {
	ID         string     `json:"id"`
	URL        string     `json:"url"`
	SystemName string     `json:"system_name"`
	AgencyName string     `json:"agency_name"`
	Grade      string     `json:"grade"`
	State      string     `json:"state"`
	VerifiedAt *time.Time `json:"verified_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
}

// PublicView looks a label up by its public id (no actor: it is public).
func (s *Service) PublicView(ctx context.Context, publicID string) (Public, error) {
	if len(publicID) != 32 || strings.Trim(publicID, "abcdefghijklmnopqrstuvwxyz234567") != "" {
		return Public{}, fmt.Errorf("trust: label: %w", store.ErrNotFound)
	}
	l, err := scanLabel(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+labelColumns+labelJoin+`WHERE l.public_id = $1`, publicID))
	if errors.Is(err, sql.ErrNoRows) {
		return Public{}, fmt.Errorf("trust: label: %w", store.ErrNotFound)
	}
	if err != nil {
		return Public{}, err
	}
	return Public{ID: l.ID, URL: l.URL, SystemName: l.SystemName, AgencyName: l.AgencyName, Grade: l.Grade, State: l.State, VerifiedAt: l.VerifiedAt, ExpiresAt: l.ExpiresAt}, nil
}
