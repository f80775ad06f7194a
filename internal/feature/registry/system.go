package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Hosting choices and system statuses.
var (
	Hostings = []string{"on-premise", "provincial-dc", "cloud"}
	Statuses = []string{"planned", "active", "suspended", "retired"}
)

// Asset kinds kept in system_assets.
const (
	assetURL    = "url"
	assetDomain = "domain"
	assetIP     = "ip"
	assetCIDR   = "cidr"
)

// Software is a component an information system runs.
type Software struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	CPE     string `json:"cpe,omitempty"`
	PURL    string `json:"purl,omitempty"`
}

// System is an information system owned by an agency, with its assets.
type System struct {
	ID         int64      `json:"id"`
	AgencyID   int64      `json:"agency_id"`
	AgencyCode string     `json:"agency_code"`
	AgencyName string     `json:"agency_name"`
	Name       string     `json:"name"`
	Purpose    string     `json:"purpose"`
	InfoKind   string     `json:"info_kind"`
	Audience   string     `json:"audience"`
	Hosting    string     `json:"hosting"`
	Operator   string     `json:"operator"`
	Status     string     `json:"status"`
	URLs       []string   `json:"urls"`
	Domains    []string   `json:"domains"`
	IPs        []string   `json:"ips"`
	CIDRs      []string   `json:"cidrs"`
	Software   []Software `json:"software"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// SystemInput creates a system (all fields) or changes one (only the fields
// present; a present list replaces the whole list).
type SystemInput struct {
	AgencyID *int64      `json:"agency_id"`
	Name     *string     `json:"name"`
	Purpose  *string     `json:"purpose"`
	InfoKind *string     `json:"info_kind"`
	Audience *string     `json:"audience"`
	Hosting  *string     `json:"hosting"`
	Operator *string     `json:"operator"`
	Status   *string     `json:"status"`
	URLs     *[]string   `json:"urls"`
	Domains  *[]string   `json:"domains"`
	IPs      *[]string   `json:"ips"`
	CIDRs    *[]string   `json:"cidrs"`
	Software *[]Software `json:"software"`
}

func (in SystemInput) apply(s *System) {
	str := func(dst, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	list := func(dst *[]string, src *[]string) {
		if src != nil {
			*dst = make([]string, 0, len(*src))
			for _, v := range *src {
				*dst = append(*dst, strings.TrimSpace(v))
			}
		}
	}
	if in.AgencyID != nil {
		s.AgencyID = *in.AgencyID
	}
	str(&s.Name, in.Name)
	str(&s.Purpose, in.Purpose)
	str(&s.InfoKind, in.InfoKind)
	str(&s.Audience, in.Audience)
	str(&s.Hosting, in.Hosting)
	str(&s.Operator, in.Operator)
	str(&s.Status, in.Status)
	list(&s.URLs, in.URLs)
	list(&s.Domains, in.Domains)
	list(&s.IPs, in.IPs)
	list(&s.CIDRs, in.CIDRs)
	if in.Software != nil {
		s.Software = append([]Software{}, *in.Software...)
	}
}

const maxAssets = 200

// validate checks every field and normalises the assets in place.
func (s *System) validate() error {
	var e valid.Errors
	if s.AgencyID <= 0 {
		e.Add("agency_id", "is required", "bắt buộc phải chọn đơn vị")
	}
	e.Text("name", s.Name, true, 200, false)
	e.Text("purpose", s.Purpose, false, 2000, true)
	e.Text("info_kind", s.InfoKind, false, 200, false)
	e.Text("audience", s.Audience, false, 200, false)
	e.OneOf("hosting", s.Hosting, false, Hostings...)
	e.Text("operator", s.Operator, false, 200, false)
	if s.Status == "" {
		s.Status = "active"
	}
	e.OneOf("status", s.Status, true, Statuses...)
	s.URLs = checkList(&e, "urls", s.URLs, e.URL)
	s.Domains = checkList(&e, "domains", s.Domains, e.DomainField)
	s.IPs = checkList(&e, "ips", s.IPs, e.IP)
	s.CIDRs = checkList(&e, "cidrs", s.CIDRs, e.CIDR)
	if len(s.Software) > maxAssets {
		e.Add("software", fmt.Sprintf("has more than %d entries", maxAssets), fmt.Sprintf("có hơn %d mục", maxAssets))
	}
	for i := range s.Software {
		sw := &s.Software[i]
		field := fmt.Sprintf("software[%d]", i)
		sw.Name, sw.Version, sw.CPE, sw.PURL = strings.TrimSpace(sw.Name), strings.TrimSpace(sw.Version), strings.TrimSpace(sw.CPE), strings.TrimSpace(sw.PURL)
		e.Text(field+".name", sw.Name, true, 200, false)
		e.Text(field+".version", sw.Version, false, 100, false)
		if sw.CPE != "" && !strings.HasPrefix(sw.CPE, "cpe:2.3:") && !strings.HasPrefix(sw.CPE, "cpe:/") {
			e.Add(field+".cpe", fmt.Sprintf("%q is not a CPE name (cpe:2.3:… or cpe:/…)", sw.CPE), fmt.Sprintf("%q không phải tên CPE (cpe:2.3:… hoặc cpe:/…)", sw.CPE))
		}
		e.Text(field+".cpe", sw.CPE, false, 500, false)
		if sw.PURL != "" && !strings.HasPrefix(sw.PURL, "pkg:") {
			e.Add(field+".purl", fmt.Sprintf("%q is not a package URL (pkg:type/name@version)", sw.PURL), fmt.Sprintf("%q không phải package URL (pkg:loại/tên@phiên-bản)", sw.PURL))
		}
		e.Text(field+".purl", sw.PURL, false, 500, false)
	}
	return e.Err()
}

// checkList validates and normalises each entry, dropping empty entries
// and exact duplicates.
func checkList(e *valid.Errors, field string, in []string, check func(field, v string) string) []string {
	if len(in) > maxAssets {
		e.Add(field, fmt.Sprintf("has more than %d entries", maxAssets), fmt.Sprintf("có hơn %d mục", maxAssets))
		return in
	}
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for i, v := range in {
		if v == "" {
			continue
		}
		n := check(fmt.Sprintf("%s[%d]", field, i), v)
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

func (s *System) search() string {
	parts := []string{s.Name, s.Purpose, s.Operator, s.AgencyCode}
	parts = append(parts, s.URLs...)
	parts = append(parts, s.Domains...)
	parts = append(parts, s.IPs...)
	for _, sw := range s.Software {
		parts = append(parts, sw.Name)
	}
	return valid.Fold(strings.Join(parts, " "))
}

const systemColumns = `s.id, s.agency_id, a.code, a.name, s.name, s.purpose, s.info_kind, s.audience, s.hosting, s.operator, s.status, s.assets, s.created_at, s.updated_at`

// Assets are also kept in systems.assets, a copy of system_assets and
// system_software written in the same transaction, so that a page of
// systems is read with one query. The copy is one line per asset, fields
// separated by tabs ("u\tURL", "d\tdomain", "i\tIP", "c\tCIDR",
// "s\tname\tversion\tcpe\tpurl"): validation keeps tabs and new lines out
// of every value, and this parses far faster than JSON.
func (s System) assetText() string {
	var b strings.Builder
	for _, g := range []struct {
		tag    string
		values []string
	}{{"u", s.URLs}, {"d", s.Domains}, {"i", s.IPs}, {"c", s.CIDRs}} {
		for _, v := range g.values {
			b.WriteString(g.tag + "\t" + v + "\n")
		}
	}
	for _, sw := range s.Software {
		b.WriteString("s\t" + sw.Name + "\t" + sw.Version + "\t" + sw.CPE + "\t" + sw.PURL + "\n")
	}
	return b.String()
}

func (s *System) parseAssets(text string) {
	s.URLs, s.Domains, s.IPs, s.CIDRs, s.Software = []string{}, []string{}, []string{}, []string{}, []Software{}
	for len(text) > 0 {
		line, rest, _ := strings.Cut(text, "\n")
		text = rest
		tag, value, _ := strings.Cut(line, "\t")
		switch tag {
		case "u":
			s.URLs = append(s.URLs, value)
		case "d":
			s.Domains = append(s.Domains, value)
		case "i":
			s.IPs = append(s.IPs, value)
		case "c":
			s.CIDRs = append(s.CIDRs, value)
		case "s":
			f := strings.SplitN(value, "\t", 4)
			for len(f) < 4 {
				f = append(f, "")
			}
			s.Software = append(s.Software, Software{Name: f[0], Version: f[1], CPE: f[2], PURL: f[3]})
		}
	}
}

func scanSystem(r interface{ Scan(...any) error }) (System, error) {
	var s System
	var created, updated, assets string
	if err := r.Scan(&s.ID, &s.AgencyID, &s.AgencyCode, &s.AgencyName, &s.Name, &s.Purpose, &s.InfoKind, &s.Audience, &s.Hosting, &s.Operator, &s.Status, &assets, &created, &updated); err != nil {
		return s, err
	}
	s.CreatedAt, s.UpdatedAt = store.ParseTime(created), store.ParseTime(updated)
	s.parseAssets(assets)
	return s, nil
}

// System returns one system within actor's scope.
func (r *Registry) System(ctx context.Context, actor access.Actor, id int64) (System, error) {
	var w store.Where
	w.Add("s.id = ?", id)
	w.Cond(actor.PathFilter("s.agency_path"))
	row := r.db.Q(ctx).QueryRowContext(ctx, `SELECT `+systemColumns+` FROM systems s JOIN agencies a ON a.id = s.agency_id WHERE `+w.SQL(), w.Args()...)
	s, err := scanSystem(row)
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("registry: system %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("registry: system %d: %w", id, err)
	}
	return s, nil
}

// SystemFilter selects systems.
type SystemFilter struct {
	Query    string // folded search over name, purpose, operator, agency code, URLs, domains, IPs, software
	AgencyID *int64 // this agency and its descendants
	Hosting  string
	Status   string
	Domain   string // systems that list exactly this domain
	Sort     string // name, id, created_at, updated_at, agency, status, with '-' for descending
	Page     Page
}

var systemSorts = map[string]string{
	"name": "s.name", "id": "s.id", "created_at": "s.created_at", "updated_at": "s.updated_at", "agency": "a.code", "status": "s.status", "hosting": "s.hosting",
}

// Systems lists systems within actor's scope and counts all matches.
func (r *Registry) Systems(ctx context.Context, actor access.Actor, f SystemFilter) ([]System, int, error) {
	var w store.Where
	w.Cond(actor.PathFilter("s.agency_path"))
	if q := valid.Fold(f.Query); q != "" {
		w.Add(`s.search LIKE ? ESCAPE '\'`, store.LikeContains(q))
	}
	if f.AgencyID != nil {
		// The agency's subtree, as far as the actor may see it.
		a, err := r.Agency(ctx, actor, *f.AgencyID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, 0, err
		}
		w.Cond(access.SubtreeCondition("s.agency_path", a.Path))
	}
	if f.Hosting != "" {
		w.Add("s.hosting = ?", f.Hosting)
	}
	if f.Status != "" {
		w.Add("s.status = ?", f.Status)
	}
	if f.Domain != "" {
		d, err := valid.Domain(f.Domain)
		if err != nil {
			d = f.Domain
		}
		w.Add("s.id IN (SELECT system_id FROM system_assets WHERE kind = 'domain' AND value = ?)", d)
	}
	order, err := orderBy(f.Sort, systemSorts, "name", "s.id")
	if err != nil {
		return nil, 0, err
	}
	q := r.db.Q(ctx)
	// Every condition is on systems alone, so the count needs no join.
	countQuery := `SELECT COUNT(*) FROM systems s WHERE ` + w.SQL()
	total, err := r.counts.count(ctx, countQuery, w.Args(), func() (int, error) {
		var n int
		err := q.QueryRowContext(ctx, countQuery, w.Args()...).Scan(&n)
		return n, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("registry: count systems: %w", err)
	}
	p := f.Page.normalised()
	out := []System{}
	if total <= p.Offset {
		return out, total, nil
	}
	rows, err := q.QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM systems s JOIN agencies a ON a.id = s.agency_id WHERE %s ORDER BY %s LIMIT $%d OFFSET $%d`, systemColumns, w.SQL(), order, w.Next(), w.Next()+1),
		append(w.Args(), p.Limit, p.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("registry: list systems: %w", err)
	}
	for rows.Next() {
		s, err := scanSystem(rows)
		if err != nil {
			rows.Close()
			return nil, 0, fmt.Errorf("registry: list systems: %w", err)
		}
		out = append(out, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// CreateSystem registers an information system under an agency within
// actor's scope.
func (r *Registry) CreateSystem(ctx context.Context, actor access.Actor, in SystemInput) (out System, err error) {
	defer func() { r.systemsChanged(ctx, err, out.ID) }()
	if !actor.CanWriteRegistry() {
		return System{}, fmt.Errorf("registry: create system: %w", store.ErrForbidden)
	}
	var s System
	in.apply(&s)
	if err := s.validate(); err != nil {
		return s, err
	}
	err = r.write(ctx, func(ctx context.Context, tx *store.Tx) error {
		ag, err := r.Agency(ctx, actor, s.AgencyID)
		if errors.Is(err, store.ErrNotFound) {
			return agencyError(s.AgencyID)
		}
		if err != nil {
			return err
		}
		s.AgencyCode = ag.Code
		now := store.Now()
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO systems (agency_id, agency_path, url_count, assets, name, purpose, info_kind, audience, hosting, operator, status, search, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id`,
			s.AgencyID, ag.Path, len(s.URLs), s.assetText(), s.Name, s.Purpose, s.InfoKind, s.Audience, s.Hosting, s.Operator, s.Status, s.search(), now).Scan(&id)
		if err != nil {
			return fmt.Errorf("registry: create system %q: %w", s.Name, err)
		}
		if err := writeAssets(ctx, tx, id, s); err != nil {
			return err
		}
		if out, err = r.System(ctx, access.System, id); err != nil {
			return err
		}
		return r.audit.Record(ctx, actor, audit.Create, "system", id, nil, out)
	})
	return out, err
}

func agencyError(id int64) error {
	var e valid.Errors
	e.Add("agency_id", fmt.Sprintf("agency %d does not exist or is outside your scope", id), fmt.Sprintf("đơn vị %d không tồn tại hoặc ngoài phạm vi của bạn", id))
	return e
}

func writeAssets(ctx context.Context, tx *store.Tx, id int64, s System) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM system_assets WHERE system_id = $1`, id); err != nil {
		return fmt.Errorf("registry: replace assets of system %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM system_software WHERE system_id = $1`, id); err != nil {
		return fmt.Errorf("registry: replace software of system %d: %w", id, err)
	}
	for _, group := range []struct {
		kind   string
		values []string
	}{{assetURL, s.URLs}, {assetDomain, s.Domains}, {assetIP, s.IPs}, {assetCIDR, s.CIDRs}} {
		for i, v := range group.values {
			if _, err := tx.ExecContext(ctx, `INSERT INTO system_assets (system_id, kind, value, position) VALUES ($1, $2, $3, $4)`, id, group.kind, v, i); err != nil {
				return fmt.Errorf("registry: add %s of system %d: %w", group.kind, id, err)
			}
		}
	}
	for i, sw := range s.Software {
		if _, err := tx.ExecContext(ctx, `INSERT INTO system_software (system_id, name, version, cpe, purl, position) VALUES ($1, $2, $3, $4, $5, $6)`, id, sw.Name, sw.Version, sw.CPE, sw.PURL, i); err != nil {
			return fmt.Errorf("registry: add software of system %d: %w", id, err)
		}
	}
	return nil
}

// UpdateSystem changes the fields present in in. Moving a system to
// another agency needs that agency to be within actor's scope too.
func (r *Registry) UpdateSystem(ctx context.Context, actor access.Actor, id int64, in SystemInput) (out System, err error) {
	defer func() { r.systemsChanged(ctx, err, id) }()
	if !actor.CanWriteRegistry() {
		return System{}, fmt.Errorf("registry: update system: %w", store.ErrForbidden)
	}
	err = r.write(ctx, func(ctx context.Context, tx *store.Tx) error {
		before, err := r.System(ctx, actor, id)
		if err != nil {
			return err
		}
		s := before
		s.URLs, s.Domains, s.IPs, s.CIDRs = clone(before.URLs), clone(before.Domains), clone(before.IPs), clone(before.CIDRs)
		s.Software = append([]Software{}, before.Software...)
		in.apply(&s)
		if err := s.validate(); err != nil {
			return err
		}
		ag, err := r.Agency(ctx, actor, s.AgencyID)
		if errors.Is(err, store.ErrNotFound) {
			return agencyError(s.AgencyID)
		}
		if err != nil {
			return err
		}
		s.AgencyCode = ag.Code
		_, err = tx.ExecContext(ctx, `UPDATE systems SET agency_id = $1, agency_path = $2, url_count = $3, assets = $4, name = $5, purpose = $6, info_kind = $7, audience = $8, hosting = $9, operator = $10, status = $11, search = $12, updated_at = $13 WHERE id = $14`,
			s.AgencyID, ag.Path, len(s.URLs), s.assetText(), s.Name, s.Purpose, s.InfoKind, s.Audience, s.Hosting, s.Operator, s.Status, s.search(), store.Now(), id)
		if err != nil {
			return fmt.Errorf("registry: update system %d: %w", id, err)
		}
		if err := writeAssets(ctx, tx, id, s); err != nil {
			return err
		}
		if out, err = r.System(ctx, access.System, id); err != nil {
			return err
		}
		return r.audit.Record(ctx, actor, audit.Update, "system", id, before, out)
	})
	return out, err
}

func clone(s []string) []string { return append([]string{}, s...) }

// DeleteSystem removes a system and its assets.
func (r *Registry) DeleteSystem(ctx context.Context, actor access.Actor, id int64) (err error) {
	defer func() { r.systemsChanged(ctx, err, id) }()
	if !actor.CanWriteRegistry() {
		return fmt.Errorf("registry: delete system: %w", store.ErrForbidden)
	}
	return r.write(ctx, func(ctx context.Context, tx *store.Tx) error {
		before, err := r.System(ctx, actor, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM systems WHERE id = $1`, id); err != nil {
			return fmt.Errorf("registry: delete system %d: %w", id, err)
		}
		return r.audit.Record(ctx, actor, audit.Delete, "system", id, before, nil)
	})
}

// Counts summarises the registry within actor's scope for the dashboard.
type Counts struct {
	Agencies int
	Systems  int
	URLs     int
	ByAgency []AgencyCount
}

// AgencyCount is one dashboard row: an agency and the systems and URLs it
// and its units have.
type AgencyCount struct {
	ID      int64
	Code    string
	Name    string
	Depth   int
	Systems int
	URLs    int
}

// Summary counts agencies, systems and URLs in actor's scope, with the
// totals of every agency rolled up over its units, in tree order.
func (r *Registry) Summary(ctx context.Context, actor access.Actor) (Counts, error) {
	var c Counts
	tree, err := r.AgencyTree(ctx, actor)
	if err != nil {
		return c, err
	}
	byID := make(map[int64]*AgencyCount, len(tree))
	rowsOut := make([]AgencyCount, len(tree))
	paths := make(map[int64]string, len(tree))
	for i, a := range tree {
		rowsOut[i] = AgencyCount{ID: a.ID, Code: a.Code, Name: a.Name, Depth: a.Depth}
		byID[a.ID] = &rowsOut[i]
		paths[a.ID] = a.Path
	}
	var w store.Where
	w.Cond(actor.PathFilter("s.agency_path"))
	rows, err := r.db.Q(ctx).QueryContext(ctx, `SELECT s.agency_id, COUNT(*), COALESCE(SUM(s.url_count), 0)
		FROM systems s WHERE `+w.SQL()+` GROUP BY s.agency_id`, w.Args()...)
	if err != nil {
		return c, fmt.Errorf("registry: summary: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var systems, urls int
		if err := rows.Scan(&id, &systems, &urls); err != nil {
			return c, fmt.Errorf("registry: summary: %w", err)
		}
		c.Systems += systems
		c.URLs += urls
		// Add to the agency and each ancestor that is in scope.
		for _, part := range strings.Split(strings.Trim(paths[id], "/"), "/") {
			anc, err := strconv.ParseInt(part, 10, 64)
			if err != nil {
				continue
			}
			if ac := byID[anc]; ac != nil {
				ac.Systems += systems
				ac.URLs += urls
			}
		}
	}
	c.Agencies = len(tree)
	c.ByAgency = rowsOut
	return c, rows.Err()
}
