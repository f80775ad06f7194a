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
//
// The same record exported (see Head) is what an operator keeps outside
// Khiên: the log must still hold the anchored entry, with that hash, as
// its entries-th entry.
type Anchor struct {
	EntryID int64  `json:"entry_id"`
	Entries int64  `json:"entries"`
	Hash    string `json:"hash"`
	At      string `json:"at"`
	KeyID   string `json:"key_id,omitempty"`
	// Source is where the anchor was read (a file and line, or the
	// database); not exported.
	Source string `json:"-"`
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
