package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/khien-project/khien/internal/platform/store"
)

// AnchorMessage is the message of the log line that publishes an anchor;
// ReadAnchors takes such lines from a JSON log too.
const AnchorMessage = "audit anchor"

// Head returns the anchor of the log as it stands: its newest entry, how
// many entries lead to it, its hash, now and the key's id. ok is false
// when the log is empty.
func (l *Log) Head(ctx context.Context) (a Anchor, ok bool, err error) {
	if !l.key.IsZero() {
		if err := l.checkKeyID(ctx); err != nil {
			return a, false, err
		}
	}
	q := l.db.Reader()
	err = q.QueryRowContext(ctx, `SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&a.EntryID, &a.Hash)
	if isNoRows(err) {
		return a, false, nil
	}
	if err != nil {
		return a, false, fmt.Errorf("audit: read the head: %w", err)
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE id <= $1`, a.EntryID).Scan(&a.Entries); err != nil {
		return a, false, fmt.Errorf("audit: count entries: %w", err)
	}
	a.At, a.KeyID = store.Now(), l.KeyID()
	return a, true, nil
}

// Line is the anchor as one line of an anchors file (JSON, no newline).
func (a Anchor) Line() string {
	b, _ := json.Marshal(a) // plain fields: cannot fail
	return string(b)
}

// AppendAnchor adds a to the anchors file at path (created readable by
// its owner only), and waits for it to reach the disk.
func AppendAnchor(path string, a Anchor) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("audit: anchors file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit: anchors file: %w", err)
	}
	if _, err := f.WriteString(a.Line() + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("audit: anchors file %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("audit: anchors file %s: %w", path, err)
	}
	return f.Close()
}

// ReadAnchors reads the anchors in path: an anchors file (one JSON anchor
// a line) or a JSON log, of which it takes the lines whose message is
// AnchorMessage. Any other line is an error, so that a damaged file is
// not taken for a short one.
func ReadAnchors(path string) ([]Anchor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("audit: anchors: %w", err)
	}
	defer f.Close()
	var out []Anchor
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var a struct {
			Anchor
			Msg *string `json:"msg"`
		}
		if err := json.Unmarshal(line, &a); err != nil {
			return nil, fmt.Errorf("audit: %s line %d is not an anchor (a JSON line)", path, n)
		}
		if a.Msg != nil && *a.Msg != AnchorMessage {
			continue // another line of a JSON log
		}
		if a.EntryID <= 0 || a.Entries <= 0 || a.Hash == "" {
			return nil, fmt.Errorf("audit: %s line %d is not an anchor (entry_id, entries and hash are required)", path, n)
		}
		a.Anchor.Source = fmt.Sprintf("%s line %d", path, n)
		out = append(out, a.Anchor)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("audit: anchors %s: %w", path, err)
	}
	return out, nil
}
