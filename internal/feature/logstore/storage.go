package logstore

import (
	"context"
	"database/sql"
	"sort"

	"github.com/khien-project/khien/internal/platform/access"
)

// DayUsage is the storage of one day.
type DayUsage struct {
	Day    string `json:"day"`
	Events int64  `json:"events"`
	// Bytes are the originals and normalized fields of the day's events
	// in the caller's scope.
	Bytes int64 `json:"bytes"`
	// DiskBytes is what the day takes on disk, indexes included (the
	// file, or the partition); only for callers who see every agency.
	DiskBytes int64 `json:"disk_bytes,omitempty"`
}

// AgencyUsage is the storage of one agency over every kept day.
type AgencyUsage struct {
	AgencyID int64  `json:"agency_id"`
	Agency   string `json:"agency"`
	Events   int64  `json:"events"`
	Bytes    int64  `json:"bytes"`
}

// Usage is the storage used, per day (newest first) and per agency
// (largest first), in the caller's scope.
type Usage struct {
	RetentionDays int           `json:"retention_days"`
	Days          []DayUsage    `json:"days"`
	Agencies      []AgencyUsage `json:"agencies"`
	Events        int64         `json:"events"`
	Bytes         int64         `json:"bytes"`
	DiskBytes     int64         `json:"disk_bytes,omitempty"`
}

// statRow is one day's counts for one agency.
type statRow struct {
	day    string
	agency int64
	events int64
	bytes  int64
}

// Storage reports the storage used in actor's scope.
func (s *Service) Storage(ctx context.Context, actor access.Actor) (Usage, error) {
	u := Usage{RetentionDays: s.cfg.RetentionDays, Days: []DayUsage{}, Agencies: []AgencyUsage{}}
	scope, err := s.scope(ctx, actor, 0)
	if err != nil {
		return u, err
	}
	in := map[int64]bool{}
	for _, id := range scope.ids {
		in[id] = true
	}
	stats, disk, err := s.stats(ctx)
	if err != nil {
		return u, wrap("storage", err)
	}
	byDay := map[string]*DayUsage{}
	byAgency := map[int64]*AgencyUsage{}
	for _, st := range stats {
		if !scope.all && !in[st.agency] {
			continue
		}
		d := byDay[st.day]
		if d == nil {
			d = &DayUsage{Day: st.day}
			byDay[st.day] = d
		}
		d.Events += st.events
		d.Bytes += st.bytes
		a := byAgency[st.agency]
		if a == nil {
			a = &AgencyUsage{AgencyID: st.agency}
			byAgency[st.agency] = a
		}
		a.Events += st.events
		a.Bytes += st.bytes
		u.Events += st.events
		u.Bytes += st.bytes
	}
	if scope.all {
		for day, size := range disk {
			d := byDay[day]
			if d == nil {
				d = &DayUsage{Day: day}
				byDay[day] = d
			}
			d.DiskBytes = size
			u.DiskBytes += size
		}
	}
	for _, d := range byDay {
		u.Days = append(u.Days, *d)
	}
	sort.Slice(u.Days, func(i, j int) bool { return u.Days[i].Day > u.Days[j].Day })
	names, err := s.agencyNames(ctx)
	if err != nil {
		return u, wrap("storage", err)
	}
	for _, a := range byAgency {
		a.Agency = names[a.AgencyID]
		u.Agencies = append(u.Agencies, *a)
	}
	sort.Slice(u.Agencies, func(i, j int) bool {
		if u.Agencies[i].Bytes != u.Agencies[j].Bytes {
			return u.Agencies[i].Bytes > u.Agencies[j].Bytes
		}
		return u.Agencies[i].AgencyID < u.Agencies[j].AgencyID
	})
	return u, nil
}

// stats reads every day's per-agency counts and the days' disk sizes.
func (s *Service) stats(ctx context.Context) ([]statRow, map[string]int64, error) {
	days, err := s.days(ctx)
	if err != nil {
		return nil, nil, err
	}
	disk := map[string]int64{}
	var out []statRow
	if s.files != nil {
		for _, day := range days {
			disk[day] = s.files.size(day)
			d, ok, err := s.files.get(ctx, day, false)
			if err != nil {
				return nil, nil, err
			}
			if !ok { // dropped meanwhile
				continue
			}
			rows, err := d.read.QueryContext(ctx, `SELECT agency_id, events, bytes FROM log_agency_stats`)
			if err != nil {
				return nil, nil, err
			}
			got, err := scanStats(rows, day)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, got...)
		}
		return out, disk, nil
	}
	for _, day := range days {
		var size int64
		if err := s.db.Reader().QueryRowContext(ctx, `SELECT coalesce(pg_total_relation_size(to_regclass($1)), 0) + coalesce(pg_total_relation_size(to_regclass($2)), 0)`,
			partitionName(day), oldPartition(day)).Scan(&size); err != nil {
			return nil, nil, err
		}
		disk[day] = size
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT agency_id, events, bytes, to_char(day, 'YYYY-MM-DD') FROM log_day_stats`)
	if err != nil {
		return nil, nil, err
	}
	out, err = scanStats(rows, "")
	return out, disk, err
}

func scanStats(rows *sql.Rows, day string) ([]statRow, error) {
	defer rows.Close()
	var out []statRow
	for rows.Next() {
		st := statRow{day: day}
		dest := []any{&st.agency, &st.events, &st.bytes}
		if day == "" {
			dest = append(dest, &st.day)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// agencyNames maps agency ids to names (read from the registry's table).
func (s *Service) agencyNames(ctx context.Context) (map[int64]string, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT id, name FROM agencies`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}
