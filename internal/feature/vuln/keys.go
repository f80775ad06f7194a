// The names each live system's components are looked up by in the feeds
// (the engine's ComponentKeys), kept in vuln_component_keys by every
// match of the system, so that an import or an alias change finds the
// systems it may concern through an index instead of reading every
// component of the province.

package vuln

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/khien-project/khien/internal/engine/vuln"
	"github.com/khien-project/khien/internal/platform/store"
)

// inventoryKeys are the sorted, distinct keys of one inventory.
func inventoryKeys(inv *inventory) []string {
	var out []string
	for _, c := range inv.comps {
		out = append(out, vuln.ComponentKeys(c)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// syncKeys brings the stored keys of the systems invs in line with their
// components. all says invs are every live system: the table is then
// complete and marked so.
func syncKeys(ctx context.Context, tx *store.Tx, invs []*inventory, all bool) error {
	stored := map[int64][]string{}
	read := func(w store.Where) error {
		where := ""
		if len(w.Args()) > 0 {
			where = " WHERE " + w.SQL()
		}
		rows, err := tx.QueryContext(ctx, `SELECT system_id, key FROM vuln_component_keys`+where+` ORDER BY system_id, key`, w.Args()...)
		if err != nil {
			return fmt.Errorf("vuln: read component keys: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var k string
			if err := rows.Scan(&id, &k); err != nil {
				return fmt.Errorf("vuln: read component keys: %w", err)
			}
			stored[id] = append(stored[id], k)
		}
		return rows.Err()
	}
	if all {
		if err := read(store.Where{}); err != nil {
			return err
		}
	} else {
		for part := range slices.Chunk(invs, 500) {
			in := make([]string, len(part))
			args := make([]any, len(part))
			for i, inv := range part {
				in[i], args[i] = "?", inv.id
			}
			var w store.Where
			w.Add("system_id IN ("+strings.Join(in, ", ")+")", args...)
			if err := read(w); err != nil {
				return err
			}
		}
	}
	var del, ins *sql.Stmt
	defer func() {
		for _, st := range []*sql.Stmt{del, ins} {
			if st != nil {
				st.Close()
			}
		}
	}()
	for _, inv := range invs {
		want := inventoryKeys(inv)
		have := stored[inv.id]
		if slices.Equal(want, have) {
			continue
		}
		if del == nil {
			var err error
			if del, err = tx.PrepareContext(ctx, `DELETE FROM vuln_component_keys WHERE system_id = $1`); err != nil {
				return fmt.Errorf("vuln: component keys: %w", err)
			}
			// Two matches of one system at once both write its keys.
			if ins, err = tx.PrepareContext(ctx, `INSERT INTO vuln_component_keys (key, system_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`); err != nil {
				return fmt.Errorf("vuln: component keys: %w", err)
			}
		}
		if len(have) > 0 {
			if _, err := del.ExecContext(ctx, inv.id); err != nil {
				return fmt.Errorf("vuln: component keys of system %d: %w", inv.id, err)
			}
		}
		for _, k := range want {
			if _, err := ins.ExecContext(ctx, k, inv.id); err != nil {
				return fmt.Errorf("vuln: component keys of system %d: %w", inv.id, err)
			}
		}
	}
	if all {
		if _, err := tx.ExecContext(ctx, `UPDATE vuln_settings SET value = 1 WHERE name = 'component_keys' AND value <> 1`); err != nil {
			return fmt.Errorf("vuln: component keys: %w", err)
		}
	}
	return nil
}

// systemsByKeys returns the live systems with a component of one of the
// keys, filling the table first if no match of every system has yet (a
// database from before it, or one whose systems were never matched).
func systemsByKeys(ctx context.Context, tx *store.Tx, keys []string) ([]int64, error) {
	var built int
	if err := tx.QueryRowContext(ctx, `SELECT value FROM vuln_settings WHERE name = 'component_keys'`).Scan(&built); err != nil {
		return nil, fmt.Errorf("vuln: component keys: %w", err)
	}
	if built != 1 {
		invs, err := inventories(ctx, tx, nil)
		if err != nil {
			return nil, err
		}
		if err := syncKeys(ctx, tx, invs, true); err != nil {
			return nil, err
		}
	}
	seen := map[int64]bool{}
	var out []int64
	for part := range slices.Chunk(keys, 500) {
		in := make([]string, len(part))
		args := make([]any, len(part))
		for i, k := range part {
			in[i], args[i] = "?", k
		}
		var w store.Where
		w.Add("s.archived_at = ''")
		w.Add("k.key IN ("+strings.Join(in, ", ")+")", args...)
		rows, err := tx.QueryContext(ctx, `SELECT k.system_id FROM vuln_component_keys k JOIN systems s ON s.id = k.system_id WHERE `+w.SQL(), w.Args()...)
		if err != nil {
			return nil, fmt.Errorf("vuln: systems by component: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("vuln: systems by component: %w", err)
			}
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("vuln: systems by component: %w", err)
		}
	}
	slices.Sort(out)
	return out, nil
}

// lockFeeds orders, on PostgreSQL, the transactions that import feeds
// (exclusive) against those that match systems (shared): a match either
// sees an import committed, feeds and all, or the import waits for it and
// then finds the keys it wrote. Without it a system saved during an
// import could be matched against the feeds before the import while the
// import, not yet seeing its keys, leaves it out. Taken first in the
// transaction, before any audit entry (whose lock is taken after it
// everywhere), so that no two transactions wait on each other. SQLite
// runs one writer at a time already.
func lockFeeds(ctx context.Context, tx *store.Tx, exclusive bool) error {
	if tx.Engine != store.Postgres {
		return nil
	}
	q := `SELECT pg_advisory_xact_lock_shared(hashtext('khien-vuln-feeds'))`
	if exclusive {
		q = `SELECT pg_advisory_xact_lock(hashtext('khien-vuln-feeds'))`
	}
	if _, err := tx.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("vuln: feeds lock: %w", err)
	}
	return nil
}
