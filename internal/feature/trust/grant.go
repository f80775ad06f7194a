package trust

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Unmet lists why a site's latest report does not meet a policy, in
// Vietnamese and English (empty when it does).
func Unmet(p Policy, rep *webscan.Report, privacyURL, contact string) (vi, en []string) {
	add := func(v, e string) { vi, en = append(vi, v), append(en, e) }
	if rep == nil {
		add("trang chưa có lần đánh giá nào hoàn tất", "the site has no finished scan")
		return vi, en
	}
	if webscan.GradeRank(rep.Grade) > webscan.GradeRank(p.MinGrade) {
		add(fmt.Sprintf("hạng %s thấp hơn mức yêu cầu %s", rep.Grade, p.MinGrade), fmt.Sprintf("grade %s is below the required %s", rep.Grade, p.MinGrade))
	}
	results := map[string]string{}
	for _, c := range rep.Checks {
		results[c.ID] = c.Result
	}
	for _, id := range p.RequiredChecks {
		if r := results[id]; r != webscan.Pass {
			if r == "" {
				r = "not run"
			}
			add(fmt.Sprintf("kiểm tra %s phải đạt (kết quả: %s)", id, r), fmt.Sprintf("check %s must pass (it is %s)", id, r))
		}
	}
	if p.RequirePrivacyPolicy && privacyURL == "" {
		add("cần trang chính sách bảo vệ dữ liệu cá nhân", "a privacy policy page is required")
	}
	if p.RequireContact && contact == "" {
		add("cần đầu mối liên hệ", "a contact is required")
	}
	return vi, en
}

// PolicyError says, in both languages, why a label cannot be granted. It
// is ErrPolicyNotMet and a store.ErrConflict (409).
type PolicyError struct{ VI, EN []string }

func (e *PolicyError) Error() string {
	return ErrPolicyNotMet.Error() + ": " + strings.Join(e.EN, "; ")
}

// Is makes errors.Is(err, ErrPolicyNotMet) and errors.Is(err, store.ErrConflict) hold.
func (e *PolicyError) Is(target error) bool {
	return target == ErrPolicyNotMet || target == store.ErrConflict
}

// Message is the reason in lang ("vi" or "en").
func (e *PolicyError) Message(lang string) string {
	if lang == "en" {
		return strings.Join(e.EN, "; ")
	}
	return strings.Join(e.VI, "; ")
}

// ErrPolicyNotMet means a label cannot be granted yet.
var ErrPolicyNotMet = errors.New("policy not met")

// Grant grants a label to a site that meets the policy, or restores a
// suspended, revoked or expired one (admins only). The label keeps its
// public id, so embedded badges keep working.
func (s *Service) Grant(ctx context.Context, actor access.Actor, in GrantInput) (Label, error) {
	if !actor.CanGrantLabels() {
		return Label{}, fmt.Errorf("trust: grant a label: %w", store.ErrForbidden)
	}
	var e valid.Errors
	in.PrivacyURL = strings.TrimSpace(in.PrivacyURL)
	in.Contact = strings.TrimSpace(in.Contact)
	if in.PrivacyURL != "" {
		in.PrivacyURL = e.URL("privacy_url", in.PrivacyURL)
	}
	e.Text("contact", in.Contact, false, 200, false)
	if err := e.Err(); err != nil {
		return Label{}, err
	}
	var out Label
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		site, err := s.site(ctx, actor, in.SiteID)
		if err != nil {
			return err
		}
		if !site.Active {
			var e valid.Errors
			e.Add("site_id", fmt.Sprintf("site %d (%s) is archived: a label needs a live, monitored site", site.ID, site.URL),
				fmt.Sprintf("trang %d (%s) đã được lưu trữ: nhãn chỉ cấp cho trang đang được giám sát", site.ID, site.URL))
			return fmt.Errorf("%w (%w)", e, store.ErrConflict)
		}
		if in.PolicyID == 0 {
			if err := tx.QueryRowContext(ctx, `SELECT id FROM label_policies ORDER BY id LIMIT 1`).Scan(&in.PolicyID); err != nil {
				return fmt.Errorf("trust: no label policy: %w", err)
			}
		}
		p, err := s.policy(ctx, in.PolicyID)
		if err != nil {
			return err
		}
		rep, err := s.latestReport(ctx, site)
		if err != nil {
			return err
		}
		if vi, en := Unmet(p, rep, in.PrivacyURL, in.Contact); len(en) > 0 {
			return &PolicyError{VI: vi, EN: en}
		}
		now := time.Now().UTC()
		expires := now.AddDate(0, 0, p.ValidDays)
		var rowID int64
		var publicID, state string
		err = tx.QueryRowContext(ctx, `SELECT id, public_id, state FROM labels WHERE site_id = $1`, site.ID).Scan(&rowID, &publicID, &state)
		reason, reasonEN := "Cấp nhãn: trang đạt chính sách "+p.Name, "granted: the site meets policy "+p.Name
		switch {
		case errors.Is(err, sql.ErrNoRows):
			publicID = newPublicID()
			err = tx.QueryRowContext(ctx, `INSERT INTO labels (public_id, site_id, policy_id, state, reason, reason_en, privacy_url, contact, granted_by, granted_at, expires_at, verified_at, updated_at)
				VALUES ($1, $2, $3, 'granted', $4, $5, $6, $7, $8, $9, $10, $9, $9) RETURNING id`, publicID, site.ID, p.ID, reason, reasonEN, in.PrivacyURL, in.Contact, actor.Username,
				store.FormatTime(now), store.FormatTime(expires)).Scan(&rowID)
			if err != nil {
				return fmt.Errorf("trust: grant: %w", err)
			}
		case err != nil:
			return err
		default:
			if state == Granted {
				reason, reasonEN = "Gia hạn: trang đạt chính sách "+p.Name, "renewed: the site meets policy "+p.Name
			} else {
				reason, reasonEN = "Quản trị khôi phục: trang đạt lại chính sách "+p.Name, "restored by an admin: the site meets policy "+p.Name+" again"
			}
			_, err = tx.ExecContext(ctx, `UPDATE labels SET policy_id = $1, state = 'granted', reason = $2, reason_en = $3, privacy_url = $4, contact = $5, granted_by = $6,
				granted_at = $7, expires_at = $8, verified_at = $7, updated_at = $7 WHERE id = $9`, p.ID, reason, reasonEN, in.PrivacyURL, in.Contact, actor.Username,
				store.FormatTime(now), store.FormatTime(expires), rowID)
			if err != nil {
				return fmt.Errorf("trust: restore: %w", err)
			}
		}
		if err := addEvent(ctx, tx, rowID, Granted, reason, reasonEN, actor.Username); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, actor, "label.grant", "label", publicID, map[string]any{"state": state}, map[string]any{"state": Granted, "site_id": site.ID, "policy_id": p.ID}); err != nil {
			return err
		}
		out, err = s.Label(ctx, actor, publicID)
		return err
	})
	return out, err
}

func newPublicID() string {
	b := make([]byte, 20) // 160 bits: not guessable, not enumerable
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

func addEvent(ctx context.Context, tx *store.Tx, labelID int64, state, reason, reasonEN, actor string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO label_events (label_id, state, reason, reason_en, actor, at) VALUES ($1, $2, $3, $4, $5, $6)`, labelID, state, reason, reasonEN, actor, store.Now())
	if err != nil {
		return fmt.Errorf("trust: label history: %w", err)
	}
	return nil
}

// labelledSite is what a grant needs of a site (sitescan's table, read).
type labelledSite struct {
	ID         int64
	URL        string
	Active     bool
	LastScanID *int64
}

// site finds a site in actor's scope.
func (s *Service) site(ctx context.Context, actor access.Actor, id int64) (labelledSite, error) {
	var w store.Where
	w.Add("x.id = ?", id)
	w.Cond(actor.PathFilter(store.ScopePath))
	var x labelledSite
	var last sql.NullInt64
	var active int
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT x.id, x.url, x.active, x.last_scan_id FROM sites x`+store.JoinSystemAgency+`WHERE `+w.SQL(), w.Args()...).Scan(&x.ID, &x.URL, &active, &last)
	x.Active = active == 1
	if errors.Is(err, sql.ErrNoRows) {
		return x, fmt.Errorf("trust: site %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return x, fmt.Errorf("trust: site %d: %w", id, err)
	}
	if last.Valid {
		x.LastScanID = &last.Int64
	}
	return x, nil
}

// StateOf is the state of the site's label ("" when it has none).
func (s *Service) StateOf(ctx context.Context, siteID int64) (string, error) {
	var state string
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT state FROM labels WHERE site_id = $1`, siteID).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("trust: label of site %d: %w", siteID, err)
	}
	return state, nil
}

func (s *Service) latestReport(ctx context.Context, site labelledSite) (*webscan.Report, error) {
	if site.LastScanID == nil {
		return nil, nil
	}
	var body string
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT report FROM scans WHERE id = $1 AND status = 'done'`, *site.LastScanID).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rep webscan.Report
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		return nil, err
	}
	return &rep, nil
}
