// Package sitescan runs the web assessment of every registered site inside
// the platform: it keeps one site per URL of every system, decides which
// are due for a scan, stores each scan's report and its history, compares
// a scan with the one before it, and raises findings when a site gets
// worse. Every read is limited to the caller's agency scope in SQL.
package sitescan

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/hostrate"
	"github.com/khien-project/khien/internal/platform/lease"
	"github.com/khien-project/khien/internal/platform/reach"
	"github.com/khien-project/khien/internal/platform/store"
)

// Config holds the platform-wide defaults a site may override.
type Config struct {
	ScanEvery  time.Duration // default time between scans of a site (24h)
	CheckEvery time.Duration // default time between monitoring probes (5m)
	// Rates paces each host across processes (scans, probes and
	// verification checks share it); nil paces nothing.
	Rates *hostrate.Limiter
	// Target holds the scanner's limits for the verification checks:
	// private addresses, the DNS server, the timeout.
	Target webscan.Options
	// Names decides which hosts get live checks: a site whose host it
	// rules offline (a reserved name that does not exist) is never
	// scanned, probed or looked up. nil checks every host.
	Names *reach.Names
}

// Service is the web-assessment feature over one database. It owns the
// sites table: the other features read it and change it only through the
// events sitescan subscribes to.
type Service struct {
	db     *store.DB
	audit  *audit.Log
	events *events.Bus
	leases *lease.Leases
	cfg    Config
}

// New builds the service and subscribes it to the events it reacts to.
func New(db *store.DB, log *audit.Log, bus *events.Bus, cfg Config) *Service {
	if cfg.ScanEvery <= 0 {
		cfg.ScanEvery = 24 * time.Hour
	}
	if cfg.CheckEvery <= 0 {
		cfg.CheckEvery = 5 * time.Minute
	}
	s := &Service{db: db, audit: log, events: bus, leases: lease.New(db), cfg: cfg}
	s.subscribe(bus)
	return s
}

// DB is the database the service works on (for the features built on it).
func (s *Service) DB() *store.DB { return s.db }

// Config returns the defaults in force.
func (s *Service) Config() Config { return s.cfg }

// Site is one URL of one registered system, with its latest assessment and
// monitoring state.
type Site struct {
	ID                int64      `json:"id"`
	SystemID          int64      `json:"system_id"`
	SystemName        string     `json:"system_name"`
	AgencyID          int64      `json:"agency_id"`
	AgencyName        string     `json:"agency_name"`
	URL               string     `json:"url"`
	Active            bool       `json:"active"`
	ScanEveryHours    int        `json:"scan_every_hours"`
	NextScanAt        time.Time  `json:"next_scan_at"`
	LastScanID        *int64     `json:"last_scan_id"`
	Grade             string     `json:"grade"`
	Score             int        `json:"score"`
	LastScannedAt     *time.Time `json:"last_scanned_at"`
	MonitorEnabled    bool       `json:"monitor_enabled"`
	CheckEveryMinutes int        `json:"check_every_minutes"`
	NextCheckAt       time.Time  `json:"next_check_at"`
	State             string     `json:"state"`
	Failures          int        `json:"consecutive_failures"`
	LastCheckedAt     *time.Time `json:"last_checked_at"`
	LastStatus        int        `json:"last_status"`
	LastLatencyMS     int        `json:"last_latency_ms"`
	// LastError is the technical reason of the last failed probe (no
	// internal addresses); LastErrorVI and LastErrorEN are its sentence
	// for people (empty before migration 0012: show LastError then).
	LastError       string     `json:"last_error"`
	LastErrorVI     string     `json:"last_error_vi"`
	LastErrorEN     string     `json:"last_error_en"`
	CertExpiresAt   *time.Time `json:"cert_expires_at"`
	Baseline        string     `json:"-"`
	BaselineAt      *time.Time `json:"baseline_at"`
	IgnoreRule      string     `json:"ignore_rule"`
	ChangeThreshold float64    `json:"change_threshold"`
	LastChange      float64    `json:"last_change"`
	Raised          string     `json:"-"`
	AgencyPath      string     `json:"-"`
	// ArchivedAt is when the site left the live registry (its system was
	// archived or its URL removed; null: live). An archived site is not
	// scanned or probed, is read-only, and keeps its history.
	ArchivedAt *time.Time `json:"archived_at"`
	ArchivedBy string     `json:"archived_by"`
	// Verification is whether the site may be scanned and probed:
	// approved, verified (its agency proved control of its host), pending
	// or rejected (never scanned nor probed).
	Verification string `json:"verification"`
	// Proof is what the agency must publish, for a pending site.
	Proof *HostProof `json:"verification_request,omitempty"`
	// NoLiveChecks, when set, says why the site is never scanned nor
	// probed live (its name does not exist): its pages show recorded
	// data only.
	NoLiveChecks *reach.Reason `json:"no_live_checks,omitempty"`
	// Trend is the grades of the latest scans, oldest first (lists only).
	Trend []string `json:"trend,omitempty"`
}

const siteColumns = `x.id, x.system_id, s.name, s.agency_id, a.name, x.url, x.active, x.scan_every_hours, x.next_scan_at, x.last_scan_id,
	x.last_grade, x.last_score, x.last_scanned_at, x.monitor_enabled, x.check_every_minutes, x.next_check_at, x.state, x.failures,
	x.last_checked_at, x.last_status, x.last_latency_ms, x.last_error, x.cert_expires_at, x.baseline, x.baseline_at, x.ignore_rule,
	x.change_threshold, x.last_change, x.raised, s.agency_path,
	x.archived_at, x.archived_by, x.verification, x.last_error_vi, x.last_error_en`

// SiteJoin is the FROM clause that gives a site its system and agency;
// the caller's scope is then PathFilter(store.ScopePath).
const SiteJoin = ` FROM sites x` + store.JoinSystemAgency

func scanSite(r interface{ Scan(...any) error }) (Site, error) {
	var x Site
	var active, monitor int
	var next, scanned, nextCheck, checked, certExp, baselineAt, archived string
	var last sql.NullInt64
	err := r.Scan(&x.ID, &x.SystemID, &x.SystemName, &x.AgencyID, &x.AgencyName, &x.URL, &active, &x.ScanEveryHours, &next, &last,
		&x.Grade, &x.Score, &scanned, &monitor, &x.CheckEveryMinutes, &nextCheck, &x.State, &x.Failures,
		&checked, &x.LastStatus, &x.LastLatencyMS, &x.LastError, &certExp, &x.Baseline, &baselineAt, &x.IgnoreRule,
		&x.ChangeThreshold, &x.LastChange, &x.Raised, &x.AgencyPath,
		&archived, &x.ArchivedBy, &x.Verification, &x.LastErrorVI, &x.LastErrorEN)
	if err != nil {
		return x, err
	}
	x.ArchivedAt = store.TimePtr(archived)
	x.Active, x.MonitorEnabled = active == 1, monitor == 1
	x.NextScanAt, x.NextCheckAt = store.ParseTime(next), store.ParseTime(nextCheck)
	if last.Valid {
		x.LastScanID = &last.Int64
	}
	x.LastScannedAt, x.LastCheckedAt, x.CertExpiresAt, x.BaselineAt = store.TimePtr(scanned), store.TimePtr(checked), store.TimePtr(certExp), store.TimePtr(baselineAt)
	return x, nil
}

// Sync makes one site for every URL of every live system: new URLs become
// sites due now, pending verification unless an admin or analyst added
// them (SyncAs); a URL removed from its system, or a system archived,
// archives its site (its history stays), and a URL put back, or a system
// restored, makes the same site live again with its history.
func (s *Service) Sync(ctx context.Context) (added int, err error) { return s.SyncSystems(ctx) }

// SyncSystems is Sync limited to the given systems (none: every system),
// so that saving one system costs a few index lookups, not a pass over
// every site.
func (s *Service) SyncSystems(ctx context.Context, ids ...int64) (added int, err error) {
	return s.syncSystems(ctx, access.System, "", ids)
}

// SyncAs is SyncSystems for URLs added by a user of role by: an admin's or
// analyst's are approved at once; the others wait until their agency
// proves control of the host (or already has) or an analyst approves.
func (s *Service) SyncAs(ctx context.Context, by access.Role, ids ...int64) (added int, err error) {
	return s.syncSystems(ctx, access.System, by, ids)
}

// syncSystems is SyncSystems for a change made by actor (recorded on the
// sites it archives) in the role by (which decides whether new URLs wait
// for verification).
func (s *Service) syncSystems(ctx context.Context, actor access.Actor, by access.Role, ids []int64) (added int, err error) {
	now := store.Now()
	initial := Pending
	if by == access.Admin || by == access.Analyst {
		initial = Approved
	}
	onlyV, onlySites := "", ""
	args := []any{}
	if len(ids) > 0 {
		for _, id := range ids {
			args = append(args, id)
		}
		onlyV = ` AND v.system_id IN (` + store.Placeholders(2, len(ids)) + `)`
		onlySites = ` AND system_id IN (` + store.Placeholders(1, len(ids)) + `)`
	}
	err = s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO sites (system_id, url, next_scan_at, next_check_at, created_at, verification)
			SELECT DISTINCT v.system_id, v.value, $1, $1, $1, $`+strconv.Itoa(len(args)+2)+` FROM system_assets v
			WHERE v.kind = 'url'`+onlyV+` AND NOT EXISTS (SELECT 1 FROM sites x WHERE x.system_id = v.system_id AND x.url = v.value)
			AND v.system_id IN (SELECT id FROM systems WHERE archived_at = '')`, append(append([]any{now}, args...), initial)...)
		if err != nil {
			return fmt.Errorf("sitescan: add sites: %w", err)
		}
		n, _ := res.RowsAffected()
		added = int(n)
		if err := s.followArchive(ctx, tx, actor, onlySites, args); err != nil {
			return err
		}
		if added == 0 || initial != Pending {
			return nil
		}
		return s.settleNew(ctx, tx, now)
	})
	return added, err
}

// SiteFilter selects sites.
type SiteFilter struct {
	Query    string // part of the URL, system or agency name
	Grade    string // exact grade, or "none" for never scanned
	State    string // up, down, unknown
	SystemID int64
	Inactive bool   // include archived sites (as Archived "all")
	Archived string // "" or "false": live sites; "true": archived ones only; "all": both
	// Verification is approved, verified, pending or rejected ("": any).
	Verification string
	Limit        int
	Offset       int
}

// Sites lists the sites in actor's scope, worst grade first, with the
// grades of their last scans, and counts all matches.
func (s *Service) Sites(ctx context.Context, actor access.Actor, f SiteFilter) ([]Site, int, error) {
	var w store.Where
	w.Cond(actor.PathFilter(store.ScopePath))
	switch {
	case f.Inactive || f.Archived == "all":
	case f.Archived == "" || f.Archived == "false":
		w.Add("x.active = 1")
	case f.Archived == "true":
		w.Add("x.active = 0")
	default:
		return nil, 0, fmt.Errorf("%w: archived: %q is not false, true or all", store.ErrInvalid, f.Archived)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := store.LikeContains(strings.ToLower(q))
		w.Add(`(LOWER(x.url) LIKE ? ESCAPE '\' OR LOWER(s.name) LIKE ? ESCAPE '\' OR LOWER(a.name) LIKE ? ESCAPE '\')`, like, like, like)
	}
	switch f.Grade {
	case "":
	case "none":
		w.Add("x.last_grade = ''")
	case "A", "B", "C", "D":
		// A letter is its family (B+, B, B-), as the grade chart's bars
		// count them; A+ stands apart, as the chart shows it.
		fam := []any{f.Grade, f.Grade + "-"}
		if f.Grade != "A" {
			fam = append(fam, f.Grade+"+")
		}
		w.Add("x.last_grade IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(fam)), ", ")+")", fam...)
	default:
		w.Add("x.last_grade = ?", f.Grade)
	}
	if f.State != "" {
		w.Add("x.state = ?", f.State)
	}
	if f.SystemID != 0 {
		w.Add("x.system_id = ?", f.SystemID)
	}
	if f.Verification != "" {
		w.Add("x.verification = ?", f.Verification)
	}
	var total int
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*)`+SiteJoin+`WHERE `+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("sitescan: count sites: %w", err)
	}
	// Worst first: F before A+, never-scanned last.
	order := `CASE x.last_grade WHEN 'F' THEN 0 WHEN 'D-' THEN 1 WHEN 'D' THEN 2 WHEN 'D+' THEN 3 WHEN 'C-' THEN 4 WHEN 'C' THEN 5 WHEN 'C+' THEN 6
		WHEN 'B-' THEN 7 WHEN 'B' THEN 8 WHEN 'B+' THEN 9 WHEN 'A-' THEN 10 WHEN 'A' THEN 11 WHEN 'A+' THEN 12 ELSE 13 END, x.url, x.id`
	page := w.Limit(store.Page{Limit: f.Limit, Offset: f.Offset}.Clamped(100))
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+siteColumns+SiteJoin+`WHERE `+w.SQL()+` ORDER BY `+order+page, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("sitescan: list sites: %w", err)
	}
	defer rows.Close()
	var out []Site
	for rows.Next() {
		x, err := scanSite(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	s.markOffline(out)
	if err := s.addTrends(ctx, out); err != nil {
		return nil, 0, err
	}
	if err := s.addProofs(ctx, out); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// trendLength is how many past grades a site list shows.
const trendLength = 8

func (s *Service) addTrends(ctx context.Context, sites []Site) error {
	if len(sites) == 0 {
		return nil
	}
	ids := make([]any, len(sites))
	index := map[int64]int{}
	for i, x := range sites {
		ids[i] = x.ID
		index[x.ID] = i
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT site_id, grade FROM scans WHERE status = 'done' AND site_id IN (`+store.Placeholders(1, len(ids))+`)
		ORDER BY site_id, id DESC`, ids...)
	if err != nil {
		return fmt.Errorf("sitescan: trends: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var g string
		if err := rows.Scan(&id, &g); err != nil {
			return err
		}
		i := index[id]
		if len(sites[i].Trend) < trendLength {
			sites[i].Trend = append([]string{g}, sites[i].Trend...)
		}
	}
	return rows.Err()
}

// Site returns one site in actor's scope.
func (s *Service) Site(ctx context.Context, actor access.Actor, id int64) (Site, error) {
	var w store.Where
	w.Add("x.id = ?", id)
	w.Cond(actor.PathFilter(store.ScopePath))
	x, err := scanSite(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+siteColumns+SiteJoin+`WHERE `+w.SQL(), w.Args()...))
	if errors.Is(err, sql.ErrNoRows) {
		return x, fmt.Errorf("sitescan: site %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return x, fmt.Errorf("sitescan: site %d: %w", id, err)
	}
	list := []Site{x}
	s.markOffline(list)
	if err := s.addTrends(ctx, list); err != nil {
		return x, err
	}
	if err := s.addProofs(ctx, list); err != nil {
		return x, err
	}
	return list[0], nil
}

// offline says why the site at url gets no live checks (nil: it does).
func (s *Service) offline(url string) *reach.Reason {
	if r, off := s.cfg.Names.Offline(webscan.HostOf(url)); off {
		return &r
	}
	return nil
}

// markOffline sets NoLiveChecks on the sites that get no live checks.
func (s *Service) markOffline(sites []Site) {
	for i := range sites {
		sites[i].NoLiveChecks = s.offline(sites[i].URL)
	}
}
