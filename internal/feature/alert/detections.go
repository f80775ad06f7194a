package alert

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// RefKind names detections in references ("detection/12").
const RefKind = events.RefDetection

// Detection is one alert: a rule that fired for an agency's system, with
// the repeats grouped into it.
type Detection struct {
	ID         int64     `json:"id"`
	RuleUID    string    `json:"rule_uid"`
	RuleTitle  string    `json:"rule_title"`
	Level      string    `json:"level"`
	Tags       []string  `json:"tags"` // ATT&CK and others, as the rule has them
	AgencyID   int64     `json:"agency_id"`
	AgencyName string    `json:"agency_name"`
	SystemID   int64     `json:"system_id,omitempty"`
	SystemName string    `json:"system_name,omitempty"`
	Group      string    `json:"group,omitempty"` // a correlation's group-by values
	Status     string    `json:"status"`
	Assignee   string    `json:"assignee"`
	Count      int64     `json:"count"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	Muted      bool      `json:"muted"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// Events and History are filled by Detection (one alert) only.
	Events  []MatchedEvent `json:"events,omitempty"`
	History []Change       `json:"history,omitempty"`
}

// MatchedEvent is one event an alert matched (fields and original are
// kept for the first ones only).
type MatchedEvent struct {
	RecordID string         `json:"record_id"`
	Day      string         `json:"day"`
	At       time.Time      `json:"at"`
	Fields   map[string]any `json:"fields,omitempty"`
	Original string         `json:"original,omitempty"`
}

// Change is one entry of an alert's history.
type Change struct {
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	From     string    `json:"from,omitempty"`
	To       string    `json:"to,omitempty"`
	Assignee string    `json:"assignee,omitempty"`
	Note     string    `json:"note,omitempty"`
}

// Filter selects alerts; Valid checks it.
type Filter struct {
	Status   string
	Level    string
	AgencyID int64 // the agency and its subtree
	SystemID int64
	Rule     string // a rule's uid
	Assignee string
	From, To time.Time
	Sort     string // newest (default), oldest, level, count, last_seen
	Limit    int
	Offset   int
}

// Sorts are the values Filter.Sort takes.
var Sorts = []string{"newest", "oldest", "level", "count", "last_seen"}

var order = map[string]string{
	"": "d.id DESC", "newest": "d.id DESC", "oldest": "d.id ASC", "count": "d.count DESC, d.id DESC", "last_seen": "d.last_seen DESC, d.id DESC",
	"level": "CASE d.level WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, d.id DESC",
}

// Valid says which field of the filter is wrong, if one is.
func (f Filter) Valid() error {
	var e valid.Errors
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		e.Add("status", "is not a status", "không phải một trạng thái")
	}
	if f.Level != "" && !slices.Contains(Levels, f.Level) {
		e.Add("level", "is not a level", "không phải một mức độ")
	}
	if f.Sort != "" && !slices.Contains(Sorts, f.Sort) {
		e.Add("sort", "is not a sort order", "không phải một cách sắp xếp")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		e.Add("to", "is not after the start", "không sau ngày bắt đầu")
	}
	return e.Err()
}

const detectionFrom = ` FROM detections d JOIN agencies a ON a.id = d.agency_id LEFT JOIN systems s ON s.id = d.system_id `

const detectionCols = `d.id, d.rule_uid, d.rule_title, d.level, d.tags, d.agency_id, a.name, d.system_id, COALESCE(s.name, ''), d.group_key, d.status, d.assignee, d.count, d.first_seen, d.last_seen, d.muted, d.created_at, d.updated_at`

func scanDetection(r interface{ Scan(...any) error }) (Detection, error) {
	var d Detection
	var tags, first, last, created, updated string
	var muted int
	err := r.Scan(&d.ID, &d.RuleUID, &d.RuleTitle, &d.Level, &tags, &d.AgencyID, &d.AgencyName, &d.SystemID, &d.SystemName, &d.Group, &d.Status, &d.Assignee, &d.Count, &first, &last, &muted, &created, &updated)
	d.Tags, d.Muted = splitTags(tags), muted == 1
	d.FirstSeen, d.LastSeen, d.CreatedAt, d.UpdatedAt = store.ParseTime(first), store.ParseTime(last), store.ParseTime(created), store.ParseTime(updated)
	return d, err
}

// Detections lists alerts in actor's scope (an officer sees their
// agency's subtree).
func (s *Service) Detections(ctx context.Context, actor access.Actor, f Filter) ([]Detection, int, error) {
	if err := f.Valid(); err != nil {
		return nil, 0, fmt.Errorf("alert: detections: %w", err)
	}
	var w store.Where
	w.Cond(actor.PathFilter("a.path"))
	if f.Status != "" {
		w.Add("d.status = ?", f.Status)
	}
	if f.Level != "" {
		w.Add("d.level = ?", f.Level)
	}
	if f.AgencyID != 0 {
		var path string
		if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT path FROM agencies WHERE id = $1`, f.AgencyID).Scan(&path); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, 0, err
		}
		w.Cond(access.SubtreeCondition("a.path", path))
	}
	if f.SystemID != 0 {
		w.Add("d.system_id = ?", f.SystemID)
	}
	if f.Rule != "" {
		w.Add("d.rule_uid = ?", f.Rule)
	}
	if f.Assignee != "" {
		w.Add("d.assignee = ?", f.Assignee)
	}
	if !f.From.IsZero() {
		w.Add("d.last_seen >= ?", store.FormatTime(f.From))
	}
	if !f.To.IsZero() {
		w.Add("d.first_seen < ?", store.FormatTime(f.To))
	}
	var total int
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*)`+detectionFrom+`WHERE `+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("alert: count detections: %w", err)
	}
	page := w.Limit(store.Page{Limit: f.Limit, Offset: f.Offset}.Clamped(50))
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+detectionCols+detectionFrom+`WHERE `+w.SQL()+` ORDER BY `+order[f.Sort]+page, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("alert: detections: %w", err)
	}
	defer rows.Close()
	out := []Detection{}
	for rows.Next() {
		d, err := scanDetection(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, d)
	}
	return out, total, rows.Err()
}

// find answers one alert in actor's scope (store.ErrNotFound otherwise).
func (s *Service) find(ctx context.Context, actor access.Actor, id int64) (Detection, error) {
	var w store.Where
	w.Add("d.id = ?", id)
	w.Cond(actor.PathFilter("a.path"))
	d, err := scanDetection(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+detectionCols+detectionFrom+`WHERE `+w.SQL(), w.Args()...))
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("alert: detection %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("alert: detection %d: %w", id, err)
	}
	return d, nil
}

// Detection answers one alert with its events (the latest 100) and its
// history.
func (s *Service) Detection(ctx context.Context, actor access.Actor, id int64) (Detection, error) {
	d, err := s.find(ctx, actor, id)
	if err != nil {
		return d, err
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT record_id, day, at, fields, original FROM detection_events WHERE detection_id = $1 ORDER BY id DESC LIMIT 100`, id)
	if err != nil {
		return d, err
	}
	d.Events = []MatchedEvent{}
	for rows.Next() {
		var m MatchedEvent
		var at, fields string
		if err := rows.Scan(&m.RecordID, &m.Day, &at, &fields, &m.Original); err != nil {
			rows.Close()
			return d, err
		}
		m.At = store.ParseTime(at)
		if fields != "" {
			_ = json.Unmarshal([]byte(fields), &m.Fields) // written by record, always JSON
		}
		d.Events = append(d.Events, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return d, err
	}
	hr, err := s.db.Q(ctx).QueryContext(ctx, `SELECT at, actor, action, from_status, to_status, assignee, note FROM detection_history WHERE detection_id = $1 ORDER BY id`, id)
	if err != nil {
		return d, err
	}
	defer hr.Close()
	d.History = []Change{}
	for hr.Next() {
		var c Change
		var at string
		if err := hr.Scan(&at, &c.Actor, &c.Action, &c.From, &c.To, &c.Assignee, &c.Note); err != nil {
			return d, err
		}
		c.At = store.ParseTime(at)
		d.History = append(d.History, c)
	}
	return d, hr.Err()
}

// RegisterLinks makes detections addressable by reference.
func (s *Service) RegisterLinks(dir *events.Directory) {
	dir.Register(RefKind, func(ctx context.Context, actor access.Actor, id int64) (events.Linked, error) {
		d, err := s.find(ctx, actor, id)
		if err != nil {
			return events.Linked{}, err
		}
		return events.Linked{Ref: events.Ref{Kind: RefKind, ID: id}, Title: d.RuleTitle, TitleEN: d.RuleTitle,
			Path: fmt.Sprintf("/detections/%d", id), Severity: d.Level}, nil
	})
}

// validAssignee checks that name is an active admin or analyst.
func (s *Service) validAssignee(ctx context.Context, name string) error {
	var role string
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT role FROM users WHERE username = $1 AND disabled = 0`, name).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && role != string(access.Admin) && role != string(access.Analyst)) {
		var e valid.Errors
		e.Add("assignee", "is not an active admin or analyst", "không phải quản trị viên hoặc chuyên viên đang hoạt động")
		return e.Err()
	}
	return err
}

func trimNote(n string) string {
	n = strings.TrimSpace(n)
	if len(n) > 2000 {
		n = n[:2000]
	}
	return n
}
