package levels

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// The four-layer model (Directive 14/CT-TTg, letter 235/CATTT-ATHTTT;
// reference §3): (1) the on-site team, (2) professional monitoring, (3)
// independent inspection by a party other than layer 2's, (4) connection
// to the national monitoring system. One record per layer and system.

// Layer statuses.
const (
	LayerMissing      = "missing"       // nothing recorded
	LayerIncomplete   = "incomplete"    // recorded without what the layer needs
	LayerInPlace      = "in_place"      // recorded and current
	LayerExpiring     = "expiring"      // layer 2: the contract ends within 30 days
	LayerExpired      = "expired"       // layer 2: the contract has ended
	LayerOverdue      = "overdue"       // layer 3: the next inspection is past due
	LayerDisconnected = "not_connected" // layer 4: not connected
)

// LayerNames are the layers' names, Vietnamese and English.
var LayerNames = [4]Text{
	{VI: "Lực lượng tại chỗ", EN: "On-site team"},
	{VI: "Tổ chức giám sát, bảo vệ chuyên nghiệp", EN: "Professional monitoring and protection"},
	{VI: "Kiểm tra, đánh giá độc lập", EN: "Independent inspection"},
	{VI: "Kết nối hệ thống giám sát quốc gia", EN: "Connection to the national monitoring system"},
}

// Person is a member of the on-site team.
type Person struct {
	Name  string `json:"name"`
	Role  string `json:"role,omitempty"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
}

// LayerDetails is what is recorded of a layer; each field belongs to one
// layer (people: 1; provider … live_data: 2; organisation … next_due: 3;
// connected, connected_on: 4). Dates are YYYY-MM-DD.
type LayerDetails struct {
	People        []Person `json:"people,omitempty"`
	Provider      string   `json:"provider,omitempty"`
	ContractStart string   `json:"contract_start,omitempty"`
	ContractEnd   string   `json:"contract_end,omitempty"`
	Connection    string   `json:"connection,omitempty"`
	LiveData      *bool    `json:"live_data,omitempty"`
	Organisation  string   `json:"organisation,omitempty"`
	LastDate      string   `json:"last_date,omitempty"`
	Result        string   `json:"result,omitempty"`
	NextDue       string   `json:"next_due,omitempty"`
	Connected     *bool    `json:"connected,omitempty"`
	ConnectedOn   string   `json:"connected_on,omitempty"`
}

// Layer is one layer of a system as GET …/layers answers it.
type Layer struct {
	Layer     int          `json:"layer"`
	Name      string       `json:"name"`
	NameEN    string       `json:"name_en"`
	Status    string       `json:"status"`
	Details   LayerDetails `json:"details"`
	UpdatedBy string       `json:"updated_by,omitempty"`
	UpdatedAt string       `json:"updated_at,omitempty"`
}

// Layers returns the four layers of system systemID, in order.
func (s *Service) Layers(ctx context.Context, actor access.Actor, systemID int64) ([]Layer, error) {
	if _, err := s.system(ctx, actor, systemID); err != nil {
		return nil, err
	}
	return s.layers(ctx, s.db.Q(ctx), systemID, time.Now())
}

func (s *Service) layers(ctx context.Context, q store.Querier, systemID int64, now time.Time) ([]Layer, error) {
	out := make([]Layer, 4)
	for i := range out {
		out[i] = Layer{Layer: i + 1, Name: LayerNames[i].VI, NameEN: LayerNames[i].EN, Status: LayerMissing}
	}
	rows, err := q.QueryContext(ctx, `SELECT layer, details_json, updated_by, updated_at FROM system_layers WHERE system_id = $1`, systemID)
	if err != nil {
		return nil, fmt.Errorf("levels: layers of system %d: %w", systemID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		var details string
		var l Layer
		if err := rows.Scan(&n, &details, &l.UpdatedBy, &l.UpdatedAt); err != nil {
			return nil, fmt.Errorf("levels: layers of system %d: %w", systemID, err)
		}
		if n < 1 || n > 4 {
			continue
		}
		if err := json.Unmarshal([]byte(details), &l.Details); err != nil {
			return nil, fmt.Errorf("levels: layer %d of system %d: %w", n, systemID, err)
		}
		out[n-1].Details, out[n-1].UpdatedBy, out[n-1].UpdatedAt = l.Details, l.UpdatedBy, l.UpdatedAt
		out[n-1].Status = status(n, l.Details, now)
	}
	return out, rows.Err()
}

// status computes a recorded layer's status on day now.
func status(layer int, d LayerDetails, now time.Time) string {
	today := now.UTC().Format(time.DateOnly)
	switch layer {
	case 1:
		for _, p := range d.People {
			if p.Name != "" && (p.Phone != "" || p.Email != "") {
				return LayerInPlace
			}
		}
	case 2:
		switch {
		case d.Provider == "" || d.ContractEnd == "" || d.Connection == "":
		case d.ContractEnd < today:
			return LayerExpired
		case d.ContractEnd <= now.UTC().AddDate(0, 0, 30).Format(time.DateOnly):
			return LayerExpiring
		default:
			return LayerInPlace
		}
	case 3:
		switch {
		case d.Organisation == "" || d.LastDate == "" || d.NextDue == "":
		case d.NextDue < today:
			return LayerOverdue
		default:
			return LayerInPlace
		}
	case 4:
		switch {
		case d.Connected == nil:
		case !*d.Connected:
			return LayerDisconnected
		default:
			return LayerInPlace
		}
	}
	return LayerIncomplete
}

// SetLayer records layer n of system systemID (replacing what was
// recorded), audited. Agency officers (their own systems) and admins may.
func (s *Service) SetLayer(ctx context.Context, actor access.Actor, systemID int64, n int, d LayerDetails) (Layer, error) {
	if n < 1 || n > 4 {
		return Layer{}, fmt.Errorf("levels: layer %d: %w", n, store.ErrNotFound)
	}
	if _, err := s.writable(ctx, actor, systemID); err != nil {
		return Layer{}, err
	}
	if err := checkLayer(n, d); err != nil {
		return Layer{}, err
	}
	body, err := json.Marshal(d)
	if err != nil {
		return Layer{}, err
	}
	var out Layer
	err = s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := s.writable(ctx, actor, systemID); err != nil {
			return err
		}
		now := time.Now()
		before, err := s.layers(ctx, tx, systemID, now)
		if err != nil {
			return err
		}
		if err := independent(n, d, before); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO system_layers (system_id, layer, details_json, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (system_id, layer) DO UPDATE SET details_json = excluded.details_json, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			systemID, n, string(body), actor.Username, store.FormatTime(now)); err != nil {
			return fmt.Errorf("levels: layer %d of system %d: %w", n, systemID, err)
		}
		if err := s.refreshSummary(ctx, tx, systemID); err != nil {
			return err
		}
		out = Layer{Layer: n, Name: LayerNames[n-1].VI, NameEN: LayerNames[n-1].EN, Status: status(n, d, now), Details: d,
			UpdatedBy: actor.Username, UpdatedAt: store.FormatTime(now)}
		var old any
		if before[n-1].Status != LayerMissing {
			old = before[n-1].Details
		}
		return s.audit.Record(ctx, actor, "layer.set", "system", systemID, old, map[string]any{"layer": n, "details": d, "status": out.Status})
	})
	return out, err
}

// independent refuses a layer-3 organisation that is layer 2's provider
// (or the other way round): the inspection must be independent.
func independent(n int, d LayerDetails, current []Layer) error {
	var mine, other, field string
	switch n {
	case 2:
		mine, other, field = d.Provider, current[2].Details.Organisation, "provider"
	case 3:
		mine, other, field = d.Organisation, current[1].Details.Provider, "organisation"
	default:
		return nil
	}
	if mine == "" || other == "" || valid.Fold(mine) != valid.Fold(other) {
		return nil
	}
	var e valid.Errors
	e.Add(field, fmt.Sprintf("%q runs the monitoring (layer 2) and cannot also do the independent inspection (layer 3)", mine),
		fmt.Sprintf("%q đã giám sát (lớp 2) nên không thể đồng thời kiểm tra, đánh giá độc lập (lớp 3)", mine))
	return e
}

// checkLayer refuses fields of other layers, bad dates and texts.
func checkLayer(n int, d LayerDetails) error {
	var e valid.Errors
	belongs := map[int][]struct {
		name string
		set  bool
	}{
		1: {{"people", d.People != nil}},
		2: {{"provider", d.Provider != ""}, {"contract_start", d.ContractStart != ""}, {"contract_end", d.ContractEnd != ""}, {"connection", d.Connection != ""}, {"live_data", d.LiveData != nil}},
		3: {{"organisation", d.Organisation != ""}, {"last_date", d.LastDate != ""}, {"result", d.Result != ""}, {"next_due", d.NextDue != ""}},
		4: {{"connected", d.Connected != nil}, {"connected_on", d.ConnectedOn != ""}},
	}
	for layer, fields := range belongs {
		for _, f := range fields {
			if f.set && layer != n {
				e.Add(f.name, fmt.Sprintf("belongs to layer %d, not layer %d", layer, n), fmt.Sprintf("thuộc lớp %d, không thuộc lớp %d", layer, n))
			}
		}
	}
	for _, f := range []struct{ name, v string }{{"contract_start", d.ContractStart}, {"contract_end", d.ContractEnd}, {"last_date", d.LastDate}, {"next_due", d.NextDue}, {"connected_on", d.ConnectedOn}} {
		if _, err := time.Parse(time.DateOnly, f.v); f.v != "" && err != nil {
			e.Add(f.name, fmt.Sprintf("%q is not a date (YYYY-MM-DD)", f.v), fmt.Sprintf("%q không phải ngày (YYYY-MM-DD)", f.v))
		}
	}
	if d.ContractStart != "" && d.ContractEnd != "" && d.ContractEnd < d.ContractStart {
		e.Add("contract_end", "is before contract_start", "trước ngày bắt đầu hợp đồng")
	}
	if len(d.People) > 50 {
		e.Add("people", "at most 50 people", "tối đa 50 người")
	}
	for i, p := range d.People {
		where := fmt.Sprintf("people[%d].", i)
		e.Text(where+"name", p.Name, true, 200, false)
		e.Text(where+"role", p.Role, false, 200, false)
		if p.Phone != "" {
			e.Phone(where+"phone", p.Phone)
		}
		e.Email(where+"email", p.Email, false)
	}
	for _, f := range []struct{ name, v string }{{"provider", d.Provider}, {"connection", d.Connection}, {"organisation", d.Organisation}, {"result", d.Result}} {
		e.Text(f.name, f.v, false, 500, false)
	}
	return e.Err()
}
