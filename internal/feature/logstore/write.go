package logstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"log/slog"
	"sort"
	"strconv"
	"strings"

	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
)

// The normalized fields a search may name by the first of their names
// while the event says it another way (Windows events say EventID where
// ECS says event.code): a condition on the first name holds when the
// first of the names present has the value.
var indexedFields = []struct {
	Fields []string
}{
	{[]string{"host.name", "Computer", "host.hostname"}},
	{[]string{"user.name", "TargetUserName", "SubjectUserName"}},
	{[]string{"source.ip", "IpAddress", "client.ip"}},
	{[]string{"event.code", "EventID"}},
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

// dayWrite is what one day's transaction writes: the records (at most one
// per id), their id hashes, and the blocks made of them, agency by agency.
type dayWrite struct {
	day    string
	recs   []logstream.Record
	hashes []uint64
	blocks []blockMeta
	// minRecv and maxRecv bound the records' received times (Unix
	// nanoseconds); agencies lists their agencies.
	minRecv, maxRecv int64
	agencies         []int64
	// raw are runs of recs that arrived as one message of one agency, in
	// the stream's form: each becomes a block as it is, unencoded again.
	raw []rawRun
}

type rawRun struct {
	first, n int
	data     []byte
}

func (w *dayWrite) add(r *logstream.Record, h uint64) {
	n := r.Received.UnixNano()
	if len(w.recs) == 0 {
		w.minRecv, w.maxRecv = n, n
	}
	w.minRecv, w.maxRecv = min(w.minRecv, n), max(w.maxRecv, n)
	if !containsInt(w.agencies, r.AgencyID) {
		w.agencies = append(w.agencies, r.AgencyID)
	}
	w.recs = append(w.recs, *r)
	w.hashes = append(w.hashes, h)
}

func containsInt(list []int64, v int64) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// makeBlocks makes the blocks of w.recs: each raw run as it came, the
// other records cut into blocks of one agency each, in order.
func (w *dayWrite) makeBlocks() error {
	w.blocks = w.blocks[:0]
	inRun := make([]bool, len(w.recs))
	for _, r := range w.raw {
		m, err := encodeBlock(w.recs[r.first:r.first+r.n], r.data)
		if err != nil {
			return err
		}
		w.blocks = append(w.blocks, m)
		for i := r.first; i < r.first+r.n; i++ {
			inRun[i] = true
		}
	}
	buf := make([]logstream.Record, 0, blockRecords)
	for _, a := range w.agencies {
		buf = buf[:0]
		for i := range w.recs {
			if w.recs[i].AgencyID != a || inRun[i] {
				continue
			}
			buf = append(buf, w.recs[i])
			if len(buf) == blockRecords {
				if err := w.block(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
		if len(buf) > 0 {
			if err := w.block(buf); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *dayWrite) block(recs []logstream.Record) error {
	m, err := encodeBlock(recs, nil)
	if err != nil {
		return err
	}
	w.blocks = append(w.blocks, m)
	return nil
}

// agencyList is w's agencies for an IN list (numbers only).
func (w *dayWrite) agencyList() string {
	parts := make([]string, len(w.agencies))
	for i, a := range w.agencies {
		parts[i] = strconv.FormatInt(a, 10)
	}
	return strings.Join(parts, ",")
}

// dropStored drops the records whose id hash is among the ids blobs that
// query reads: those of the day's blocks that overlap w's received times
// (a record delivered again has its received time, so only those blocks
// can hold it). It makes the blocks again if any was dropped.
func (w *dayWrite) dropStored(ctx context.Context, q store.Querier, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	stored := map[uint64]bool{}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			rows.Close()
			return err
		}
		for len(b) >= 8 {
			stored[binary.LittleEndian.Uint64(b)] = true
			b = b[8:]
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if len(stored) == 0 {
		return nil
	}
	dropped := 0
	for _, h := range w.hashes {
		if stored[h] {
			dropped++
		}
	}
	if dropped == 0 {
		return nil
	}
	recs, hashes := make([]logstream.Record, 0, len(w.recs)-dropped), make([]uint64, 0, len(w.recs)-dropped)
	for i := range w.recs {
		if !stored[w.hashes[i]] {
			recs = append(recs, w.recs[i])
			hashes = append(hashes, w.hashes[i])
		}
	}
	w.recs, w.hashes, w.raw = recs, hashes, nil
	return w.makeBlocks()
}

// Store writes records, each day's in one transaction, and returns how
// many were new: a record whose id the day already holds is skipped (a
// redelivered batch stores nothing twice). Records of a day that
// retention has already dropped are skipped too (a very late
// redelivery), so that they do not bring the day back.
func (s *Service) Store(ctx context.Context, recs []logstream.Record) (int, error) {
	return s.store(ctx, recs, nil)
}

// store is Store with the stream's messages of recs when known: a message
// whose records are all of one agency and day and new to this write is
// kept as it came.
func (s *Service) store(ctx context.Context, recs []logstream.Record, msgs []logstream.Message) (int, error) {
	byDay := map[string]*dayWrite{}
	seen := map[uint64]bool{}
	oldest := s.oldestKept(s.now())
	expired := 0
	dayOf := func(r *logstream.Record) *dayWrite {
		day := DayOf(r.Received)
		w := byDay[day]
		if w == nil {
			// Most writes are of one day: room for all of them.
			w = &dayWrite{day: day, recs: make([]logstream.Record, 0, len(recs)), hashes: make([]uint64, 0, len(recs))}
			byDay[day] = w
		}
		return w
	}
	next := 0
	for _, m := range msgs {
		part := recs[next:min(next+m.Count, len(recs))]
		next += m.Count
		if m.Data == nil || len(part) < minRun || !oneRun(part, oldest, seen) {
			continue
		}
		w := dayOf(&part[0])
		run := rawRun{first: len(w.recs), n: len(part), data: m.Data}
		for i := range part {
			h := idHash(part[i].ID)
			seen[h] = true
			w.add(&part[i], h)
		}
		w.raw = append(w.raw, run)
		// Taken: the loop below skips these records as seen.
	}
	for i := range recs {
		r := &recs[i]
		if r.ID == "" || r.AgencyID <= 0 || r.Received.IsZero() {
			slog.Warn("logstore: record without id, agency or received time skipped", "id", r.ID, "agency", r.AgencyID)
			continue
		}
		if DayOf(r.Received) < oldest {
			expired++
			continue
		}
		h := idHash(r.ID)
		if seen[h] { // the same record twice in one write, or in a run
			continue
		}
		seen[h] = true
		dayOf(r).add(r, h)
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
		w := byDay[day]
		// The blocks are made before the day's transaction (most writes
		// hold no duplicate), so that the writer waits on nothing else.
		if err := w.makeBlocks(); err != nil {
			return stored, wrap("store day "+day, err)
		}
		var err error
		if s.files != nil {
			err = s.storeSQLite(ctx, w)
		} else {
			err = s.storePostgres(ctx, w)
		}
		if err != nil {
			return stored, wrap("store day "+day, err)
		}
		stored += len(w.recs)
	}
	return stored, nil
}

// minRun is the fewest records a message must hold to be kept as it came:
// smaller ones (a sender's few lines) are gathered into blocks with the
// other records of their agency.
const minRun = 64

// oneRun reports whether part can be stored as it came: every record
// valid, of one agency and one day that retention keeps, and none seen in
// this write before.
func oneRun(part []logstream.Record, oldest string, seen map[uint64]bool) bool {
	day := DayOf(part[0].Received)
	if day < oldest {
		return false
	}
	ids := make(map[uint64]bool, len(part))
	for i := range part {
		r := &part[i]
		if r.ID == "" || r.AgencyID != part[0].AgencyID || r.AgencyID <= 0 || r.Received.IsZero() || DayOf(r.Received) != day {
			return false
		}
		h := idHash(r.ID)
		if seen[h] || ids[h] {
			return false
		}
		ids[h] = true
	}
	return true
}

// agencyTotals sums the blocks' events and bytes per agency.
func agencyTotals(blocks []blockMeta) (agencies []int64, events, bytes map[int64]int64) {
	events, bytes = map[int64]int64{}, map[int64]int64{}
	for _, b := range blocks {
		if _, ok := events[b.agency]; !ok {
			agencies = append(agencies, b.agency)
		}
		events[b.agency] += int64(b.events)
		bytes[b.agency] += int64(b.bytes)
	}
	sort.Slice(agencies, func(i, j int) bool { return agencies[i] < agencies[j] })
	return agencies, events, bytes
}
