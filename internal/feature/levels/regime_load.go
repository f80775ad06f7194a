package levels

import (
	"regexp"
	"slices"
	"time"
)

// LoadRegime reads and checks a regime file (format 1): every problem is
// reported with file and line, and a file with any problem gives no
// regime.
func LoadRegime(file string, data []byte) (*Regime, error) {
	var r Regime
	var p problems
	decodeFile(data, &r, &p)
	if len(p) == 0 {
		r.check(&p)
	}
	if err := p.err(file); err != nil {
		return nil, err
	}
	return &r, nil
}

var (
	idPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9.\-]*$`)
	confidences = []string{"H", "M", "L"}
)

// check finds what is wrong with a decoded regime.
func (r *Regime) check(p *problems) {
	if r.Format != 1 {
		p.add(0, "format must be 1 (got %d)", r.Format)
	}
	if !idPattern.MatchString(r.ID) {
		p.add(0, "id %q must be lower-case letters, digits, '.' and '-'", r.ID)
	}
	if r.Version == "" || r.Name.VI == "" || r.Name.EN == "" {
		p.add(0, "version and name (vi and en) are required")
	}
	if r.InForce != "" {
		if _, err := time.Parse(time.DateOnly, r.InForce); err != nil {
			p.add(0, "in_force %q is not a date (YYYY-MM-DD)", r.InForce)
		}
	}
	r.checkCriteria(p)
	r.checkApproval(p)
	r.Catalogue.check(p)
	r.checkCalendar(p)
	for _, d := range r.Duties {
		if d.ID == "" || d.TitleVI == "" || d.TitleEN == "" {
			p.add(d.line, "a duty needs id, title_vi and title_en")
		}
		for _, m := range []map[string]int{d.EveryMonths, d.Critical, d.Months} {
			for l := range m {
				if l < "1" || l > "5" || len(l) != 1 {
					p.add(d.line, "duty %s: level %q is not 1 to 5", d.ID, l)
				}
			}
		}
	}
}

// checkCriteria checks every criterion and records the answers they read.
func (r *Regime) checkCriteria(p *problems) {
	if len(r.Criteria) == 0 {
		p.add(0, "criteria: none given")
	}
	fields := map[string]bool{}
	seen := map[string]bool{}
	for i := range r.Criteria {
		c := &r.Criteria[i]
		where := "criterion " + c.ID
		switch {
		case !idPattern.MatchString(c.ID):
			p.add(c.line, "criterion id %q must be lower-case letters, digits, '.' and '-'", c.ID)
		case seen[c.ID]:
			p.add(c.line, "criterion id %q is used twice", c.ID)
		}
		seen[c.ID] = true
		if c.Level < 1 || c.Level > 5 {
			p.add(c.line, "%s: level %d is not 1 to 5", where, c.Level)
		}
		if c.TextVI == "" || c.TextEN == "" {
			p.add(c.line, "%s: text_vi and text_en are required", where)
		}
		if !slices.Contains(confidences, c.Confidence) {
			p.add(c.line, "%s: confidence must be H, M or L", where)
		}
		switch {
		case c.Manual && c.When != nil:
			p.add(c.line, "%s: a manual criterion has no condition (when)", where)
		case c.Manual && c.Note == "":
			p.add(c.line, "%s: a manual criterion needs a note saying why the questionnaire cannot tell", where)
		case !c.Manual && c.When == nil:
			p.add(c.line, "%s: a condition (when) is required, or manual: true with a note", where)
		case c.When != nil:
			c.When.check(p, where, fields)
		}
	}
	if r.Fallback.Level < 1 || r.Fallback.Level > 5 || r.Fallback.TextVI == "" || r.Fallback.TextEN == "" {
		p.add(0, "fallback: a level from 1 to 5 with text_vi and text_en is required")
	}
	r.fields = nil
	for _, q := range Questions {
		if fields[q.Name] {
			r.fields = append(r.fields, q.Name)
		}
	}
}

// checkApproval checks that each level has exactly one approval rule.
func (r *Regime) checkApproval(p *problems) {
	count := [6]int{}
	for _, a := range r.Approval {
		for _, l := range a.Levels {
			if l < 1 || l > 5 {
				p.add(a.line, "approval: level %d is not 1 to 5", l)
				continue
			}
			count[l]++
		}
		if a.Appraiser.VI == "" || a.Appraiser.EN == "" || a.Approver.VI == "" || a.Approver.EN == "" {
			p.add(a.line, "approval: appraiser and approver (vi and en) are required")
		}
		for _, k := range []string{a.AppraisalDaysKind, a.ApprovalDaysKind} {
			if k != "" && k != "working" && k != "calendar" {
				p.add(a.line, "approval: days kind %q is neither working nor calendar", k)
			}
		}
		if a.AppraisalDays < 0 || a.ApprovalDays < 0 {
			p.add(a.line, "approval: deadlines cannot be negative")
		}
	}
	for l := 1; l <= 5; l++ {
		if count[l] != 1 {
			p.add(0, "approval: level %d has %d rules (exactly one needed)", l, count[l])
		}
	}
}

// checkCalendar checks the annual report's MM-DD dates.
func (r *Regime) checkCalendar(p *problems) {
	a := r.AnnualReport
	for _, d := range []string{a.PeriodStart, a.PeriodEnd, a.UnitToOwner, a.OwnerOnward} {
		if _, err := time.Parse("01-02", d); err != nil {
			p.add(a.line, "annual_report: %q is not a date MM-DD", d)
		}
	}
}

// check checks the catalogue: unique ids, known kinds and groups, levels
// 1-5, and the items adding up to each kind's per-level row.
func (c *Catalogue) check(p *problems) {
	if c.CountedAs != "line_items" && c.CountedAs != "groups" {
		p.add(c.line, "catalogue: counted_as must be line_items or groups")
	}
	kinds := map[string]Kind{}
	for _, k := range c.Kinds {
		if k.PerLevel != nil && len(k.PerLevel) != 5 {
			p.add(k.line, "kind %s: per_level needs 5 numbers (levels 1 to 5)", k.ID)
		}
		kinds[k.ID] = k
	}
	groups := map[string]bool{}
	var perGroupLevel [5]int
	for _, g := range c.Groups {
		if groups[g.ID] {
			p.add(g.line, "group %q is used twice", g.ID)
		}
		groups[g.ID] = true
		if g.From < 0 || g.From > 5 {
			p.add(g.line, "group %s: from %d is not 1 to 5", g.ID, g.From)
			continue
		}
		for l := max(g.From, 1); l <= 5; l++ {
			perGroupLevel[l-1]++
		}
	}
	counts := map[string]*[5]int{}
	seen := map[string]bool{}
	for _, it := range c.Items {
		c.checkItem(p, it, kinds, groups, seen)
		if it.From >= 1 && it.From <= 5 {
			if counts[it.Kind] == nil {
				counts[it.Kind] = &[5]int{}
			}
			for l := it.From; l <= 5; l++ {
				counts[it.Kind][l-1]++
			}
		}
	}
	for _, k := range c.Kinds {
		if len(k.PerLevel) == 5 && (counts[k.ID] == nil || !slices.Equal(counts[k.ID][:], k.PerLevel)) {
			got := [5]int{}
			if counts[k.ID] != nil {
				got = *counts[k.ID]
			}
			p.add(k.line, "kind %s: the items count %v per level, per_level says %v", k.ID, got, k.PerLevel)
		}
	}
	if c.Totals != nil && len(c.Totals) != 5 {
		p.add(c.line, "catalogue: totals needs 5 numbers (levels 1 to 5)")
	}
	if c.GroupsPerLevel != nil && !slices.Equal(c.GroupsPerLevel, perGroupLevel[:]) {
		p.add(c.line, "catalogue: the groups count %v per level, groups_per_level says %v", perGroupLevel, c.GroupsPerLevel)
	}
}

// checkItem checks one line item.
func (c *Catalogue) checkItem(p *problems, it Requirement, kinds map[string]Kind, groups, seen map[string]bool) {
	switch {
	case !idPattern.MatchString(it.ID):
		p.add(it.line, "requirement id %q must be lower-case letters, digits, '.' and '-'", it.ID)
	case seen[it.ID]:
		p.add(it.line, "requirement id %q is used twice", it.ID)
	}
	seen[it.ID] = true
	if _, ok := kinds[it.Kind]; !ok {
		p.add(it.line, "requirement %s: unknown kind %q", it.ID, it.Kind)
	}
	if !groups[it.Group] {
		p.add(it.line, "requirement %s: unknown group %q", it.ID, it.Group)
	}
	if it.From < 1 || it.From > 5 {
		p.add(it.line, "requirement %s: from %d is not 1 to 5", it.ID, it.From)
	}
	if it.VI == "" || it.EN == "" {
		p.add(it.line, "requirement %s: vi and en are required", it.ID)
	}
}
