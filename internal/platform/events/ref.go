package events

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
)

// Ref addresses one finding-like object of any feature by kind and id
// ("site-finding/12", "monitor-alert/7"), so that incidents and reports
// can link to it without importing the feature that owns it.
type Ref struct {
	Kind string `json:"kind"`
	ID   int64  `json:"id"`
}

// The kinds of object features publish today.
const (
	RefSiteScan     = "site-scan"
	RefSiteFinding  = "site-finding"
	RefMonitorAlert = "monitor-alert"
	RefDetection    = "detection" // a Sigma alert (alert.Detection)
)

// String is the ref's text form, kind/id.
func (r Ref) String() string { return r.Kind + "/" + strconv.FormatInt(r.ID, 10) }

var refKind = regexp.MustCompile(`^[a-z][a-z0-9-]{0,40}$`)

// ParseRef reads "kind/id".
func ParseRef(s string) (Ref, error) {
	kind, id, ok := strings.Cut(s, "/")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || !refKind.MatchString(kind) || err != nil || n <= 0 {
		return Ref{}, fmt.Errorf("events: %q is not a reference (kind/id): %w", s, store.ErrInvalid)
	}
	return Ref{Kind: kind, ID: n}, nil
}

// Linked is what a reference points at, as a person reads it.
type Linked struct {
	Ref      Ref    `json:"ref"`
	Title    string `json:"title"`
	TitleEN  string `json:"title_en"`
	Path     string `json:"path"` // the object's page in the UI
	Severity string `json:"severity,omitempty"`
}

// Resolver finds one object of its kind in actor's scope (an object out
// of scope is store.ErrNotFound, as everywhere).
type Resolver func(ctx context.Context, actor access.Actor, id int64) (Linked, error)

// Directory resolves references of every kind a feature registered.
type Directory struct {
	mu    sync.RWMutex
	kinds map[string]Resolver
}

// NewDirectory builds an empty directory.
func NewDirectory() *Directory { return &Directory{kinds: map[string]Resolver{}} }

// Register makes kind resolvable; the owning feature registers it.
func (d *Directory) Register(kind string, r Resolver) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.kinds[kind] = r
}

// Resolve looks ref up for actor.
func (d *Directory) Resolve(ctx context.Context, actor access.Actor, ref Ref) (Linked, error) {
	d.mu.RLock()
	r, ok := d.kinds[ref.Kind]
	d.mu.RUnlock()
	if !ok {
		return Linked{}, fmt.Errorf("events: no kind %q: %w", ref.Kind, store.ErrNotFound)
	}
	l, err := r(ctx, actor, ref.ID)
	if err != nil {
		return Linked{}, err
	}
	l.Ref = ref
	return l, nil
}
