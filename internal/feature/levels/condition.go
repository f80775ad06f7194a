package levels

import (
	"fmt"
	"slices"
)

// Condition is a criterion's test on the answers, as data: either all or
// any of a list of conditions, or one test of one answer (field) with
// exactly one of is, in, at_least, at_most, below.
type Condition struct {
	All     []Condition `yaml:"all" json:"all,omitempty"`
	Any     []Condition `yaml:"any" json:"any,omitempty"`
	Field   string      `yaml:"field" json:"field,omitempty"`
	Is      any         `yaml:"is" json:"is,omitempty"`
	In      []any       `yaml:"in" json:"in,omitempty"`
	AtLeast *int64      `yaml:"at_least" json:"at_least,omitempty"`
	AtMost  *int64      `yaml:"at_most" json:"at_most,omitempty"`
	Below   *int64      `yaml:"below" json:"below,omitempty"`
	line    int
}

// holds reports whether c is true of the answers v (every answer c reads
// is present: the regime's required answers were checked first).
func (c *Condition) holds(v map[string]any) bool {
	switch {
	case len(c.All) > 0:
		for i := range c.All {
			if !c.All[i].holds(v) {
				return false
			}
		}
		return true
	case len(c.Any) > 0:
		for i := range c.Any {
			if c.Any[i].holds(v) {
				return true
			}
		}
		return false
	}
	got, ok := v[c.Field]
	if !ok {
		return false
	}
	switch {
	case c.Is != nil:
		return same(got, c.Is)
	case c.In != nil:
		return slices.ContainsFunc(c.In, func(w any) bool { return same(got, w) })
	}
	n, _ := got.(int64)
	switch {
	case c.AtLeast != nil:
		return n >= *c.AtLeast
	case c.AtMost != nil:
		return n <= *c.AtMost
	case c.Below != nil:
		return n < *c.Below
	}
	return false
}

// same compares an answer with a value from the data file (YAML gives
// int for whole numbers).
func same(answer, data any) bool {
	if n, ok := data.(int); ok {
		data = int64(n)
	}
	return answer == data
}

// check reports what is wrong with c in p, and adds the answers it reads
// to fields.
func (c *Condition) check(p *problems, where string, fields map[string]bool) {
	branches := 0
	for _, set := range []bool{len(c.All) > 0, len(c.Any) > 0, c.Field != ""} {
		if set {
			branches++
		}
	}
	if branches != 1 {
		p.add(c.line, "%s: a condition has exactly one of all, any or field", where)
		return
	}
	for i := range c.All {
		c.All[i].check(p, where, fields)
	}
	for i := range c.Any {
		c.Any[i].check(p, where, fields)
	}
	if c.Field != "" {
		c.checkTest(p, where, fields)
	}
}

// checkTest checks a test of one answer: a known answer, one test, values
// of the answer's type.
func (c *Condition) checkTest(p *problems, where string, fields map[string]bool) {
	q, ok := question(c.Field)
	if !ok {
		p.add(c.line, "%s: unknown answer %q", where, c.Field)
		return
	}
	fields[c.Field] = true
	tests := 0
	for _, set := range []bool{c.Is != nil, c.In != nil, c.AtLeast != nil, c.AtMost != nil, c.Below != nil} {
		if set {
			tests++
		}
	}
	if tests != 1 {
		p.add(c.line, "%s: the test of %s needs exactly one of is, in, at_least, at_most, below", where, c.Field)
		return
	}
	if (c.AtLeast != nil || c.AtMost != nil || c.Below != nil) && q.Type != "int" {
		p.add(c.line, "%s: %s is not a number: use is or in", where, c.Field)
		return
	}
	vals := c.In
	if c.Is != nil {
		vals = []any{c.Is}
	}
	if c.In != nil && len(c.In) == 0 {
		p.add(c.line, "%s: in lists no value", where)
	}
	for _, v := range vals {
		if msg := valueProblem(q, v); msg != "" {
			p.add(c.line, "%s: %s: %s", where, c.Field, msg)
		}
	}
}

// valueProblem says why v cannot be an answer to q ("" if it can).
func valueProblem(q Question, v any) string {
	switch q.Type {
	case "bool":
		if _, ok := v.(bool); !ok {
			return fmt.Sprintf("%v is not true or false", v)
		}
	case "int":
		n, ok := v.(int)
		if !ok {
			return fmt.Sprintf("%v is not a whole number", v)
		}
		if en, _ := checkValue(q, int64(n)); en != "" {
			return en
		}
	case "enum":
		s, ok := v.(string)
		if !ok {
			return fmt.Sprintf("%v is not a text value", v)
		}
		if en, _ := checkValue(q, s); en != "" {
			return en
		}
	}
	return ""
}
