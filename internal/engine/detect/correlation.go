package detect

import (
	"fmt"
	"strings"
)

// corrDef is a compiled correlation rule.
type corrDef struct {
	rule    *Rule
	c       *Correlation
	inputs  []string // the references of c.Rules, by position
	names   [][]string
	emit    bool
	feeds   []feed
	cond    []condBound
	tumble  bool // the condition has an upper bound: judged when a window closes
	minNeed int  // entries worth keeping per group (lower bound + 1)
}

// feed links a rule (detection or correlation) to a correlation input.
type feed struct{ corr, pos int }

type condBound struct {
	op cmpOp
	x  float64
}

var corrOps = map[string]cmpOp{"gt": opGt, "gte": opGte, "lt": opLt, "lte": opLte, "eq": opEq, "neq": opNeq}

func (d *corrDef) holds(n int) bool {
	if len(d.cond) == 0 { // temporal without condition: every rule
		return n >= len(d.inputs)
	}
	for _, b := range d.cond {
		if !b.op.holds(float64(n), b.x) {
			return false
		}
	}
	return true
}

// compileCorrelations resolves correlation rules' references (by id or
// name, to detection rules or other correlations) and wires the feeds.
func (e *Engine) compileCorrelations(rules []*Rule, ids map[string]bool) []error {
	var errs []error
	fail := func(r *Rule, msg string) {
		errs = append(errs, &LoadError{File: r.File, Line: r.Line, Rule: r.Ref(), Msg: msg})
	}
	det := map[string]int{}
	for i, cr := range e.rules {
		for _, k := range []string{cr.rule.ID, cr.rule.Name} {
			if k != "" {
				det[k] = i
			}
		}
	}
	var cand []*Rule
	corrIdx := map[string]int{}
	for _, r := range rules {
		if r.Kind != KindCorrelation {
			continue
		}
		if r.ID != "" && ids[r.ID] {
			fail(r, fmt.Sprintf("id %s is used by another rule", r.ID))
			continue
		}
		ids[r.ID] = r.ID != ""
		for _, k := range []string{r.ID, r.Name} {
			if k != "" {
				corrIdx[k] = len(cand)
			}
		}
		cand = append(cand, r)
	}
	// resolve references; a correlation whose references fail is dropped,
	// and so, in turn, are those that refer to it
	ok := make([]bool, len(cand))
	for i := range ok {
		ok[i] = true
	}
	for changed := true; changed; {
		changed = false
		for i, r := range cand {
			if !ok[i] {
				continue
			}
			for _, ref := range r.Correlation.Rules {
				if _, isDet := det[ref]; isDet {
					continue
				}
				j, isCorr := corrIdx[ref]
				if !isCorr {
					fail(r, fmt.Sprintf("correlation refers to %q, which is no loaded rule's id or name", ref))
				} else if j == i || !ok[j] {
					fail(r, fmt.Sprintf("correlation refers to %q, which did not compile or refers back to it", ref))
				} else {
					continue
				}
				ok[i], changed = false, true
				break
			}
		}
	}
	if err := checkCycles(cand, corrIdx, ok); err != nil {
		errs = append(errs, err...)
	}
	pos := map[int]int{} // cand index → e.corrs index
	for i, r := range cand {
		if ok[i] {
			pos[i] = len(e.corrs)
			e.corrs = append(e.corrs, newCorrDef(r))
		}
	}
	for i, r := range cand {
		k, kept := pos[i]
		if !kept {
			continue
		}
		for p, ref := range r.Correlation.Rules {
			if di, isDet := det[ref]; isDet {
				cr := e.rules[di]
				cr.feeds = append(cr.feeds, feed{corr: k, pos: p})
				cr.emit = cr.emit && r.Correlation.Generate
				e.corrs[k].names[p] = []string{ref, cr.rule.ID, cr.rule.Name}
				continue
			}
			inner := e.corrs[pos[corrIdx[ref]]]
			inner.feeds = append(inner.feeds, feed{corr: k, pos: p})
			inner.emit = inner.emit && r.Correlation.Generate
			e.corrs[k].names[p] = []string{ref, inner.rule.ID, inner.rule.Name}
		}
	}
	return errs
}

// checkCycles drops correlations that reach themselves through others.
func checkCycles(cand []*Rule, idx map[string]int, ok []bool) []error {
	var errs []error
	state := make([]int, len(cand)) // 0 new, 1 visiting, 2 done
	var visit func(i int) bool
	visit = func(i int) bool {
		if state[i] == 1 {
			return false
		}
		if state[i] == 2 {
			return ok[i]
		}
		state[i] = 1
		for _, ref := range cand[i].Correlation.Rules {
			if j, isCorr := idx[ref]; isCorr && !visit(j) {
				ok[i] = false
			}
		}
		state[i] = 2
		return ok[i]
	}
	for i := range cand {
		if ok[i] && !visit(i) {
			r := cand[i]
			errs = append(errs, &LoadError{File: r.File, Line: r.Line, Rule: r.Ref(), Msg: "correlation rules refer to each other in a cycle"})
		}
	}
	return errs
}

func newCorrDef(r *Rule) *corrDef {
	c := r.Correlation
	d := &corrDef{rule: r, c: c, inputs: c.Rules, names: make([][]string, len(c.Rules)), emit: true, minNeed: 1}
	for op, x := range c.Condition {
		d.cond = append(d.cond, condBound{op: corrOps[op], x: x})
		switch op {
		case "lt", "lte", "eq", "neq":
			d.tumble = true
		case "gt":
			d.minNeed = max(d.minNeed, int(x)+1)
		case "gte":
			d.minNeed = max(d.minNeed, int(x))
		}
	}
	if strings.HasPrefix(c.Type, "temporal") {
		d.tumble = false // judged as the rules' events arrive
	}
	return d
}

// groupField answers the event field holding group-by field g for the
// input at pos, following the correlation's aliases.
func (d *corrDef) groupField(g string, pos int) string {
	if m, ok := d.c.Aliases[g]; ok {
		for _, n := range d.names[pos] {
			if f, ok := m[n]; ok && n != "" {
				return f
			}
		}
	}
	return g
}

// Timespan answers the correlation's window.
func (d *corrDef) timespan() int64 { return int64(d.c.Timespan) }
