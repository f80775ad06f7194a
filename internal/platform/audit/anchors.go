package audit

import (
	"context"
	"fmt"

	"github.com/khien-project/khien/internal/platform/store"
)

// Anchor records, outside the log's rows, how many entries the log held
// once an entry was appended and that entry's hash. It is written in the
// entry's transaction and its table is append-only, so a log emptied or
// shortened behind Khiên's back (TRUNCATE with the trigger dropped, a
// restored older copy of the table) no longer matches its latest anchor.
type Anchor struct {
	EntryID int64
	Entries int64
	Hash    string
}

// anchor appends the anchor of e, just written in tx. The count is the
// previous anchor's plus the entries after it, so entries written by a
// khien that kept no anchors are counted too.
func anchor(ctx context.Context, tx *store.Tx, e Entry) error {
	last, err := latestAnchor(ctx, tx)
	if err != nil {
		return err
	}
	var prev Anchor
	if last != nil {
		prev = *last
	}
	var since int64
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE id > $1`, prev.EntryID).Scan(&since); err != nil {
		return fmt.Errorf("audit: count entries since the last anchor: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_anchors (entry_id, entries, hash, at) VALUES ($1, $2, $3, $4)`, e.ID, prev.Entries+since, e.Hash, e.at)
	if err != nil {
		return fmt.Errorf("audit: anchor entry %d: %w", e.ID, err)
	}
	return nil
}

// latestAnchor returns the newest anchor, or nil when there is none.
func latestAnchor(ctx context.Context, q store.Querier) (*Anchor, error) {
	var a Anchor
	err := q.QueryRowContext(ctx, `SELECT entry_id, entries, hash FROM audit_anchors ORDER BY id DESC LIMIT 1`).Scan(&a.EntryID, &a.Entries, &a.Hash)
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: read the latest anchor: %w", err)
	}
	return &a, nil
}

// anchorSeen is where the walk met the anchored entry.
type anchorSeen struct {
	position int
	hash     string
}

// check compares a walk of n entries, which met the anchored entry at
// seen (nil if never), with the anchor a (nil: nothing to compare).
func (a *Anchor) check(n int, seen *anchorSeen) *Broken {
	switch {
	case a == nil:
		return nil
	case seen == nil:
		return &Broken{ID: a.EntryID, Reason: fmt.Sprintf("the log holds %d entries, but its latest anchor records %d up to entry %d: entries were removed (the log was emptied or shortened)", n, a.Entries, a.EntryID)}
	case seen.hash != a.Hash:
		return &Broken{ID: a.EntryID, Reason: "the entry's hash differs from the one its anchor recorded (the row was replaced)"}
	case int64(seen.position) != a.Entries:
		return &Broken{ID: a.EntryID, Reason: fmt.Sprintf("the entry is number %d in the log, but its anchor records it as number %d: entries before it were removed", seen.position, a.Entries)}
	}
	return nil
}
