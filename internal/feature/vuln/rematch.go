// The re-match after a feed import: only the records the import added
// or replaced (and those whose KEV entry, EPSS score or CVE score it
// changed) are matched, only against the systems whose components name
// their products or packages or that hold a finding on them, and the
// cached index is updated with them instead of being read again.

package vuln

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/khien-project/khien/internal/engine/vuln"
	"github.com/khien-project/khien/internal/platform/store"
)

// matchImported brings the findings in line with what imp changed. It
// matches every live system again (reading the feeds from the database)
// when the import changed too much or the cached feeds cannot be brought
// to those the import started from (see catchUp).
func (s *Service) matchImported(ctx context.Context, tx *store.Tx, imp *Import) (MatchSummary, error) {
	if imp.overflow {
		return s.matchAll(ctx)
	}
	prev, err := s.generation(ctx, imp.ID)
	if err != nil {
		return MatchSummary{}, err
	}
	s.mu.Lock()
	base := s.cache
	s.mu.Unlock()
	if base != nil && base.gen != prev { // another process imported meanwhile
		if base, err = s.catchUp(ctx, base, prev, imp.ID); err != nil {
			return MatchSummary{}, err
		}
	}
	if base == nil {
		return s.matchAll(ctx)
	}
	gen, err := s.generation(ctx, 0)
	if err != nil {
		return MatchSummary{}, err
	}
	f := &vuln.Feeds{}
	for _, row := range imp.changed {
		if err := decodeRecord(f, row.source, row.id, string(row.body)); err != nil {
			return MatchSummary{}, err
		}
	}
	m := &matcher{gen: gen, index: base.index.Update(f.Records, f.Advisories), assess: base.assess.With(f.Records, imp.kev, imp.epss)}
	s.keep(ctx, m)

	// The ids to match: the changed records, and the records assessed
	// through a CVE whose score, KEV entry or EPSS score changed.
	ids := map[string]bool{}
	cves := map[string]bool{}
	for _, r := range f.Records {
		ids[strings.ToUpper(r.ID)] = true
		cves[strings.ToUpper(r.ID)] = true
	}
	for _, a := range f.Advisories { // Subset finds an advisory by its id as it is
		ids[a.ID], ids[strings.ToUpper(a.ID)] = true, true
	}
	for c := range imp.kev {
		ids[strings.ToUpper(c)], cves[strings.ToUpper(c)] = true, true
	}
	for c := range imp.epss {
		ids[strings.ToUpper(c)], cves[strings.ToUpper(c)] = true, true
	}
	for _, id := range m.index.AdvisoriesNaming(cves) {
		ids[id], ids[strings.ToUpper(id)] = true, true
	}
	sub := &matcher{gen: gen, index: m.index.Subset(ids), assess: m.assess}
	systems, err := candidates(ctx, tx, sub.index, ids)
	if err != nil || len(systems) == 0 {
		return MatchSummary{}, err
	}
	return s.match(ctx, tx, systems, sub, ids)
}

// candidates are the live systems that match a record of ix (their
// components stored under the keys of its products and packages, matched
// against it) or hold a finding on one of ids (it may close).
func candidates(ctx context.Context, tx *store.Tx, ix *vuln.Index, ids map[string]bool) ([]int64, error) {
	set := map[int64]bool{}
	var out []int64
	add := func(id int64) {
		if !set[id] {
			set[id] = true
			out = append(out, id)
		}
	}
	named, comps, err := componentsByKeys(ctx, tx, ix.Keys())
	if err != nil {
		return nil, err
	}
	// The components naming ix are all that can match it (a "running on"
	// platform names one of its products too), matched in one call (the
	// index keeps systems apart by Component.System).
	var all []vuln.Component
	var owner []int64
	for _, id := range named {
		for _, c := range comps[id] {
			all, owner = append(all, c), append(owner, id)
		}
	}
	if hits, err := ix.Match(all); err == nil {
		for _, h := range hits {
			add(owner[h.Component])
		}
	} else {
		for _, id := range named {
			// A component that cannot be read: let the system's match decide.
			if hits, err := ix.Match(comps[id]); err != nil || len(hits) > 0 {
				add(id)
			}
		}
	}
	// Findings name their record by the id as matched: look for it as
	// stored and upper-cased.
	var list []string
	for id := range ids {
		list = append(list, id)
		if lo := strings.ToLower(id); lo != id {
			list = append(list, lo)
		}
	}
	for chunk := range slices.Chunk(list, 500) {
		var w store.Where
		w.Add("s.archived_at = ''")
		store.In(&w, "f.vuln_id", chunk)
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT f.system_id FROM vuln_findings f JOIN systems s ON s.id = f.system_id WHERE `+w.SQL(), w.Args()...)
		if err != nil {
			return nil, fmt.Errorf("vuln: read findings: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("vuln: read findings: %w", err)
			}
			add(id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("vuln: read findings: %w", err)
		}
	}
	return out, nil
}
