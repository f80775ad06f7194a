package logstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"

	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
)

// The normalized fields copied into indexed columns, for the filters most
// searches use: the column, then the field names it is read from (the
// first present wins; Windows events say EventID where ECS says
// event.code).
var indexedFields = []struct {
	Column string
	Fields []string
}{
	{"host_name", []string{"host.name", "Computer", "host.hostname"}},
	{"user_name", []string{"user.name", "TargetUserName", "SubjectUserName"}},
	{"source_ip", []string{"source.ip", "IpAddress", "client.ip"}},
	{"event_code", []string{"event.code", "EventID"}},
}

// columns are the stored columns, in insert order.
var columns = []string{"id", "agency_id", "system_id", "receiver", "sender", "source", "received", "event_time",
	"host_name", "user_name", "source_ip", "event_code", "product", "categories", "services", "fields", "original", "size"}

// row is a record ready to store.
type row struct {
	day  string
	vals [18]any
}

func toRow(r *logstream.Record) (row, error) {
	fields := r.Fields
	if fields == nil {
		fields = map[string]any{}
	}
	fj, err := encodeFields(make([]byte, 0, 64+len(r.Original)), fields)
	if err != nil {
		return row{}, fmt.Errorf("record %s: fields: %w", r.ID, err)
	}
	evTime := ""
	if !r.Time.IsZero() {
		evTime = store.FormatTime(r.Time)
	}
	var idx [4]string
	for i, f := range indexedFields {
		idx[i] = firstField(fields, f.Fields)
	}
	fj = bytes.ReplaceAll(fj, []byte(`\u0000`), []byte(`\ufffd`))
	original := clean(r.Original)
	return row{day: DayOf(r.Received), vals: [18]any{
		clean(r.ID), r.AgencyID, r.SystemID, clean(r.Receiver), clean(r.Sender), clean(r.Source), store.FormatTime(r.Received), evTime,
		clean(idx[0]), clean(idx[1]), clean(idx[2]), clean(idx[3]), clean(r.Product), clean(strings.Join(r.Categories, ",")), clean(strings.Join(r.Services, ",")),
		string(fj), original, len(fj) + len(original),
	}}, nil
}

// clean makes text storable on both engines: PostgreSQL refuses NUL
// characters and invalid UTF-8, which a sender may well send.
func clean(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// firstField is the text of the first of names present in fields.
func firstField(fields map[string]any, names []string) string {
	for _, n := range names {
		if v, ok := fields[n]; ok && v != nil {
			return fieldText(v)
		}
	}
	return ""
}

// fieldText renders a field's value as the searches compare it.
func fieldText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Store writes records, each day's in one transaction, and returns how
// many were new (a record already stored, by day and id, is skipped).
// Records of a day that retention has already dropped are skipped too
// (a very late redelivery), so that they do not bring the day back.
func (s *Service) Store(ctx context.Context, recs []logstream.Record) (int, error) {
	byDay := map[string][]row{}
	oldest := s.oldestKept(s.now())
	expired := 0
	for i := range recs {
		if recs[i].ID == "" || recs[i].AgencyID <= 0 || recs[i].Received.IsZero() {
			slog.Warn("logstore: record without id, agency or received time skipped", "id", recs[i].ID, "agency", recs[i].AgencyID)
			continue
		}
		r, err := toRow(&recs[i])
		if err != nil {
			slog.Warn("logstore: record skipped", "err", err)
			continue
		}
		if r.day < oldest {
			expired++
			continue
		}
		byDay[r.day] = append(byDay[r.day], r)
	}
	if expired > 0 {
		slog.Warn("logstore: records of days past the retention skipped", "count", expired)
	}
	days := make([]string, 0, len(byDay))
	for d := range byDay {
		days = append(days, d)
	}
	sort.Strings(days)
	stored := 0
	for _, day := range days {
		var n int
		var err error
		if s.files != nil {
			n, err = s.storeSQLite(ctx, day, byDay[day])
		} else {
			n, err = s.storePostgres(ctx, day, byDay[day])
		}
		if err != nil {
			return stored, wrap("store day "+day, err)
		}
		stored += n
	}
	return stored, nil
}

// sqliteChunk is how many rows one INSERT carries on SQLite.
const sqliteChunk = 100

func (s *Service) storeSQLite(ctx context.Context, day string, rows []row) (int, error) {
	d, _, err := s.files.get(ctx, day, true)
	if err != nil {
		return 0, err
	}
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	var full *sql.Stmt
	stored := 0
	for len(rows) > 0 {
		n := min(len(rows), sqliteChunk)
		args := make([]any, 0, n*len(columns))
		for _, r := range rows[:n] {
			args = append(args, r.vals[:]...)
		}
		var res sql.Result
		if n == sqliteChunk {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, sqliteInsert(n)); err != nil {
					return 0, err
				}
				defer full.Close()
			}
			res, err = full.ExecContext(ctx, args...)
		} else {
			res, err = tx.ExecContext(ctx, sqliteInsert(n), args...)
		}
		if err != nil {
			return 0, err
		}
		k, _ := res.RowsAffected()
		stored += int(k)
		rows = rows[n:]
	}
	return stored, tx.Commit()
}

func sqliteInsert(n int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(columns)), ",") + ")"
	return "INSERT OR IGNORE INTO log_events (" + strings.Join(columns, ", ") + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(one+",", n), ",")
}
