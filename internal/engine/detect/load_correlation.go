package detect

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// correlation parses the correlation section.
func (p *parser) correlation(n *yaml.Node) (*Correlation, error) {
	kv, err := p.pairs(n, "correlation")
	if err != nil {
		return nil, err
	}
	c := &Correlation{}
	var timespan, cond *yaml.Node
	for _, e := range kv {
		switch k := e[0].Value; k {
		case "type":
			c.Type, err = p.str(e[1], k)
		case "rules":
			c.Rules, err = p.strs(e[1], k)
		case "group-by":
			c.GroupBy, err = p.strs(e[1], k)
		case "timespan", "timeframe":
			timespan = e[1]
		case "condition":
			cond = e[1]
		case "aliases":
			c.Aliases, err = p.aliases(e[1])
		case "generate":
			var s string
			if s, err = p.str(e[1], k); err == nil {
				c.Generate, err = strconv.ParseBool(s)
				if err != nil {
					err = p.errorf(e[1], "generate must be true or false")
				}
			}
		}
		if err != nil {
			return nil, err
		}
	}
	switch c.Type {
	case "event_count", "value_count", "temporal", "temporal_ordered":
	case "":
		return nil, p.errorf(n, "correlation: no type")
	default:
		return nil, p.errorf(n, "correlation type %q is not one of event_count, value_count, temporal, temporal_ordered", c.Type)
	}
	if len(c.Rules) == 0 {
		return nil, p.errorf(n, "correlation: no rules")
	}
	if timespan == nil {
		return nil, p.errorf(n, "correlation: no timespan")
	}
	ts, err := p.str(timespan, "timespan")
	if err != nil {
		return nil, err
	}
	if c.Timespan, err = ParseTimespan(ts); err != nil {
		return nil, p.errorf(timespan, "%v", err)
	}
	if cond != nil {
		if err := p.corrCondition(c, cond); err != nil {
			return nil, err
		}
	}
	switch {
	case (c.Type == "event_count" || c.Type == "value_count") && len(c.Condition) == 0:
		return nil, p.errorf(n, "correlation %s needs a condition", c.Type)
	case c.Type == "value_count" && c.Field == "":
		return nil, p.errorf(cond, "correlation value_count needs condition.field")
	}
	return c, nil
}

func (p *parser) corrCondition(c *Correlation, n *yaml.Node) error {
	kv, err := p.pairs(n, "correlation condition")
	if err != nil {
		return err
	}
	c.Condition = map[string]float64{}
	for _, e := range kv {
		k := e[0].Value
		v, err := p.str(e[1], "condition."+k)
		if err != nil {
			return err
		}
		switch k {
		case "field":
			c.Field = v
		case "gt", "gte", "lt", "lte", "eq", "neq":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return p.errorf(e[1], "condition %s: %q is not a number", k, v)
			}
			c.Condition[k] = f
		default:
			return p.errorf(e[0], "condition %q is not one of gt, gte, lt, lte, eq, neq, field", k)
		}
	}
	return nil
}

func (p *parser) aliases(n *yaml.Node) (map[string]map[string]string, error) {
	kv, err := p.pairs(n, "aliases")
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]string{}
	for _, e := range kv {
		inner, err := p.pairs(e[1], "alias "+e[0].Value)
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		for _, ie := range inner {
			v, err := p.str(ie[1], "alias field")
			if err != nil {
				return nil, err
			}
			m[ie[0].Value] = v
		}
		out[e[0].Value] = m
	}
	return out, nil
}

// ParseTimespan reads a Sigma timespan: a number and one of s, m, h, d
// (and, as tools accept, w for weeks).
func ParseTimespan(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return 0, fmt.Errorf("timespan %q is not a number and a unit (s, m, h, d)", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 || n > 1_000_000 {
		return 0, fmt.Errorf("timespan %q is not a positive number and a unit (s, m, h, d)", s)
	}
	unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]
	if unit == 0 {
		return 0, fmt.Errorf("timespan %q: the unit is not s, m, h or d", s)
	}
	return time.Duration(n) * unit, nil
}

// filter parses a meta filter's filter section.
func (p *parser) filter(n *yaml.Node) (*Filter, error) {
	kv, err := p.pairs(n, "filter")
	if err != nil {
		return nil, err
	}
	f := &Filter{}
	det := &yaml.Node{Kind: yaml.MappingNode, Line: n.Line}
	for _, e := range kv {
		if e[0].Value == "rules" {
			rs, err := p.strs(e[1], "filter.rules")
			if err != nil {
				return nil, err
			}
			if len(rs) == 1 && strings.EqualFold(rs[0], "any") {
				f.Any = true
			} else {
				f.Rules = rs
			}
			continue
		}
		det.Content = append(det.Content, e[0], e[1])
	}
	if !f.Any && len(f.Rules) == 0 {
		return nil, p.errorf(n, "filter: no rules (list rule ids or names, or write rules: any)")
	}
	if f.Detection, err = p.detection(det, true); err != nil {
		return nil, err
	}
	return f, nil
}

// ParsePlaceholders reads placeholder values from YAML (or JSON): a map
// of placeholder name (without %) to one value or a list of values.
func ParsePlaceholders(data []byte) (map[string][]string, error) {
	var raw map[string]yaml.Node
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("placeholders: %v", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	out := make(map[string][]string, len(raw))
	for name, n := range raw {
		p := &parser{file: "placeholders"}
		vals, err := p.strs(&n, "placeholder "+name)
		if err != nil {
			return nil, err
		}
		out[strings.Trim(name, "%")] = vals
	}
	return out, nil
}
