package levels

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// Other frameworks (ISO/IEC 27001:2022 Annex A, NIST CSF 2.0, …) load
// from files the same way as regimes, and a mapping file relates the
// requirements of one catalogue to those of another. Khiên ships no
// framework's text: a framework file lists ids, and titles only where the
// operator may publish them.

// Framework is a catalogue of controls outside the legal regimes.
type Framework struct {
	Format   int       `yaml:"format" json:"-"`
	ID       string    `yaml:"id" json:"id"`
	Version  string    `yaml:"version" json:"version"`
	Name     Text      `yaml:"name" json:"name"`
	Note     string    `yaml:"note" json:"note,omitempty"`
	Groups   []Group   `yaml:"groups" json:"groups"`
	Controls []Control `yaml:"controls" json:"controls"`
}

// Control is one control of a framework; titles are optional.
type Control struct {
	ID    string `yaml:"id" json:"id"`
	Group string `yaml:"group" json:"group"`
	VI    string `yaml:"vi" json:"vi,omitempty"`
	EN    string `yaml:"en" json:"en,omitempty"`
	line  int
}

// Mapping relates requirements of catalogue From to those of To (a
// regime or a framework).
type Mapping struct {
	Format int    `yaml:"format" json:"-"`
	From   string `yaml:"from" json:"from"`
	To     string `yaml:"to" json:"to"`
	Note   string `yaml:"note" json:"note,omitempty"`
	Pairs  []Pair `yaml:"pairs" json:"pairs"`
}

// Pair maps one requirement to others, with how they relate.
type Pair struct {
	From     string   `yaml:"from" json:"from"`
	To       []string `yaml:"to" json:"to"`
	Relation string   `yaml:"relation" json:"relation"`
	line     int
}

// Relations a pair may state (read "From is … To").
var Relations = []string{"equal", "subset", "superset", "intersects"}

func (f *Framework) UnmarshalYAML(n *yaml.Node) error {
	type plain Framework
	return strictNode(n, (*plain)(f))
}

func (c *Control) UnmarshalYAML(n *yaml.Node) error {
	type plain Control
	c.line = n.Line
	return strictNode(n, (*plain)(c))
}

func (m *Mapping) UnmarshalYAML(n *yaml.Node) error {
	type plain Mapping
	return strictNode(n, (*plain)(m))
}

func (p *Pair) UnmarshalYAML(n *yaml.Node) error {
	type plain Pair
	p.line = n.Line
	return strictNode(n, (*plain)(p))
}

// LoadFramework reads and checks a framework file (format 1).
func LoadFramework(file string, data []byte) (*Framework, error) {
	var f Framework
	var p problems
	decodeFile(data, &f, &p)
	if len(p) == 0 {
		f.check(&p)
	}
	if err := p.err(file); err != nil {
		return nil, err
	}
	return &f, nil
}

func (f *Framework) check(p *problems) {
	if f.Format != 1 {
		p.add(0, "format must be 1 (got %d)", f.Format)
	}
	if !idPattern.MatchString(f.ID) || f.Name.VI == "" || f.Name.EN == "" {
		p.add(0, "id (lower-case letters, digits, '.', '-') and name (vi and en) are required")
	}
	groups := map[string]bool{}
	for _, g := range f.Groups {
		if g.ID == "" || groups[g.ID] {
			p.add(g.line, "group id %q is empty or used twice", g.ID)
		}
		groups[g.ID] = true
	}
	seen := map[string]bool{}
	for _, c := range f.Controls {
		if c.ID == "" || seen[c.ID] {
			p.add(c.line, "control id %q is empty or used twice", c.ID)
		}
		seen[c.ID] = true
		if !groups[c.Group] {
			p.add(c.line, "control %s: unknown group %q", c.ID, c.Group)
		}
	}
}

// AddFramework loads a framework file into the library.
func (l *Library) AddFramework(file string, data []byte) (*Framework, error) {
	f, err := LoadFramework(file, data)
	if err != nil {
		return nil, err
	}
	if _, dup := l.catalogueIDs(f.ID); dup {
		return nil, &LoadError{File: file, Problems: []Problem{{Msg: fmt.Sprintf("catalogue %q is already loaded", f.ID)}}}
	}
	l.frameworks[f.ID] = f
	return f, nil
}

// catalogueIDs returns the requirement (or control) ids of the regime or
// framework named id.
func (l *Library) catalogueIDs(id string) (map[string]bool, bool) {
	out := map[string]bool{}
	if r, ok := l.regimes[id]; ok {
		for _, it := range r.Catalogue.Items {
			out[it.ID] = true
		}
		return out, true
	}
	if f, ok := l.frameworks[id]; ok {
		for _, c := range f.Controls {
			out[c.ID] = true
		}
		for _, g := range f.Groups {
			out[g.ID] = true // a mapping may name a whole function or theme
		}
		return out, true
	}
	return nil, false
}

// AddMapping loads a mapping file; both catalogues must be loaded, and
// every id it names must exist in its catalogue.
func (l *Library) AddMapping(file string, data []byte) (*Mapping, error) {
	var m Mapping
	var p problems
	decodeFile(data, &m, &p)
	if len(p) == 0 {
		l.checkMapping(&m, &p)
	}
	if err := p.err(file); err != nil {
		return nil, err
	}
	l.mappings = append(l.mappings, &m)
	return &m, nil
}

func (l *Library) checkMapping(m *Mapping, p *problems) {
	if m.Format != 1 {
		p.add(0, "format must be 1 (got %d)", m.Format)
	}
	from, okFrom := l.catalogueIDs(m.From)
	to, okTo := l.catalogueIDs(m.To)
	if !okFrom || !okTo {
		p.add(0, "from %q and to %q must name loaded regimes or frameworks", m.From, m.To)
		return
	}
	for _, pr := range m.Pairs {
		if !from[pr.From] {
			p.add(pr.line, "%s has no requirement %q", m.From, pr.From)
		}
		if len(pr.To) == 0 {
			p.add(pr.line, "pair %s maps to nothing", pr.From)
		}
		for _, id := range pr.To {
			if !to[id] {
				p.add(pr.line, "%s has no requirement %q", m.To, id)
			}
		}
		if !slices.Contains(Relations, pr.Relation) {
			p.add(pr.line, "relation %q is not one of %v", pr.Relation, Relations)
		}
	}
}

// Mapped lists what requirement id of catalogue from maps to in every
// loaded mapping (either way round), by catalogue.
func (l *Library) Mapped(from, id string) map[string][]string {
	out := map[string][]string{}
	for _, m := range l.mappings {
		for _, pr := range m.Pairs {
			switch {
			case m.From == from && pr.From == id:
				out[m.To] = append(out[m.To], pr.To...)
			case m.To == from && slices.Contains(pr.To, id):
				out[m.From] = append(out[m.From], pr.From)
			}
		}
	}
	return out
}
