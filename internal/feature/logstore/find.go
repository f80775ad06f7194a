package logstore

import (
	"container/heap"
	"context"
	"database/sql"
	"log/slog"
	"strconv"
	"strings"

	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
)

// matcher is a search made ready to check blocks and events: the hashes
// every matching block's filter holds, and the exact conditions.
type matcher struct {
	from, to int64 // Unix nanoseconds, [from, to)
	scope    agencyScope
	inScope  map[int64]bool
	id       string
	system   int64
	source   string
	fields   []fieldMatch
	phrases  [][]string // each searched word's words, in order
	hashes   []uint64
}

type fieldMatch struct {
	name    string
	names   []string // the names read, the first present winning
	value   string
	pattern []string // a wildcard value's parts between '*', lower case
}

func newMatcher(q Query, scope agencyScope, id string) *matcher {
	m := &matcher{from: q.From.UnixNano(), to: q.To.UnixNano(), scope: scope, id: id, system: q.SystemID, source: q.Source}
	if !scope.all {
		m.inScope = make(map[int64]bool, len(scope.ids))
		for _, a := range scope.ids {
			m.inScope[a] = true
		}
	}
	if id != "" {
		m.hashes = append(m.hashes, fnv64(termID, id))
	}
	if q.SystemID > 0 {
		m.hashes = append(m.hashes, fnv64(termSystem, strconv.FormatInt(q.SystemID, 10)))
	}
	if q.Source != "" {
		m.hashes = append(m.hashes, fnv64(termSource, q.Source))
	}
	for _, f := range q.Fields {
		fm := fieldMatch{name: f.Name, names: []string{f.Name}, value: f.Value}
		for _, ix := range indexedFields {
			if ix.Fields[0] == f.Name {
				fm.names = ix.Fields
			}
		}
		if f.Wildcard() {
			fm.pattern = strings.Split(strings.ToLower(f.Value), "*")
		} else {
			m.hashes = append(m.hashes, fnv64(termField, f.Name+"="+f.Value))
		}
		m.fields = append(m.fields, fm)
	}
	for _, w := range strings.Fields(q.Text) {
		if p := words(w); len(p) > 0 {
			m.phrases = append(m.phrases, p)
			for _, t := range p {
				m.hashes = append(m.hashes, fnv64(0, t))
			}
		}
	}
	return m
}

// holds reports whether r matches every condition.
func (m *matcher) holds(r *logstream.Record) bool {
	n := r.Received.UnixNano()
	switch {
	case n < m.from || n >= m.to,
		m.inScope != nil && !m.inScope[r.AgencyID],
		m.id != "" && r.ID != m.id,
		m.system > 0 && r.SystemID != m.system,
		m.source != "" && r.Source != m.source:
		return false
	}
	for _, f := range m.fields {
		var text string
		found := false
		for _, name := range f.names {
			if v, ok := r.Fields[name]; ok && v != nil {
				text, found = fieldText(v), true
				break
			}
		}
		if !found {
			return false
		}
		if f.pattern == nil {
			if text != f.value {
				return false
			}
		} else if !globMatch(f.pattern, strings.ToLower(text)) {
			return false
		}
	}
	if len(m.phrases) > 0 {
		got := words(r.Original)
		for _, p := range m.phrases {
			if !hasRun(got, p) {
				return false
			}
		}
	}
	return true
}

// globMatch reports whether s is parts joined by any runs of characters.
func globMatch(parts []string, s string) bool {
	if len(parts) == 1 {
		return s == parts[0]
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}

// hasRun reports whether run appears in list, its words one after another.
func hasRun(list, run []string) bool {
	for i := 0; i+len(run) <= len(list); i++ {
		ok := true
		for j := range run {
			if list[i+j] != run[j] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// newest keeps the need newest events seen (received, then id, both
// descending): a heap whose root is the oldest kept.
type newest struct {
	need int
	evs  []Event
}

func (h *newest) Len() int { return len(h.evs) }
func (h *newest) Less(i, j int) bool {
	a, b := &h.evs[i], &h.evs[j]
	if !a.Received.Equal(b.Received) {
		return a.Received.Before(b.Received)
	}
	return a.ID < b.ID
}
func (h *newest) Swap(i, j int) { h.evs[i], h.evs[j] = h.evs[j], h.evs[i] }
func (h *newest) Push(x any)    { h.evs = append(h.evs, x.(Event)) }
func (h *newest) Pop() any {
	e := h.evs[len(h.evs)-1]
	h.evs = h.evs[:len(h.evs)-1]
	return e
}

// full reports whether need events are kept; oldest is then the root's
// received time.
func (h *newest) full() bool { return len(h.evs) >= h.need }

func (h *newest) offer(e Event) {
	if !h.full() {
		heap.Push(h, e)
		return
	}
	root := &h.evs[0]
	if e.Received.After(root.Received) || (e.Received.Equal(root.Received) && e.ID > root.ID) {
		h.evs[0] = e
		heap.Fix(h, 0)
	}
}

// sorted returns the events kept, newest first.
func (h *newest) sorted() []Event {
	out := make([]Event, len(h.evs))
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(h).(Event)
	}
	return out
}

// blockRef is a block's row without its filter and records.
type blockRef struct {
	seq     int64
	agency  int64
	maxRecv int64
}

// fetchChunk is how many blocks' filters one query reads; dataChunk how
// many blocks' records.
const (
	fetchChunk = 32
	dataChunk  = 4
)

// find returns up to need events matching m among days (newest first),
// newest first. Each day's blocks are read newest first; reading stops
// once need events are kept and the next block holds only older ones.
func (s *Service) find(ctx context.Context, m *matcher, days []string, need int) ([]Event, error) {
	h := &newest{need: need}
	for _, day := range days {
		var src blockSource
		if s.files != nil {
			d, ok, err := s.files.get(ctx, day, false)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			src = blockSource{db: d.read, engine: store.SQLite}
		} else {
			if !s.hasDay(ctx, day) {
				continue
			}
			src = blockSource{db: s.db.Reader(), engine: store.Postgres, day: day}
		}
		refs, err := src.refs(ctx, m)
		if err != nil {
			return nil, err
		}
		for len(refs) > 0 {
			if h.full() && refs[0].maxRecv < h.evs[0].Received.UnixNano() {
				return h.sorted(), nil
			}
			chunk := refs[:min(len(refs), fetchChunk)]
			refs = refs[len(chunk):]
			if len(m.hashes) > 0 {
				if chunk, err = src.filter(ctx, chunk, m.hashes); err != nil {
					return nil, err
				}
			}
			// Records are read a few blocks at a time, so that a page
			// filled by the first ones reads no more.
			for len(chunk) > 0 {
				if h.full() && chunk[0].maxRecv < h.evs[0].Received.UnixNano() {
					return h.sorted(), nil
				}
				few := chunk[:min(len(chunk), dataChunk)]
				chunk = chunk[len(few):]
				datas, err := src.data(ctx, few)
				if err != nil {
					return nil, err
				}
				for _, ref := range few {
					if h.full() && ref.maxRecv < h.evs[0].Received.UnixNano() {
						break
					}
					data, err := decompress(datas[ref.seq])
					if err != nil {
						slog.Warn("logstore: a block that does not decompress skipped", "day", day, "block", ref.seq, "err", err)
						continue
					}
					recs, _ := logstream.Decode(data)
					for i := range recs {
						if m.holds(&recs[i]) {
							h.offer(eventOf(day, &recs[i]))
						}
					}
				}
			}
		}
	}
	return h.sorted(), nil
}

// eventOf is a stored record as searches answer it.
func eventOf(day string, r *logstream.Record) Event {
	e := Event{Day: day, ID: r.ID, AgencyID: r.AgencyID, SystemID: r.SystemID, Receiver: r.Receiver, Sender: r.Sender,
		Source: r.Source, Received: r.Received, Product: r.Product, Categories: r.Categories, Services: r.Services,
		Fields: r.Fields, Original: r.Original}
	if !r.Time.IsZero() {
		t := r.Time
		e.Time = &t
	}
	if e.Fields == nil {
		e.Fields = map[string]any{}
	}
	return e
}

// blockSource reads one day's blocks on either engine.
type blockSource struct {
	db     store.Querier
	engine store.Engine
	day    string // PostgreSQL: the partition's day
}

// where is the condition naming the day's blocks (PostgreSQL) plus cond.
func (b blockSource) where(cond string) string {
	if b.engine == store.Postgres {
		return "day = '" + b.day + "'::date AND " + cond // a parsed day
	}
	return cond
}

// refs lists the blocks that may hold events of m's range and scope,
// newest first.
func (b blockSource) refs(ctx context.Context, m *matcher) ([]blockRef, error) {
	cond := "max_received >= " + strconv.FormatInt(m.from, 10) + " AND min_received < " + strconv.FormatInt(m.to, 10)
	if !m.scope.all {
		cond += " AND agency_id IN (" + m.scope.list() + ")"
	}
	rows, err := b.db.QueryContext(ctx, `SELECT seq, agency_id, max_received FROM log_blocks WHERE `+b.where(cond)+` ORDER BY max_received DESC, seq DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []blockRef
	for rows.Next() {
		var r blockRef
		if err := rows.Scan(&r.seq, &r.agency, &r.maxRecv); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func seqList(refs []blockRef) string {
	parts := make([]string, len(refs))
	for i, r := range refs {
		parts[i] = strconv.FormatInt(r.seq, 10)
	}
	return strings.Join(parts, ",")
}

// filter keeps the blocks whose filter may hold every hash.
func (b blockSource) filter(ctx context.Context, refs []blockRef, hashes []uint64) ([]blockRef, error) {
	blooms := map[int64][]byte{}
	err := b.each(ctx, `SELECT seq, bloom FROM log_blocks WHERE `+b.where("seq IN ("+seqList(refs)+")"), func(seq int64, v []byte) {
		blooms[seq] = v
	})
	if err != nil {
		return nil, err
	}
	out := refs[:0:0]
	for _, r := range refs {
		if f, ok := blooms[r.seq]; ok && mayHold(f, hashes) {
			out = append(out, r)
		}
	}
	return out, nil
}

// data reads the blocks' records, by seq.
func (b blockSource) data(ctx context.Context, refs []blockRef) (map[int64][]byte, error) {
	out := map[int64][]byte{}
	err := b.each(ctx, `SELECT seq, data FROM log_blocks WHERE `+b.where("seq IN ("+seqList(refs)+")"), func(seq int64, v []byte) {
		out[seq] = v
	})
	return out, err
}

func (b blockSource) each(ctx context.Context, query string, f func(int64, []byte)) error {
	rows, err := b.db.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var v sql.RawBytes
		if err := rows.Scan(&seq, &v); err != nil {
			return err
		}
		f(seq, append([]byte(nil), v...))
	}
	return rows.Err()
}

// hasDay reports whether PostgreSQL holds the day's partition.
func (s *Service) hasDay(ctx context.Context, day string) bool {
	if _, ok := s.parts.Load(day); ok {
		return true
	}
	var reg sql.NullString
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT to_regclass($1)::text`, partitionName(day)).Scan(&reg); err != nil || !reg.Valid {
		return false
	}
	return true
}
