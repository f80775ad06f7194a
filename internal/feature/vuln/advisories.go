// Advisories to agencies: the security office names CVEs and affected
// products and versions, with a required action and a deadline; Khiên
// lists the systems affected now (and again as inventories change), and
// follows each affected agency: notified → acknowledged → patched (with an
// evidence note) → verified.

package vuln

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/vuln"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/notify"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Agency progress on an advisory.
const (
	Notified     = "notified"
	Acknowledged = "acknowledged"
	Patched      = "patched"
	Verified     = "verified"
)

// Product is an affected product of an advisory: a component name (as
// inventories name it) and optional version bounds; no bound means every
// version.
type Product struct {
	Name                  string `json:"name"`
	Version               string `json:"version,omitempty"`
	VersionStartIncluding string `json:"version_start_including,omitempty"`
	VersionEndIncluding   string `json:"version_end_including,omitempty"`
	VersionEndExcluding   string `json:"version_end_excluding,omitempty"`
}

// affects reports whether a component is within the product's versions.
func (p Product) affects(name, version string) bool {
	return componentKey(p.Name) == componentKey(name) && p.versionIn(version)
}

// versionIn reports whether version is within the product's versions.
func (p Product) versionIn(version string) bool {
	cmp := func(b string) int { return vuln.CompareVersions(version, b) }
	switch {
	case p.Version != "" && cmp(p.Version) != 0,
		p.VersionStartIncluding != "" && cmp(p.VersionStartIncluding) < 0,
		p.VersionEndIncluding != "" && cmp(p.VersionEndIncluding) > 0,
		p.VersionEndExcluding != "" && cmp(p.VersionEndExcluding) >= 0:
		return false
	}
	return true
}

// AdvisoryInput is a new advisory.
type AdvisoryInput struct {
	Title    string    `json:"title"`
	TitleEN  string    `json:"title_en"`
	CVEs     []string  `json:"cves"`
	Products []Product `json:"products"`
	Action   string    `json:"action"`
	ActionEN string    `json:"action_en"`
	Deadline string    `json:"deadline"` // YYYY-MM-DD
}

// Advisory is an advisory with, in the reader's scope, the affected
// agencies' progress and the systems affected now.
type Advisory struct {
	ID        int64            `json:"id"`
	Title     string           `json:"title"`
	TitleEN   string           `json:"title_en"`
	CVEs      []string         `json:"cves"`
	Products  []Product        `json:"products"`
	Action    string           `json:"action"`
	ActionEN  string           `json:"action_en"`
	Deadline  string           `json:"deadline"`
	CreatedBy string           `json:"created_by"`
	CreatedAt time.Time        `json:"created_at"`
	Agencies  []AgencyProgress `json:"agencies"`
	Systems   []Affected       `json:"systems"`
}

// AgencyProgress is one agency's progress on an advisory.
type AgencyProgress struct {
	AgencyID   int64     `json:"agency_id"`
	AgencyName string    `json:"agency_name"`
	Status     string    `json:"status"`
	Evidence   string    `json:"evidence"`
	UpdatedBy  string    `json:"updated_by"`
	NotifiedAt time.Time `json:"notified_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Affected is a system an advisory affects now, and why.
type Affected struct {
	SystemID   int64  `json:"system_id"`
	SystemName string `json:"system_name"`
	AgencyID   int64  `json:"agency_id"`
	AgencyName string `json:"agency_name"`
	Why        string `json:"why"` // the CVE or component@version
	agencyPath string
}

var cvePattern = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)

func (in *AdvisoryInput) validate() error {
	var e valid.Errors
	e.Text("title", in.Title, true, 300, false)
	e.Text("title_en", in.TitleEN, false, 300, false)
	e.Text("action", in.Action, true, 4000, true)
	e.Text("action_en", in.ActionEN, false, 4000, true)
	for i, c := range in.CVEs {
		in.CVEs[i] = strings.ToUpper(strings.TrimSpace(c))
		if !cvePattern.MatchString(in.CVEs[i]) {
			e.Add(fmt.Sprintf("cves[%d]", i), fmt.Sprintf("%q is not a CVE id such as CVE-2024-4577", c), fmt.Sprintf("%q không phải mã CVE dạng CVE-2024-4577", c))
		}
	}
	for i, p := range in.Products {
		e.Text(fmt.Sprintf("products[%d].name", i), p.Name, true, 200, false)
	}
	if len(in.CVEs) == 0 && len(in.Products) == 0 {
		e.Add("cves", "name at least one CVE or one product", "cần ít nhất một mã CVE hoặc một sản phẩm")
	}
	if _, err := time.Parse("2006-01-02", in.Deadline); err != nil {
		e.Add("deadline", "must be a date such as 2027-01-31", "phải là một ngày dạng 2027-01-31")
	}
	if len(e) > 0 {
		return e
	}
	return nil
}

// CreateAdvisory issues an advisory (admins) and notifies the agencies it
// affects now.
func (s *Service) CreateAdvisory(ctx context.Context, actor access.Actor, in AdvisoryInput) (Advisory, error) {
	if actor.Role != access.Admin {
		return Advisory{}, fmt.Errorf("vuln: create advisory: %w", store.ErrForbidden)
	}
	if err := in.validate(); err != nil {
		return Advisory{}, err
	}
	if in.Products == nil {
		in.Products = []Product{}
	}
	products, _ := json.Marshal(in.Products)
	var out Advisory
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO vuln_advisories (title, title_en, cves, products, action, action_en, deadline, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			in.Title, in.TitleEN, strings.Join(in.CVEs, " "), string(products), in.Action, in.ActionEN, in.Deadline, actor.Username, store.Now()).Scan(&id); err != nil {
			return fmt.Errorf("vuln: create advisory: %w", err)
		}
		if err := s.audit.Record(ctx, actor, audit.Create, "vuln-advisory", id, nil, in); err != nil {
			return err
		}
		if err := s.notifyAffected(ctx, tx, nil); err != nil {
			return err
		}
		var err error
		out, err = s.Advisory(ctx, actor, id)
		return err
	})
	return out, err
}

// notifyAffected adds, for every advisory, the agencies it affects now and
// has not reached yet (they start "notified"), looking only at systems ids
// (nil: every system).
func (s *Service) notifyAffected(ctx context.Context, tx *store.Tx, ids []int64) error {
	advs, err := s.advisories(ctx, tx, "")
	if err != nil {
		return err
	}
	now := store.Now()
	for _, a := range advs {
		systems, err := affected(ctx, tx, a, ids)
		if err != nil {
			return err
		}
		seen := map[int64]bool{}
		for _, sys := range systems {
			if seen[sys.AgencyID] {
				continue
			}
			seen[sys.AgencyID] = true
			res, err := tx.ExecContext(ctx, `INSERT INTO vuln_advisory_agencies (advisory_id, agency_id, notified_at, updated_at) VALUES ($1, $2, $3, $3) ON CONFLICT (advisory_id, agency_id) DO NOTHING`, a.ID, sys.AgencyID, now)
			if err != nil {
				return fmt.Errorf("vuln: notify agency %d: %w", sys.AgencyID, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				if err := s.audit.Record(ctx, matcherActor, audit.Create, "vuln-advisory-agency", fmt.Sprintf("%d/%d", a.ID, sys.AgencyID), nil, map[string]any{"status": Notified, "system": sys.SystemName}); err != nil {
					return err
				}
				s.sendNotice(ctx, a, sys)
			}
		}
	}
	return nil
}

// advisories reads advisories (with a condition on a.id, or all).
func (s *Service) advisories(ctx context.Context, q store.Querier, cond string, args ...any) ([]Advisory, error) {
	where := ""
	if cond != "" {
		where = " WHERE " + cond
	}
	rows, err := q.QueryContext(ctx, `SELECT a.id, a.title, a.title_en, a.cves, a.products, a.action, a.action_en, a.deadline, a.created_by, a.created_at FROM vuln_advisories a`+where+` ORDER BY a.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("vuln: read advisories: %w", err)
	}
	defer rows.Close()
	var out []Advisory
	for rows.Next() {
		var a Advisory
		var cves, products, created string
		if err := rows.Scan(&a.ID, &a.Title, &a.TitleEN, &cves, &products, &a.Action, &a.ActionEN, &a.Deadline, &a.CreatedBy, &created); err != nil {
			return nil, fmt.Errorf("vuln: read advisories: %w", err)
		}
		a.CVEs = strings.Fields(cves)
		if a.CVEs == nil {
			a.CVEs = []string{}
		}
		if err := json.Unmarshal([]byte(products), &a.Products); err != nil {
			return nil, fmt.Errorf("vuln: advisory %d products: %w", a.ID, err)
		}
		a.CreatedAt = store.ParseTime(created)
		out = append(out, a)
	}
	return out, rows.Err()
}

// affected lists the live systems an advisory affects now: those with an
// unresolved finding on one of its CVEs, and those running one of its
// products in the versions named.
func affected(ctx context.Context, q store.Querier, a Advisory, ids []int64) ([]Affected, error) {
	found := map[int64]*Affected{}
	if ids != nil && len(ids) == 0 {
		return nil, nil
	}
	w, keep := liveSystems(ids)
	add := func(x Affected) {
		if _, ok := found[x.SystemID]; !ok && keep(x.SystemID) {
			found[x.SystemID] = &x
		}
	}
	from := ` JOIN systems s ON s.id = t.system_id JOIN agencies a ON a.id = s.agency_id WHERE ` + w.SQL() + ` `
	if len(a.CVEs) > 0 {
		rows, err := q.QueryContext(ctx, `SELECT t.system_id, s.name, s.agency_id, a.name, s.agency_path, t.vuln_id, t.cves FROM vuln_findings t`+from+`AND t.status IN ('open', 'in_progress', 'risk_accepted')`, w.Args()...)
		if err != nil {
			return nil, fmt.Errorf("vuln: affected systems: %w", err)
		}
		for rows.Next() {
			var x Affected
			var id, cves string
			if err := rows.Scan(&x.SystemID, &x.SystemName, &x.AgencyID, &x.AgencyName, &x.agencyPath, &id, &cves); err != nil {
				rows.Close()
				return nil, err
			}
			for _, c := range a.CVEs {
				if c == id || slices.Contains(strings.Fields(cves), c) {
					x.Why = c
					add(x)
					break
				}
			}
		}
		rows.Close()
	}
	if len(a.Products) > 0 {
		rows, err := q.QueryContext(ctx, `SELECT t.system_id, s.name, s.agency_id, a.name, s.agency_path, t.name, t.version FROM system_software t`+from, w.Args()...)
		if err != nil {
			return nil, fmt.Errorf("vuln: affected systems: %w", err)
		}
		for rows.Next() {
			var x Affected
			var name, version string
			if err := rows.Scan(&x.SystemID, &x.SystemName, &x.AgencyID, &x.AgencyName, &x.agencyPath, &name, &version); err != nil {
				rows.Close()
				return nil, err
			}
			for _, p := range a.Products {
				if p.affects(name, version) {
					x.Why = name + "@" + version
					add(x)
					break
				}
			}
		}
		rows.Close()
	}
	out := make([]Affected, 0, len(found))
	for _, x := range found {
		out = append(out, *x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SystemID < out[j].SystemID })
	return out, nil
}

// Advisories lists advisories: all for the security office and auditors;
// for an agency officer, those that reached an agency in their scope.
func (s *Service) Advisories(ctx context.Context, actor access.Actor) ([]Advisory, error) {
	if !actor.CanRead() {
		return nil, fmt.Errorf("vuln: advisories: %w", store.ErrForbidden)
	}
	cond, args := "", []any(nil)
	if actor.Scoped() {
		var w store.Where
		w.Cond(actor.PathFilter("g.path"))
		cond, args = `EXISTS (SELECT 1 FROM vuln_advisory_agencies p JOIN agencies g ON g.id = p.agency_id WHERE p.advisory_id = a.id AND `+w.SQL()+`)`, w.Args()
	}
	out, err := s.advisories(ctx, s.db.Q(ctx), cond, args...)
	if out == nil {
		out = []Advisory{}
	}
	return out, err
}

// Advisory returns one advisory with the agencies and systems in actor's
// scope; an officer's agency it did not reach makes it not found.
func (s *Service) Advisory(ctx context.Context, actor access.Actor, id int64) (Advisory, error) {
	list, err := s.Advisories(ctx, actor)
	if err != nil {
		return Advisory{}, err
	}
	i := slices.IndexFunc(list, func(a Advisory) bool { return a.ID == id })
	if i < 0 {
		return Advisory{}, fmt.Errorf("vuln: advisory %d: %w", id, store.ErrNotFound)
	}
	a := list[i]
	q := s.db.Q(ctx)
	var w store.Where
	w.Add("p.advisory_id = ?", id)
	w.Cond(actor.PathFilter("g.path"))
	rows, err := q.QueryContext(ctx, `SELECT p.agency_id, g.name, p.status, p.evidence, p.updated_by, p.notified_at, p.updated_at FROM vuln_advisory_agencies p JOIN agencies g ON g.id = p.agency_id WHERE `+w.SQL()+` ORDER BY g.name`, w.Args()...)
	if err != nil {
		return a, fmt.Errorf("vuln: advisory agencies: %w", err)
	}
	defer rows.Close()
	a.Agencies = []AgencyProgress{}
	for rows.Next() {
		var p AgencyProgress
		var notified, updated string
		if err := rows.Scan(&p.AgencyID, &p.AgencyName, &p.Status, &p.Evidence, &p.UpdatedBy, &notified, &updated); err != nil {
			return a, err
		}
		p.NotifiedAt, p.UpdatedAt = store.ParseTime(notified), store.ParseTime(updated)
		a.Agencies = append(a.Agencies, p)
	}
	systems, err := affected(ctx, q, a, nil)
	a.Systems = []Affected{}
	for _, x := range systems {
		if actor.InScope(x.agencyPath) {
			a.Systems = append(a.Systems, x)
		}
	}
	return a, err
}

// ProgressInput moves an agency's progress on an advisory.
type ProgressInput struct {
	Status   string `json:"status"`
	Evidence string `json:"evidence"`
}

// SetProgress records an agency's progress: its officers (and admins)
// acknowledge and report it patched (with evidence); admins and analysts
// verify.
func (s *Service) SetProgress(ctx context.Context, actor access.Actor, advisoryID, agencyID int64, in ProgressInput) (AgencyProgress, error) {
	if !CanWork(actor) {
		return AgencyProgress{}, fmt.Errorf("vuln: advisory progress: %w", store.ErrForbidden)
	}
	var e valid.Errors
	in.Evidence = strings.TrimSpace(in.Evidence)
	switch in.Status {
	case Acknowledged:
	case Patched:
		e.Text("evidence", in.Evidence, true, 4000, true)
	case Verified:
		if !actor.CanWriteSecurity() {
			return AgencyProgress{}, fmt.Errorf("vuln: verify advisory: %w", store.ErrForbidden)
		}
	default:
		e.Add("status", "must be acknowledged, patched or verified", "phải là acknowledged, patched hoặc verified")
	}
	if len(e) > 0 {
		return AgencyProgress{}, e
	}
	var out AgencyProgress
	err := s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var w store.Where
		w.Add("p.advisory_id = ? AND p.agency_id = ?", advisoryID, agencyID)
		w.Cond(actor.PathFilter("g.path"))
		var before AgencyProgress
		err := tx.QueryRowContext(ctx, `SELECT p.status, p.evidence FROM vuln_advisory_agencies p JOIN agencies g ON g.id = p.agency_id WHERE `+w.SQL(), w.Args()...).Scan(&before.Status, &before.Evidence)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("vuln: advisory %d agency %d: %w", advisoryID, agencyID, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		order := []string{Notified, Acknowledged, Patched, Verified}
		if slices.Index(order, in.Status) != slices.Index(order, before.Status)+1 {
			var e valid.Errors
			e.Add("status", fmt.Sprintf("the agency's progress is %s: next comes %s", before.Status, order[min(slices.Index(order, before.Status)+1, 3)]),
				fmt.Sprintf("tiến độ của đơn vị đang là %s: bước tiếp theo là %s", before.Status, order[min(slices.Index(order, before.Status)+1, 3)]))
			return e
		}
		evidence := before.Evidence
		if in.Evidence != "" {
			evidence = in.Evidence
		}
		if _, err := tx.ExecContext(ctx, `UPDATE vuln_advisory_agencies SET status = $1, evidence = $2, updated_by = $3, updated_at = $4 WHERE advisory_id = $5 AND agency_id = $6`,
			in.Status, evidence, actor.Username, store.Now(), advisoryID, agencyID); err != nil {
			return fmt.Errorf("vuln: advisory progress: %w", err)
		}
		out = AgencyProgress{AgencyID: agencyID, Status: in.Status, Evidence: evidence, UpdatedBy: actor.Username}
		return s.audit.Record(ctx, actor, audit.Update, "vuln-advisory-agency", fmt.Sprintf("%d/%d", advisoryID, agencyID), before, out)
	})
	return out, err
}

// sendNotice tells the notification targets, once the transaction that
// reached the agency commits, that the advisory reached it (best effort:
// a failure is logged; the agency's progress row is the record).
func (s *Service) sendNotice(ctx context.Context, a Advisory, sys Affected) {
	s.mu.Lock()
	n := s.notifier
	s.mu.Unlock()
	if n == nil {
		return
	}
	notice := notify.Notice{Event: "vuln-advisory", Severity: "high", At: time.Now(),
		Subject: fmt.Sprintf("Cảnh báo lỗ hổng / Vulnerability advisory: %s → %s", a.Title, sys.AgencyName),
		Text:    fmt.Sprintf("Cảnh báo \"%s\" gửi tới %s (hệ thống %s, %s). Việc phải làm: %s. Hạn: %s.", a.Title, sys.AgencyName, sys.SystemName, sys.Why, a.Action, a.Deadline),
		TextEN:  fmt.Sprintf("Advisory \"%s\" reached %s (system %s, %s). Action: %s. Deadline: %s.", pickEN(a.TitleEN, a.Title), sys.AgencyName, sys.SystemName, sys.Why, pickEN(a.ActionEN, a.Action), a.Deadline),
		Payload: map[string]any{"advisory_id": a.ID, "agency_id": sys.AgencyID, "system_id": sys.SystemID, "cves": a.CVEs, "deadline": a.Deadline}}
	store.AfterCommit(ctx, func(ctx context.Context) {
		if err := n.Send(ctx, notice); err != nil {
			slog.Error("vulnerability advisory notice", "advisory", a.ID, "agency", sys.AgencyID, "err", err)
		}
	})
}

func pickEN(en, vi string) string {
	if en != "" {
		return en
	}
	return vi
}
