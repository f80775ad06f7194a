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
	page, err := pageParam(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Offset = (page - 1) * overviewPage
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
	keys := []string{"q", "state", "sort"}
	for _, k := range overviewSorts {
		next := k
		if v.SortKey == k {
			next = "-" + k
		}
		v.Sorts[k] = listURL("/monitoring/overview", q, keys, "sort", next)
	}
	v.PrevURL, v.NextURL = pageLinks("/monitoring/overview", q, keys, page, f.Offset+len(rows), total)
	s.render(w, http.StatusOK, "overview", s.newView(r, "overview.title", "overview", v))
}

// pageParam reads a list's ?page=: 1 when absent; anything but a page
// number is a field error.
func pageParam(q url.Values) (int, error) {
	v := q.Get("page")
	if v == "" {
		return 1, nil
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 1 || p > 1<<20 {
		return 0, fieldErr("page", "is not a page number", "không phải số trang")
	}
	return p, nil
}

// listURL is path with the values of q's keys (a list's filter, in the
// order url.Values encodes) and then the key/value pairs of set.
func listURL(path string, q url.Values, keys []string, set ...string) string {
	u := url.Values{}
	for _, k := range keys {
		if x := q.Get(k); x != "" {
			u.Set(k, x)
		}
	}
	for i := 0; i+1 < len(set); i += 2 {
		u.Set(set[i], set[i+1])
	}
	if len(u) == 0 {
		return path
	}
	return path + "?" + u.Encode()
}

// pageLinks are the links to the pages before and after page of a list
// at path that keep its filter (q's keys); empty where there is none.
// end is how many items the pages up to this one hold.
func pageLinks(path string, q url.Values, keys []string, page, end, total int) (prev, next string) {
	if page > 1 {
		prev = listURL(path, q, keys, "page", strconv.Itoa(page-1))
	}
	if end < total {
		next = listURL(path, q, keys, "page", strconv.Itoa(page+1))
	}
	return prev, next
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
