// The stored feeds, loaded into the engine's index and kept in memory
// until the next import.

package vuln

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/khien-project/khien/internal/engine/vuln"
	"github.com/khien-project/khien/internal/platform/store"
)

// generation names what a matcher was built from: the last import, the
// number of imports (two imports committing in either order end at one
// generation neither saw) and the alias table's revision.
type generation struct{ imports, count, aliases int64 }

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
	gen, err := s.generation(ctx, 0)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	c := s.cache
	s.mu.Unlock()
	if c != nil && c.gen == gen {
		return c, nil
	}
	if c != nil {
		m, err := s.catchUp(ctx, c, gen, 0)
		if err != nil {
			return nil, err
		}
		if m != nil {
			s.keep(ctx, m)
			return m, nil
		}
	}
	s.loads.Add(1)
	f, err := readFeeds(ctx, q)
	if err != nil {
		return nil, err
	}
	aliases, err := readAliases(ctx, q)
	if err != nil {
		return nil, err
	}
	m := &matcher{gen: gen, feeds: f, index: vuln.NewIndex(f.Records, f.Advisories, aliasTable(aliases)), assess: vuln.NewAssessor(f, s.rules)}
	s.keep(ctx, m)
	return m, nil
}

// catchUp returns the cached matcher c brought up to generation gen:
// with what the imports since c wrote (another process's imports; the
// import except, this transaction's own, left out) and with the alias
// table as it is now. It returns nil when the imports' rows cannot be
// told apart from the rest (an import numbered before c's last committed
// after it) or are too many: then every record is read again.
func (s *Service) catchUp(ctx context.Context, c *matcher, gen generation, except int64) (*matcher, error) {
	q := s.db.Q(ctx)
	m := &matcher{gen: gen, index: c.index, assess: c.assess}
	if gen.imports != c.gen.imports || gen.count != c.gen.count {
		if gen.imports < c.gen.imports {
			return nil, nil
		}
		var since int64
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM vuln_imports WHERE id > $1 AND id <> $2`, c.gen.imports, except).Scan(&since); err != nil {
			return nil, fmt.Errorf("vuln: feeds generation: %w", err)
		}
		if since != gen.count-c.gen.count {
			return nil, nil // an older import committed since: its rows are not told by their import id
		}
		const newer = ` WHERE import_id > $1 AND import_id <> $2`
		var n int
		if err := q.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM vuln_records`+newer+`) + (SELECT COUNT(*) FROM vuln_kev`+newer+`) + (SELECT COUNT(*) FROM vuln_epss`+newer+`)`,
			c.gen.imports, except).Scan(&n); err != nil {
			return nil, fmt.Errorf("vuln: feeds since import %d: %w", c.gen.imports, err)
		}
		if n >= maxIncremental {
			return nil, nil
		}
		f := &vuln.Feeds{KEV: map[string]vuln.KEVEntry{}, EPSS: map[string]vuln.EPSSScore{}}
		if err := readFeedsWhere(ctx, q, f, newer, c.gen.imports, except); err != nil {
			return nil, err
		}
		m.index, m.assess = m.index.Update(f.Records, f.Advisories), m.assess.With(f.Records, f.KEV, f.EPSS)
	}
	if gen.aliases != c.gen.aliases {
		aliases, err := readAliases(ctx, q)
		if err != nil {
			return nil, err
		}
		m.index = m.index.WithAliases(aliasTable(aliases))
	}
	return m, nil
}

// keep caches m once ctx's transaction commits (a rolled-back import
// never lingers).
func (s *Service) keep(ctx context.Context, m *matcher) {
	store.AfterCommit(ctx, func(context.Context) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.cache == nil || s.cache.gen != m.gen {
			s.cache = m
		}
	})
}

// generation is the feeds' generation as ctx's transaction sees it,
// leaving out the import except (0: none): the last import, the number of
// imports and the alias table's revision (an alias change elsewhere
// rebuilds the index here too).
func (s *Service) generation(ctx context.Context, except int64) (generation, error) {
	var g generation
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0), COUNT(*), (SELECT value FROM vuln_settings WHERE name = 'alias_rev') FROM vuln_imports WHERE id <> $1`, except).Scan(&g.imports, &g.count, &g.aliases); err != nil {
		return g, fmt.Errorf("vuln: feeds generation: %w", err)
	}
	return g, nil
}

func readFeeds(ctx context.Context, q store.Querier) (*vuln.Feeds, error) {
	f := &vuln.Feeds{KEV: map[string]vuln.KEVEntry{}, EPSS: map[string]vuln.EPSSScore{}}
	return f, readFeedsWhere(ctx, q, f, "")
}

// readFeedsWhere adds to f the stored records, KEV entries and EPSS
// scores that where (empty, or " WHERE " and a condition on import_id)
// selects.
func readFeedsWhere(ctx context.Context, q store.Querier, f *vuln.Feeds, where string, args ...any) error {
	// In no order: sorting 300,000 bodies costs PostgreSQL seconds, and
	// nothing depends on it (of two records with one id the source
	// sorting last stands for it, in the index and the assessor alike).
	rows, err := q.QueryContext(ctx, `SELECT source, vuln_id, body FROM vuln_records`+where, args...)
	if err != nil {
		return fmt.Errorf("vuln: read records: %w", err)
	}
	defer rows.Close()
	if err := decodeRows(f, rows); err != nil {
		return err
	}
	krows, err := q.QueryContext(ctx, `SELECT cve, date_added, due_date, ransomware, name FROM vuln_kev`+where, args...)
	if err != nil {
		return fmt.Errorf("vuln: read KEV: %w", err)
	}
	defer krows.Close()
	for krows.Next() {
		var e vuln.KEVEntry
		var rw int
		if err := krows.Scan(&e.CVE, &e.DateAdded, &e.DueDate, &rw, &e.Name); err != nil {
			return fmt.Errorf("vuln: read KEV: %w", err)
		}
		e.Ransomware = rw != 0
		f.KEV[e.CVE] = e
	}
	erows, err := q.QueryContext(ctx, `SELECT cve, probability, percentile FROM vuln_epss`+where, args...)
	if err != nil {
		return fmt.Errorf("vuln: read EPSS: %w", err)
	}
	defer erows.Close()
	for erows.Next() {
		var cve string
		var e vuln.EPSSScore
		if err := erows.Scan(&cve, &e.Probability, &e.Percentile); err != nil {
			return fmt.Errorf("vuln: read EPSS: %w", err)
		}
		f.EPSS[cve] = e
	}
	return erows.Err()
}

// decodeRecord adds one stored record to f: an OSV record to its
// advisories, any other to its records (compiled).
func decodeRecord(f *vuln.Feeds, source, id string, body string) error {
	var d vuln.RecordDecoder
	return decodeWith(&d, f, source, id, body)
}

// decodeWith is decodeRecord with d's scratch space.
func decodeWith(d *vuln.RecordDecoder, f *vuln.Feeds, source, id string, body string) error {
	if source == "osv" {
		var a vuln.Advisory
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			return fmt.Errorf("vuln: stored record %s: %w", id, err)
		}
		f.Advisories = append(f.Advisories, a)
		return nil
	}
	f.Records = append(f.Records, vuln.Record{})
	if err := d.Decode(body, &f.Records[len(f.Records)-1]); err != nil {
		f.Records = f.Records[:len(f.Records)-1]
		return fmt.Errorf("vuln: stored record %s: %w", id, err)
	}
	return nil
}

// storedRow is one vuln_records row to decode.
type storedRow struct {
	source, id string
	body       string // read as a string: the decoded record's strings are parts of it
}

// decodeRows decodes the stored records rows give into f, on every CPU
// (the JSON decoding is most of a first load's time), in batches kept in
// the rows' order.
func decodeRows(f *vuln.Feeds, rows *sql.Rows) error {
	const batch = 256
	type job struct {
		n    int
		rows []storedRow
	}
	var (
		mu       sync.Mutex
		parts    []*vuln.Feeds
		firstErr error
		wg       sync.WaitGroup
	)
	jobs := make(chan job, runtime.GOMAXPROCS(0))
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var d vuln.RecordDecoder
			for j := range jobs {
				part := &vuln.Feeds{Records: make([]vuln.Record, 0, len(j.rows))}
				var err error
				for _, r := range j.rows {
					if err = decodeWith(&d, part, r.source, r.id, r.body); err != nil {
						break
					}
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				for len(parts) <= j.n {
					parts = append(parts, nil)
				}
				parts[j.n] = part
				mu.Unlock()
			}
		}()
	}
	var cur []storedRow
	n := 0
	var scanErr error
	for rows.Next() {
		var r storedRow
		if scanErr = rows.Scan(&r.source, &r.id, &r.body); scanErr != nil {
			scanErr = fmt.Errorf("vuln: read records: %w", scanErr)
			break
		}
		if cur == nil {
			cur = make([]storedRow, 0, batch)
		}
		if cur = append(cur, r); len(cur) == batch {
			jobs <- job{n, cur}
			n, cur = n+1, nil
		}
	}
	if len(cur) > 0 && scanErr == nil {
		jobs <- job{n, cur}
	}
	close(jobs)
	wg.Wait()
	if scanErr == nil {
		scanErr = rows.Err()
	}
	if scanErr != nil {
		return scanErr
	}
	if firstErr != nil {
		return firstErr
	}
	records := 0
	for _, p := range parts {
		records += len(p.Records)
	}
	f.Records = slices.Grow(f.Records, records)
	for _, p := range parts {
		f.Records = append(f.Records, p.Records...)
		f.Advisories = append(f.Advisories, p.Advisories...)
	}
	return nil
}
