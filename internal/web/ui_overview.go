package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/platform/httpx"
)

// overviewPage is how many sites one page of the overview lists.
const overviewPage = 100

// overviewSorts are the columns the overview sorts by, in header order.
var overviewSorts = []string{"url", "agency", "worst", "uptime_24h", "uptime_30d", "latency", "cert", "checked"}

type overviewView struct {
	Filter          monitor.OverviewFilter
	Rows            []monitor.OverviewRow
	Total           int
	PrevURL         string
	NextURL         string
	From, To        int
	SortKey, SortBy string
	// Sorts maps a column's sort key to the URL that sorts by it (again:
	// the other way round).
	Sorts map[string]string
}

// overviewPageHandler shows every live site in scope with its state,
// uptime, latency, certificate and label, worst first: the monitoring
// overview, with its filters and sort in the URL.
func (s *Server) overviewPageHandler(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := monitor.OverviewFilter{Q: q.Get("q"), State: q.Get("state"), Sort: q.Get("sort"), Limit: overviewPage}
	if v := q.Get("page"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 1<<20 {
			s.fail(w, r, fieldErr("page", "is not a page number", "không phải số trang"))
			return
		}
		f.Offset = (p - 1) * overviewPage
	}
	switch f.State {
	case "", "up", "down", "unknown":
	default:
		s.fail(w, r, fieldErr("state", "is not up, down or unknown", "không phải hoạt động, ngừng hoặc chưa rõ"))
		return
	}
	known := f.Sort == ""
	for _, k := range overviewSorts {
		known = known || f.Sort == k || f.Sort == "-"+k
	}
	if !known {
		s.fail(w, r, fieldErr("sort", "is not a column to sort by", "không phải cột để sắp xếp"))
		return
	}
	rows, total, err := s.deps.Monitor.Overview(r.Context(), httpx.Actor(r.Context()), f, time.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := overviewView{Filter: f, Rows: rows, Total: total, From: f.Offset + 1, To: f.Offset + len(rows), Sorts: map[string]string{}}
	v.SortKey = f.Sort
	if v.SortKey == "" {
		v.SortKey = "worst"
	}
	link := func(mut func(url.Values)) string {
		u := url.Values{}
		for _, k := range []string{"q", "state", "sort"} {
			if x := q.Get(k); x != "" {
				u.Set(k, x)
			}
		}
		mut(u)
		if len(u) == 0 {
			return "/monitoring/overview"
		}
		return "/monitoring/overview?" + u.Encode()
	}
	for _, k := range overviewSorts {
		next := k
		if v.SortKey == k {
			next = "-" + k
		}
		v.Sorts[k] = link(func(u url.Values) { u.Set("sort", next) })
	}
	page := f.Offset/overviewPage + 1
	if page > 1 {
		v.PrevURL = link(func(u url.Values) { u.Set("page", strconv.Itoa(page-1)) })
	}
	if f.Offset+len(rows) < total {
		v.NextURL = link(func(u url.Values) { u.Set("page", strconv.Itoa(page+1)) })
	}
	s.render(w, http.StatusOK, "overview", s.newView(r, "overview.title", "overview", v))
}

// uptimeText writes an uptime percentage as the overview shows it: one
// decimal (a comma in Vietnamese), never rounded up to 100 %, "—"
// without data.
func uptimeText(lang string, p *float64) string {
	if p == nil {
		return "—"
	}
	out := fmt.Sprintf("%.1f %%", math.Floor(*p*10)/10)
	if lang != "en" {
		out = strings.Replace(out, ".", ",", 1)
	}
	return out
}
