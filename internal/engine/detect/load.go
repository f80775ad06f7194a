package detect

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Bounds on hostile rule files.
const (
	MaxRuleFileBytes = 4 << 20 // a rule file larger than this is refused
	maxYAMLNodes     = 200_000 // nodes walked per document, aliases expanded
)

// LoadPaths reads every .yml and .yaml file under the given files and
// folders (sorted, hidden folders skipped) and answers the documents that
// loaded and one error per document or file that did not.
func LoadPaths(paths ...string) ([]*Rule, []error) {
	var rules []*Rule
	var errs []error
	for _, root := range paths {
		var files []string
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != root && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if ext := strings.ToLower(filepath.Ext(p)); ext == ".yml" || ext == ".yaml" || p == root {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, &LoadError{File: root, Msg: "cannot read: " + errText(err), cause: err})
			continue
		}
		sort.Strings(files)
		for _, f := range files {
			r, e := LoadFile(f)
			rules = append(rules, r...)
			errs = append(errs, e...)
		}
	}
	return rules, errs
}

// errText is an OS error without Go's "open x:" prefix doubling the name.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// LoadFile reads one rule file (which may hold several YAML documents).
func LoadFile(path string) ([]*Rule, []error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, []error{&LoadError{File: path, Msg: "cannot read: " + errText(err), cause: err}}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxRuleFileBytes+1))
	if err != nil {
		return nil, []error{&LoadError{File: path, Msg: "cannot read: " + errText(err), cause: err}}
	}
	if len(data) > MaxRuleFileBytes {
		return nil, []error{&LoadError{File: path, Msg: fmt.Sprintf("file larger than %d bytes", MaxRuleFileBytes)}}
	}
	return ParseRules(path, data)
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// ParseRules parses the YAML documents of data (file names the source in
// errors). Each document is a detection rule, a correlation rule or a
// meta filter.
func ParseRules(file string, data []byte) ([]*Rule, []error) {
	if len(data) > MaxRuleFileBytes {
		return nil, []error{&LoadError{File: file, Msg: fmt.Sprintf("file larger than %d bytes", MaxRuleFileBytes)}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var rules []*Rule
	var errs []error
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			le := &LoadError{File: file, Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: "), cause: err}
			if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
				le.Line, _ = strconv.Atoi(m[1])
			}
			errs = append(errs, le)
			break // the decoder cannot resynchronise
		}
		p := &parser{file: file}
		r, err := p.document(&doc)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if r != nil {
			rules = append(rules, r)
		}
	}
	return rules, errs
}

// parser turns one YAML document into a Rule.
type parser struct {
	file  string
	rule  string
	nodes int
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &LoadError{File: p.file, Line: line, Rule: p.rule, Msg: fmt.Sprintf(format, args...)}
}

// resolve follows aliases and counts nodes, so that alias bombs end.
func (p *parser) resolve(n *yaml.Node) (*yaml.Node, error) {
	for depth := 0; n != nil && n.Kind == yaml.AliasNode; depth++ {
		if depth > 100 {
			return nil, p.errorf(n, "alias chain too deep")
		}
		n = n.Alias
	}
	p.nodes++
	if p.nodes > maxYAMLNodes {
		return nil, p.errorf(n, "document too large (more than %d YAML nodes with aliases expanded)", maxYAMLNodes)
	}
	return n, nil
}

// pairs answers the key/value pairs of a mapping node.
func (p *parser) pairs(n *yaml.Node, what string) ([][2]*yaml.Node, error) {
	n, err := p.resolve(n)
	if err != nil {
		return nil, err
	}
	if n.Kind != yaml.MappingNode {
		return nil, p.errorf(n, "%s must be a map", what)
	}
	out := make([][2]*yaml.Node, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, err := p.resolve(n.Content[i])
		if err != nil {
			return nil, err
		}
		if k.Kind != yaml.ScalarNode {
			return nil, p.errorf(k, "%s: keys must be plain strings", what)
		}
		if k.Value == "<<" {
			return nil, p.errorf(k, "%s: YAML merge keys are not supported", what)
		}
		out = append(out, [2]*yaml.Node{k, n.Content[i+1]})
	}
	return out, nil
}

// str answers a scalar's text.
func (p *parser) str(n *yaml.Node, what string) (string, error) {
	n, err := p.resolve(n)
	if err != nil {
		return "", err
	}
	if n.Kind != yaml.ScalarNode {
		return "", p.errorf(n, "%s must be a single value", what)
	}
	if n.Tag == "!!null" {
		return "", nil
	}
	return n.Value, nil
}

// strs answers a scalar or a list of scalars.
func (p *parser) strs(n *yaml.Node, what string) ([]string, error) {
	n, err := p.resolve(n)
	if err != nil {
		return nil, err
	}
	if n.Kind == yaml.ScalarNode {
		if n.Tag == "!!null" {
			return nil, nil
		}
		return []string{n.Value}, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, p.errorf(n, "%s must be a value or a list of values", what)
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		s, err := p.str(c, what)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// document parses one YAML document; an empty document answers nil.
func (p *parser) document(doc *yaml.Node) (*Rule, error) {
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil, nil
		}
		doc = doc.Content[0]
	}
	top, err := p.pairs(doc, "a Sigma document")
	if err != nil {
		return nil, err
	}
	r := &Rule{File: p.file, Line: doc.Line}
	fields := map[string]*yaml.Node{}
	for _, kv := range top {
		fields[kv[0].Value] = kv[1]
	}
	if err := p.meta(r, fields, doc); err != nil {
		return nil, err
	}
	if a, ok := fields["action"]; ok {
		v, _ := p.str(a, "action")
		return nil, p.errorf(a, "action %q (Sigma 1 rule collections) is not supported", v)
	}
	switch {
	case fields["correlation"] != nil:
		r.Kind = KindCorrelation
		r.Correlation, err = p.correlation(fields["correlation"])
	case fields["filter"] != nil:
		r.Kind = KindFilter
		if r.Logsource, err = p.logsource(fields["logsource"], doc, false); err == nil {
			r.Filter, err = p.filter(fields["filter"])
		}
	case fields["detection"] != nil:
		r.Kind = KindDetection
		if r.Logsource, err = p.logsource(fields["logsource"], doc, true); err == nil {
			r.Detection, err = p.detection(fields["detection"], true)
		}
	default:
		return nil, p.errorf(doc, "no detection, correlation or filter section")
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// meta reads the descriptive fields every kind shares.
func (p *parser) meta(r *Rule, f map[string]*yaml.Node, doc *yaml.Node) error {
	one := map[string]*string{"id": &r.ID, "name": &r.Name, "title": &r.Title, "status": &r.Status,
		"description": &r.Description, "level": &r.Level, "date": &r.Date, "modified": &r.Modified}
	for k, dst := range one {
		if n := f[k]; n != nil {
			v, err := p.str(n, k)
			if err != nil {
				return err
			}
			*dst = v
		}
	}
	if r.ID != "" {
		p.rule = r.ID
	} else {
		p.rule = r.Title
	}
	if r.Title == "" {
		return p.errorf(doc, "no title")
	}
	if n := f["author"]; n != nil {
		a, err := p.strs(n, "author")
		if err != nil {
			return err
		}
		r.Author = strings.Join(a, ", ")
	}
	many := map[string]*[]string{"tags": &r.Tags, "references": &r.References, "falsepositives": &r.FalsePositives}
	for k, dst := range many {
		if n := f[k]; n != nil {
			v, err := p.strs(n, k)
			if err != nil {
				return err
			}
			*dst = v
		}
	}
	return nil
}

func (p *parser) logsource(n, doc *yaml.Node, required bool) (Logsource, error) {
	var ls Logsource
	if n == nil {
		if required {
			return ls, p.errorf(doc, "no logsource")
		}
		return ls, nil
	}
	kv, err := p.pairs(n, "logsource")
	if err != nil {
		return ls, err
	}
	for _, e := range kv {
		var dst *string
		switch e[0].Value {
		case "product":
			dst = &ls.Product
		case "category":
			dst = &ls.Category
		case "service":
			dst = &ls.Service
		default:
			continue // definition and custom attributes do not route
		}
		v, err := p.str(e[1], "logsource."+e[0].Value)
		if err != nil {
			return ls, err
		}
		*dst = strings.ToLower(v)
	}
	return ls, nil
}

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
