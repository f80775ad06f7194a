// Importing feed files: one transaction per file, idempotent and
// incremental (a record is replaced only by a newer modified date).

package vuln

import (
	"bufio"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/khien-project/khien/internal/engine/vuln"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Import is what one feed file changed.
type Import struct {
	ID        int64  `json:"id"`
	Source    string `json:"source"` // nvd, cve5, osv, kev, epss
	Kind      string `json:"kind"`   // the kind of file detected
	FileName  string `json:"file_name"`
	Added     int    `json:"added"`
	Replaced  int    `json:"replaced"`
	Unchanged int    `json:"unchanged"`
	// NewestModified is the newest modified date among the file's records.
	NewestModified string `json:"newest_modified"`
	// Findings summarises the matching run after the import.
	Findings MatchSummary `json:"findings"`
	stmts    *recordStmts
	// what the import changed, for the re-match (unless overflow: then
	// every system is matched again)
	changed  []changedRow
	kev      map[string]vuln.KEVEntry
	epss     map[string]vuln.EPSSScore
	overflow bool
}

// changedRow is a record an import added or replaced, as stored.
type changedRow struct {
	source, id string
	body       []byte
}

// maxIncremental is the number of changed records and scores from which
// an import matches every system again instead of only what changed.
const maxIncremental = 20_000

// note keeps one changed record for the re-match.
func (imp *Import) note(row changedRow) {
	if imp.overflow {
		return
	}
	if len(imp.changed)+len(imp.kev)+len(imp.epss) >= maxIncremental {
		imp.overflow, imp.changed, imp.kev, imp.epss = true, nil, nil, nil
		return
	}
	imp.changed = append(imp.changed, row)
}

// CanImport reports whether actor may import feed files (the security
// office).
func CanImport(actor access.Actor) bool { return actor.Role == access.Admin }

// feedError is a refused file, in both languages.
func feedError(en, vi string) error {
	var e valid.Errors
	e.Add("file", en, vi)
	return e
}

// sourceOf names the source a kind of file feeds.
func sourceOf(k vuln.Kind) string {
	switch k {
	case vuln.KindOSV, vuln.KindOSVZip:
		return "osv"
	case vuln.KindKEV, vuln.KindKEVCSV:
		return "kev"
	}
	return string(k)
}

// ImportFeed reads one feed file of any kind (told from its content;
// gzip is decompressed) and stores its records in one transaction: all of
// the file or, when it is truncated or malformed, nothing, with an error
// saying where. Every system is matched again in the same transaction.
func (s *Service) ImportFeed(ctx context.Context, actor access.Actor, name string, r io.Reader) (Import, error) {
	if !CanImport(actor) {
		return Import{}, fmt.Errorf("vuln: import feed: %w", store.ErrForbidden)
	}
	br, kind, err := detect(r)
	if err != nil {
		return Import{}, err
	}
	if kind == vuln.KindOSVZip {
		return s.importZip(ctx, actor, name, br)
	}
	imp := Import{Source: sourceOf(kind), Kind: string(kind), FileName: name}
	err = s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := lockFeeds(ctx, tx, true); err != nil {
			return err
		}
		if err := s.startImport(ctx, tx, actor, &imp); err != nil {
			return err
		}
		var err error
		switch kind {
		case vuln.KindNVD, vuln.KindCVE5:
			err = vuln.ParseNVD(br, func(rec vuln.Record) error { return s.putRecord(ctx, tx, &imp, rec) })
		case vuln.KindOSV:
			var a vuln.Advisory
			if a, err = vuln.ReadOSV(br); err == nil {
				err = s.putAdvisory(ctx, tx, &imp, a)
			}
		case vuln.KindKEV, vuln.KindKEVCSV:
			err = s.putKEV(ctx, tx, &imp, br, kind)
		case vuln.KindEPSS:
			err = s.putEPSS(ctx, tx, &imp, br)
		}
		if err != nil {
			return malformed(err)
		}
		return s.finishImport(ctx, tx, actor, &imp)
	})
	return imp, err
}

// detect peeks at the file's start to tell its kind, decompressing gzip.
func detect(r io.Reader) (*bufio.Reader, vuln.Kind, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(64 << 10)
	kind := vuln.Detect(head)
	if kind == vuln.KindGzip {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, "", feedError("the gzip file cannot be read: "+err.Error(), "không đọc được tệp gzip: "+err.Error())
		}
		br = bufio.NewReaderSize(zr, 64<<10)
		head, _ = br.Peek(64 << 10)
		if kind = vuln.Detect(head); kind == vuln.KindGzip || kind == vuln.KindOSVZip {
			kind = vuln.KindUnknown
		}
	}
	if kind == vuln.KindUnknown {
		return nil, "", feedError("not a feed file Khiên reads: NVD CVE API 2.0 or CVE JSON 5 JSON, OSV JSON or zip, CISA KEV JSON or CSV, FIRST EPSS CSV (gzipped or not)",
			"không phải tệp nguồn cảnh báo Khiên đọc được: JSON NVD CVE API 2.0 hoặc CVE JSON 5, OSV (JSON hoặc zip), danh mục KEV của CISA (JSON hoặc CSV), điểm EPSS của FIRST (CSV, nén gzip hoặc không)")
	}
	return br, kind, nil
}

// malformed turns a reader's error into a refusal of the file; database
// errors pass unchanged.
func malformed(err error) error {
	var fe valid.Errors
	if errors.As(err, &fe) || store.IsUnavailable(err) || strings.HasPrefix(err.Error(), "vuln: ") {
		return err
	}
	return feedError("the file is refused and nothing of it was imported: "+err.Error(),
		"tệp bị từ chối, không bản ghi nào của tệp được nhập: "+err.Error())
}

// importZip spools an OSV zip to a temporary file (a zip is read from its
// end) and imports its records.
func (s *Service) importZip(ctx context.Context, actor access.Actor, name string, r io.Reader) (Import, error) {
	f, err := os.CreateTemp("", "khien-osv-*.zip")
	if err != nil {
		return Import{}, fmt.Errorf("vuln: spool zip: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	size, err := io.Copy(f, r)
	if err != nil {
		return Import{}, fmt.Errorf("vuln: spool zip: %w", err)
	}
	as, err := vuln.ReadOSVZip(f, size)
	if err != nil {
		return Import{}, malformed(err)
	}
	imp := Import{Source: "osv", Kind: string(vuln.KindOSVZip), FileName: name}
	err = s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := lockFeeds(ctx, tx, true); err != nil {
			return err
		}
		if err := s.startImport(ctx, tx, actor, &imp); err != nil {
			return err
		}
		for _, a := range as {
			if err := s.putAdvisory(ctx, tx, &imp, a); err != nil {
				return err
			}
		}
		return s.finishImport(ctx, tx, actor, &imp)
	})
	return imp, err
}

func (s *Service) startImport(ctx context.Context, tx *store.Tx, actor access.Actor, imp *Import) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO vuln_imports (source, kind, file_name, by_user, at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		imp.Source, imp.Kind, imp.FileName, actor.Username, store.Now()).Scan(&imp.ID)
	if err != nil {
		return fmt.Errorf("vuln: record import: %w", err)
	}
	imp.stmts, err = prepareRecords(ctx, tx)
	return err
}

// finishImport records the counts, audits the import and matches every
// system against the feeds as they now are.
func (s *Service) finishImport(ctx context.Context, tx *store.Tx, actor access.Actor, imp *Import) error {
	imp.stmts.close()
	if _, err := tx.ExecContext(ctx, `UPDATE vuln_imports SET added = $1, replaced = $2, unchanged = $3, newest_modified = $4 WHERE id = $5`,
		imp.Added, imp.Replaced, imp.Unchanged, imp.NewestModified, imp.ID); err != nil {
		return fmt.Errorf("vuln: record import: %w", err)
	}
	if err := s.audit.Record(ctx, actor, audit.Create, "vuln-import", imp.ID, nil, imp); err != nil {
		return err
	}
	if imp.Added+imp.Replaced == 0 {
		return nil
	}
	sum, err := s.matchImported(ctx, tx, imp)
	imp.Findings = sum
	return err
}

func (imp *Import) count(outcome int, modified string) {
	switch outcome {
	case added:
		imp.Added++
	case replaced:
		imp.Replaced++
	default:
		imp.Unchanged++
	}
	if modified > imp.NewestModified {
		imp.NewestModified = modified
	}
}

// Outcomes of storing one record.
const (
	unchanged = iota
	added
	replaced
)

// recordStmts are the statements one import runs for each record,
// prepared once per import.
type recordStmts struct {
	read, insert, update *sql.Stmt
}

func prepareRecords(ctx context.Context, tx *store.Tx) (*recordStmts, error) {
	var st recordStmts
	var err error
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&st.read, `SELECT modified FROM vuln_records WHERE source = $1 AND vuln_id = $2`},
		{&st.insert, `INSERT INTO vuln_records (status, published, modified, summary, cvss_version, cvss_score, cvss_vector, body, import_id, source, vuln_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`},
		{&st.update, `UPDATE vuln_records SET status = $1, published = $2, modified = $3, summary = $4, cvss_version = $5, cvss_score = $6, cvss_vector = $7, body = $8, import_id = $9 WHERE source = $10 AND vuln_id = $11`},
	} {
		if *p.dst, err = tx.PrepareContext(ctx, p.sql); err != nil {
			st.close()
			return nil, fmt.Errorf("vuln: prepare import: %w", err)
		}
	}
	return &st, nil
}

func (st *recordStmts) close() {
	for _, s := range []*sql.Stmt{st.read, st.insert, st.update} {
		if s != nil {
			s.Close()
		}
	}
}

// putRow stores one record under (source, id) unless the stored copy is as
// new or newer.
func (imp *Import) putRow(ctx context.Context, source, id, status, published, modified, summary string, cvss *vuln.CVSS, body any) error {
	var old string
	err := imp.stmts.read.QueryRowContext(ctx, source, id).Scan(&old)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("vuln: read record %s: %w", id, err)
	}
	exists := err == nil
	if exists && modified <= old {
		imp.count(unchanged, modified)
		return nil
	}
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("vuln: encode record %s: %w", id, err)
	}
	var c vuln.CVSS
	if cvss != nil {
		c = *cvss
	}
	summary = clip(summary, 4000)
	write, outcome := imp.stmts.insert, added
	if exists {
		write, outcome = imp.stmts.update, replaced
	}
	if _, err := write.ExecContext(ctx, status, published, modified, summary, c.Version, c.Score, c.Vector, string(b), imp.ID, source, id); err != nil {
		return fmt.Errorf("vuln: store record %s: %w", id, err)
	}
	imp.note(changedRow{source: source, id: id, body: b})
	imp.count(outcome, modified)
	return nil
}

func (s *Service) putRecord(ctx context.Context, tx *store.Tx, imp *Import, rec vuln.Record) error {
	if rec.Source != "" {
		imp.Source = rec.Source
	}
	return imp.putRow(ctx, rec.Source, strings.ToUpper(rec.ID), rec.Status, rec.Published, rec.Modified, rec.Description, rec.CVSS, rec)
}

func (s *Service) putAdvisory(ctx context.Context, tx *store.Tx, imp *Import, a vuln.Advisory) error {
	status := ""
	if a.Withdrawn != "" {
		status = "Withdrawn"
	}
	return imp.putRow(ctx, "osv", a.ID, status, a.Published, a.Modified, a.Summary, nil, a)
}

// clip cuts s to at most n bytes without splitting a character (PostgreSQL
// refuses text that is not UTF-8).
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
