package audit

import (
	"context"
	"fmt"
	"sort"
)

// Broken describes the first entry whose link in the chain does not hold.
type Broken struct {
	ID     int64
	Reason string
}

// Report is what a verification found.
type Report struct {
	Entries int // entries read
	Keyed   int // of which keyed
	Anchors int // anchors checked, exported and in the database
	// LastExported and LastInDB are the anchors checked that cover the
	// most entries, of those given and of the database's (nil: none).
	LastExported, LastInDB *Anchor
	// Broken is the first link that does not hold (nil: all hold).
	Broken *Broken
}

// InDatabase is the Source of the anchors kept in the database.
const InDatabase = "the database"

// verifyPage is how many entries a verification reads at once.
const verifyPage = 2000

// Verify walks the whole chain in order and compares it with the anchors
// in the database; it returns the number of entries checked and the first
// broken link (or the anchor the log falls short of), or nil when all
// holds.
func (l *Log) Verify(ctx context.Context) (int, *Broken, error) {
	r, err := l.Check(ctx, nil)
	return r.Entries, r.Broken, err
}

// Check walks the whole chain in order, checking each link with the key
// (keyed entries) or SHA-256 (the unkeyed ones before them), and compares
// the log with every anchor: those exported and given here, and those in
// the database. An anchor whose entry is missing, is not at the position
// it records, or has another hash breaks the log.
func (l *Log) Check(ctx context.Context, exported []Anchor) (Report, error) {
	var r Report
	if !l.key.IsZero() {
		if err := l.checkKeyID(ctx); err != nil {
			return r, err
		}
	}
	q := l.db.Reader()
	// The anchors' bound first: the log read after it holds every entry an
	// anchor up to it records.
	var maxAnchor int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM audit_anchors`).Scan(&maxAnchor); err != nil {
		return r, fmt.Errorf("audit: verify: %w", err)
	}
	given := append([]Anchor(nil), exported...)
	sort.SliceStable(given, func(i, j int) bool { return given[i].EntryID < given[j].EntryID })
	w := walker{log: l, report: &r, prev: genesis}
	var after int64
	for {
		page, err := l.entriesAfter(ctx, after)
		if err != nil {
			return r, err
		}
		if len(page) == 0 {
			break
		}
		last := page[len(page)-1].ID
		inDB, err := anchorsBetween(ctx, l, after, last, maxAnchor)
		if err != nil {
			return r, err
		}
		var mine []Anchor
		for len(given) > 0 && given[0].EntryID <= last {
			mine, given = append(mine, given[0]), given[1:]
		}
		w.anchors = mergeAnchors(mine, inDB)
		for _, e := range page {
			if b, err := w.entry(e); b != nil || err != nil {
				r.Broken = b
				return r, err
			}
		}
		after = last
		if len(page) < verifyPage {
			break
		}
	}
	beyond, err := anchorsBetween(ctx, l, after, -1, maxAnchor)
	if err != nil {
		return r, err
	}
	r.Broken = shortOf(r.Entries, after, mergeAnchors(given, beyond))
	return r, nil
}

// walker checks entries in order against the chain and the anchors.
type walker struct {
	log     *Log
	report  *Report
	prev    string
	keyed   bool
	anchors []Anchor // of the current page, by entry id
}

// entry checks e, the next entry: its link, its scheme, its hash, then
// the anchors up to it.
func (w *walker) entry(e Entry) (*Broken, error) {
	r := w.report
	r.Entries++
	if e.PrevHash != w.prev {
		return &Broken{ID: e.ID, Reason: "previous-hash link does not match the entry before it (a row was removed or altered)"}, nil
	}
	switch e.scheme {
	case SchemeHMAC:
		if w.log.key.IsZero() {
			return nil, fmt.Errorf("audit: verify entry %d: %w", e.ID, ErrNoKey)
		}
		w.keyed = true
		r.Keyed++
	case SchemeSHA256:
		if w.keyed {
			return &Broken{ID: e.ID, Reason: "the entry is unkeyed but follows keyed entries: it was rewritten by someone without the audit key"}, nil
		}
	default:
		return &Broken{ID: e.ID, Reason: fmt.Sprintf("the entry's hash scheme %q is unknown (the row was altered)", e.scheme)}, nil
	}
	if got := e.linkHash(w.log.key); got != e.Hash {
		reason := "stored hash does not match the entry's content (the row was altered)"
		if e.scheme == SchemeHMAC {
			reason = "stored hash does not match the entry's content (the row was altered and its hash recomputed without the audit key)"
		}
		return &Broken{ID: e.ID, Reason: reason}, nil
	}
	w.prev = e.Hash
	for len(w.anchors) > 0 && w.anchors[0].EntryID <= e.ID {
		a := w.anchors[0]
		w.anchors = w.anchors[1:]
		if b := w.anchor(a, e); b != nil {
			return b, nil
		}
	}
	return nil, nil
}

// anchor compares a with e, the entry the walk is at (a's own, or one
// after it when a's entry is missing).
func (w *walker) anchor(a Anchor, e Entry) *Broken {
	r := w.report
	switch {
	case a.EntryID != e.ID:
		return &Broken{ID: a.EntryID, Reason: fmt.Sprintf("%s records entry %d as number %d, but the log has no entry %d: entries were removed", describe(a), a.EntryID, a.Entries, a.EntryID)}
	case a.Hash != e.Hash:
		return &Broken{ID: a.EntryID, Reason: fmt.Sprintf("the entry's hash differs from the one its anchor recorded (the row was replaced; %s)", describe(a))}
	case a.Entries != int64(r.Entries):
		return &Broken{ID: a.EntryID, Reason: fmt.Sprintf("the entry is number %d in the log, but its anchor records it as number %d: entries before it were removed (%s)", r.Entries, a.Entries, describe(a))}
	}
	r.Anchors++
	last := &r.LastExported
	if a.Source == InDatabase {
		last = &r.LastInDB
	}
	if *last == nil || a.EntryID >= (*last).EntryID {
		c := a
		*last = &c
	}
	return nil
}

// shortOf reports the log that ends at entry lastID, its n-th, short of
// the anchors that record later entries (the one covering the most).
func shortOf(n int, lastID int64, beyond []Anchor) *Broken {
	if len(beyond) == 0 {
		return nil
	}
	a := beyond[0]
	for _, b := range beyond[1:] {
		if b.Entries > a.Entries || (b.Entries == a.Entries && a.Source == InDatabase) {
			a = b
		}
	}
	return &Broken{ID: a.EntryID, Reason: fmt.Sprintf("the log holds %d entries, but its latest anchor records %d up to entry %d: entries were removed (the log was emptied or shortened; %s)", n, a.Entries, a.EntryID, describe(a))}
}

// describe names an anchor for people: where it was read and its time.
func describe(a Anchor) string {
	s := "anchor in " + a.Source
	if a.Source == "" {
		s = "anchor given"
	}
	if a.At != "" {
		s += " of " + a.At
	}
	return s
}

// mergeAnchors merges two lists sorted by entry id.
func mergeAnchors(a, b []Anchor) []Anchor {
	out := make([]Anchor, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if b[0].EntryID < a[0].EntryID {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// entriesAfter reads the next page of entries after id.
func (l *Log) entriesAfter(ctx context.Context, id int64) ([]Entry, error) {
	rows, err := l.db.Reader().QueryContext(ctx, `SELECT id, at, actor_id, actor, action, object_type, object_id, before_json, after_json, prev_hash, hash, scheme
		FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2`, id, verifyPage)
	if err != nil {
		return nil, fmt.Errorf("audit: verify: %w", err)
	}
	return readEntries(rows)
}

// anchorsBetween reads the database's anchors, up to row maxRow, of the
// entries after from and up to to (to < 0: no upper bound), by entry id.
func anchorsBetween(ctx context.Context, l *Log, from, to, maxRow int64) ([]Anchor, error) {
	if to < 0 {
		to = 1<<63 - 1
	}
	rows, err := l.db.Reader().QueryContext(ctx, `SELECT entry_id, entries, hash, at FROM audit_anchors
		WHERE entry_id > $1 AND entry_id <= $2 AND id <= $3 ORDER BY entry_id, id`, from, to, maxRow)
	if err != nil {
		return nil, fmt.Errorf("audit: read anchors: %w", err)
	}
	defer rows.Close()
	var out []Anchor
	for rows.Next() {
		a := Anchor{Source: InDatabase}
		if err := rows.Scan(&a.EntryID, &a.Entries, &a.Hash, &a.At); err != nil {
			return nil, fmt.Errorf("audit: read anchors: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
