package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
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
	// ArchivedAt is when the system was archived (null: live); an archived
	// system is read-only, no longer scanned or probed, and keeps its
	// history.
	ArchivedAt *time.Time `json:"archived_at"`
	ArchivedBy string     `json:"archived_by"`
}

// Archived reports whether the system is archived.
func (s System) Archived() bool { return s.ArchivedAt != nil }

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

const systemColumns = `s.id, s.agency_id, a.code, a.name, s.name, s.purpose, s.info_kind, s.audience, s.hosting, s.operator, s.status, s.assets, s.created_at, s.updated_at, s.archived_at, s.archived_by`

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
	var created, updated, assets, archived string
	if err := r.Scan(&s.ID, &s.AgencyID, &s.AgencyCode, &s.AgencyName, &s.Name, &s.Purpose, &s.InfoKind, &s.Audience, &s.Hosting, &s.Operator, &s.Status, &assets, &created, &updated, &archived, &s.ArchivedBy); err != nil {
		return s, err
	}
	s.CreatedAt, s.UpdatedAt, s.ArchivedAt = store.ParseTime(created), store.ParseTime(updated), store.TimePtr(archived)
	s.parseAssets(assets)
	return s, nil
}

// System returns one system within actor's scope, live or archived.
func (r *Registry) System(ctx context.Context, actor access.Actor, id int64) (System, error) {
	var w store.Where
	w.Add("s.id = ?", id)
	w.Cond(actor.PathFilter(store.ScopePath))
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
	Archived string // "" or "false": live systems only; "true": archived only; "all": both
	Sort     string // name, id, created_at, updated_at, agency, status, with '-' for descending
	Page     Page
}

var systemSorts = map[string]string{
	"name": "s.name", "id": "s.id", "created_at": "s.created_at", "updated_at": "s.updated_at", "agency": "a.code", "status": "s.status", "hosting": "s.hosting",
}

// Systems lists systems within actor's scope (live ones unless the filter
// asks for archived ones) and counts all matches.
func (r *Registry) Systems(ctx context.Context, actor access.Actor, f SystemFilter) ([]System, int, error) {
	var w store.Where
	w.Cond(actor.PathFilter(store.ScopePath))
	if q := valid.Fold(f.Query); q != "" {
		w.Add(`s.search LIKE ? ESCAPE '\'`, store.LikeContains(q))
	}
	if f.AgencyID != nil {
		// The agency's subtree, as far as the actor may see it.
		a, err := r.Agency(ctx, actor, *f.AgencyID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, 0, err
		}
		w.Cond(access.SubtreeCondition(store.ScopePath, a.Path))
	}
	switch f.Archived {
	case "", "false":
		w.Add("s.archived_at = ''")
	case "true":
		w.Add("s.archived_at <> ''")
	case "all":
	default:
		return nil, 0, fmt.Errorf("%w: archived: %q is not false, true or all", store.ErrInvalid, f.Archived)
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
	p := normalised(f.Page)
	out := []System{}
	if total <= p.Offset {
		return out, total, nil
	}
	page := w.Limit(p)
	rows, err := q.QueryContext(ctx, `SELECT `+systemColumns+` FROM systems s JOIN agencies a ON a.id = s.agency_id WHERE `+w.SQL()+` ORDER BY `+order+page, w.Args()...)
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
