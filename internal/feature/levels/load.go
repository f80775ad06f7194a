package levels

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/khien-project/khien/internal/platform/store"
)

// Reading data files (regimes, frameworks, mappings) strictly: every
// unknown key, wrong type and broken rule is reported with its file and
// line, and a file with any problem loads nothing.

// Problem is one thing wrong in a data file, at Line (0: the whole file).
type Problem struct {
	Line int    `json:"line"`
	Msg  string `json:"message"`
}

// LoadError lists the problems of one data file. It unwraps to
// store.ErrInvalid.
type LoadError struct {
	File     string
	Problems []Problem
}

// Error writes one "file:line: message" per problem.
func (e *LoadError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s:%d: %s", e.File, p.Line, p.Msg)
	}
	return b.String()
}

// Unwrap makes errors.Is(err, store.ErrInvalid) true.
func (e *LoadError) Unwrap() error { return store.ErrInvalid }

// problems collects a file's problems while it is checked.
type problems []Problem

func (p *problems) add(line int, format string, args ...any) {
	*p = append(*p, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
}

// err returns the LoadError of file, or nil when nothing is wrong.
func (p problems) err(file string) error {
	if len(p) == 0 {
		return nil
	}
	sort.SliceStable(p, func(i, j int) bool { return p[i].Line < p[j].Line })
	return &LoadError{File: file, Problems: p}
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// decodeFile parses data into v (a pointer to a struct whose type, and
// nested types, check their own keys with strictNode), turning the YAML library's
// errors into problems with lines.
func decodeFile(data []byte, v any, p *problems) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p.addYAML(err)
		return
	}
	if len(doc.Content) == 0 {
		p.add(0, "the file is empty")
		return
	}
	// v's type checks its own keys (its UnmarshalYAML calls strictNode).
	if err := doc.Content[0].Decode(v); err != nil {
		p.addYAML(err)
	}
}

// addYAML records the YAML library's error(s), each with its line.
func (p *problems) addYAML(err error) {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	for _, m := range msgs {
		if sub := yamlLine.FindStringSubmatch(m); sub != nil {
			n, _ := strconv.Atoi(sub[1])
			p.add(n, "%s", sub[2])
			continue
		}
		p.add(0, "%s", strings.TrimPrefix(m, "yaml: "))
	}
}

// strictNode decodes n into v, reporting keys that v's struct does not
// have as type errors (so that decoding goes on and every problem of the
// file is listed).
func strictNode(n *yaml.Node, v any) error {
	var unknown []string
	if n.Kind == yaml.MappingNode {
		known := yamlKeys(reflect.TypeOf(v).Elem())
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			switch {
			case !known[k.Value]:
				unknown = append(unknown, fmt.Sprintf("line %d: unknown field %q", k.Line, k.Value))
			case seen[k.Value]:
				unknown = append(unknown, fmt.Sprintf("line %d: field %q given twice", k.Line, k.Value))
			}
			seen[k.Value] = true
		}
	}
	err := n.Decode(v)
	if len(unknown) == 0 {
		return err
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		unknown = append(unknown, te.Errors...)
	} else if err != nil {
		return err
	}
	return &yaml.TypeError{Errors: unknown}
}

// yamlKeys lists the yaml keys of struct type t.
func yamlKeys(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}

// Each type whose keys are checked, or whose line is kept for later
// checks, decodes itself through strictNode.

func (r *Regime) UnmarshalYAML(n *yaml.Node) error {
	type plain Regime
	return strictNode(n, (*plain)(r))
}

func (c *Criterion) UnmarshalYAML(n *yaml.Node) error {
	type plain Criterion
	c.line = n.Line
	return strictNode(n, (*plain)(c))
}

func (c *Condition) UnmarshalYAML(n *yaml.Node) error {
	type plain Condition
	c.line = n.Line
	return strictNode(n, (*plain)(c))
}

func (a *ApprovalRule) UnmarshalYAML(n *yaml.Node) error {
	type plain ApprovalRule
	a.line = n.Line
	return strictNode(n, (*plain)(a))
}

func (c *Catalogue) UnmarshalYAML(n *yaml.Node) error {
	type plain Catalogue
	c.line = n.Line
	return strictNode(n, (*plain)(c))
}

func (k *Kind) UnmarshalYAML(n *yaml.Node) error {
	type plain Kind
	k.line = n.Line
	return strictNode(n, (*plain)(k))
}

func (g *Group) UnmarshalYAML(n *yaml.Node) error {
	type plain Group
	g.line = n.Line
	return strictNode(n, (*plain)(g))
}

func (r *Requirement) UnmarshalYAML(n *yaml.Node) error {
	type plain Requirement
	r.line = n.Line
	return strictNode(n, (*plain)(r))
}

func (d *Duty) UnmarshalYAML(n *yaml.Node) error {
	type plain Duty
	d.line = n.Line
	return strictNode(n, (*plain)(d))
}

func (a *AnnualReport) UnmarshalYAML(n *yaml.Node) error {
	type plain AnnualReport
	a.line = n.Line
	return strictNode(n, (*plain)(a))
}

func (t *Text) UnmarshalYAML(n *yaml.Node) error {
	type plain Text
	return strictNode(n, (*plain)(t))
}

func (f *Fallback) UnmarshalYAML(n *yaml.Node) error {
	type plain Fallback
	return strictNode(n, (*plain)(f))
}

func (s *Section) UnmarshalYAML(n *yaml.Node) error {
	type plain Section
	return strictNode(n, (*plain)(s))
}

func (a *Addition) UnmarshalYAML(n *yaml.Node) error {
	type plain Addition
	return strictNode(n, (*plain)(a))
}

func (c *Clock) UnmarshalYAML(n *yaml.Node) error {
	type plain Clock
	return strictNode(n, (*plain)(c))
}
