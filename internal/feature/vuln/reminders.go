// Reminders before a finding's deadline and notices once it has passed,
// sent through the notification targets once per finding and deadline.

package vuln

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/notify"
	"github.com/khien-project/khien/internal/platform/store"
)

// RemindDaysDefault is how many days before its deadline an open finding
// is recalled when Service.RemindDays is 0.
const RemindDaysDefault = 3

// Reminder kinds: a notice before the deadline, and one after it.
const (
	KindReminder = "reminder"
	KindOverdue  = "overdue"
)

// Maintenance tells whether a maintenance window covers a site (site 0:
// only the windows for every site). notify.Service satisfies it; a
// Notifier that does not is never muted.
type Maintenance interface {
	InMaintenance(ctx context.Context, siteID int64, at time.Time) (bool, error)
}

// ReminderSummary counts what one run sent.
type ReminderSummary struct {
	Reminders int `json:"reminders"` // findings recalled before their deadline
	Overdue   int `json:"overdue"`   // findings announced overdue
	Muted     int `json:"muted"`     // left for later: a maintenance window covers the system
	Notices   int `json:"notices"`   // notices sent (one per agency and kind)
	Failed    int `json:"failed"`    // notices that did not reach every target
}

// DueItem is one finding in a reminder or overdue notice.
type DueItem struct {
	FindingID  int64     `json:"finding_id"`
	SystemID   int64     `json:"system_id"`
	SystemName string    `json:"system_name"`
	Component  string    `json:"component"`
	Version    string    `json:"version"`
	VulnID     string    `json:"vuln_id"`
	Priority   string    `json:"priority"`
	DueAt      time.Time `json:"due_at"`
	agencyID   int64
	agencyName string
	kind, due  string
}

// DueNotice is what webhooks receive under "vuln-reminder" and
// "vuln-overdue".
type DueNotice struct {
	Kind       string    `json:"kind"` // reminder, overdue
	AgencyID   int64     `json:"agency_id"`
	AgencyName string    `json:"agency_name"`
	Findings   []DueItem `json:"findings"`
}

func (s *Service) remindDays() int {
	if s.RemindDays > 0 {
		return s.RemindDays
	}
	return RemindDaysDefault
}

// SendReminders sends, for every open or in-progress finding of a live
// system, a reminder once its deadline is at most RemindDays away and an
// overdue notice once it has passed: one notice per agency and kind,
// each finding in it once per deadline (a new deadline is recalled
// again). A finding is claimed (vuln_reminders) before it is sent, so two
// processes or a restart never send it twice; a failed delivery is
// recorded on the claim, not retried. Findings of a system under a
// maintenance window are left unclaimed and go out after the window.
// Without a notifier nothing is claimed.
func (s *Service) SendReminders(ctx context.Context, now time.Time) (ReminderSummary, error) {
	var sum ReminderSummary
	s.mu.Lock()
	n := s.notifier
	s.mu.Unlock()
	if n == nil {
		return sum, nil
	}
	items, err := s.dueItems(ctx, now)
	if err != nil || len(items) == 0 {
		return sum, err
	}
	if items, err = s.unmuted(ctx, n, items, now, &sum); err != nil {
		return sum, err
	}
	claimed, err := s.claim(ctx, items, now)
	if err != nil {
		return sum, err
	}
	for _, notice := range groupDue(claimed) {
		if notice.Kind == KindOverdue {
			sum.Overdue += len(notice.Findings)
		} else {
			sum.Reminders += len(notice.Findings)
		}
		sum.Notices++
		if err := n.Send(ctx, dueNotice(notice, now)); err != nil {
			sum.Failed++
			slog.Warn("vulnerability reminder failed", "kind", notice.Kind, "agency", notice.AgencyID, "err", err)
			s.recordFailure(ctx, notice, err)
		}
	}
	return sum, nil
}

// dueItems reads the findings due for a reminder or an overdue notice
// that have not had it for their current deadline.
func (s *Service) dueItems(ctx context.Context, now time.Time) ([]DueItem, error) {
	horizon := store.FormatTime(now.AddDate(0, 0, s.remindDays()))
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT f.id, f.system_id, s.name, s.agency_id, a.name, f.component, f.version, f.vuln_id, f.priority, f.due_at`+findingFrom+`
		WHERE s.archived_at = '' AND f.status IN ('open', 'in_progress') AND f.due_at <= $1
		AND NOT EXISTS (SELECT 1 FROM vuln_reminders r WHERE r.finding_id = f.id AND r.due_at = f.due_at AND (r.kind = 'overdue' OR f.due_at > $2))
		ORDER BY s.agency_id, f.due_at, f.id`, horizon, store.FormatTime(now))
	if err != nil {
		return nil, fmt.Errorf("vuln: findings due: %w", err)
	}
	defer rows.Close()
	var out []DueItem
	for rows.Next() {
		var it DueItem
		if err := rows.Scan(&it.FindingID, &it.SystemID, &it.SystemName, &it.agencyID, &it.agencyName, &it.Component, &it.Version, &it.VulnID, &it.Priority, &it.due); err != nil {
			return nil, fmt.Errorf("vuln: findings due: %w", err)
		}
		it.DueAt = store.ParseTime(it.due)
		it.kind = KindReminder
		if !it.DueAt.After(now) {
			it.kind = KindOverdue
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// unmuted drops the findings of systems a maintenance window covers now
// (a window for any of the system's sites, or for every site).
func (s *Service) unmuted(ctx context.Context, n Notifier, items []DueItem, now time.Time, sum *ReminderSummary) ([]DueItem, error) {
	m, ok := n.(Maintenance)
	if !ok {
		return items, nil
	}
	muted := map[int64]bool{}
	for _, it := range items {
		if _, seen := muted[it.SystemID]; seen {
			continue
		}
		on, err := s.systemMuted(ctx, m, it.SystemID, now)
		if err != nil {
			return nil, err
		}
		muted[it.SystemID] = on
	}
	var out []DueItem
	for _, it := range items {
		if muted[it.SystemID] {
			sum.Muted++
			continue
		}
		out = append(out, it)
	}
	return out, nil
}

func (s *Service) systemMuted(ctx context.Context, m Maintenance, systemID int64, now time.Time) (bool, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT id FROM sites WHERE system_id = $1 ORDER BY id`, systemID)
	if err != nil {
		return false, fmt.Errorf("vuln: sites of system %d: %w", systemID, err)
	}
	sites := []int64{0} // 0: the windows for every site
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return false, err
		}
		sites = append(sites, id)
	}
	rows.Close()
	for _, id := range sites {
		on, err := m.InMaintenance(ctx, id, now)
		if err != nil {
			return false, fmt.Errorf("vuln: maintenance of system %d: %w", systemID, err)
		}
		if on {
			return true, nil
		}
	}
	return false, nil
}

// claim records each item as sent, keeping those no other run claimed.
func (s *Service) claim(ctx context.Context, items []DueItem, now time.Time) ([]DueItem, error) {
	var out []DueItem
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		out = out[:0]
		for _, it := range items {
			res, err := tx.ExecContext(ctx, `INSERT INTO vuln_reminders (finding_id, kind, due_at, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
				it.FindingID, it.kind, it.due, store.FormatTime(now))
			if err != nil {
				return fmt.Errorf("vuln: claim reminder of finding %d: %w", it.FindingID, err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				out = append(out, it)
			}
		}
		return nil
	})
	return out, err
}

func (s *Service) recordFailure(ctx context.Context, notice DueNotice, cause error) {
	msg := cause.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	for _, it := range notice.Findings {
		if _, err := s.db.Writer().ExecContext(ctx, `UPDATE vuln_reminders SET error = $1 WHERE finding_id = $2 AND kind = $3 AND due_at = $4`,
			msg, it.FindingID, it.kind, it.due); err != nil {
			slog.Warn("record a failed vulnerability reminder", "finding", it.FindingID, "err", err)
		}
	}
}

// groupDue makes one notice per agency and kind, overdue first.
func groupDue(items []DueItem) []DueNotice {
	idx := map[string]int{}
	var out []DueNotice
	for _, it := range items {
		key := fmt.Sprintf("%s/%d", it.kind, it.agencyID)
		i, ok := idx[key]
		if !ok {
			i = len(out)
			idx[key] = i
			out = append(out, DueNotice{Kind: it.kind, AgencyID: it.agencyID, AgencyName: it.agencyName})
		}
		out[i].Findings = append(out[i].Findings, it)
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].Kind != out[b].Kind {
			return out[a].Kind == KindOverdue
		}
		return out[a].AgencyName < out[b].AgencyName
	})
	return out
}

// dueNoticeLines is how many findings a notice's text lists (the payload
// has them all).
const dueNoticeLines = 20

func dueNotice(d DueNotice, now time.Time) notify.Notice {
	var vi, en strings.Builder
	if d.Kind == KindOverdue {
		fmt.Fprintf(&vi, "%s có %d lỗ hổng đã quá hạn khắc phục:", d.AgencyName, len(d.Findings))
		fmt.Fprintf(&en, "%s has %d vulnerabilities past their remediation deadline:", d.AgencyName, len(d.Findings))
	} else {
		fmt.Fprintf(&vi, "%s có %d lỗ hổng sắp đến hạn khắc phục:", d.AgencyName, len(d.Findings))
		fmt.Fprintf(&en, "%s has %d vulnerabilities whose remediation deadline is near:", d.AgencyName, len(d.Findings))
	}
	for i, it := range d.Findings {
		if i == dueNoticeLines {
			fmt.Fprintf(&vi, "\n- và %d lỗ hổng khác", len(d.Findings)-i)
			fmt.Fprintf(&en, "\n- and %d more", len(d.Findings)-i)
			break
		}
		day := it.DueAt.Format("2006-01-02")
		fmt.Fprintf(&vi, "\n- %s: %s %s, %s (%s), hạn %s", it.SystemName, it.Component, it.Version, it.VulnID, it.Priority, day)
		fmt.Fprintf(&en, "\n- %s: %s %s, %s (%s), due %s", it.SystemName, it.Component, it.Version, it.VulnID, it.Priority, day)
	}
	n := notify.Notice{Event: "vuln-" + d.Kind, At: now, Text: vi.String(), TextEN: en.String(), Payload: d, Severity: "medium"}
	if d.Kind == KindOverdue {
		n.Severity = "high"
		n.Subject = fmt.Sprintf("Lỗ hổng quá hạn / Overdue vulnerabilities: %s (%d)", d.AgencyName, len(d.Findings))
	} else {
		n.Subject = fmt.Sprintf("Lỗ hổng sắp đến hạn / Vulnerability deadlines near: %s (%d)", d.AgencyName, len(d.Findings))
	}
	return n
}
