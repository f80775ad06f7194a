// Package tamper plays, in tests, someone with write access to the
// database who tampers with the audit log: drops its guards, deletes its
// newest rows, or rewrites a row and recomputes every later hash with the
// unkeyed SHA-256 chain (all one can do without the audit key).
package tamper

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"testing"
)

// DropGuards drops every trigger that keeps the audit log and its anchors
// append-only (postgres: whether db is PostgreSQL).
func DropGuards(t testing.TB, db *sql.DB, postgres bool) {
	t.Helper()
	stmts := []string{`DROP TRIGGER IF EXISTS audit_log_no_update`, `DROP TRIGGER IF EXISTS audit_log_no_delete`,
		`DROP TRIGGER IF EXISTS audit_anchors_no_update`, `DROP TRIGGER IF EXISTS audit_anchors_no_delete`, `DROP TRIGGER IF EXISTS audit_log_stays_keyed`}
	if postgres {
		stmts = []string{`DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log`, `DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log`,
			`DROP TRIGGER IF EXISTS audit_anchors_no_change ON audit_anchors`, `DROP TRIGGER IF EXISTS audit_anchors_no_truncate ON audit_anchors`,
			`DROP TRIGGER IF EXISTS audit_log_stays_keyed ON audit_log`}
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// DeleteAfter deletes the entries after id (and, with anchors, their
// anchors in the database); the guards must be dropped.
func DeleteAfter(t testing.TB, db *sql.DB, id int64, anchors bool) {
	t.Helper()
	if _, err := db.Exec(`DELETE FROM audit_log WHERE id > $1`, id); err != nil {
		t.Fatal(err)
	}
	if !anchors {
		return
	}
	if _, err := db.Exec(`DELETE FROM audit_anchors WHERE entry_id > $1`, id); err != nil {
		t.Fatal(err)
	}
}

type row struct {
	id                                               int64
	at, actorID, actor, action, objType, objID, b, a string
}

// RewriteUnkeyed sets entry id's actor to actor and recomputes the hash
// of it and of every later entry with the unkeyed chain, marking them
// unkeyed where the log records a scheme, and rewrites their anchors in
// the database to match; the guards must be dropped.
func RewriteUnkeyed(t testing.TB, db *sql.DB, id int64, actor string) {
	t.Helper()
	var prev string
	if err := db.QueryRow(`SELECT prev_hash FROM audit_log WHERE id = $1`, id).Scan(&prev); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT id, at, COALESCE(CAST(actor_id AS TEXT), ''), actor, action, object_type, object_id, before_json, after_json
		FROM audit_log WHERE id >= $1 ORDER BY id`, id)
	if err != nil {
		t.Fatal(err)
	}
	var list []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.at, &r.actorID, &r.actor, &r.action, &r.objType, &r.objID, &r.b, &r.a); err != nil {
			t.Fatal(err)
		}
		list = append(list, r)
	}
	rows.Close()
	_, err = db.Exec(`SELECT scheme FROM audit_log LIMIT 1`)
	hasScheme := err == nil
	for _, r := range list {
		if r.id == id {
			r.actor = actor
		}
		h := sha256.New()
		for _, f := range []string{prev, r.at, r.actorID, r.actor, r.action, r.objType, r.objID, r.b, r.a} {
			fmt.Fprintf(h, "%d:%s;", len(f), f)
		}
		sum := hex.EncodeToString(h.Sum(nil))
		q := `UPDATE audit_log SET actor = $1, prev_hash = $2, hash = $3 WHERE id = $4`
		if hasScheme {
			q = `UPDATE audit_log SET actor = $1, prev_hash = $2, hash = $3, scheme = 'sha256' WHERE id = $4`
		}
		if _, err := db.Exec(q, r.actor, prev, sum, r.id); err != nil {
			t.Fatalf("rewrite entry %s: %v", strconv.FormatInt(r.id, 10), err)
		}
		if _, err := db.Exec(`UPDATE audit_anchors SET hash = $1 WHERE entry_id = $2`, sum, r.id); err != nil {
			t.Fatal(err)
		}
		prev = sum
	}
}
