// Matching systems' software against the stored feeds and keeping the
// findings in step: new matches open findings, matches that are gone close
// them (the inventory shows a version that is not vulnerable), matches that
// come back reopen them.

package vuln

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/khien-project/khien/internal/engine/vuln"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
)

// MatchSummary counts what a matching run changed.
type MatchSummary struct {
	Systems  int `json:"systems"`
	Opened   int `json:"opened"`
	Reopened int `json:"reopened"`
	Fixed    int `json:"fixed"`
}

// matcherActor is who the audit log names for changes the matcher makes.
var matcherActor = access.Actor{Username: "vuln-matcher", Role: access.Admin}

// inventory is one live system's components.
type inventory struct {
	id      int64
	exposed bool
	level   int // security level: approved, else proposed; 0 unknown
	comps   []vuln.Component
	origins []string // registry or discovered, by component
}

// MatchSystems matches the given systems again (archived or unknown ones
// are left as they are), in one transaction.
func (s *Service) MatchSystems(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := lockFeeds(ctx, tx, false); err != nil {
			return err
		}
		_, err := s.match(ctx, tx, ids, nil, nil)
		return err
	})
}

// matchAll matches every live system.
func (s *Service) matchAll(ctx context.Context) (MatchSummary, error) {
	var sum MatchSummary
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if err := lockFeeds(ctx, tx, false); err != nil {
			return err
		}
		var err error
		sum, err = s.match(ctx, tx, nil, nil, nil)
		return err
	})
	return sum, err
}

// match matches the live systems among ids (all when nil) against m (nil:
// the stored feeds); with only, m holds only the records of those ids
// (upper-cased) and only their findings are brought in line.
func (s *Service) match(ctx context.Context, tx *store.Tx, ids []int64, m *matcher, only map[string]bool) (MatchSummary, error) {
	invs, err := inventories(ctx, tx, ids)
	if err != nil {
		return MatchSummary{}, err
	}
	if err := syncKeys(ctx, tx, invs, ids == nil); err != nil {
		return MatchSummary{}, err
	}
	if len(invs) > 0 && m == nil { // the feeds are loaded only when there is something to match
		if m, err = s.load(ctx); err != nil {
			return MatchSummary{}, err
		}
	}
	if s.matchHook != nil {
		s.matchHook()
	}
	days, err := deadlines(ctx, tx)
	if err != nil {
		return MatchSummary{}, err
	}
	rules, err := readRules(ctx, tx)
	if err != nil {
		return MatchSummary{}, err
	}
	old, err := storedFindings(ctx, tx, ids)
	if err != nil {
		return MatchSummary{}, err
	}
	if only != nil {
		for _, fs := range old {
			for k := range fs {
				if !only[strings.ToUpper(k[strings.IndexByte(k, 0)+1:])] {
					delete(fs, k)
				}
			}
		}
	}
	var sum MatchSummary
	var opens []opening
	founds, err := m.findingsOf(invs, rules)
	if err != nil {
		return sum, err
	}
	for i, inv := range invs {
		if err := s.reconcile(ctx, tx, inv.id, old[inv.id], founds[i], days, &sum, &opens); err != nil {
			return sum, err
		}
		sum.Systems++
	}
	if err := s.openAll(ctx, tx, opens, days); err != nil {
		return sum, err
	}
	// Advisories reach the agencies that became affected (only these
	// systems can have become affected).
	return sum, s.notifyAffected(ctx, tx, ids)
}

// inventories reads the live systems among ids (all when nil) with their
// software (the registry's system_software, read only) and the discovered
// components an officer confirmed.
func inventories(ctx context.Context, tx *store.Tx, ids []int64) ([]*inventory, error) {
	w, keep := liveSystems(ids)
	// The security level is the levels feature's system_levels (read only).
	q := `SELECT s.id, EXISTS (SELECT 1 FROM system_assets x WHERE x.system_id = s.id AND x.kind = 'url'),
		COALESCE((SELECT COALESCE(l.approved_level, l.proposed_level) FROM system_levels l WHERE l.system_id = s.id), 0) FROM systems s WHERE ` + w.SQL() + ` ORDER BY s.id`
	rows, err := tx.QueryContext(ctx, q, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("vuln: read systems: %w", err)
	}
	byID := map[int64]*inventory{}
	var out []*inventory
	for rows.Next() {
		inv := &inventory{}
		var exposed any
		if err := rows.Scan(&inv.id, &exposed, &inv.level); err != nil {
			rows.Close()
			return nil, fmt.Errorf("vuln: read systems: %w", err)
		}
		if !keep(inv.id) {
			continue
		}
		inv.exposed = truthy(exposed)
		byID[inv.id] = inv
		out = append(out, inv)
	}
	rows.Close()
	if len(out) == 0 {
		return nil, nil
	}
	add := func(q string, origin string) error {
		rows, err := tx.QueryContext(ctx, q, w.Args()...)
		if err != nil {
			return fmt.Errorf("vuln: read software: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var c vuln.Component
			if err := rows.Scan(&id, &c.Name, &c.Version, &c.CPE, &c.PURL); err != nil {
				return fmt.Errorf("vuln: read software: %w", err)
			}
			if inv := byID[id]; inv != nil {
				c.System = strconv.FormatInt(id, 10)
				inv.comps = append(inv.comps, c)
				inv.origins = append(inv.origins, origin)
			}
		}
		return rows.Err()
	}
	if err := add(`SELECT sw.system_id, sw.name, sw.version, sw.cpe, sw.purl FROM system_software sw JOIN systems s ON s.id = sw.system_id WHERE `+w.SQL()+` ORDER BY sw.system_id, sw.position`, "registry"); err != nil {
		return nil, err
	}
	if err := add(`SELECT d.system_id, d.name, d.version, '', '' FROM vuln_discovered d JOIN systems s ON s.id = d.system_id WHERE d.status = 'confirmed' AND `+w.SQL()+` ORDER BY d.system_id, d.id`, "discovered"); err != nil {
		return nil, err
	}
	return out, nil
}

// manyIDs is the number of systems from which liveSystems reads every
// live system and leaves the choice to its caller: an IN list of
// thousands of arguments costs more than the rows it saves (SQLite looks
// each numbered argument up among the earlier ones).
const manyIDs = 1000

// liveSystems selects (alias s) the live systems among ids (all when nil;
// a superset when they are many: keep tells the ones asked for).
func liveSystems(ids []int64) (w store.Where, keep func(int64) bool) {
	w.Add("s.archived_at = ''")
	switch {
	case ids == nil:
		return w, func(int64) bool { return true }
	case len(ids) > manyIDs:
		set := make(map[int64]bool, len(ids))
		for _, id := range ids {
			set[id] = true
		}
		return w, func(id int64) bool { return set[id] }
	}
	store.In(&w, "s.id", ids)
	return w, func(int64) bool { return true }
}

// storedFindings reads the findings of the live systems among ids (all
// when nil), by system and by component and vulnerability, in one query.
func storedFindings(ctx context.Context, tx *store.Tx, ids []int64) (map[int64]map[string]stored, error) {
	w, keep := liveSystems(ids)
	rows, err := tx.QueryContext(ctx, `SELECT f.system_id, f.id, f.component, f.vuln_id, f.version, f.status, f.priority, f.accepted_until, f.due_at, f.created_at,
		f.origin, f.reasons, f.cvss_vector, f.kev_due, f.cves, f.cvss_score, f.epss, f.kev FROM vuln_findings f JOIN systems s ON s.id = f.system_id WHERE `+w.SQL(), w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("vuln: read findings: %w", err)
	}
	defer rows.Close()
	out := map[int64]map[string]stored{}
	for rows.Next() {
		var st stored
		var sys int64
		var comp, id, created string
		if err := rows.Scan(&sys, &st.id, &comp, &id, &st.version, &st.status, &st.priority, &st.until, &st.due, &created,
			&st.origin, &st.reasons, &st.vector, &st.kevDue, &st.cves, &st.score, &st.epss, &st.kev); err != nil {
			return nil, fmt.Errorf("vuln: read findings: %w", err)
		}
		if !keep(sys) {
			continue
		}
		st.created = store.ParseTime(created)
		if out[sys] == nil {
			out[sys] = map[string]stored{}
		}
		out[sys][comp+"\x00"+id] = st
	}
	return out, rows.Err()
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x != 0
	}
	return false
}

// found is one current match of a system, assessed.
type found struct {
	component, version, origin string
	id, source                 string
	as                         vuln.Assessment
}

// findingsOf matches the inventories, on every CPU when they are many.
func (m *matcher) findingsOf(invs []*inventory, rules Rules) ([]map[string]found, error) {
	out := make([]map[string]found, len(invs))
	errs := make([]error, len(invs))
	workers := min(runtime.GOMAXPROCS(0), len(invs)/64+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(invs); i += workers {
				out[i], errs[i] = m.findings(invs[i], rules)
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// findings matches one system's components; a component that cannot be
// read (a malformed CPE or purl) is left out, not the whole system.
func (m *matcher) findings(inv *inventory, rules Rules) (map[string]found, error) {
	comps, origins := inv.comps, inv.origins
	hits, err := m.index.Match(comps)
	if err != nil { // a component that cannot be read: match without it
		comps, origins = nil, nil
		for i, c := range inv.comps {
			if _, err := m.index.Match([]vuln.Component{c}); err == nil {
				comps, origins = append(comps, c), append(origins, inv.origins[i])
			}
		}
		if hits, err = m.index.Match(comps); err != nil {
			return nil, err
		}
	}
	out := map[string]found{}
	for _, h := range hits {
		c := comps[h.Component]
		f := found{component: componentKey(c.Name), version: c.Version, origin: origins[h.Component], id: h.ID, source: "osv"}
		if h.Record != nil {
			f.source = h.Record.Source
		}
		key := f.component + "\x00" + f.id
		if _, dup := out[key]; dup { // the first stands: Match puts NVD before its CVE JSON 5 copy
			continue
		}
		f.as = m.assess.Assess(h)
		exposure(&f.as, inv.exposed)
		securityLevel(&f.as, inv.level, rules.LevelRaise)
		out[key] = f
	}
	return out, nil
}

// componentKey is how a finding names its component: the name, trimmed
// and lower-cased, so that a new version of it is the same component.
func componentKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// exposure adds the system's exposure to the assessment: KEV or a high
// EPSS make P1 only on a system reachable from the internet (it has a URL
// in the registry); elsewhere they make P2.
func exposure(as *vuln.Assessment, exposed bool) {
	if exposed {
		as.Reasons = append(as.Reasons, vuln.Reason{VI: "hệ thống có địa chỉ truy cập công khai (Internet)", EN: "the system has a public URL (internet-facing)"})
		return
	}
	if as.Priority == "P1" {
		as.Priority = "P2"
		as.Reasons = append(as.Reasons, vuln.Reason{VI: "hệ thống không có địa chỉ công khai: hạ từ P1 xuống P2", EN: "the system has no public URL: lowered from P1 to P2"})
	}
}

// securityLevel raises the priority one step on a system whose security
// level is at least raise (0: the rule is off); P1 stays P1, with the
// level among its reasons.
func securityLevel(as *vuln.Assessment, level, raise int) {
	if raise <= 0 || level < raise {
		return
	}
	if as.Priority == "P1" {
		as.Reasons = append(as.Reasons, vuln.Reason{VI: fmt.Sprintf("hệ thống cấp độ %d", level), EN: fmt.Sprintf("security level %d system", level)})
		return
	}
	from := as.Priority
	as.Priority = fmt.Sprintf("P%d", int(from[1]-'0')-1)
	as.Reasons = append(as.Reasons, vuln.Reason{
		VI: fmt.Sprintf("hệ thống cấp độ %d (từ cấp độ %d): nâng từ %s lên %s", level, raise, from, as.Priority),
		EN: fmt.Sprintf("security level %d system (level %d or above): raised from %s to %s", level, raise, from, as.Priority)})
}

// deadlines reads the days allowed by priority (and for KEV entries
// without a usable due date).
func deadlines(ctx context.Context, tx *store.Tx) (map[string]int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT priority, days FROM vuln_deadlines`)
	if err != nil {
		return nil, fmt.Errorf("vuln: read deadlines: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var p string
		var d int
		if err := rows.Scan(&p, &d); err != nil {
			return nil, err
		}
		out[p] = d
	}
	return out, rows.Err()
}

// dueAt is a finding's deadline: the KEV due date when it is still ahead
// at detection, else detection plus the KEV days; otherwise detection
// plus the days of its priority.
func dueAt(created time.Time, as vuln.Assessment, days map[string]int) time.Time {
	if as.KEV != nil {
		if d, err := time.Parse("2006-01-02", as.KEV.DueDate); err == nil && d.After(created) {
			return d.Add(24*time.Hour - time.Second)
		}
		return created.AddDate(0, 0, days["KEV"])
	}
	return created.AddDate(0, 0, days[as.Priority])
}

// stored is a finding row as reconcile needs it.
type stored struct {
	id                                    int64
	version, status, priority, until, due string
	created                               time.Time
	// the rest of what refresh writes, to skip a row that does not change
	origin, reasons, vector, kevDue, cves string
	score                                 float64
	epss                                  sql.NullFloat64
	kev                                   int
}

// reconcile brings one system's findings in line with its current
// matches; the findings to open are added to opens (see openAll).
func (s *Service) reconcile(ctx context.Context, tx *store.Tx, systemID int64, old map[string]stored, now map[string]found, days map[string]int, sum *MatchSummary, opens *[]opening) error {
	at := store.Now()
	keys := make([]string, 0, len(now))
	for k := range now {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := now[k]
		st, ok := old[k]
		if !ok {
			*opens = append(*opens, opening{systemID, f, at})
			sum.Opened++
			continue
		}
		if err := s.refresh(ctx, tx, st, f, days, at, sum); err != nil {
			return err
		}
	}
	for k, st := range old {
		if _, still := now[k]; still || (st.status != Open && st.status != InProgress && st.status != RiskAccepted) {
			continue
		}
		if err := s.transition(ctx, tx, matcherActor, st.id, Fixed, "không còn khớp: danh mục phần mềm cho thấy phiên bản không bị ảnh hưởng / no longer matched: the inventory shows a version that is not affected", at); err != nil {
			return err
		}
		sum.Fixed++
	}
	return nil
}

// opening is a finding to open: its system, its match and when.
type opening struct {
	systemID int64
	f        found
	at       string
}

// openRows is how many findings one INSERT statement of openAll carries
// (on PostgreSQL, where they go as arrays, openRowsPG).
const (
	openRows   = 200
	openRowsPG = 2000
)

// openRow is a finding's row as openAll writes it.
type openRow struct {
	system                                                          int64
	component, version, origin, id, source, cves, priority, reasons string
	score                                                           float64
	vector                                                          string
	epss                                                            *float64
	kev                                                             int
	kevDue, due, at                                                 string
}

// openAll opens the findings, hundreds or thousands per statement, and
// records them in the audit log, in their order.
func (s *Service) openAll(ctx context.Context, tx *store.Tx, opens []opening, days map[string]int) error {
	changes := make([]audit.Change, 0, len(opens))
	insert, size := insertFindings, openRows
	if tx.Engine == store.Postgres {
		insert, size = insertFindingsPG, openRowsPG
	}
	for part := range slices.Chunk(opens, size) {
		rs := make([]openRow, len(part))
		for i, o := range part {
			f := o.f
			reasons, _ := json.Marshal(f.as.Reasons)
			r := openRow{system: o.systemID, component: f.component, version: f.version, origin: f.origin, id: f.id, source: f.source,
				cves: strings.Join(f.as.CVEs, " "), priority: f.as.Priority, reasons: string(reasons), kev: store.Flag(f.as.KEV != nil),
				due: store.FormatTime(dueAt(store.ParseTime(o.at), f.as, days)), at: o.at}
			if f.as.CVSS != nil {
				r.score, r.vector = f.as.CVSS.Score, f.as.CVSS.Vector
			}
			if f.as.EPSS != nil {
				p := f.as.EPSS.Probability
				r.epss = &p
			}
			if f.as.KEV != nil {
				r.kevDue = f.as.KEV.DueDate
			}
			rs[i] = r
		}
		rows, err := insert(ctx, tx, rs)
		if err != nil {
			return fmt.Errorf("vuln: open findings: %w", err)
		}
		ids := make(map[string]int64, len(part))
		for rows.Next() {
			var id, sys int64
			var comp, vid string
			if err := rows.Scan(&id, &sys, &comp, &vid); err != nil {
				rows.Close()
				return fmt.Errorf("vuln: open findings: %w", err)
			}
			ids[fmt.Sprintf("%d\x00%s\x00%s", sys, comp, vid)] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("vuln: open findings: %w", err)
		}
		for _, r := range rs {
			id, ok := ids[fmt.Sprintf("%d\x00%s\x00%s", r.system, r.component, r.id)]
			if !ok {
				return fmt.Errorf("vuln: open findings: no id for system %d, %s, %s", r.system, r.component, r.id)
			}
			changes = append(changes, audit.Change{ObjectID: id, After: map[string]any{
				"system_id": r.system, "component": r.component, "version": r.version, "vuln_id": r.id, "priority": r.priority, "due_at": r.due}})
		}
	}
	return s.audit.RecordAll(ctx, matcherActor, audit.Create, "vuln-finding", changes)
}

// insertFindings writes rows with one statement of many VALUES lists,
// returning each one's id, system_id, component and vuln_id.
func insertFindings(ctx context.Context, tx *store.Tx, rs []openRow) (*sql.Rows, error) {
	args := make([]any, 0, 18*len(rs))
	for _, r := range rs {
		var epss any
		if r.epss != nil {
			epss = *r.epss
		}
		args = append(args, r.system, r.component, r.version, r.origin, r.id, r.source, r.cves, r.priority, r.reasons,
			r.score, r.vector, epss, r.kev, r.kevDue, r.due, Open, r.at, r.at)
	}
	return tx.QueryContext(ctx, `INSERT INTO vuln_findings (system_id, component, version, origin, vuln_id, source, cves, priority, reasons, cvss_score, cvss_vector, epss, kev, kev_due, due_at, status, created_at, updated_at) VALUES `+
		tx.Engine.Values(len(rs), 18)+` RETURNING id, system_id, component, vuln_id`, args...)
}

// insertFindingsPG writes rows on PostgreSQL as one array per column.
func insertFindingsPG(ctx context.Context, tx *store.Tx, rs []openRow) (*sql.Rows, error) {
	n := len(rs)
	systems, kevs := make([]int64, n), make([]int32, n)
	scores, epss := make([]float64, n), make([]float64, n)
	var text [12][]string
	for i := range text {
		text[i] = make([]string, n)
	}
	for i, r := range rs {
		systems[i], kevs[i], scores[i] = r.system, int32(r.kev), r.score
		epss[i] = math.NaN() // none: NULL below
		if r.epss != nil {
			epss[i] = *r.epss
		}
		for j, v := range []string{r.component, r.version, r.origin, r.id, r.source, r.cves, r.priority, r.reasons, r.vector, r.kevDue, r.due, r.at} {
			text[j][i] = v
		}
	}
	return tx.QueryContext(ctx, `INSERT INTO vuln_findings (system_id, component, version, origin, vuln_id, source, cves, priority, reasons, cvss_score, cvss_vector, epss, kev, kev_due, due_at, status, created_at, updated_at)
		SELECT u.system_id, u.component, u.version, u.origin, u.vuln_id, u.source, u.cves, u.priority, u.reasons, u.score, u.vector, NULLIF(u.epss, 'NaN'::float8), u.kev, u.kev_due, u.due_at, 'open', u.at, u.at
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::float8[], $11::text[], $12::float8[], $13::int[], $14::text[], $15::text[], $16::text[])
			AS u(system_id, component, version, origin, vuln_id, source, cves, priority, reasons, score, vector, epss, kev, kev_due, due_at, at)
		RETURNING id, system_id, component, vuln_id`,
		systems, text[0], text[1], text[2], text[3], text[4], text[5], text[6], text[7], scores, text[8], epss, kevs, text[9], text[10], text[11])
}

// refresh updates a finding that still matches: its version, priority and
// scores; a fixed one is reopened (the version regressed), and so is a
// risk acceptance past its expiry.
func (s *Service) refresh(ctx context.Context, tx *store.Tx, st stored, f found, days map[string]int, at string, sum *MatchSummary) error {
	reasons, _ := json.Marshal(f.as.Reasons)
	var score float64
	var vector string
	if f.as.CVSS != nil {
		score, vector = f.as.CVSS.Score, f.as.CVSS.Vector
	}
	var epss any
	if f.as.EPSS != nil {
		epss = f.as.EPSS.Probability
	}
	kevDue := ""
	if f.as.KEV != nil {
		kevDue = f.as.KEV.DueDate
	}
	due := store.FormatTime(dueAt(st.created, f.as, days))
	cves := strings.Join(f.as.CVEs, " ")
	same := st.version == f.version && st.origin == f.origin && st.priority == f.as.Priority && st.reasons == string(reasons) &&
		st.score == score && st.vector == vector && st.kev == store.Flag(f.as.KEV != nil) && st.kevDue == kevDue && st.due == due && st.cves == cves &&
		(f.as.EPSS == nil) == !st.epss.Valid && (f.as.EPSS == nil || f.as.EPSS.Probability == st.epss.Float64)
	if same { // nothing to write; only the status may move
		return s.refreshStatus(ctx, tx, st, at, sum)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE vuln_findings SET version = $1, origin = $2, priority = $3, reasons = $4, cvss_score = $5, cvss_vector = $6, epss = $7, kev = $8, kev_due = $9, due_at = $10, cves = $11 WHERE id = $12`,
		f.version, f.origin, f.as.Priority, string(reasons), score, vector, epss, store.Flag(f.as.KEV != nil), kevDue, due, cves, st.id); err != nil {
		return fmt.Errorf("vuln: refresh finding %d: %w", st.id, err)
	}
	if st.version != f.version || st.priority != f.as.Priority || st.due != due {
		if err := s.audit.Record(ctx, matcherActor, audit.Update, "vuln-finding", st.id,
			map[string]any{"version": st.version, "priority": st.priority, "due_at": st.due},
			map[string]any{"version": f.version, "priority": f.as.Priority, "due_at": due}); err != nil {
			return err
		}
	}
	return s.refreshStatus(ctx, tx, st, at, sum)
}

// refreshStatus reopens a finding that still matches: a fixed one (the
// version regressed) and a risk acceptance past its expiry.
func (s *Service) refreshStatus(ctx context.Context, tx *store.Tx, st stored, at string, sum *MatchSummary) error {
	switch {
	case st.status == Fixed:
		sum.Reopened++
		return s.transition(ctx, tx, matcherActor, st.id, Open, "phiên bản bị ảnh hưởng xuất hiện lại / an affected version is back in the inventory", at)
	case st.status == RiskAccepted && st.until != "" && st.until < at[:10]:
		sum.Reopened++
		return s.transition(ctx, tx, matcherActor, st.id, Open, "chấp nhận rủi ro đã hết hạn / the risk acceptance expired", at)
	}
	return nil
}

// ReopenExpired matches again the systems holding a risk acceptance past
// its expiry (the match reopens those findings still vulnerable and
// closes the others); it returns how many systems it matched.
func (s *Service) ReopenExpired(ctx context.Context, now time.Time) (int, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT DISTINCT system_id FROM vuln_findings WHERE status = 'risk_accepted' AND accepted_until <> '' AND accepted_until < $1`, now.UTC().Format("2006-01-02"))
	if err != nil {
		return 0, fmt.Errorf("vuln: expired acceptances: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	return len(ids), s.MatchSystems(ctx, ids)
}
