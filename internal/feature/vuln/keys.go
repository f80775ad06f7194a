// Each live system's components under the names they are looked up by in
// the feeds (the engine's ComponentKeys), kept in vuln_component_keys by
// every match of the system, so that an import or an alias change reads,
// through an index, only the components it may concern instead of every
// component of the province.

package vuln

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/khien-project/khien/internal/engine/vuln"
	"github.com/khien-project/khien/internal/platform/store"
)

// keyedComponent is one row of vuln_component_keys.
type keyedComponent struct {
	key string
	c   vuln.Component
}

func (k keyedComponent) compare(o keyedComponent) int {
	return cmp.Or(strings.Compare(k.key, o.key), strings.Compare(k.c.Name, o.c.Name), strings.Compare(k.c.Version, o.c.Version),
		strings.Compare(k.c.CPE, o.c.CPE), strings.Compare(k.c.PURL, o.c.PURL))
}

// inventoryKeys are one inventory's components under each of their keys,
// sorted, without repeats.
func inventoryKeys(inv *inventory) []keyedComponent {
	var out []keyedComponent
	for _, c := range inv.comps {
		c.System = ""
		for _, k := range vuln.ComponentKeys(c) {
			out = append(out, keyedComponent{k, c})
		}
	}
	slices.SortFunc(out, keyedComponent.compare)
	return slices.CompactFunc(out, func(a, b keyedComponent) bool { return a.compare(b) == 0 })
}

// syncKeys brings the stored keyed components of the systems invs in
// line with their components. all says invs are every live system: the
// table is then complete and marked so.
func syncKeys(ctx context.Context, tx *store.Tx, invs []*inventory, all bool) error {
	stored := map[int64][]keyedComponent{}
	read := func(w store.Where) error {
		where := ""
		if len(w.Args()) > 0 {
			where = " WHERE " + w.SQL()
		}
		rows, err := tx.QueryContext(ctx, `SELECT system_id, key, name, version, cpe, purl FROM vuln_component_keys`+where, w.Args()...)
		if err != nil {
			return fmt.Errorf("vuln: read component keys: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var k keyedComponent
			if err := rows.Scan(&id, &k.key, &k.c.Name, &k.c.Version, &k.c.CPE, &k.c.PURL); err != nil {
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
			ids := make([]int64, len(part))
			for i, inv := range part {
				ids[i] = inv.id
			}
			var w store.Where
			store.In(&w, "system_id", ids)
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
		slices.SortFunc(have, keyedComponent.compare)
		if slices.EqualFunc(want, have, func(a, b keyedComponent) bool { return a.compare(b) == 0 }) {
			continue
		}
		if del == nil {
			var err error
			if del, err = tx.PrepareContext(ctx, `DELETE FROM vuln_component_keys WHERE system_id = $1`); err != nil {
				return fmt.Errorf("vuln: component keys: %w", err)
			}
			if ins, err = tx.PrepareContext(ctx, `INSERT INTO vuln_component_keys (key, system_id, name, version, cpe, purl) VALUES ($1, $2, $3, $4, $5, $6)`); err != nil {
				return fmt.Errorf("vuln: component keys: %w", err)
			}
		}
		if len(have) > 0 {
			if _, err := del.ExecContext(ctx, inv.id); err != nil {
				return fmt.Errorf("vuln: component keys of system %d: %w", inv.id, err)
			}
		}
		for _, k := range want {
			if _, err := ins.ExecContext(ctx, k.key, inv.id, k.c.Name, k.c.Version, k.c.CPE, k.c.PURL); err != nil {
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

// componentsByKeys returns the components of live systems stored under
// one of the keys, by system (sorted), filling the table first if no
// match of every system has yet (a database from before it).
func componentsByKeys(ctx context.Context, tx *store.Tx, keys []string) ([]int64, map[int64][]vuln.Component, error) {
	var built int
	if err := tx.QueryRowContext(ctx, `SELECT value FROM vuln_settings WHERE name = 'component_keys'`).Scan(&built); err != nil {
		return nil, nil, fmt.Errorf("vuln: component keys: %w", err)
	}
	if built != 1 {
		invs, err := inventories(ctx, tx, nil)
		if err != nil {
			return nil, nil, err
		}
		if err := syncKeys(ctx, tx, invs, true); err != nil {
			return nil, nil, err
		}
	}
	comps := map[int64][]vuln.Component{}
	var ids []int64
	for part := range slices.Chunk(keys, 500) {
		var w store.Where
		w.Add("s.archived_at = ''")
		store.In(&w, "k.key", part)
		rows, err := tx.QueryContext(ctx, `SELECT k.system_id, k.name, k.version, k.cpe, k.purl FROM vuln_component_keys k JOIN systems s ON s.id = k.system_id WHERE `+w.SQL(), w.Args()...)
		if err != nil {
			return nil, nil, fmt.Errorf("vuln: components by key: %w", err)
		}
		for rows.Next() {
			var id int64
			var c vuln.Component
			if err := rows.Scan(&id, &c.Name, &c.Version, &c.CPE, &c.PURL); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("vuln: components by key: %w", err)
			}
			if _, ok := comps[id]; !ok {
				ids = append(ids, id)
			}
			c.System = strconv.FormatInt(id, 10)
			comps[id] = append(comps[id], c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, fmt.Errorf("vuln: components by key: %w", err)
		}
	}
	slices.Sort(ids)
	return ids, comps, nil
}

// systemsByKeys returns the live systems with a component stored under
// one of the keys.
func systemsByKeys(ctx context.Context, tx *store.Tx, keys []string) ([]int64, error) {
	ids, _, err := componentsByKeys(ctx, tx, keys)
	return ids, err
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
