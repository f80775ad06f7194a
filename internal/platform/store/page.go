package store

import (
	"strconv"
	"time"
)

// Paging rules shared by every list: a limit of 0 or less takes the
// list's default, and no page is longer than MaxLimit rows.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// Page is one slice of a list: at most Limit rows after skipping Offset.
type Page struct {
	Limit  int
	Offset int
}

// Clamped returns p with the paging rules applied: def (DefaultLimit when
// 0) for a missing or oversized limit, no negative offset.
func (p Page) Clamped(def int) Page { return p.ClampedTo(def, MaxLimit) }

// ClampedTo is Clamped for a list whose pages are at most most rows long
// (below MaxLimit): a longer limit takes def.
func (p Page) ClampedTo(def, most int) Page {
	if def <= 0 {
		def = DefaultLimit
	}
	if p.Limit <= 0 || p.Limit > min(most, MaxLimit) {
		p.Limit = def
	}
	p.Offset = max(p.Offset, 0)
	return p
}

// Capped returns p with a missing limit set to def and a longer one cut
// to MaxLimit (rather than reset), no negative offset: for lists where
// asking for more than a page means "as many as allowed".
func (p Page) Capped(def int) Page {
	if def <= 0 {
		def = DefaultLimit
	}
	if p.Limit <= 0 {
		p.Limit = def
	}
	p.Limit = min(p.Limit, MaxLimit)
	p.Offset = max(p.Offset, 0)
	return p
}

// Limit appends the page's LIMIT and OFFSET as placeholders numbered after
// the conditions' and returns the clause. Call it after every Add, and
// read Args after it.
func (w *Where) Limit(p Page) string {
	n := len(w.args)
	w.args = append(w.args, p.Limit, p.Offset)
	return " LIMIT $" + strconv.Itoa(n+1) + " OFFSET $" + strconv.Itoa(n+2)
}

// TimePtr reads a nullable timestamp column kept as text ("" is NULL).
func TimePtr(s string) *time.Time {
	if s == "" {
		return nil
	}
	t := ParseTime(s)
	return &t
}
