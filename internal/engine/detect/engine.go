package detect

import (
	"fmt"
	"sort"
	"sync"
)

// Config tunes compilation.
type Config struct {
	// Placeholders gives the values of %name% placeholders for values
	// with the expand modifier (names matched case-insensitively). A rule
	// using a placeholder not given here is refused, as the specification
	// asks of tools that cannot resolve it.
	Placeholders map[string][]string
}

// Engine is a compiled rule set. It is safe for concurrent use; it holds
// no per-event state (correlation state lives in a Correlator).
type Engine struct {
	rules       []*compiled
	corrs       []*corrDef
	fieldGrams  map[string]*gramMatcher // lower-cased field → the needles of its tests and of keyword searches
	gramsByKid  []*gramMatcher          // the same by fieldKeyID
	kwGrams     *gramMatcher            // the needles of keyword searches (any field), or nil
	needleRules [][]int32               // needle index → rules that need it
	needleRefs  []needleRef             // needle index → its field and text
	noNeedle    []int32                 // rules that are candidates for every event of their logsource
	filters     int

	mu     sync.Mutex
	routes map[Logsource]*route
	pool   sync.Pool
}

// compiled is one detection rule ready to run.
type compiled struct {
	rule  *Rule
	cond  node
	gate  *gate  // what the prefilter must have seen, or nil
	emit  bool   // reported on its own (not only through correlations)
	feeds []feed // correlations it feeds
}

// route is the rules one logsource may match.
type route struct {
	member   []bool
	noNeedle []int32
	keywords bool // some rule searches keywords: every field is scanned for their needles
}

const maxRoutes = 1024

// scratch is per-call working memory.
type scratch struct {
	epoch   uint32
	rmark   []uint32
	nmark   []uint32
	cands   []int32
	matched []int32
	sink    candSink
	grams   []*gramMatcher // event field → the matcher its values are searched with
}

// Compile builds an Engine from loaded rules. Rules that fail are left
// out and reported, one error each (a *LoadError with file and line);
// the others work.
func Compile(rules []*Rule, cfg Config) (*Engine, []error) {
	c := &compiler{placeholders: cfg.Placeholders}
	e := &Engine{routes: map[Logsource]*route{}}
	var errs []error
	fail := func(r *Rule, err error) {
		le := &LoadError{File: r.File, Line: r.Line, Rule: r.Ref(), Msg: err.Error(), cause: err}
		if inner, ok := err.(*LoadError); ok {
			le.Msg, le.cause = inner.Msg, inner.cause
			if inner.Line > 0 {
				le.Line = inner.Line
			}
		}
		errs = append(errs, le)
	}
	var filters []*filterDef
	for _, r := range rules {
		if r.Kind != KindFilter {
			continue
		}
		f, err := c.filter(r)
		if err != nil {
			fail(r, err)
			continue
		}
		filters = append(filters, f)
	}
	e.filters = len(filters)
	ids := map[string]bool{}
	for _, r := range rules {
		if r.Kind != KindDetection {
			continue
		}
		if r.ID != "" && ids[r.ID] {
			fail(r, fmt.Errorf("id %s is used by another rule", r.ID))
			continue
		}
		n, err := c.detection(r.Detection)
		if err != nil {
			fail(r, err)
			continue
		}
		for _, f := range filters {
			if f.appliesTo(r) {
				n = andNode{n, f.cond}
			}
		}
		n = orderByCost(n)
		ids[r.ID] = r.ID != ""
		e.rules = append(e.rules, &compiled{rule: r, cond: n, emit: true})
	}
	errs = append(errs, e.compileCorrelations(rules, ids)...)
	e.buildPrefilter()
	return e, errs
}

// buildPrefilter gathers every rule's needles into one matcher per
// field (and one for keyword searches): the trigger needles (one of which
// must appear for the rule to be a candidate) and the needles of its gate.
func (e *Engine) buildPrefilter() {
	b := &gateBuilder{index: map[needleRef]int32{}}
	trigger := map[int32][]int32{}
	for i, cr := range e.rules {
		if g, ok := b.build(cr.cond); ok {
			cr.gate = &g
		}
		ns, ok := needles(cr.cond)
		if !ok {
			e.noNeedle = append(e.noNeedle, int32(i))
			continue
		}
		seen := map[int32]bool{}
		for _, n := range ns {
			id := b.needle(n)
			if !seen[id] {
				seen[id] = true
				trigger[id] = append(trigger[id], int32(i))
			}
		}
	}
	e.needleRefs = b.refs
	e.needleRules = make([][]int32, len(b.refs))
	for id, rules := range trigger {
		e.needleRules[id] = rules
	}
	texts := make([]string, len(b.refs))
	byField := map[string][]int32{}
	for id, r := range b.refs {
		texts[id] = r.text
		byField[r.field] = append(byField[r.field], int32(id))
	}
	e.fieldGrams = map[string]*gramMatcher{}
	kw := byField[""]
	for field, ids := range byField {
		if field == "" {
			e.kwGrams = newGramMatcher(texts, kw)
		} else { // a field's values are searched once, for keyword needles too
			e.fieldGrams[field] = newGramMatcher(texts, append(ids, kw...))
		}
	}
	for field, m := range e.fieldGrams {
		if kid := fieldKeyID(field); kid >= 0 {
			if int(kid) >= len(e.gramsByKid) {
				e.gramsByKid = append(e.gramsByKid, make([]*gramMatcher, int(kid)+1-len(e.gramsByKid))...)
			}
			e.gramsByKid[kid] = m
		}
	}
}

// routeFor answers the rules that apply to events of ls.
func (e *Engine) routeFor(ls Logsource) *route {
	e.mu.Lock()
	r, ok := e.routes[ls]
	e.mu.Unlock()
	if ok {
		return r
	}
	r = &route{member: make([]bool, len(e.rules))}
	for i, cr := range e.rules {
		r.member[i] = applies(cr.rule.Logsource, ls)
	}
	for _, i := range e.noNeedle {
		if r.member[i] {
			r.noNeedle = append(r.noNeedle, i)
		}
	}
	r.keywords = e.routeFields(r) == nil
	e.mu.Lock()
	if len(e.routes) < maxRoutes {
		e.routes[ls] = r
	}
	e.mu.Unlock()
	return r
}

// registryCategories are the event categories the registry_event
// category covers.
var registryCategories = map[string]bool{"registry_add": true, "registry_delete": true, "registry_set": true, "registry_rename": true}

// applies says whether a rule of logsource rule may match an event of
// logsource ev; what the event does not know does not exclude.
func applies(rule, ev Logsource) bool {
	eq := func(r, e string) bool { return r == "" || e == "" || r == e }
	if rule.Category != "" && ev.Category == NoCategory {
		return false
	}
	cat := eq(rule.Category, ev.Category) || (rule.Category == "registry_event" && registryCategories[ev.Category])
	return cat && eq(rule.Product, ev.Product) && eq(rule.Service, ev.Service)
}

func (e *Engine) getScratch() *scratch {
	if s, ok := e.pool.Get().(*scratch); ok {
		return s
	}
	return &scratch{rmark: make([]uint32, len(e.rules)), nmark: make([]uint32, len(e.needleRules))}
}

// matchIndexes answers the indexes of the detection rules ev matches, in
// rule order.
func (e *Engine) matchIndexes(ev *Event, s *scratch) []int32 {
	s.epoch++
	if s.epoch == 0 { // wrapped: forget old marks
		clear(s.rmark)
		clear(s.nmark)
		s.epoch = 1
	}
	ep := s.epoch
	rt := e.routeFor(ev.Logsource)
	s.cands = s.cands[:0]
	for _, i := range rt.noNeedle {
		s.rmark[i] = ep
		s.cands = append(s.cands, i)
	}
	if len(e.needleRules) > 0 {
		s.sink = candSink{e: e, rt: rt, s: s, ep: ep}
		e.scan(ev, rt, s)
	}
	s.matched = s.matched[:0]
	for _, i := range s.cands {
		cr := e.rules[i]
		if cr.gate != nil && !cr.gate.holds(s.nmark, ep) {
			continue
		}
		if cr.cond.eval(ev) {
			s.matched = append(s.matched, i)
		}
	}
	sort.Slice(s.matched, func(a, b int) bool { return s.matched[a] < s.matched[b] })
	return s.matched
}

// scan reports the needles found in the event's values: each field's
// values are searched for the needles of that field's tests and of
// keyword searches; fields no rule names, for the needles of keyword
// searches when the route has some.
func (e *Engine) scan(ev *Event, rt *route, s *scratch) {
	kw := e.kwGrams
	if !rt.keywords {
		kw = nil
	}
	ms := s.grams[:0]
	for i := range ev.fields {
		var m *gramMatcher
		if kid := ev.fields[i].kid; kid < 0 {
			m = e.fieldGrams[ev.fields[i].key]
		} else if int(kid) < len(e.gramsByKid) {
			m = e.gramsByKid[kid]
		}
		if m == nil {
			m = kw
		}
		ms = append(ms, m)
	}
	s.grams = ms
	ev.foldValues(func(i int) bool { return ms[i] != nil })
	for i, m := range ms {
		if m == nil {
			continue
		}
		vals := ev.fields[i].vals
		for j := range vals {
			if low := vals[j].lower(); low != "" {
				m.scan(low, &s.sink)
			}
		}
	}
}

// candSink turns the needles a scan finds into candidate rules.
type candSink struct {
	e  *Engine
	rt *route
	s  *scratch
	ep uint32
}

func (c *candSink) hit(id int32) {
	s := c.s
	if s.nmark[id] == c.ep {
		return
	}
	s.nmark[id] = c.ep
	for _, r := range c.e.needleRules[id] {
		if s.rmark[r] != c.ep && c.rt.member[r] {
			s.rmark[r] = c.ep
			s.cands = append(s.cands, r)
		}
	}
}

// Match is a rule that matched: a detection rule on one event, or a
// correlation rule whose condition an event completed.
type Match struct {
	Rule *Rule
	// Correlation fields: the group's values and the count reached
	// (events, distinct values, or rules seen).
	Group map[string]string `json:",omitempty"`
	Count int               `json:",omitempty"`
}

// Match answers the detection rules ev matches that are reported on
// their own (rules that only feed a correlation are not). Correlation
// rules need state: use a Correlator.
func (e *Engine) Match(ev *Event) []Match {
	s := e.getScratch()
	defer e.pool.Put(s)
	var out []Match
	for _, i := range e.matchIndexes(ev, s) {
		if e.rules[i].emit {
			out = append(out, Match{Rule: e.rules[i].rule})
		}
	}
	return out
}

// Stats describes a compiled engine.
type Stats struct {
	Rules          int // detection rules compiled
	Filters        int // meta filters
	Correlations   int // correlation rules compiled
	Needles        int // distinct literal needles in the prefilter
	AlwaysEvaluate int // rules with no needle: evaluated for every event of their logsource
	PrefilterBytes int // memory of the prefilter's needle index
}

// Stats answers the engine's figures.
func (e *Engine) Stats() Stats {
	return Stats{Rules: len(e.rules), Filters: e.filters, Correlations: len(e.corrs), Needles: len(e.needleRules),
		AlwaysEvaluate: len(e.noNeedle), PrefilterBytes: e.prefilterBytes()}
}

func (e *Engine) prefilterBytes() int {
	n := 0
	if e.kwGrams != nil {
		n += e.kwGrams.sizeBytes()
	}
	for _, m := range e.fieldGrams {
		n += m.sizeBytes()
	}
	return n
}

// Rules lists the compiled detection and correlation rules.
func (e *Engine) Rules() []*Rule {
	out := make([]*Rule, 0, len(e.rules)+len(e.corrs))
	for _, r := range e.rules {
		out = append(out, r.rule)
	}
	for _, c := range e.corrs {
		out = append(out, c.rule)
	}
	return out
}

// filterDef is a compiled meta filter.
type filterDef struct {
	ls    Logsource
	any   bool
	refs  map[string]bool
	cond  node
	title string
}

func (c *compiler) filter(r *Rule) (*filterDef, error) {
	n, err := c.detection(r.Filter.Detection)
	if err != nil {
		return nil, err
	}
	f := &filterDef{ls: r.Logsource, any: r.Filter.Any, refs: map[string]bool{}, cond: n, title: r.Title}
	for _, ref := range r.Filter.Rules {
		f.refs[ref] = true
	}
	return f, nil
}

// appliesTo says whether the filter tunes rule r: r is named (by id or
// name) or the filter says "any", and r's logsource has every attribute
// the filter's logsource sets.
func (f *filterDef) appliesTo(r *Rule) bool {
	if !f.any && !f.refs[r.ID] && !(r.Name != "" && f.refs[r.Name]) {
		return false
	}
	has := func(want, got string) bool { return want == "" || want == got }
	return has(f.ls.Product, r.Logsource.Product) && has(f.ls.Category, r.Logsource.Category) && has(f.ls.Service, r.Logsource.Service)
}

// commonText is text frequent in Windows logs: the gram that stands for a
// needle avoids it where it can, so that it seldom hits for nothing.
var commonText = []string{".exe", ".dll", "\\windows", "windows\\", "system32", "syswow64", "microsoft", "program files",
	"programdata", "\\users\\", "appdata", "\\local\\", "\\temp\\", "c:\\", "software\\", "hklm\\", "hkcu\\", "hku\\",
	"currentversion", "powershell", "svchost", "\\device\\", "harddiskvolume", "http", "www."}

// routeFields answers the lower-cased fields that rules of r test, or
// nil when one of them searches keywords (every field then counts).
func (e *Engine) routeFields(r *route) map[string]bool {
	fields := map[string]bool{}
	for i, cr := range e.rules {
		if r.member[i] && !collectFields(cr.cond, fields) {
			return nil
		}
	}
	return fields
}

// collectFields adds the fields n tests; false for a keyword search.
func collectFields(n node, into map[string]bool) bool {
	switch x := n.(type) {
	case andNode:
		for _, k := range x {
			if !collectFields(k, into) {
				return false
			}
		}
	case orNode:
		for _, k := range x {
			if !collectFields(k, into) {
				return false
			}
		}
	case countNode:
		for _, k := range x.kids {
			if !collectFields(k, into) {
				return false
			}
		}
	case notNode:
		return collectFields(x.x, into)
	case *fieldNode:
		into[x.key] = true
	case *keywordNode:
		return false
	}
	return true
}
