package levels

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
)

// Reports (issue 12 item 7): the annual report of an agency or of the
// province (period 15 Dec – 14 Dec, due dates from the regime's
// calendar), and a system's compliance report. They are data here; the
// PDF (report_pdf.go), CSV (report_csv.go) and the printable page of the
// UI render them.

// Plan implementation of an approved system, as the annual report counts
// it.
const (
	PlanFull    = "full"    // every applicable requirement implemented
	PlanPartial = "partial" // some implemented or partly
	PlanNone    = "none"    // nothing implemented yet
)

// ReportSystem is one system's row of the annual report.
type ReportSystem struct {
	SystemScore
	Plan string `json:"plan"` // full, partial, none; "" without an approved level
	// Inspected is the date of the last independent inspection (layer 3)
	// when it falls in the period.
	Inspected string `json:"inspected,omitempty"`
	// DutiesOverdue counts the system's periodic duties past their due
	// date today (duties.go).
	DutiesOverdue int `json:"duties_overdue"`
}

// YearReport is the annual report of a scope.
type YearReport struct {
	Year        int    `json:"year"`
	PeriodStart string `json:"period_start"`
	PeriodEnd   string `json:"period_end"`
	// UnitDue is when units report to their owner, OwnerDue when the
	// owner reports onward to Recipient (the regime's calendar).
	UnitDue   string `json:"unit_due"`
	OwnerDue  string `json:"owner_due"`
	Recipient Text   `json:"recipient"`
	Regime    string `json:"regime"`
	// Scope names the agency (empty: the actor's whole scope).
	AgencyID   int64          `json:"agency_id"`
	AgencyName string         `json:"agency_name"`
	Systems    int            `json:"systems"`
	Approved   int            `json:"approved"`
	Share      float64        `json:"approved_share"` // percent
	ByLevel    map[string]int `json:"by_level"`
	PlanFull   int            `json:"plan_full"`
	PlanPart   int            `json:"plan_partial"`
	PlanNone   int            `json:"plan_none"`
	// ApprovedInPeriod counts dossiers whose decision falls in the period.
	ApprovedInPeriod int `json:"approved_in_period"`
	// Inspections counts systems inspected (layer 3) in the period.
	Inspections int `json:"inspections"`
	// DutiesOverdue counts the periodic duties past their due date today.
	DutiesOverdue int            `json:"duties_overdue"`
	Score         float64        `json:"score"`
	Rows          []ReportSystem `json:"systems_detail"`
	GeneratedAt   string         `json:"generated_at"`
}

// reportRegime is the regime whose calendar the annual report follows:
// Decree 331 when loaded, else the first one.
func (s *Service) reportRegime() *Regime {
	if r, ok := s.lib.Regime("nd331-2026"); ok {
		return r
	}
	return s.lib.Regimes()[0]
}

// period returns the report period of year under r's calendar.
func period(r *Regime, year int) (start, end, unitDue, ownerDue string) {
	a := r.AnnualReport
	start = fmt.Sprintf("%d-%s", year-1, a.PeriodStart)
	if a.PeriodStart <= a.PeriodEnd {
		start = fmt.Sprintf("%d-%s", year, a.PeriodStart)
	}
	end = fmt.Sprintf("%d-%s", year, a.PeriodEnd)
	return start, end, fmt.Sprintf("%d-%s", year, a.UnitToOwner), fmt.Sprintf("%d-%s", year, a.OwnerOnward)
}

// Annual builds the annual report of year for actor's scope or agency
// agencyID's subtree (year 0: the period that ends this year).
func (s *Service) Annual(ctx context.Context, actor access.Actor, agencyID int64, year int) (YearReport, error) {
	if !actor.CanRead() {
		return YearReport{}, fmt.Errorf("levels: annual report: %w", store.ErrUnauthenticated)
	}
	w, err := s.scope(ctx, actor, agencyID)
	if err != nil {
		return YearReport{}, err
	}
	rows, err := s.scopeRows(ctx, w, false)
	if err != nil {
		return YearReport{}, err
	}
	return s.annual(ctx, actor, rows, agencyID, year)
}

// annual builds the annual report of year from the rows of actor's scope
// (or agency agencyID's subtree).
func (s *Service) annual(ctx context.Context, actor access.Actor, rows []scopeRow, agencyID int64, year int) (YearReport, error) {
	now := s.clock()
	if year == 0 {
		year = now.Year()
	}
	if year < 2000 || year > now.Year()+1 {
		return YearReport{}, fmt.Errorf("levels: year %d: %w", year, store.ErrInvalid)
	}
	sc := s.scoresOf(rows, agencyID)
	r := s.reportRegime()
	rep := YearReport{Year: year, Regime: r.ID, Recipient: r.AnnualReport.Recipient, AgencyID: agencyID, Systems: sc.Systems, Approved: sc.Approved,
		ByLevel: map[string]int{"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}, Score: sc.Total.Score, Rows: make([]ReportSystem, 0, len(rows)), GeneratedAt: store.FormatTime(now)}
	rep.PeriodStart, rep.PeriodEnd, rep.UnitDue, rep.OwnerDue = period(r, year)
	if agencyID != 0 {
		if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT name FROM agencies WHERE id = $1`, agencyID).Scan(&rep.AgencyName); err != nil {
			return YearReport{}, fmt.Errorf("levels: agency %d: %w", agencyID, err)
		}
	}
	if sc.Systems > 0 {
		rep.Share = float64(int(float64(sc.Approved)/float64(sc.Systems)*1000+0.5)) / 10
	}
	for i, d := range sc.Details {
		row := ReportSystem{SystemScore: d}
		if last := rows[i].sum.LastInspection; last >= rep.PeriodStart && last <= rep.PeriodEnd {
			row.Inspected = last
			rep.Inspections++
		}
		if d.Level > 0 {
			if r, ok := s.lib.Regime(d.Regime); ok {
				row.DutiesOverdue = overdueDuties(dutiesDue(r, d.Level, rows[i].approvedOn, rows[i].sum.LastInspection, rows[i].sum.DutiesDone, today(now)))
				rep.DutiesOverdue += row.DutiesOverdue
			}
			rep.ByLevel[fmt.Sprint(d.Level)]++
			row.Plan = planOf(d.Counts)
			switch row.Plan {
			case PlanFull:
				rep.PlanFull++
			case PlanPartial:
				rep.PlanPart++
			default:
				rep.PlanNone++
			}
		}
		rep.Rows = append(rep.Rows, row)
	}
	var w store.Where
	w.Cond(actor.PathFilter(store.ScopePath))
	w.Add("d.state = 'approved' AND d.decision_date >= ? AND d.decision_date <= ?", rep.PeriodStart, rep.PeriodEnd)
	if agencyID != 0 {
		path, err := s.agencyPath(ctx, actor, agencyID)
		if err != nil {
			return YearReport{}, err
		}
		w.Cond(access.SubtreeCondition(store.ScopePath, path))
	}
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM level_dossiers d JOIN systems s ON s.id = d.system_id WHERE `+w.SQL(), w.Args()...).Scan(&rep.ApprovedInPeriod); err != nil {
		return YearReport{}, fmt.Errorf("levels: annual report: %w", err)
	}
	return rep, nil
}

// planOf says how far an approved system's plan is implemented.
func planOf(c Counts) string {
	switch {
	case c.Applicable > c.NotApplicable && c.Implemented == c.Applicable-c.NotApplicable:
		return PlanFull
	case c.Implemented+c.Partial > 0:
		return PlanPartial
	}
	return PlanNone
}

// ComplianceReport is one system's compliance: its level and decision,
// the four layers, the assessment and the open risks.
type ComplianceReport struct {
	SystemID    int64       `json:"system_id"`
	SystemName  string      `json:"system_name"`
	AgencyName  string      `json:"agency_name"`
	Level       SystemLevel `json:"level"`
	Decision    *Dossier    `json:"decision,omitempty"`
	Layers      []Layer     `json:"layers"`
	Assessment  *Assessment `json:"assessment,omitempty"`
	Risks       []Risk      `json:"risks"`
	GeneratedAt string      `json:"generated_at"`
}

// Compliance builds system systemID's compliance report.
func (s *Service) Compliance(ctx context.Context, actor access.Actor, systemID int64) (ComplianceReport, error) {
	sys, err := s.system(ctx, actor, systemID)
	if err != nil {
		return ComplianceReport{}, err
	}
	rep := ComplianceReport{SystemID: sys.ID, SystemName: sys.Name, GeneratedAt: store.FormatTime(s.clock()), Risks: []Risk{}}
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT a.name FROM systems s JOIN agencies a ON a.id = s.agency_id WHERE s.id = $1`, systemID).Scan(&rep.AgencyName); err != nil {
		return ComplianceReport{}, fmt.Errorf("levels: system %d: %w", systemID, err)
	}
	if lv, err := s.Level(ctx, actor, systemID); err == nil {
		rep.Level = lv
	} else if !errors.Is(err, store.ErrNotFound) {
		return ComplianceReport{}, err
	}
	ds, err := s.Dossiers(ctx, actor, DossierFilter{SystemID: systemID, State: DossierApproved})
	if err != nil {
		return ComplianceReport{}, err
	}
	if len(ds) > 0 {
		rep.Decision = &ds[0]
	}
	if rep.Layers, err = s.layers(ctx, s.db.Q(ctx), systemID, s.clock()); err != nil {
		return ComplianceReport{}, err
	}
	if a, err := s.Assessment(ctx, actor, systemID); err == nil {
		rep.Assessment = &a
	} else if !errors.Is(err, store.ErrConflict) {
		return ComplianceReport{}, err
	}
	if rep.Risks, err = s.Risks(ctx, actor, RiskFilter{SystemID: systemID, Open: true}); err != nil {
		return ComplianceReport{}, err
	}
	return rep, nil
}

// reportDate writes a stored time or date as DD/MM/YYYY.
func reportDate(v string) string {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t.Format("02/01/2006")
	}
	if t := store.ParseTime(v); !t.IsZero() {
		return t.Format("02/01/2006")
	}
	return v
}
