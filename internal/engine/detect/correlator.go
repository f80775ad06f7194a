package detect

import (
	"container/heap"
	"container/list"
	"strings"
	"time"
)

// Limits bound a Correlator's memory.
type Limits struct {
	// MaxGroups caps the groups (one per correlation rule and group-by
	// values) held at once; past it the least recently used group is
	// evicted and counted. Default 100,000.
	MaxGroups int
	// MaxEntries caps what one group remembers (event times, distinct
	// values): the oldest entries go first. Default 10,000.
	MaxEntries int
}

// CorrelatorStats counts a Correlator's state and losses.
type CorrelatorStats struct {
	Groups  int    // groups held now
	Evicted uint64 // groups dropped because MaxGroups was reached
	Trimmed uint64 // entries dropped because MaxEntries was reached
	Fired   uint64 // correlation matches reported
}

// Correlator runs an Engine with correlation state. It is not safe for
// concurrent use: give each worker its own (partitioned by group key),
// and save its state with Snapshot.
type Correlator struct {
	e      *Engine
	lim    Limits
	groups map[groupKey]*group
	lru    *list.List // front: most recently used
	due    deadlines
	now    int64
	seq    uint64
	stats  CorrelatorStats
}

type groupKey struct {
	corr int
	key  string
}

// group is the state of one correlation rule for one set of group-by
// values.
type group struct {
	key    groupKey
	vals   []string
	start  int64            // tumbling: when the window opened
	count  int              // tumbling event_count
	times  []int64          // sliding event_count: event times
	values map[string]int64 // value_count: value → last seen
	last   []int64          // temporal: per input, last time seen (0: never)
	chain  [][]stamp        // temporal_ordered: per input, times seen
	elem   *list.Element
}

// stamp orders events that share a time by arrival.
type stamp struct {
	T   int64  `json:"t"`
	Seq uint64 `json:"s"`
}

func (a stamp) before(b stamp) bool { return a.T < b.T || (a.T == b.T && a.Seq < b.Seq) }

// NewCorrelator starts an empty correlation state for e.
func (e *Engine) NewCorrelator(lim Limits) *Correlator {
	if lim.MaxGroups <= 0 {
		lim.MaxGroups = 100_000
	}
	if lim.MaxEntries <= 0 {
		lim.MaxEntries = 10_000
	}
	return &Correlator{e: e, lim: lim, groups: map[groupKey]*group{}, lru: list.New()}
}

// Stats answers the state's figures.
func (c *Correlator) Stats() CorrelatorStats {
	s := c.stats
	s.Groups = len(c.groups)
	return s
}

// Process checks ev against every rule, at time at (the event's own
// time; the zero time means "as late as the latest seen"). It answers the
// detection rules reported on their own and the correlation rules ev
// completed, and judges windows that at closes.
func (c *Correlator) Process(ev *Event, at time.Time) []Match {
	t := c.now
	if !at.IsZero() {
		t = at.UnixNano()
	}
	if t == 0 {
		t = 1 // 0 means "never" in the state
	}
	var out []Match
	out = c.advance(t, out)
	if t > c.now {
		c.now = t
	}
	c.seq++
	s := c.e.getScratch()
	idx := append([]int32(nil), c.e.matchIndexes(ev, s)...)
	c.e.pool.Put(s)
	for _, i := range idx {
		cr := c.e.rules[i]
		if cr.emit {
			out = append(out, Match{Rule: cr.rule})
		}
		for _, f := range cr.feeds {
			out = c.observe(f, ev, nil, t, out)
		}
	}
	return out
}

// Advance judges the windows that close by time at (for correlation
// conditions with an upper bound: lt, lte, eq, neq).
func (c *Correlator) Advance(at time.Time) []Match {
	t := at.UnixNano()
	out := c.advance(t, nil)
	if t > c.now {
		c.now = t
	}
	return out
}

// Flush judges every open window, as at the end of the input.
func (c *Correlator) Flush() []Match {
	var out []Match
	for c.due.Len() > 0 {
		d := heap.Pop(&c.due).(deadline)
		out = c.closeWindow(d, out)
	}
	return out
}

func (c *Correlator) advance(t int64, out []Match) []Match {
	for c.due.Len() > 0 && c.due[0].at < t {
		d := heap.Pop(&c.due).(deadline)
		out = c.closeWindow(d, out)
	}
	return out
}

func (c *Correlator) closeWindow(d deadline, out []Match) []Match {
	g, ok := c.groups[d.key]
	if !ok || g.start != d.start {
		return out // evicted, or a later window
	}
	def := c.e.corrs[d.key.corr]
	n := g.count
	if def.c.Type == "value_count" {
		n = len(g.values)
	}
	c.drop(g)
	if def.holds(n) {
		out = c.fire(def, d.key.corr, g, n, nil, out)
	}
	return out
}

// observe feeds one matching event (or an inner correlation's match,
// inner) to input f of a correlation.
func (c *Correlator) observe(f feed, ev *Event, inner map[string]string, t int64, out []Match) []Match {
	def := c.e.corrs[f.corr]
	vals := make([]string, len(def.c.GroupBy))
	for i, gname := range def.c.GroupBy {
		if v, ok := inner[gname]; ok {
			vals[i] = v
			continue
		}
		vals[i] = ev.String(def.groupField(gname, f.pos))
	}
	key := groupKey{corr: f.corr, key: joinKey(vals)}
	g := c.touch(key, vals, def, t)
	span := def.timespan()
	switch def.c.Type {
	case "event_count", "value_count":
		return c.count(def, f, g, ev, t, span, out)
	case "temporal":
		g.last[f.pos] = t
		n := 0
		for _, lt := range g.last {
			if lt != 0 && t-lt <= span {
				n++
			}
		}
		if def.holds(n) {
			c.drop(g)
			return c.fire(def, f.corr, g, n, ev, out)
		}
	case "temporal_ordered":
		return c.ordered(def, f, g, ev, t, span, out)
	}
	return out
}

func (c *Correlator) count(def *corrDef, f feed, g *group, ev *Event, t, span int64, out []Match) []Match {
	value, hasValue := "", true
	if def.c.Type == "value_count" {
		value = ev.String(def.groupField(def.c.Field, f.pos))
		hasValue = value != ""
	}
	if def.tumble {
		if g.start != 0 && t-g.start > span { // this event opens the next window
			old := deadline{at: g.start + span, key: g.key, start: g.start}
			out = c.closeWindow(old, out)
			g = c.touch(g.key, g.vals, def, t)
		}
		if g.start == 0 {
			g.start = t
			if g.start == 0 {
				g.start = 1
			}
			heap.Push(&c.due, deadline{at: g.start + span, key: g.key, start: g.start})
			c.compactDeadlines()
		}
		if def.c.Type == "event_count" {
			g.count++
		} else if hasValue && (len(g.values) < c.lim.MaxEntries || g.values[value] != 0) {
			g.values[value] = t
		} else if hasValue {
			c.stats.Trimmed++
		}
		return out
	}
	keep := min(def.minNeed, c.lim.MaxEntries)
	n := 0
	if def.c.Type == "event_count" {
		g.times = append(g.times, t)
		cut := 0
		for cut < len(g.times) && t-g.times[cut] > span {
			cut++
		}
		if extra := len(g.times) - cut - keep; extra > 0 {
			cut += extra
		}
		g.times = append(g.times[:0], g.times[cut:]...)
		n = len(g.times)
	} else {
		if hasValue {
			g.values[value] = t
		}
		oldest, oldestV := int64(0), ""
		for v, lt := range g.values {
			if t-lt > span {
				delete(g.values, v)
			} else if oldestV == "" || lt < oldest {
				oldest, oldestV = lt, v
			}
		}
		if len(g.values) > keep {
			delete(g.values, oldestV)
		}
		n = len(g.values)
	}
	if def.holds(n) {
		c.drop(g)
		return c.fire(def, f.corr, g, n, ev, out)
	}
	return out
}

// ordered: the rules' events must come in the listed order within the
// timespan; the chain is sought backwards from the last rule's event,
// each step taking the latest earlier event, which keeps the chain as
// short as it can be.
func (c *Correlator) ordered(def *corrDef, f feed, g *group, ev *Event, t, span int64, out []Match) []Match {
	now := stamp{T: t, Seq: c.seq}
	list := append(g.chain[f.pos], now)
	cut := 0
	for cut < len(list) && t-list[cut].T > span {
		cut++
	}
	if extra := len(list) - cut - c.lim.MaxEntries; extra > 0 {
		cut += extra
		c.stats.Trimmed += uint64(extra)
	}
	g.chain[f.pos] = append(list[:0], list[cut:]...)
	last := len(def.inputs) - 1
	if f.pos != last {
		return out
	}
	at := now
	for p := last - 1; p >= 0; p-- {
		found := false
		for i := len(g.chain[p]) - 1; i >= 0; i-- {
			if s := g.chain[p][i]; s.before(at) {
				at, found = s, true
				break
			}
		}
		if !found {
			return out
		}
	}
	if t-at.T > span {
		return out
	}
	c.drop(g)
	return c.fire(def, f.corr, g, len(def.inputs), ev, out)
}

// fire reports a correlation match and feeds correlations over it.
func (c *Correlator) fire(def *corrDef, k int, g *group, n int, ev *Event, out []Match) []Match {
	c.stats.Fired++
	grp := make(map[string]string, len(g.vals))
	for i, name := range def.c.GroupBy {
		grp[name] = g.vals[i]
	}
	if def.emit {
		out = append(out, Match{Rule: def.rule, Group: grp, Count: n})
	}
	if ev == nil {
		ev = NewEvent(nil)
	}
	for _, f := range def.feeds {
		out = c.observe(f, ev, grp, c.now, out)
	}
	return out
}

// touch finds or creates a group and marks it recently used, evicting
// the least recently used past MaxGroups.
func (c *Correlator) touch(key groupKey, vals []string, def *corrDef, t int64) *group {
	if g, ok := c.groups[key]; ok {
		c.lru.MoveToFront(g.elem)
		return g
	}
	g := &group{key: key, vals: vals}
	switch def.c.Type {
	case "value_count":
		g.values = map[string]int64{}
	case "temporal":
		g.last = make([]int64, len(def.inputs))
	case "temporal_ordered":
		g.chain = make([][]stamp, len(def.inputs))
	}
	g.elem = c.lru.PushFront(g)
	c.groups[key] = g
	for len(c.groups) > c.lim.MaxGroups {
		old := c.lru.Back().Value.(*group)
		c.drop(old)
		c.stats.Evicted++
	}
	return g
}

func (c *Correlator) drop(g *group) {
	if cur, ok := c.groups[g.key]; ok && cur == g {
		delete(c.groups, g.key)
		c.lru.Remove(g.elem)
	}
}

// deadline is when a tumbling window closes.
type deadline struct {
	at    int64
	key   groupKey
	start int64
}

type deadlines []deadline

func (d deadlines) Len() int           { return len(d) }
func (d deadlines) Less(i, j int) bool { return d[i].at < d[j].at }
func (d deadlines) Swap(i, j int)      { d[i], d[j] = d[j], d[i] }
func (d *deadlines) Push(x any)        { *d = append(*d, x.(deadline)) }
func (d *deadlines) Pop() any {
	old := *d
	x := old[len(old)-1]
	*d = old[:len(old)-1]
	return x
}

// compactDeadlines forgets the deadlines of evicted groups, so that the
// heap stays bounded by MaxGroups.
func (c *Correlator) compactDeadlines() {
	if c.due.Len() <= 2*c.lim.MaxGroups+16 {
		return
	}
	kept := c.due[:0]
	for _, d := range c.due {
		if g, ok := c.groups[d.key]; ok && g.start == d.start {
			kept = append(kept, d)
		}
	}
	c.due = kept
	heap.Init(&c.due)
}

func joinKey(vals []string) string { return strings.Join(vals, "\x1f") }
