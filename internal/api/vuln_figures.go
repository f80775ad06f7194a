package api

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/httpx"
)

// registerVulnFigures adds the figures, the "which systems run X" search
// and the CSV exports of the other vulnerability lists.
func (a *API) registerVulnFigures(r Router) {
	r.Private("GET /api/v1/vuln/figures", a.vulnFigures)
	r.Private("GET /api/v1/vuln/figures.csv", a.exportVulnFigures)
	r.Private("GET /api/v1/vuln/running", a.vulnRunning)
	r.Private("GET /api/v1/vuln/running.csv", a.exportVulnRunning)
	r.Private("GET /api/v1/vuln/advisories.csv", a.exportAdvisories)
	r.Private("GET /api/v1/vuln/discovered.csv", a.exportDiscovered)
	r.Private("GET /api/v1/vuln/feeds.csv", a.exportFeeds)
	r.Private("GET /api/v1/vuln/aliases.csv", a.exportAliases)
	r.Private("POST /api/v1/vuln/feeds/url", a.importFeedURL)
}

// feedURL names a feed file to download.
type feedURL struct {
	URL string `json:"url"`
}

// importFeedURL downloads a feed file and imports it (admins).
func (a *API) importFeedURL(w http.ResponseWriter, r *http.Request) {
	var in feedURL
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusOK, func(ctx context.Context) (vuln.Import, error) {
		return a.Vuln.ImportURL(ctx, httpx.Actor(ctx), in.URL)
	})
}

func (a *API) figures(r *http.Request) (vuln.Figures, error) {
	agency, err := optionalID(r, "agency_id")
	if err != nil {
		return vuln.Figures{}, err
	}
	var id int64
	if agency != nil {
		id = *agency
	}
	return a.Vuln.Figures(r.Context(), httpx.Actor(r.Context()), id, time.Now())
}

func (a *API) vulnFigures(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(context.Context) (vuln.Figures, error) { return a.figures(r) })
}

// runningQuery reads the product and version bounds of a "which systems
// run X" search from the query string.
func runningQuery(r *http.Request) vuln.Product {
	q := r.URL.Query()
	return vuln.Product{Name: q.Get("product"), Version: q.Get("version"), VersionStartIncluding: q.Get("version_start_including"),
		VersionEndIncluding: q.Get("version_end_including"), VersionEndExcluding: q.Get("version_end_excluding")}
}

func (a *API) vulnRunning(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (map[string][]vuln.Running, error) {
		list, err := a.Vuln.RunningSystems(ctx, httpx.Actor(ctx), runningQuery(r))
		return map[string][]vuln.Running{"items": list}, err
	})
}

// writeCSV sends rows as a CSV file (UTF-8 with a byte-order mark, every
// value kept from being read as a formula).
func writeCSV(w http.ResponseWriter, name string, header []string, rows [][]string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	_, _ = w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	_ = cw.Write(header)
	for _, row := range rows {
		for i := range row {
			row[i] = csvSafe(row[i])
		}
		_ = cw.Write(row)
	}
	cw.Flush()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func optFloat(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', 1, 64)
}

func (a *API) exportVulnFigures(w http.ResponseWriter, r *http.Request) {
	fig, err := a.figures(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var rows [][]string
	for _, f := range append(fig.Agencies, fig.Total) {
		rows = append(rows, []string{itoa(f.AgencyID), f.AgencyName, strconv.Itoa(f.Open["P1"]), strconv.Itoa(f.Open["P2"]), strconv.Itoa(f.Open["P3"]), strconv.Itoa(f.Open["P4"]),
			strconv.Itoa(f.OpenTotal), strconv.Itoa(f.Overdue), strconv.Itoa(f.Fixed), strconv.Itoa(f.FixedInTime), optFloat(f.Compliance), optFloat(f.MTTRDays)})
	}
	writeCSV(w, "vulnerability-figures.csv", []string{"agency_id", "agency", "open_p1", "open_p2", "open_p3", "open_p4", "open", "overdue", "fixed", "fixed_in_time", "compliance_pct", "mttr_days"}, rows)
}

func (a *API) exportVulnRunning(w http.ResponseWriter, r *http.Request) {
	list, err := a.Vuln.RunningSystems(r.Context(), httpx.Actor(r.Context()), runningQuery(r))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var rows [][]string
	for _, x := range list {
		rows = append(rows, []string{itoa(x.SystemID), x.SystemName, x.AgencyName, x.Component, x.Version, x.CPE, x.Origin})
	}
	writeCSV(w, "systems-running.csv", []string{"system_id", "system", "agency", "component", "version", "cpe", "origin"}, rows)
}

func (a *API) exportAdvisories(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), httpx.Actor(r.Context())
	list, err := a.Vuln.Advisories(ctx, actor)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var rows [][]string
	for _, adv := range list {
		full, err := a.Vuln.Advisory(ctx, actor, adv.ID)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		for _, p := range full.Agencies {
			rows = append(rows, []string{itoa(full.ID), full.Title, full.TitleEN, strings.Join(full.CVEs, " "), full.Deadline, itoa(p.AgencyID), p.AgencyName, p.Status, p.Evidence,
				p.NotifiedAt.Format("2006-01-02T15:04:05Z"), p.UpdatedAt.Format("2006-01-02T15:04:05Z")})
		}
	}
	writeCSV(w, "vulnerability-advisories.csv", []string{"advisory_id", "title", "title_en", "cves", "deadline", "agency_id", "agency", "status", "evidence", "notified_at", "updated_at"}, rows)
}

func (a *API) exportDiscovered(w http.ResponseWriter, r *http.Request) {
	sys, err := optionalID(r, "system_id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var id int64
	if sys != nil {
		id = *sys
	}
	list, err := a.Vuln.DiscoveredComponents(r.Context(), httpx.Actor(r.Context()), id, r.URL.Query().Get("status"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var rows [][]string
	for _, d := range list {
		rows = append(rows, []string{itoa(d.ID), itoa(d.SystemID), d.SystemName, d.Name, d.Version, d.Evidence, d.Status, d.DecidedBy, d.SeenAt.Format("2006-01-02T15:04:05Z")})
	}
	writeCSV(w, "discovered-components.csv", []string{"id", "system_id", "system", "name", "version", "evidence", "status", "decided_by", "seen_at"}, rows)
}

func (a *API) exportFeeds(w http.ResponseWriter, r *http.Request) {
	list, err := a.Vuln.Feeds(r.Context(), httpx.Actor(r.Context()))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var rows [][]string
	for _, f := range list {
		last := ""
		if f.LastImportAt != nil {
			last = f.LastImportAt.Format("2006-01-02T15:04:05Z")
		}
		rows = append(rows, []string{f.Source, strconv.Itoa(f.Records), strconv.Itoa(f.Imports), last, f.NewestModified, strconv.FormatBool(f.Stale)})
	}
	writeCSV(w, "vulnerability-feeds.csv", []string{"source", "records", "imports", "last_import_at", "newest_modified", "stale"}, rows)
}

func (a *API) exportAliases(w http.ResponseWriter, r *http.Request) {
	list, err := a.Vuln.Aliases(r.Context(), httpx.Actor(r.Context()))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var rows [][]string
	for _, x := range list {
		rows = append(rows, []string{x.Name, x.CPE, x.CreatedBy, x.CreatedAt.Format("2006-01-02T15:04:05Z")})
	}
	writeCSV(w, "component-aliases.csv", []string{"name", "cpe", "created_by", "created_at"}, rows)
}
