// Storing the KEV catalogue and EPSS scores: whole files, each entry
// replaced only when it changed.

package vuln

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/khien-project/khien/internal/engine/vuln"
	"github.com/khien-project/khien/internal/platform/store"
)

func (s *Service) putKEV(ctx context.Context, tx *store.Tx, imp *Import, r io.Reader, kind vuln.Kind) error {
	read := vuln.ReadKEV
	if kind == vuln.KindKEVCSV {
		read = vuln.ReadKEVCSV
	}
	kev, err := read(r)
	if err != nil {
		return err
	}
	old := map[string]vuln.KEVEntry{}
	rows, err := tx.QueryContext(ctx, `SELECT cve, date_added, due_date, ransomware, name FROM vuln_kev`)
	if err != nil {
		return fmt.Errorf("vuln: read KEV: %w", err)
	}
	for rows.Next() {
		var e vuln.KEVEntry
		var rw int
		if err := rows.Scan(&e.CVE, &e.DateAdded, &e.DueDate, &rw, &e.Name); err != nil {
			rows.Close()
			return fmt.Errorf("vuln: read KEV: %w", err)
		}
		e.Ransomware = rw != 0
		old[e.CVE] = e
	}
	rows.Close()
	for _, cve := range sortedKeys(kev) {
		e := kev[cve]
		prev, ok := old[cve]
		switch {
		case ok && prev == e:
			imp.count(unchanged, e.DateAdded)
			continue
		case ok:
			_, err = tx.ExecContext(ctx, `UPDATE vuln_kev SET date_added = $1, due_date = $2, ransomware = $3, name = $4, import_id = $5 WHERE cve = $6`,
				e.DateAdded, e.DueDate, store.Flag(e.Ransomware), e.Name, imp.ID, cve)
			imp.count(replaced, e.DateAdded)
		default:
			_, err = tx.ExecContext(ctx, `INSERT INTO vuln_kev (cve, date_added, due_date, ransomware, name, import_id) VALUES ($1, $2, $3, $4, $5, $6)`,
				cve, e.DateAdded, e.DueDate, store.Flag(e.Ransomware), e.Name, imp.ID)
			imp.count(added, e.DateAdded)
		}
		if err != nil {
			return fmt.Errorf("vuln: store KEV %s: %w", cve, err)
		}
		imp.noteScore(cve, &e, nil)
	}
	return nil
}

func (s *Service) putEPSS(ctx context.Context, tx *store.Tx, imp *Import, r io.Reader) error {
	scores, model, err := vuln.ReadEPSS(r)
	if err != nil {
		return err
	}
	old := map[string]vuln.EPSSScore{}
	rows, err := tx.QueryContext(ctx, `SELECT cve, probability, percentile FROM vuln_epss`)
	if err != nil {
		return fmt.Errorf("vuln: read EPSS: %w", err)
	}
	for rows.Next() {
		var cve string
		var e vuln.EPSSScore
		if err := rows.Scan(&cve, &e.Probability, &e.Percentile); err != nil {
			rows.Close()
			return fmt.Errorf("vuln: read EPSS: %w", err)
		}
		old[cve] = e
	}
	rows.Close()
	for _, cve := range sortedKeys(scores) {
		e := scores[cve]
		prev, ok := old[cve]
		switch {
		case ok && prev == e:
			imp.count(unchanged, model)
			continue
		case ok:
			_, err = tx.ExecContext(ctx, `UPDATE vuln_epss SET probability = $1, percentile = $2, model = $3, import_id = $4 WHERE cve = $5`, e.Probability, e.Percentile, model, imp.ID, cve)
			imp.count(replaced, model)
		default:
			_, err = tx.ExecContext(ctx, `INSERT INTO vuln_epss (cve, probability, percentile, model, import_id) VALUES ($1, $2, $3, $4, $5)`, cve, e.Probability, e.Percentile, model, imp.ID)
			imp.count(added, model)
		}
		if err != nil {
			return fmt.Errorf("vuln: store EPSS %s: %w", cve, err)
		}
		imp.noteScore(cve, nil, &e)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// noteScore keeps one changed KEV entry or EPSS score for the re-match.
func (imp *Import) noteScore(cve string, k *vuln.KEVEntry, e *vuln.EPSSScore) {
	if imp.overflow {
		return
	}
	if len(imp.changed)+len(imp.kev)+len(imp.epss) >= maxIncremental {
		imp.overflow, imp.changed, imp.kev, imp.epss = true, nil, nil, nil
		return
	}
	if k != nil {
		if imp.kev == nil {
			imp.kev = map[string]vuln.KEVEntry{}
		}
		imp.kev[cve] = *k
	}
	if e != nil {
		if imp.epss == nil {
			imp.epss = map[string]vuln.EPSSScore{}
		}
		imp.epss[cve] = *e
	}
}
