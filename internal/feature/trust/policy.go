package trust

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Policy says what a site needs for a label.
type Policy struct {
	ID                   int64     `json:"id"`
	Name                 string    `json:"name"`
	MinGrade             string    `json:"min_grade"`
	RequiredChecks       []string  `json:"required_checks"` // must pass to grant
	CriticalChecks       []string  `json:"critical_checks"` // failing any suspends
	RequirePrivacyPolicy bool      `json:"require_privacy_policy"`
	RequireContact       bool      `json:"require_contact"`
	ValidDays            int       `json:"valid_days"`
	UpdatedAt            time.Time `json:"updated_at"`
}

func lines(s string) []string {
	out := []string{}
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

const policyColumns = `id, name, min_grade, required_checks, critical_checks, require_privacy_policy, require_contact, valid_days, updated_at`

func scanPolicy(r interface{ Scan(...any) error }) (Policy, error) {
	var p Policy
	var req, crit, updated string
	var priv, contact int
	if err := r.Scan(&p.ID, &p.Name, &p.MinGrade, &req, &crit, &priv, &contact, &p.ValidDays, &updated); err != nil {
		return p, err
	}
	p.RequiredChecks, p.CriticalChecks = lines(req), lines(crit)
	p.RequirePrivacyPolicy, p.RequireContact, p.UpdatedAt = priv == 1, contact == 1, store.ParseTime(updated)
	return p, nil
}

// Policies lists the label policies (anyone logged in may read them).
func (s *Service) Policies(ctx context.Context, actor access.Actor) ([]Policy, error) {
	if !actor.CanRead() {
		return nil, fmt.Errorf("trust: policies: %w", store.ErrForbidden)
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+policyColumns+` FROM label_policies ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("trust: policies: %w", err)
	}
	defer rows.Close()
	out := []Policy{}
	for rows.Next() {
		p, err := scanPolicy(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s *Service) policy(ctx context.Context, id int64) (Policy, error) {
	p, err := scanPolicy(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+policyColumns+` FROM label_policies WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("trust: policy %d: %w", id, store.ErrNotFound)
	}
	return p, err
}

// checkListErrors refuses check ids the scanner does not have, naming the
// valid ones, and over-long lists.
func checkListErrors(e *valid.Errors, field string, ids []string) {
	var unknown []string
	for _, c := range ids {
		if _, ok := webscan.LookupCheck(c); !ok {
			unknown = append(unknown, fmt.Sprintf("%q", c))
		}
	}
	if len(unknown) > 0 {
		known := strings.Join(webscan.CheckIDs(), ", ")
		e.Add(field, fmt.Sprintf("unknown check id %s; valid ids: %s", strings.Join(unknown, ", "), known),
			fmt.Sprintf("không có mã kiểm tra %s; các mã hợp lệ: %s", strings.Join(unknown, ", "), known))
	}
	if len(ids) > 64 {
		e.Add(field, "at most 64 checks", "tối đa 64 mục")
	}
}

var grades = []string{"A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F"}

// PolicyInput changes a policy; nil fields stay.
type PolicyInput struct {
	MinGrade             *string   `json:"min_grade"`
	RequiredChecks       *[]string `json:"required_checks"`
	CriticalChecks       *[]string `json:"critical_checks"`
	RequirePrivacyPolicy *bool     `json:"require_privacy_policy"`
	RequireContact       *bool     `json:"require_contact"`
	ValidDays            *int      `json:"valid_days"`
}

// UpdatePolicy changes a label policy (admins only).
func (s *Service) UpdatePolicy(ctx context.Context, actor access.Actor, id int64, in PolicyInput) (Policy, error) {
	if !actor.CanManagePolicy() {
		return Policy{}, fmt.Errorf("trust: change policy: %w", store.ErrForbidden)
	}
	var out Policy
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		before, err := s.policy(ctx, id)
		if err != nil {
			return err
		}
		p := before
		var e valid.Errors
		if in.MinGrade != nil {
			if !slices.Contains(grades, *in.MinGrade) {
				e.Add("min_grade", "must be a grade from A+ to F", "phải là một hạng từ A+ đến F")
			}
			p.MinGrade = *in.MinGrade
		}
		if in.RequiredChecks != nil {
			checkListErrors(&e, "required_checks", *in.RequiredChecks)
		}
		if in.CriticalChecks != nil {
			checkListErrors(&e, "critical_checks", *in.CriticalChecks)
		}
		if in.RequiredChecks != nil {
			p.RequiredChecks = *in.RequiredChecks
		}
		if in.CriticalChecks != nil {
			p.CriticalChecks = *in.CriticalChecks
		}
		if in.RequirePrivacyPolicy != nil {
			p.RequirePrivacyPolicy = *in.RequirePrivacyPolicy
		}
		if in.RequireContact != nil {
			p.RequireContact = *in.RequireContact
		}
		if in.ValidDays != nil {
			if *in.ValidDays < 1 || *in.ValidDays > 3*366 {
				e.Add("valid_days", "must be 1 to 1098 days", "phải từ 1 đến 1098 ngày")
			}
			p.ValidDays = *in.ValidDays
		}
		if err := e.Err(); err != nil {
			return err
		}
		p.UpdatedAt = time.Now().UTC()
		_, err = tx.ExecContext(ctx, `UPDATE label_policies SET min_grade = $1, required_checks = $2, critical_checks = $3, require_privacy_policy = $4,
			require_contact = $5, valid_days = $6, updated_at = $7 WHERE id = $8`, p.MinGrade, strings.Join(p.RequiredChecks, "\n"), strings.Join(p.CriticalChecks, "\n"),
			store.Flag(p.RequirePrivacyPolicy), store.Flag(p.RequireContact), p.ValidDays, store.FormatTime(p.UpdatedAt), id)
		if err != nil {
			return fmt.Errorf("trust: update policy %d: %w", id, err)
		}
		out = p
		return s.audit.Record(ctx, actor, "label_policy.update", "label_policy", id, before, p)
	})
	return out, err
}
