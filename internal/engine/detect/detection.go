package detect

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// detection parses a detection section (or a filter's selections).
func (p *parser) detection(n *yaml.Node, needCondition bool) (*Detection, error) {
	kv, err := p.pairs(n, "detection")
	if err != nil {
		return nil, err
	}
	d := &Detection{Items: map[string]*SearchItem{}, CondLine: n.Line}
	for _, e := range kv {
		name := e[0].Value
		switch name {
		case "condition":
			if d.Conditions, err = p.strs(e[1], "condition"); err != nil {
				return nil, err
			}
			d.CondLine = e[0].Line
			continue
		case "timeframe":
			continue // Sigma 1 aggregation window: correlation rules replace it
		}
		if _, dup := d.Items[name]; dup {
			return nil, p.errorf(e[0], "search identifier %q defined twice", name)
		}
		item, err := p.searchItem(name, e[1])
		if err != nil {
			return nil, err
		}
		item.Line = e[0].Line
		d.Items[name] = item
		d.Names = append(d.Names, name)
	}
	if needCondition && len(d.Conditions) == 0 {
		return nil, p.errorf(n, "detection has no condition")
	}
	if len(d.Items) == 0 {
		return nil, p.errorf(n, "detection has no search identifier")
	}
	return d, nil
}

// searchItem parses one search identifier.
func (p *parser) searchItem(name string, n *yaml.Node) (*SearchItem, error) {
	n, err := p.resolve(n)
	if err != nil {
		return nil, err
	}
	item := &SearchItem{Name: name}
	switch n.Kind {
	case yaml.MappingNode:
		tests, err := p.fieldMap(n)
		if err != nil {
			return nil, err
		}
		item.Alts = [][]FieldTest{tests}
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			return nil, p.errorf(n, "search identifier %q is an empty list", name)
		}
		var keywords []RawValue
		for _, c := range n.Content {
			c, err := p.resolve(c)
			if err != nil {
				return nil, err
			}
			switch c.Kind {
			case yaml.MappingNode:
				tests, err := p.fieldMap(c)
				if err != nil {
					return nil, err
				}
				item.Alts = append(item.Alts, tests)
			case yaml.ScalarNode:
				keywords = append(keywords, rawValue(c))
			default:
				return nil, p.errorf(c, "search identifier %q: a list holds values or maps", name)
			}
		}
		if len(keywords) > 0 {
			item.Alts = append(item.Alts, []FieldTest{{Values: keywords, Line: n.Line}})
		}
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, p.errorf(n, "search identifier %q is empty", name)
		}
		item.Alts = [][]FieldTest{{{Values: []RawValue{rawValue(n)}, Line: n.Line}}}
	default:
		return nil, p.errorf(n, "search identifier %q must be a map or a list", name)
	}
	return item, nil
}

// fieldMap parses "field|modifiers: value(s)" pairs (AND-ed).
func (p *parser) fieldMap(n *yaml.Node) ([]FieldTest, error) {
	kv, err := p.pairs(n, "selection")
	if err != nil {
		return nil, err
	}
	if len(kv) == 0 {
		return nil, p.errorf(n, "empty selection")
	}
	tests := make([]FieldTest, 0, len(kv))
	for _, e := range kv {
		parts := strings.Split(e[0].Value, "|")
		t := FieldTest{Field: parts[0], Line: e[0].Line}
		for _, m := range parts[1:] {
			if m == "" {
				return nil, p.errorf(e[0], "empty modifier in %q", e[0].Value)
			}
			t.Modifiers = append(t.Modifiers, m)
		}
		v, err := p.resolve(e[1])
		if err != nil {
			return nil, err
		}
		switch v.Kind {
		case yaml.ScalarNode:
			t.Values = []RawValue{rawValue(v)}
		case yaml.SequenceNode:
			if len(v.Content) == 0 {
				return nil, p.errorf(v, "%s: empty list of values", e[0].Value)
			}
			for _, c := range v.Content {
				c, err := p.resolve(c)
				if err != nil {
					return nil, err
				}
				if c.Kind != yaml.ScalarNode {
					return nil, p.errorf(c, "%s: values must be plain values, not maps or lists", e[0].Value)
				}
				t.Values = append(t.Values, rawValue(c))
			}
		default:
			return nil, p.errorf(v, "%s: a value must be a plain value or a list", e[0].Value)
		}
		tests = append(tests, t)
	}
	return tests, nil
}

// rawValue keeps a scalar's text and YAML type.
func rawValue(n *yaml.Node) RawValue {
	v := RawValue{Text: n.Value, Line: n.Line}
	switch n.ShortTag() {
	case "!!null":
		v.Kind, v.Text = ValNull, ""
	case "!!int":
		v.Kind = ValInt
	case "!!float":
		v.Kind = ValFloat
	case "!!bool":
		v.Kind = ValBool
		v.Text = strings.ToLower(v.Text)
	}
	return v
}
