package levels

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/store"
)

// Each system's summary (level_summaries): its approved level, the
// counts of its requirement statuses at that level, the requirements it
// falls short of, and what its four layers need to tell their status on
// a given day. The dashboard and the annual report read one summary per
// system instead of every status. A summary is rewritten whole from the
// system's own rows (never adjusted by differences) in the transaction
// of every change to them: refreshSummary after an assessment is saved,
// a level approved or a layer recorded; the purge deletes it. The
// migration that added the table filled it from the rows already there.

// summaryRow is a system's summary as stored.
type summaryRow struct {
	Regime         string
	Level          int
	Implemented    int
	Partial        int
	NotImplemented int
	NotApplicable  int
	// Gaps are the requirements partly or not implemented, sorted.
	Gaps []string
	// Team: layer 1 has a named person with a phone or e-mail.
	Team bool
	// ContractEnd is layer 2's contract end when layer 2 is complete.
	ContractEnd string
	// NextDue is layer 3's next inspection when layer 3 is complete.
	NextDue string
	// LastInspection is layer 3's last date as recorded.
	LastInspection string
	Connected      bool
	// DutiesDone is the last day each periodic duty was recorded done.
	DutiesDone map[string]string
}

// layerStatuses tells the four layers' statuses on day now from the
// summary, as status() tells them from the recorded details (missing and
// incomplete are not told apart: both are "not in place").
func (m summaryRow) layerStatuses(now time.Time) [4]string {
	out := [4]string{LayerIncomplete, LayerIncomplete, LayerIncomplete, LayerIncomplete}
	today := now.UTC().Format(time.DateOnly)
	if m.Team {
		out[0] = LayerInPlace
	}
	switch {
	case m.ContractEnd == "":
	case m.ContractEnd < today:
		out[1] = LayerExpired
	case m.ContractEnd <= now.UTC().AddDate(0, 0, 30).Format(time.DateOnly):
		out[1] = LayerExpiring
	default:
		out[1] = LayerInPlace
	}
	switch {
	case m.NextDue == "":
	case m.NextDue < today:
		out[2] = LayerOverdue
	default:
		out[2] = LayerInPlace
	}
	if m.Connected {
		out[3] = LayerInPlace
	}
	return out
}

// summarise computes system systemID's summary from its rows, read
// through q (the transaction of the change).
func (s *Service) summarise(ctx context.Context, q store.Querier, systemID int64) (summaryRow, error) {
	var m summaryRow
	var regime string
	var level sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT approved_regime, approved_level FROM system_levels WHERE system_id = $1`, systemID).Scan(&regime, &level)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("levels: summary of system %d: %w", systemID, err)
	}
	if level.Valid {
		m.Regime, m.Level = regime, int(level.Int64)
		if err := m.countStatuses(ctx, q, systemID); err != nil {
			return m, err
		}
	}
	layers, err := s.layers(ctx, q, systemID, time.Now())
	if err != nil {
		return m, err
	}
	m.Team = status(1, layers[0].Details, time.Now()) == LayerInPlace
	if d := layers[1].Details; d.Provider != "" && d.ContractEnd != "" && d.Connection != "" {
		m.ContractEnd = d.ContractEnd
	}
	if d := layers[2].Details; d.Organisation != "" && d.LastDate != "" && d.NextDue != "" {
		m.NextDue = d.NextDue
	}
	m.LastInspection = layers[2].Details.LastDate
	m.Connected = layers[3].Details.Connected != nil && *layers[3].Details.Connected
	if m.DutiesDone, err = lastDone(ctx, q, systemID); err != nil {
		return m, err
	}
	return m, nil
}

// countStatuses counts the statuses that apply at m's level under its
// regime (the requirements from that level down).
func (m *summaryRow) countStatuses(ctx context.Context, q store.Querier, systemID int64) error {
	rows, err := q.QueryContext(ctx, `SELECT requirement, status FROM requirement_statuses WHERE system_id = $1 AND regime = $2 AND from_level <= $3`,
		systemID, m.Regime, m.Level)
	if err != nil {
		return fmt.Errorf("levels: summary of system %d: %w", systemID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var req, st string
		if err := rows.Scan(&req, &st); err != nil {
			return err
		}
		switch st {
		case Implemented:
			m.Implemented++
		case Partial:
			m.Partial++
			m.Gaps = append(m.Gaps, req)
		case NotImplemented:
			m.NotImplemented++
			m.Gaps = append(m.Gaps, req)
		case NotApplicable:
			m.NotApplicable++
		}
	}
	sort.Strings(m.Gaps)
	return rows.Err()
}

// refreshSummary rewrites system systemID's summary from its rows; call
// it in the transaction of every change to them.
func (s *Service) refreshSummary(ctx context.Context, tx *store.Tx, systemID int64) error {
	m, err := s.summarise(ctx, tx, systemID)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO level_summaries (system_id, regime, level, implemented, partial, not_implemented, not_applicable, gaps,
			team, contract_end, next_due, last_inspection, connected, duties_done, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (system_id) DO UPDATE SET regime = excluded.regime, level = excluded.level, implemented = excluded.implemented,
			partial = excluded.partial, not_implemented = excluded.not_implemented, not_applicable = excluded.not_applicable, gaps = excluded.gaps,
			team = excluded.team, contract_end = excluded.contract_end, next_due = excluded.next_due, last_inspection = excluded.last_inspection,
			connected = excluded.connected, duties_done = excluded.duties_done, updated_at = excluded.updated_at`,
		systemID, m.Regime, m.Level, m.Implemented, m.Partial, m.NotImplemented, m.NotApplicable, strings.Join(m.Gaps, " "),
		store.Flag(m.Team), m.ContractEnd, m.NextDue, m.LastInspection, store.Flag(m.Connected), formatDone(m.DutiesDone), store.Now())
	if err != nil {
		return fmt.Errorf("levels: summary of system %d: %w", systemID, err)
	}
	return nil
}

// scopeRow is one live system of a scope with its level and summary.
type scopeRow struct {
	SystemScore
	AgencyCode string
	sum        summaryRow
	// gaps is the summary's gap list as stored (read for the dashboard
	// only).
	gaps string
	// approvedOn is the day the level was approved.
	approvedOn string
}

// scopeRows reads the live systems matching w (aliases s: systems, a:
// agencies) with their levels and summaries, one row each, by agency
// code and system name; withGaps reads the gap lists too.
func (s *Service) scopeRows(ctx context.Context, w store.Where, withGaps bool) ([]scopeRow, error) {
	gaps := "''"
	if withGaps {
		gaps = "COALESCE(m.gaps, '')"
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT s.id, s.name, a.id, a.code, a.name,
			COALESCE(l.approved_regime, ''), COALESCE(l.approved_level, 0), COALESCE(l.proposed_level, 0),
			COALESCE(m.implemented, 0), COALESCE(m.partial, 0), COALESCE(m.not_implemented, 0), COALESCE(m.not_applicable, 0), `+gaps+`,
			COALESCE(m.team, 0), COALESCE(m.contract_end, ''), COALESCE(m.next_due, ''), COALESCE(m.last_inspection, ''), COALESCE(m.connected, 0),
			COALESCE(m.duties_done, ''), COALESCE(l.approved_at, '')
		FROM systems s JOIN agencies a ON a.id = s.agency_id LEFT JOIN system_levels l ON l.system_id = s.id
			LEFT JOIN level_summaries m ON m.system_id = s.id
		WHERE `+w.SQL(), w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("levels: summaries: %w", err)
	}
	defer rows.Close()
	var out []scopeRow
	for rows.Next() {
		var r scopeRow
		var team, connected int
		var done, approvedAt string
		if err := rows.Scan(&r.SystemID, &r.Name, &r.AgencyID, &r.AgencyCode, &r.AgencyName,
			&r.Regime, &r.Level, &r.ProposedLevel,
			&r.sum.Implemented, &r.sum.Partial, &r.sum.NotImplemented, &r.sum.NotApplicable, &r.gaps,
			&team, &r.sum.ContractEnd, &r.sum.NextDue, &r.sum.LastInspection, &connected, &done, &approvedAt); err != nil {
			return nil, err
		}
		r.sum.Team, r.sum.Connected = team != 0, connected != 0
		r.sum.DutiesDone, r.approvedOn = parseDone(done), dateOf(approvedAt)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// sorted here rather than in SQL: the same order on both engines, and
	// cheaper than the database's sorter over these wide rows
	slices.SortFunc(out, func(a, b scopeRow) int {
		return cmp.Or(cmp.Compare(a.AgencyCode, b.AgencyCode), cmp.Compare(a.Name, b.Name), cmp.Compare(a.SystemID, b.SystemID))
	})
	return out, nil
}
