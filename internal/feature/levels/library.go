package levels

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

//go:embed regimes/*.yaml
var builtinRegimes embed.FS

// Library holds the regimes, the other frameworks and the mappings
// between their requirements. It is read-only once built.
type Library struct {
	regimes    map[string]*Regime
	frameworks map[string]*Framework
	mappings   []*Mapping
}

// NewLibrary returns an empty library.
func NewLibrary() *Library {
	return &Library{regimes: map[string]*Regime{}, frameworks: map[string]*Framework{}}
}

// Builtin returns the library of the regimes embedded in Khiên
// (regimes/*.yaml).
func Builtin() (*Library, error) {
	l := NewLibrary()
	if err := l.AddRegimes(builtinRegimes, "regimes"); err != nil {
		return nil, err
	}
	return l, nil
}

// AddRegimes loads every *.yaml file of dir in fsys as a regime. Nothing
// is added unless every file loads.
func (l *Library) AddRegimes(fsys fs.FS, dir string) error {
	files, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return err
	}
	var loaded []*Regime
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return fmt.Errorf("levels: %s: %w", f, err)
		}
		r, err := LoadRegime(f, data)
		if err != nil {
			return err
		}
		if r.ID+".yaml" != path.Base(f) {
			return &LoadError{File: f, Problems: []Problem{{Msg: fmt.Sprintf("id %q does not match the file name", r.ID)}}}
		}
		loaded = append(loaded, r)
	}
	for _, r := range loaded {
		if _, dup := l.regimes[r.ID]; dup {
			return fmt.Errorf("levels: regime %s is loaded twice", r.ID)
		}
	}
	for _, r := range loaded {
		l.regimes[r.ID] = r
	}
	return nil
}

// Regime returns the regime id.
func (l *Library) Regime(id string) (*Regime, bool) {
	r, ok := l.regimes[id]
	return r, ok
}

// RegimeIDs lists the regimes' ids, sorted.
func (l *Library) RegimeIDs() []string {
	out := make([]string, 0, len(l.regimes))
	for id := range l.regimes {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Regimes lists the regimes by id.
func (l *Library) Regimes() []*Regime {
	var out []*Regime
	for _, id := range l.RegimeIDs() {
		out = append(out, l.regimes[id])
	}
	return out
}
