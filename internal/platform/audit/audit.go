// Package audit keeps Khiên's append-only, hash-chained record of every
// change: who, when, which object, and the object before and after.
package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"strconv"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
)

// Actions recorded in the log.
const (
	Create = "create"
	Update = "update"
	Delete = "delete"
	Login  = "login"
)

// How an entry's hash is made: SchemeSHA256 is the unkeyed chain of the
// entries written before the log was keyed; SchemeHMAC keys every link
// with the audit key. Once an entry is keyed, every later one is.
const (
	SchemeSHA256 = "sha256"
	SchemeHMAC   = "hmac-sha256"
)

// genesis is the previous hash of the first entry.
const genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Entry is one row of the audit log.
type Entry struct {
	ID         int64           `json:"id"`
	At         time.Time       `json:"at"`
	ActorID    *int64          `json:"actor_id"`
	Actor      string          `json:"actor"`
	Action     string          `json:"action"`
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	Before     json.RawMessage `json:"before,omitempty"`
	After      json.RawMessage `json:"after,omitempty"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
	at         string
	scheme     string
}

// Log writes and reads the audit log.
type Log struct {
	db  *store.DB
	key Key
}

// New returns the audit log kept in db, without a key: it appends
// unkeyed entries as long as the log holds no keyed one, and refuses to
// append to a keyed log (tests and tools; khien's processes use NewKeyed).
func New(db *store.DB) *Log { return &Log{db: db} }

// NewKeyed returns the audit log kept in db, whose new entries are keyed
// with key. Bind it before appending.
func NewKeyed(db *store.DB, key Key) *Log { return &Log{db: db, key: key} }

// ErrNoKey is an unkeyed Log asked to append to, or to verify, a keyed
// chain.
var ErrNoKey = &KeyError{Msg: "the audit log is keyed and this process has no audit key (--audit.key_file or KHIEN_AUDIT_KEY)"}

// KeyID identifies the log's key ("" for an unkeyed Log).
func (l *Log) KeyID() string {
	if l.key.IsZero() {
		return ""
	}
	return l.key.ID()
}

// Record appends one entry inside the caller's transaction (ctx must carry
// one from store.WithTx; Record opens one otherwise). before and after are
// marshalled to JSON; nil means "absent".
func (l *Log) Record(ctx context.Context, actor access.Actor, action, objectType string, objectID any, before, after any) error {
	return l.RecordAll(ctx, actor, action, objectType, []Change{{ObjectID: objectID, Before: before, After: after}})
}

// Change is one object's entry for RecordAll.
type Change struct {
	ObjectID      any
	Before, After any
}

// recordRows is how many entries one INSERT statement of RecordAll
// carries.
const recordRows = 200

// RecordAll appends one entry per change, in order, all by actor with
// one action on objects of one type, inside the caller's transaction as
// Record does; the chain is read and extended once and the entries are
// written a few hundred per statement, so that a machine change of
// thousands of objects (a first vulnerability match) costs little more
// than their rows.
func (l *Log) RecordAll(ctx context.Context, actor access.Actor, action, objectType string, changes []Change) error {
	if len(changes) == 0 {
		return nil
	}
	return l.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		entries := make([]Entry, len(changes))
		for i, c := range changes {
			e := Entry{Actor: actor.Username, Action: action, ObjectType: objectType, ObjectID: fmt.Sprint(c.ObjectID)}
			if actor.UserID != 0 {
				id := actor.UserID
				e.ActorID = &id
			}
			var err error
			if e.Before, err = marshal(c.Before); err != nil {
				return err
			}
			if e.After, err = marshal(c.After); err != nil {
				return err
			}
			entries[i] = e
		}
		if tx.Engine == store.Postgres {
			// One writer at a time extends the chain.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7291002)`); err != nil {
				return fmt.Errorf("audit: lock: %w", err)
			}
		}
		prev := genesis
		headScheme := ""
		err := tx.QueryRowContext(ctx, `SELECT hash, scheme FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&prev, &headScheme)
		if err != nil && !isNoRows(err) {
			return fmt.Errorf("audit: read chain head: %w", err)
		}
		scheme := SchemeHMAC
		if l.key.IsZero() {
			if headScheme == SchemeHMAC {
				return fmt.Errorf("audit: append: %w", ErrNoKey)
			}
			scheme = SchemeSHA256
		}
		at := store.Now()
		for i := range entries {
			e := &entries[i]
			e.PrevHash, e.scheme, e.at = prev, scheme, at
			e.Hash = e.linkHash(l.key)
			prev = e.Hash
		}
		insert, rows := insertEntries, recordRows
		if tx.Engine == store.Postgres {
			insert, rows = insertEntriesPG, recordRowsPG
		}
		for start := 0; start < len(entries); start += rows {
			if err := insert(ctx, tx, entries[start:min(start+rows, len(entries))]); err != nil {
				return err
			}
		}
		return anchor(ctx, tx, entries[len(entries)-1])
	})
}

// recordRowsPG is how many entries one statement carries on PostgreSQL,
// where they go as a few arrays.
const recordRowsPG = 2000

// insertEntriesPG writes entries of one actor, action, object type,
// scheme and time (those of RecordAll) in one statement, as arrays of
// what differs, and sets their ids in order as insertEntries does.
func insertEntriesPG(ctx context.Context, tx *store.Tx, entries []Entry) error {
	n := len(entries)
	objects, befores, afters, prevs, hashes := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, e := range entries {
		objects[i], befores[i], afters[i], prevs[i], hashes[i] = e.ObjectID, string(e.Before), string(e.After), e.PrevHash, e.Hash
	}
	e := entries[0]
	rows, err := tx.QueryContext(ctx, `INSERT INTO audit_log (at, actor_id, actor, action, object_type, object_id, before_json, after_json, prev_hash, hash, scheme)
		SELECT $1, $2::bigint, $3, $4, $5, u.object_id, u.before_json, u.after_json, u.prev_hash, u.hash, $6
		FROM unnest($7::text[], $8::text[], $9::text[], $10::text[], $11::text[]) WITH ORDINALITY AS u(object_id, before_json, after_json, prev_hash, hash, n)
		ORDER BY u.n RETURNING id, hash`,
		e.at, e.ActorID, e.Actor, e.Action, e.ObjectType, e.scheme, objects, befores, afters, prevs, hashes)
	if err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	return setIDs(rows, entries)
}

// insertEntries writes entries in one statement and sets their ids,
// which must follow the entries' order (the chain is read by id).
func insertEntries(ctx context.Context, tx *store.Tx, entries []Entry) error {
	args := make([]any, 0, 11*len(entries))
	for _, e := range entries {
		args = append(args, e.at, e.ActorID, e.Actor, e.Action, e.ObjectType, e.ObjectID, string(e.Before), string(e.After), e.PrevHash, e.Hash, e.scheme)
	}
	q := `INSERT INTO audit_log (at, actor_id, actor, action, object_type, object_id, before_json, after_json, prev_hash, hash, scheme) VALUES ` +
		tx.Engine.Values(len(entries), 11) + ` RETURNING id, hash`
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	return setIDs(rows, entries)
}

// setIDs reads the ids the database gave entries (id and hash rows) and
// checks that they follow the entries' order.
func setIDs(rows *sql.Rows, entries []Entry) error {
	defer rows.Close()
	ids := make(map[string]int64, len(entries))
	for rows.Next() {
		var id int64
		var h string
		if err := rows.Scan(&id, &h); err != nil {
			return fmt.Errorf("audit: append: %w", err)
		}
		ids[h] = id
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	var last int64
	for i := range entries {
		id, ok := ids[entries[i].Hash]
		if !ok || id <= last {
			return fmt.Errorf("audit: append: the database numbered the entries out of their order")
		}
		entries[i].ID, last = id, id
	}
	return nil
}

func marshal(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit: encode object: %w", err)
	}
	if string(b) == "null" {
		return nil, nil
	}
	return b, nil
}

// computeHash is the entry's unkeyed link (SchemeSHA256).
func (e *Entry) computeHash() string { return e.linkHash(Key{}) }

// linkHash chains the entry to its predecessor, by the entry's scheme
// (a keyed entry with key). Every field is length prefixed so that no two
// different entries encode the same.
func (e *Entry) linkHash(key Key) string {
	var h hash.Hash
	switch e.scheme {
	case SchemeHMAC:
		h = hmac.New(sha256.New, key.secret)
	case SchemeSHA256, "":
		h = sha256.New()
	default:
		return "" // an unknown scheme matches no stored hash
	}
	actorID := ""
	if e.ActorID != nil {
		actorID = strconv.FormatInt(*e.ActorID, 10)
	}
	for _, f := range []string{e.PrevHash, e.at, actorID, e.Actor, e.Action, e.ObjectType, e.ObjectID, string(e.Before), string(e.After)} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Filter selects audit entries.
type Filter struct {
	Actor      string
	Action     string
	ObjectType string
	ObjectID   string
	Since      time.Time
	Until      time.Time
	Limit      int
	Offset     int
}

// List returns entries matching f, newest first, and how many match in all.
// Only admins and auditors may read the log.
func (l *Log) List(ctx context.Context, actor access.Actor, f Filter) ([]Entry, int, error) {
	if !actor.CanReadAudit() {
		return nil, 0, fmt.Errorf("audit: %w", store.ErrForbidden)
	}
	var w store.Where
	if f.Actor != "" {
		w.Add("actor = ?", f.Actor)
	}
	if f.Action != "" {
		w.Add("action = ?", f.Action)
	}
	if f.ObjectType != "" {
		w.Add("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != "" {
		w.Add("object_id = ?", f.ObjectID)
	}
	if !f.Since.IsZero() {
		w.Add("at >= ?", store.FormatTime(f.Since))
	}
	if !f.Until.IsZero() {
		w.Add("at < ?", store.FormatTime(f.Until))
	}
	q := l.db.Q(ctx)
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE `+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("audit: count: %w", err)
	}
	page := w.Limit(store.Page{Limit: f.Limit, Offset: f.Offset}.ClampedTo(50, 500))
	rows, err := q.QueryContext(ctx, `SELECT id, at, actor_id, actor, action, object_type, object_id, before_json, after_json, prev_hash, hash, scheme
		FROM audit_log WHERE `+w.SQL()+` ORDER BY id DESC`+page, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, e)
	}
	return out, total, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scanEntry(r scanner) (Entry, error) {
	var e Entry
	var before, after string
	if err := r.Scan(&e.ID, &e.at, &e.ActorID, &e.Actor, &e.Action, &e.ObjectType, &e.ObjectID, &before, &after, &e.PrevHash, &e.Hash, &e.scheme); err != nil {
		return e, fmt.Errorf("audit: read entry: %w", err)
	}
	e.At = store.ParseTime(e.at)
	if before != "" {
		e.Before = json.RawMessage(before)
	}
	if after != "" {
		e.After = json.RawMessage(after)
	}
	return e, nil
}

// Recent returns the newest n entries, without counting the whole log
// (for the dashboard). Only admins and auditors may read the log.
func (l *Log) Recent(ctx context.Context, actor access.Actor, n int) ([]Entry, error) {
	if !actor.CanReadAudit() {
		return nil, fmt.Errorf("audit: %w", store.ErrForbidden)
	}
	rows, err := l.db.Q(ctx).QueryContext(ctx, `SELECT id, at, actor_id, actor, action, object_type, object_id, before_json, after_json, prev_hash, hash, scheme
		FROM audit_log ORDER BY id DESC LIMIT $1`, n)
	if err != nil {
		return nil, fmt.Errorf("audit: recent: %w", err)
	}
	return readEntries(rows)
}

// readEntries reads and closes rows of entries.
func readEntries(rows *sql.Rows) ([]Entry, error) {
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
