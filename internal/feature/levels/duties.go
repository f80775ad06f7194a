package levels

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Periodic duties (issue 12 item 4): the regime says, per level, how
// often a system is inspected, scanned for vulnerabilities or
// penetration-tested, and how long its logs are kept. A periodic duty is
// due its frequency after it was last done (recorded here, and for the
// inspection also layer 3's last date), or after the level's approval
// when it was never done; past that day it is overdue.

// DutyInspection is the periodic inspection, also done when layer 3
// records an inspection.
const DutyInspection = "inspection"

// DutyDue is one duty of a system at its approved level.
type DutyDue struct {
	ID         string `json:"id"`
	TitleVI    string `json:"title_vi"`
	TitleEN    string `json:"title_en"`
	Confidence string `json:"confidence"`
	// EveryMonths is the frequency (0: not periodic at this level).
	EveryMonths int `json:"every_months,omitempty"`
	// CriticalEveryMonths is the frequency on critical assets, if the
	// regime gives one.
	CriticalEveryMonths int `json:"critical_every_months,omitempty"`
	// KeepMonths is how long logs are kept (retention duties).
	KeepMonths *int   `json:"keep_months,omitempty"`
	LastDone   string `json:"last_done,omitempty"`
	DueOn      string `json:"due_on,omitempty"`
	Overdue    bool   `json:"overdue"`
	Note       string `json:"note,omitempty"`
}

// dutiesDue lists the duties of r at level for a system approved on
// approvedOn (YYYY-MM-DD), whose duties were last done on done (by duty
// id) and last inspected (layer 3) on inspected, as of today.
func dutiesDue(r *Regime, level int, approvedOn, inspected string, done map[string]string, today string) []DutyDue {
	key := strconv.Itoa(level)
	var out []DutyDue
	for _, d := range r.Duties {
		every, periodic := d.EveryMonths[key]
		keep, retention := d.Months[key]
		if !periodic && !retention && (d.From == 0 || level < d.From) {
			continue
		}
		x := DutyDue{ID: d.ID, TitleVI: d.TitleVI, TitleEN: d.TitleEN, Confidence: d.Confidence, EveryMonths: every,
			CriticalEveryMonths: d.Critical[key], Note: d.Note, LastDone: done[d.ID]}
		if retention {
			x.KeepMonths = &keep
		}
		if d.ID == DutyInspection && inspected > x.LastDone {
			x.LastDone = inspected
		}
		if every > 0 {
			base := x.LastDone
			if base == "" {
				base = approvedOn
			}
			if t, err := time.Parse(time.DateOnly, base); err == nil {
				x.DueOn = t.AddDate(0, every, 0).Format(time.DateOnly)
				x.Overdue = x.DueOn < today
			}
		}
		out = append(out, x)
	}
	return out
}

// overdueDuties counts the overdue duties of a system.
func overdueDuties(ds []DutyDue) int {
	n := 0
	for _, d := range ds {
		if d.Overdue {
			n++
		}
	}
	return n
}

// parseDone reads a summary's duties_done ("duty=YYYY-MM-DD ...").
func parseDone(s string) map[string]string {
	out := map[string]string{}
	for pair := range strings.FieldsSeq(s) {
		if id, on, ok := strings.Cut(pair, "="); ok {
			out[id] = on
		}
	}
	return out
}

// formatDone writes done as a summary's duties_done, sorted by duty.
func formatDone(done map[string]string) string {
	var ids []string
	for id := range done {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for i, id := range ids {
		ids[i] = id + "=" + done[id]
	}
	return strings.Join(ids, " ")
}

// lastDone reads the last date each duty of a system was recorded done.
func lastDone(ctx context.Context, q store.Querier, systemID int64) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT duty, MAX(done_on) FROM level_duty_records WHERE system_id = $1 GROUP BY duty`, systemID)
	if err != nil {
		return nil, fmt.Errorf("levels: duties of system %d: %w", systemID, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, on string
		if err := rows.Scan(&id, &on); err != nil {
			return nil, err
		}
		out[id] = on
	}
	return out, rows.Err()
}

// Duties lists system systemID's duties at its approved level with their
// due dates (409 before a level is approved).
func (s *Service) Duties(ctx context.Context, actor access.Actor, systemID int64) ([]DutyDue, error) {
	if _, err := s.system(ctx, actor, systemID); err != nil {
		return nil, err
	}
	q := s.db.Q(ctx)
	r, level, err := s.approved(ctx, q, systemID)
	if err != nil {
		return nil, err
	}
	m, err := s.summarise(ctx, q, systemID)
	if err != nil {
		return nil, err
	}
	var approvedAt string
	if err := q.QueryRowContext(ctx, `SELECT approved_at FROM system_levels WHERE system_id = $1`, systemID).Scan(&approvedAt); err != nil {
		return nil, fmt.Errorf("levels: level of system %d: %w", systemID, err)
	}
	return dutiesDue(r, level, dateOf(approvedAt), m.LastInspection, m.DutiesDone, today(s.clock())), nil
}

// dateOf is the day of a stored time (YYYY-MM-DD), "" if there is none.
func dateOf(stored string) string {
	if t := store.ParseTime(stored); !t.IsZero() {
		return t.UTC().Format(time.DateOnly)
	}
	return ""
}

// DutyInput records that a periodic duty was done.
type DutyInput struct {
	Duty   string `json:"duty"`
	DoneOn string `json:"done_on"` // YYYY-MM-DD, not in the future
	Note   string `json:"note"`
}

// RecordDuty records that system systemID did a periodic duty of its
// level (agency officers of its agency, analysts, admins); audited.
func (s *Service) RecordDuty(ctx context.Context, actor access.Actor, systemID int64, in DutyInput) ([]DutyDue, error) {
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		sys, err := s.system(ctx, actor, systemID)
		if err != nil {
			return err
		}
		if !actor.CanWriteRegistry() && !actor.CanWriteSecurity() {
			return fmt.Errorf("levels: %s may not record duties: %w", actor.Role, store.ErrForbidden)
		}
		if sys.Archived {
			return conflict("id", "the system is archived and read-only", "hệ thống đã được lưu trữ, chỉ được xem")
		}
		r, level, err := s.approved(ctx, tx, systemID)
		if err != nil {
			return err
		}
		if err := checkDuty(r, level, in, s.clock()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO level_duty_records (system_id, duty, done_on, note, recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			systemID, in.Duty, in.DoneOn, strings.TrimSpace(in.Note), actor.Username, store.Now()); err != nil {
			return fmt.Errorf("levels: duty of system %d: %w", systemID, err)
		}
		if err := s.refreshSummary(ctx, tx, systemID); err != nil {
			return err
		}
		return s.audit.Record(ctx, actor, "duty.record", "system", systemID, nil, map[string]any{"duty": in.Duty, "done_on": in.DoneOn, "note": in.Note})
	})
	if err != nil {
		return nil, err
	}
	return s.Duties(ctx, actor, systemID)
}

// checkDuty refuses a duty that is not periodic at the level, a bad or
// future date and a bad note.
func checkDuty(r *Regime, level int, in DutyInput, now time.Time) error {
	var e valid.Errors
	periodic := false
	for _, d := range r.Duties {
		if d.ID == in.Duty && d.EveryMonths[strconv.Itoa(level)] > 0 {
			periodic = true
		}
	}
	if !periodic {
		e.Add("duty", fmt.Sprintf("%q is not a periodic duty of %s at level %d", in.Duty, r.ID, level),
			fmt.Sprintf("%q không phải nghĩa vụ định kỳ của %s ở cấp độ %d", in.Duty, r.ID, level))
	}
	if d, err := time.Parse(time.DateOnly, in.DoneOn); err != nil {
		e.Add("done_on", "the day it was done is required (YYYY-MM-DD)", "cần ngày thực hiện (YYYY-MM-DD)")
	} else if d.After(now) {
		e.Add("done_on", "is in the future", "là ngày trong tương lai")
	}
	e.Text("note", in.Note, false, 2000, true)
	return e.Err()
}
