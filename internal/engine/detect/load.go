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
