package web

import (
	"net/http"
	"strconv"

	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/platform/httpx"
)

// The list of assessments (issue 10 item 5): every scan in scope with
// filters in the URL (address, state, grade, agency, dates), sort and
// paging; each row opens the scan's report.

const scansPerPage = 50

var scanKeys = []string{"q", "status", "grade", "agency_id", "from", "to", "sort"}

type scansView struct {
	Filter   sitescan.ScanFilter
	AgencyID int64
	From, To string
	Agencies []registry.Agency
	Statuses []string
	Grades   []string
	Scans    []sitescan.Scan
	Total    int
	From1    int
	To1      int
	SortKey  string
	Sorts    map[string]string
	PrevURL  string
	NextURL  string
}

func (s *Server) scansPage(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), httpx.Actor(r.Context())
	q := r.URL.Query()
	v := scansView{From: q.Get("from"), To: q.Get("to"), Statuses: sitescan.ScanStatuses, Grades: sitescan.ScanGrades}
	f := sitescan.ScanFilter{Status: q.Get("status"), Grade: q.Get("grade"), Query: q.Get("q"), Sort: q.Get("sort"), Limit: scansPerPage}
	var err error
	f.AgencyPath, v.AgencyID, err = s.agencyParam(r, q)
	if err == nil {
		f.From, err = dateParam(v.From, "from", false)
	}
	if err == nil {
		f.To, err = dateParam(v.To, "to", true)
	}
	page := 1
	if err == nil {
		page, err = pageParam(q)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Offset = (page - 1) * scansPerPage
	if v.Scans, v.Total, err = s.deps.Sites.Scans(ctx, actor, f); err == nil {
		v.Agencies, err = s.deps.Registry.AgencyTree(ctx, actor)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Filter, v.From1, v.To1 = f, f.Offset+1, f.Offset+len(v.Scans)
	v.SortKey = f.Sort
	if v.SortKey == "" {
		v.SortKey = "newest"
	}
	v.Sorts = map[string]string{}
	for _, k := range sitescan.ScanSorts {
		v.Sorts[k] = listURL("/scans", q, scanKeys, "sort", k)
	}
	v.PrevURL, v.NextURL = pageLinks("/scans", q, scanKeys, page, f.Offset+len(v.Scans), v.Total)
	view := s.newView(r, "scans.title", "scans", v)
	view.Title += " (" + strconv.Itoa(v.Total) + ")"
	s.render(w, http.StatusOK, "scans", view)
}
