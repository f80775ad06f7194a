// The stored feeds, loaded into the engine's index and kept in memory
// until the next import.

package vuln

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/khien-project/khien/internal/engine/vuln"
	"github.com/khien-project/khien/internal/platform/store"
)

// generation names what a matcher was built from: the last import and
// the alias table's revision.
type generation struct{ imports, aliases int64 }

// matcher is the stored feeds ready for matching, as of generation gen.
type matcher struct {
	gen    generation
	feeds  *vuln.Feeds
	index  *vuln.Index
	assess *vuln.Assessor
}

// load returns the matcher for the feeds as ctx's transaction sees them:
// the cached one when no import happened since, else a new one (cached
// once its transaction commits, so a rolled-back import never lingers).
func (s *Service) load(ctx context.Context) (*matcher, error) {
	q := s.db.Q(ctx)
	// The generation: the last import and the alias table's revision
	// (an alias change elsewhere rebuilds the index here too).
	var imp, rev int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0), (SELECT value FROM vuln_settings WHERE name = 'alias_rev') FROM vuln_imports`).Scan(&imp, &rev); err != nil {
		return nil, fmt.Errorf("vuln: feeds generation: %w", err)
	}
	gen := generation{imports: imp, aliases: rev}
	s.mu.Lock()
	c := s.cache
	s.mu.Unlock()
	if c != nil && c.gen == gen {
		return c, nil
	}
	f, err := readFeeds(ctx, q)
	if err != nil {
		return nil, err
	}
	aliases, err := readAliases(ctx, q)
	if err != nil {
		return nil, err
	}
	m := &matcher{gen: gen, feeds: f, index: vuln.NewIndex(f.Records, f.Advisories, aliasTable(aliases)), assess: vuln.NewAssessor(f, s.rules)}
	store.AfterCommit(ctx, func(context.Context) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.cache == nil || s.cache.gen != gen {
			s.cache = m
		}
	})
	return m, nil
}

func readFeeds(ctx context.Context, q store.Querier) (*vuln.Feeds, error) {
	f := &vuln.Feeds{KEV: map[string]vuln.KEVEntry{}, EPSS: map[string]vuln.EPSSScore{}}
	rows, err := q.QueryContext(ctx, `SELECT source, vuln_id, body FROM vuln_records ORDER BY source, vuln_id`)
	if err != nil {
		return nil, fmt.Errorf("vuln: read records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var source, id, body string
		if err := rows.Scan(&source, &id, &body); err != nil {
			return nil, fmt.Errorf("vuln: read records: %w", err)
		}
		if source == "osv" {
			var a vuln.Advisory
			if err := json.Unmarshal([]byte(body), &a); err != nil {
				return nil, fmt.Errorf("vuln: stored record %s: %w", id, err)
			}
			f.Advisories = append(f.Advisories, a)
			continue
		}
		var r vuln.Record
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			return nil, fmt.Errorf("vuln: stored record %s: %w", id, err)
		}
		if err := r.Compile(); err != nil {
			return nil, fmt.Errorf("vuln: stored record %s: %w", id, err)
		}
		f.Records = append(f.Records, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	krows, err := q.QueryContext(ctx, `SELECT cve, date_added, due_date, ransomware, name FROM vuln_kev`)
	if err != nil {
		return nil, fmt.Errorf("vuln: read KEV: %w", err)
	}
	defer krows.Close()
	for krows.Next() {
		var e vuln.KEVEntry
		var rw int
		if err := krows.Scan(&e.CVE, &e.DateAdded, &e.DueDate, &rw, &e.Name); err != nil {
			return nil, fmt.Errorf("vuln: read KEV: %w", err)
		}
		e.Ransomware = rw != 0
		f.KEV[e.CVE] = e
	}
	erows, err := q.QueryContext(ctx, `SELECT cve, probability, percentile FROM vuln_epss`)
	if err != nil {
		return nil, fmt.Errorf("vuln: read EPSS: %w", err)
	}
	defer erows.Close()
	for erows.Next() {
		var cve string
		var e vuln.EPSSScore
		if err := erows.Scan(&cve, &e.Probability, &e.Percentile); err != nil {
			return nil, fmt.Errorf("vuln: read EPSS: %w", err)
		}
		f.EPSS[cve] = e
	}
	return f, erows.Err()
}
