// Vulnerability findings: listing them in the actor's scope and moving
// them through their statuses.

package vuln

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/vuln"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Finding statuses: open → in_progress → fixed, or risk_accepted (with a
// reason, an approver and an expiry) or false_positive (with a reason).
const (
	Open          = "open"
	InProgress    = "in_progress"
	Fixed         = "fixed"
	RiskAccepted  = "risk_accepted"
	FalsePositive = "false_positive"
)

// Statuses lists the statuses in order.
var Statuses = []string{Open, InProgress, Fixed, RiskAccepted, FalsePositive}

// Priorities lists the priorities, most urgent first.
var Priorities = []string{"P1", "P2", "P3", "P4"}

// Finding is one vulnerability of one component of one system.
type Finding struct {
	ID            int64         `json:"id"`
	SystemID      int64         `json:"system_id"`
	SystemName    string        `json:"system_name"`
	AgencyID      int64         `json:"agency_id"`
	AgencyName    string        `json:"agency_name"`
	Component     string        `json:"component"`
	Version       string        `json:"version"`
	Origin        string        `json:"origin"` // registry, discovered
	VulnID        string        `json:"vuln_id"`
	Source        string        `json:"source"` // nvd, osv
	CVEs          []string      `json:"cves"`
	Priority      string        `json:"priority"`
	Reasons       []vuln.Reason `json:"reasons"`
	CVSSScore     float64       `json:"cvss_score"`
	CVSSVector    string        `json:"cvss_vector"`
	EPSS          *float64      `json:"epss"`
	KEV           bool          `json:"kev"`
	KEVDue        string        `json:"kev_due"`
	DueAt         time.Time     `json:"due_at"`
	Overdue       bool          `json:"overdue"`
	Status        string        `json:"status"`
	StatusReason  string        `json:"status_reason"`
	Approver      string        `json:"approver"`
	AcceptedUntil string        `json:"accepted_until"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
	ClosedAt      *time.Time    `json:"closed_at"`
}

// FindingFilter selects findings; zero fields select everything.
type FindingFilter struct {
	Priority string
	Status   string
	AgencyID int64
	SystemID int64
	Overdue  bool
	Page     store.Page
}

const findingColumns = `f.id, f.system_id, s.name, s.agency_id, a.name, f.component, f.version, f.origin, f.vuln_id, f.source, f.cves, f.priority, f.reasons,
	f.cvss_score, f.cvss_vector, f.epss, f.kev, f.kev_due, f.due_at, f.status, f.status_reason, f.approver, f.accepted_until, f.created_at, f.updated_at, f.closed_at`

const findingFrom = ` FROM vuln_findings f JOIN systems s ON s.id = f.system_id JOIN agencies a ON a.id = s.agency_id `

// Findings lists the findings of systems in actor's scope, most urgent
// first, with the total.
func (s *Service) Findings(ctx context.Context, actor access.Actor, f FindingFilter) ([]Finding, int, error) {
	var w store.Where
	w.Cond(actor.PathFilter(store.ScopePath))
	var e valid.Errors
	if f.Priority != "" {
		if !slices.Contains(Priorities, f.Priority) {
			e.Add("priority", "must be P1, P2, P3 or P4", "phải là P1, P2, P3 hoặc P4")
		}
		w.Add("f.priority = ?", f.Priority)
	}
	if f.Status != "" {
		if !slices.Contains(Statuses, f.Status) {
			e.Add("status", "must be open, in_progress, fixed, risk_accepted or false_positive", "phải là open, in_progress, fixed, risk_accepted hoặc false_positive")
		}
		w.Add("f.status = ?", f.Status)
	}
	if len(e) > 0 {
		return nil, 0, e
	}
	if f.AgencyID != 0 {
		w.Add("s.agency_id = ?", f.AgencyID)
	}
	if f.SystemID != 0 {
		w.Add("f.system_id = ?", f.SystemID)
	}
	if f.Overdue {
		w.Add("f.status IN ('open', 'in_progress') AND f.due_at < ?", store.Now())
	}
	q := s.db.Q(ctx)
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*)`+findingFrom+`WHERE `+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("vuln: count findings: %w", err)
	}
	page := w.Limit(f.Page.Clamped(50))
	rows, err := q.QueryContext(ctx, `SELECT `+findingColumns+findingFrom+`WHERE `+w.SQL()+` ORDER BY f.priority, f.due_at, f.id`+page, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("vuln: list findings: %w", err)
	}
	defer rows.Close()
	out := []Finding{}
	for rows.Next() {
		x, err := scanFinding(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, x)
	}
	return out, total, rows.Err()
}

type scanner interface{ Scan(...any) error }

func scanFinding(r scanner) (Finding, error) {
	var x Finding
	var cves, reasons, due, created, updated, closed string
	var epss sql.NullFloat64
	var kev int
	if err := r.Scan(&x.ID, &x.SystemID, &x.SystemName, &x.AgencyID, &x.AgencyName, &x.Component, &x.Version, &x.Origin, &x.VulnID, &x.Source, &cves, &x.Priority, &reasons,
		&x.CVSSScore, &x.CVSSVector, &epss, &kev, &x.KEVDue, &due, &x.Status, &x.StatusReason, &x.Approver, &x.AcceptedUntil, &created, &updated, &closed); err != nil {
		return x, fmt.Errorf("vuln: read finding: %w", err)
	}
	x.CVEs = strings.Fields(cves)
	if x.CVEs == nil {
		x.CVEs = []string{}
	}
	if err := json.Unmarshal([]byte(reasons), &x.Reasons); err != nil {
		x.Reasons = nil
	}
	if epss.Valid {
		x.EPSS = &epss.Float64
	}
	x.KEV = kev != 0
	x.DueAt, x.CreatedAt, x.UpdatedAt, x.ClosedAt = store.ParseTime(due), store.ParseTime(created), store.ParseTime(updated), store.TimePtr(closed)
	x.Overdue = (x.Status == Open || x.Status == InProgress) && time.Now().After(x.DueAt)
	return x, nil
}

// Finding returns one finding of a system in actor's scope.
func (s *Service) Finding(ctx context.Context, actor access.Actor, id int64) (Finding, error) {
	var w store.Where
	w.Add("f.id = ?", id)
	w.Cond(actor.PathFilter(store.ScopePath))
	x, err := scanFinding(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+findingColumns+findingFrom+`WHERE `+w.SQL(), w.Args()...))
	if errors.Is(err, sql.ErrNoRows) {
		return Finding{}, fmt.Errorf("vuln: finding %d: %w", id, store.ErrNotFound)
	}
	return x, err
}

// StatusInput moves a finding to Status. RiskAccepted needs Reason,
// Approver and Until (a date, YYYY-MM-DD, within a year); FalsePositive
// needs Reason.
type StatusInput struct {
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	Approver string `json:"approver"`
	Until    string `json:"until"`
}

// allowed lists the statuses a person may move a finding to, from each.
var allowed = map[string][]string{
	Open:          {InProgress, Fixed, RiskAccepted, FalsePositive},
	InProgress:    {Open, Fixed, RiskAccepted, FalsePositive},
	Fixed:         {Open},
	RiskAccepted:  {Open, InProgress, FalsePositive},
	FalsePositive: {Open},
}

// CanWork reports whether actor may change findings (in its scope):
// admins, analysts and agency officers; auditors only read.
func CanWork(actor access.Actor) bool {
	return actor.CanWriteSecurity() || actor.Role == access.Agency
}

// SetStatus moves a finding of a system in actor's scope to another status.
func (s *Service) SetStatus(ctx context.Context, actor access.Actor, id int64, in StatusInput) (Finding, error) {
	if !CanWork(actor) {
		return Finding{}, fmt.Errorf("vuln: finding status: %w", store.ErrForbidden)
	}
	var out Finding
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		before, err := s.Finding(ctx, actor, id)
		if err != nil {
			return err
		}
		if err := checkStatus(before.Status, &in); err != nil {
			return err
		}
		if err := s.transitionWith(ctx, tx, actor, id, in, store.Now()); err != nil {
			return err
		}
		out, err = s.Finding(ctx, actor, id)
		return err
	})
	return out, err
}

func checkStatus(from string, in *StatusInput) error {
	var e valid.Errors
	in.Reason, in.Approver, in.Until = strings.TrimSpace(in.Reason), strings.TrimSpace(in.Approver), strings.TrimSpace(in.Until)
	if !slices.Contains(allowed[from], in.Status) {
		e.Add("status", fmt.Sprintf("a finding that is %s can move to %s", from, strings.Join(allowed[from], ", ")),
			fmt.Sprintf("phát hiện đang ở trạng thái %s chỉ có thể chuyển sang %s", from, strings.Join(allowed[from], ", ")))
		return e
	}
	e.Text("reason", in.Reason, in.Status == RiskAccepted || in.Status == FalsePositive, 2000, true)
	e.Text("approver", in.Approver, in.Status == RiskAccepted, 200, false)
	if in.Status == RiskAccepted {
		d, err := time.Parse("2006-01-02", in.Until)
		switch {
		case err != nil:
			e.Add("until", "must be a date such as 2027-06-30", "phải là một ngày dạng 2027-06-30")
		case !d.After(time.Now()) || d.After(time.Now().AddDate(1, 0, 1)):
			e.Add("until", "must be after today and within a year", "phải sau hôm nay và trong vòng một năm")
		}
	} else {
		in.Approver, in.Until = "", ""
	}
	if len(e) > 0 {
		return e
	}
	return nil
}

// transition moves a finding to status with a reason (the matcher's).
func (s *Service) transition(ctx context.Context, tx *store.Tx, actor access.Actor, id int64, status, reason, at string) error {
	return s.transitionWith(ctx, tx, actor, id, StatusInput{Status: status, Reason: reason}, at)
}

func (s *Service) transitionWith(ctx context.Context, tx *store.Tx, actor access.Actor, id int64, in StatusInput, at string) error {
	var before struct{ Status, Reason, Approver, Until string }
	if err := tx.QueryRowContext(ctx, `SELECT status, status_reason, approver, accepted_until FROM vuln_findings WHERE id = $1`, id).
		Scan(&before.Status, &before.Reason, &before.Approver, &before.Until); err != nil {
		return fmt.Errorf("vuln: finding %d: %w", id, err)
	}
	closed := ""
	if in.Status == Fixed || in.Status == FalsePositive {
		closed = at
	}
	if _, err := tx.ExecContext(ctx, `UPDATE vuln_findings SET status = $1, status_reason = $2, approver = $3, accepted_until = $4, closed_at = $5, updated_at = $6 WHERE id = $7`,
		in.Status, in.Reason, in.Approver, in.Until, closed, at, id); err != nil {
		return fmt.Errorf("vuln: finding %d status: %w", id, err)
	}
	after := struct{ Status, Reason, Approver, Until string }{in.Status, in.Reason, in.Approver, in.Until}
	return s.audit.Record(ctx, actor, audit.Update, "vuln-finding", id, before, after)
}
