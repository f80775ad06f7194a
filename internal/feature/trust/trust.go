// Package trust keeps the trust labels of registered sites: the label
// policy (kept as data), each label's state (granted, suspended, revoked,
// expired) with reasons and history, automatic suspension when a critical
// check fails, and the public view anyone may verify without logging in.
package trust

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Label states.
const (
	Granted   = "granted"
	Suspended = "suspended"
	Revoked   = "revoked"
	Expired   = "expired"
)

// Service manages labels and policies.
type Service struct {
	db    *store.DB
	audit *audit.Log
}

// New builds the service and subscribes it to what re-verifies a label:
// a finished scan and a monitoring probe, both inside the publisher's
// transaction, so a failing critical check suspends the label within the
// same scan or probe.
func New(db *store.DB, log *audit.Log, bus *events.Bus) *Service {
	s := &Service{db: db, audit: log}
	events.Subscribe(bus, "trust-scan", events.Inline, func(ctx context.Context, e events.ScanFinished) error {
		_, err := s.Verify(ctx, e.SiteID, e.Report, nil)
		return err
	})
	events.Subscribe(bus, "trust-probe", events.Inline, func(ctx context.Context, e events.ProbeFinished) error {
		_, err := s.Verify(ctx, e.SiteID, nil, e.Failing)
		return err
	})
	return s
}

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

var checkID = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,63}$`)

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
		for field, list := range map[string]*[]string{"required_checks": in.RequiredChecks, "critical_checks": in.CriticalChecks} {
			if list == nil {
				continue
			}
			for _, c := range *list {
				if !checkID.MatchString(c) {
					e.Add(field, fmt.Sprintf("%q is not a check id", c), fmt.Sprintf("%q không phải mã kiểm tra", c))
				}
			}
			if len(*list) > 64 {
				e.Add(field, "at most 64 checks", "tối đa 64 mục")
			}
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

// Label is one site's trust label.
type Label struct {
	ID         string     `json:"id"` // the public, unguessable id
	SiteID     int64      `json:"site_id"`
	URL        string     `json:"url"`
	SystemName string     `json:"system_name"`
	AgencyID   int64      `json:"agency_id"`
	AgencyName string     `json:"agency_name"`
	PolicyID   int64      `json:"policy_id"`
	State      string     `json:"state"`
	Reason     string     `json:"reason"`
	ReasonEN   string     `json:"reason_en"`
	PrivacyURL string     `json:"privacy_url"`
	Contact    string     `json:"contact"`
	GrantedBy  string     `json:"granted_by"`
	GrantedAt  *time.Time `json:"granted_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	VerifiedAt *time.Time `json:"verified_at"`
	Grade      string     `json:"grade"`
	UpdatedAt  time.Time  `json:"updated_at"`
	Events     []Event    `json:"events,omitempty"`
	rowID      int64
	agencyPath string
}

// Event is one change of a label's state.
type Event struct {
	State    string    `json:"state"`
	Reason   string    `json:"reason"`
	ReasonEN string    `json:"reason_en"`
	Actor    string    `json:"actor"`
	At       time.Time `json:"at"`
}

const labelColumns = `l.id, l.public_id, l.site_id, x.url, s.name, s.agency_id, a.name, l.policy_id, l.state, l.reason, l.reason_en, l.privacy_url, l.contact,
	l.granted_by, l.granted_at, l.expires_at, l.verified_at, x.last_grade, l.updated_at, s.agency_path`

var labelJoin = ` FROM labels l` + store.JoinSite("l")

func scanLabel(r interface{ Scan(...any) error }) (Label, error) {
	var l Label
	var granted, expires, verified, updated string
	err := r.Scan(&l.rowID, &l.ID, &l.SiteID, &l.URL, &l.SystemName, &l.AgencyID, &l.AgencyName, &l.PolicyID, &l.State, &l.Reason, &l.ReasonEN, &l.PrivacyURL, &l.Contact,
		&l.GrantedBy, &granted, &expires, &verified, &l.Grade, &updated, &l.agencyPath)
	if err != nil {
		return l, err
	}
	l.GrantedAt, l.ExpiresAt, l.VerifiedAt = store.TimePtr(granted), store.TimePtr(expires), store.TimePtr(verified)
	l.UpdatedAt = store.ParseTime(updated)
	// A label past its date is expired even before the sweep marks it.
	if l.State == Granted && l.ExpiresAt != nil && time.Now().After(*l.ExpiresAt) {
		l.State, l.Reason, l.ReasonEN = Expired, expiredVI, expiredEN
	}
	return l, nil
}

// LabelFilter selects labels.
type LabelFilter struct {
	State  string
	SiteID int64
	Limit  int
	Offset int
}

// Labels lists labels of sites in actor's scope.
func (s *Service) Labels(ctx context.Context, actor access.Actor, f LabelFilter) ([]Label, int, error) {
	var w store.Where
	w.Cond(actor.PathFilter(store.ScopePath))
	if f.State != "" {
		w.Add("l.state = ?", f.State)
	}
	if f.SiteID != 0 {
		w.Add("l.site_id = ?", f.SiteID)
	}
	var total int
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*)`+labelJoin+`WHERE `+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("trust: count labels: %w", err)
	}
	page := w.Limit(store.Page{Limit: f.Limit, Offset: f.Offset}.Clamped(100))
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+labelColumns+labelJoin+`WHERE `+w.SQL()+` ORDER BY l.id DESC`+page, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("trust: list labels: %w", err)
	}
	defer rows.Close()
	out := []Label{}
	for rows.Next() {
		l, err := scanLabel(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, l)
	}
	return out, total, rows.Err()
}

// Label returns one label in actor's scope, with its history.
func (s *Service) Label(ctx context.Context, actor access.Actor, publicID string) (Label, error) {
	var w store.Where
	w.Add("l.public_id = ?", publicID)
	w.Cond(actor.PathFilter(store.ScopePath))
	l, err := scanLabel(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+labelColumns+labelJoin+`WHERE `+w.SQL(), w.Args()...))
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("trust: label %q: %w", publicID, store.ErrNotFound)
	}
	if err != nil {
		return l, fmt.Errorf("trust: label: %w", err)
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT state, reason, reason_en, actor, at FROM label_events WHERE label_id = $1 ORDER BY id`, l.rowID)
	if err != nil {
		return l, err
	}
	defer rows.Close()
	for rows.Next() {
		var e Event
		var at string
		if err := rows.Scan(&e.State, &e.Reason, &e.ReasonEN, &e.Actor, &at); err != nil {
			return l, err
		}
		e.At = store.ParseTime(at)
		l.Events = append(l.Events, e)
	}
	return l, rows.Err()
}

// GrantInput asks for a label for a site.
type GrantInput struct {
	SiteID     int64  `json:"site_id"`
	PolicyID   int64  `json:"policy_id"` // 0: the first policy
	PrivacyURL string `json:"privacy_url"`
	Contact    string `json:"contact"`
}

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
	LastScanID *int64
}

// site finds a site in actor's scope.
func (s *Service) site(ctx context.Context, actor access.Actor, id int64) (labelledSite, error) {
	var w store.Where
	w.Add("x.id = ?", id)
	w.Cond(actor.PathFilter(store.ScopePath))
	var x labelledSite
	var last sql.NullInt64
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT x.id, x.last_scan_id FROM sites x`+store.JoinSystemAgency+`WHERE `+w.SQL(), w.Args()...).Scan(&x.ID, &last)
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

// SetState suspends or revokes a label by hand (admins only), with a
// reason.
func (s *Service) SetState(ctx context.Context, actor access.Actor, publicID, state, reason string) (Label, error) {
	if !actor.CanGrantLabels() {
		return Label{}, fmt.Errorf("trust: change a label: %w", store.ErrForbidden)
	}
	var e valid.Errors
	e.OneOf("state", state, true, Suspended, Revoked)
	e.Text("reason", reason, true, 500, false)
	if err := e.Err(); err != nil {
		return Label{}, err
	}
	var out Label
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		l, err := s.Label(ctx, actor, publicID)
		if err != nil {
			return err
		}
		if l.State == Revoked {
			return fmt.Errorf("trust: label %s is revoked; grant it again instead: %w", publicID, store.ErrConflict)
		}
		if err := s.setState(ctx, tx, l.rowID, state, reason, reason, actor.Username); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, actor, "label."+strings.TrimSuffix(state, "ed"), "label", publicID, map[string]any{"state": l.State}, map[string]any{"state": state, "reason": reason}); err != nil {
			return err
		}
		out, err = s.Label(ctx, actor, publicID)
		return err
	})
	return out, err
}

func (s *Service) setState(ctx context.Context, tx *store.Tx, rowID int64, state, reason, reasonEN, actor string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE labels SET state = $1, reason = $2, reason_en = $3, updated_at = $4 WHERE id = $5`, state, reason, reasonEN, store.Now(), rowID); err != nil {
		return fmt.Errorf("trust: set label state: %w", err)
	}
	return addEvent(ctx, tx, rowID, state, reason, reasonEN, actor)
}

// The reasons the platform itself writes, in both languages.
const (
	expiredVI = "Hết thời hạn hiệu lực của nhãn"
	expiredEN = "the label's validity period ended"
)

// Verify re-checks a site's granted label against what was just observed
// (a scan report, or a monitoring probe's critical findings): a failing
// critical check or a grade below the policy suspends the label at once;
// otherwise the label's verification time moves on. It returns the label's
// state afterwards ("" when the site has no label).
func (s *Service) Verify(ctx context.Context, siteID int64, rep *webscan.Report, failing map[string]string) (string, error) {
	var state string
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var rowID, policyID int64
		var expires string
		err := tx.QueryRowContext(ctx, `SELECT id, policy_id, state, expires_at FROM labels WHERE site_id = $1`, siteID).Scan(&rowID, &policyID, &state, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if state != Granted {
			return nil
		}
		if expires != "" && time.Now().After(store.ParseTime(expires)) {
			state = Expired
			return s.setState(ctx, tx, rowID, Expired, expiredVI, expiredEN, access.System.Username)
		}
		p, err := s.policy(ctx, policyID)
		if err != nil {
			return err
		}
		var vi, en []string
		for _, id := range p.CriticalChecks {
			if why, ok := failing[id]; ok {
				vi, en = append(vi, id+" không đạt"), append(en, id+": "+why)
			}
		}
		if rep != nil {
			for _, c := range rep.Checks {
				if c.Result == webscan.Fail && slices.Contains(p.CriticalChecks, c.ID) {
					vi, en = append(vi, c.ID+": "+c.Detail), append(en, c.ID+": "+c.DetailEN)
				}
			}
			if webscan.GradeRank(rep.Grade) > webscan.GradeRank(p.MinGrade) {
				vi = append(vi, fmt.Sprintf("hạng %s thấp hơn mức yêu cầu %s", rep.Grade, p.MinGrade))
				en = append(en, fmt.Sprintf("grade %s is below the required %s", rep.Grade, p.MinGrade))
			}
		}
		if len(en) > 0 {
			state = Suspended
			return s.setState(ctx, tx, rowID, Suspended, "Tự động tạm đình chỉ: "+strings.Join(vi, "; "), "suspended automatically: "+strings.Join(en, "; "), access.System.Username)
		}
		_, err = tx.ExecContext(ctx, `UPDATE labels SET verified_at = $1 WHERE id = $2`, store.Now(), rowID)
		return err
	})
	return state, err
}

// ExpireDue marks every granted label past its date as expired.
func (s *Service) ExpireDue(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM labels WHERE state = 'granted' AND expires_at <> '' AND expires_at < $1`, store.FormatTime(now))
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			if err := s.setState(ctx, tx, id, Expired, expiredVI, expiredEN, access.System.Username); err != nil {
				return err
			}
		}
		n = len(ids)
		return rows.Err()
	})
	return n, err
}

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
