package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/httpx"
)

// The monitoring alert list (issue 10 item 5): filters in the URL
// (state, severity, kind, agency, dates), sort, paging, and a bulk
// acknowledgement of the alerts ticked.

const alertsPerPage = 50

// alertKeys are the list's filter parameters, kept by its links.
var alertKeys = []string{"state", "severity", "kind", "agency_id", "from", "to", "sort"}

type alertsView struct {
	Filter   monitor.AlertFilter
	State    string // as asked: new, acknowledged or all
	AgencyID int64
	From, To string // dates as typed (YYYY-MM-DD)
	Agencies []registry.Agency
	Kinds    []string
	Alerts   []monitor.Alert
	Total    int
	From1    int
	To1      int
	Sorts    map[string]string
	SortKey  string
	PrevURL  string
	NextURL  string
}

// alertFilter reads the list's filter from the query; a value it cannot
// read is a field error naming the visible field.
func (s *Server) alertFilter(r *http.Request, q url.Values) (monitor.AlertFilter, alertsView, error) {
	v := alertsView{State: q.Get("state"), From: q.Get("from"), To: q.Get("to"), Kinds: monitor.AlertKinds}
	f := monitor.AlertFilter{Severity: q.Get("severity"), Kind: q.Get("kind"), Sort: q.Get("sort"), Limit: alertsPerPage}
	switch v.State {
	case "":
		v.State = "new"
		f.State = "new"
	case "new", "acknowledged":
		f.State = v.State
	case "all":
	default:
		return f, v, fieldErr("state", "is not new, acknowledged or all", "không phải mới, đã xác nhận hoặc tất cả")
	}
	if f.Kind != "" && !slices.Contains(monitor.AlertKinds, f.Kind) {
		return f, v, fieldErr("kind", "is not a kind of alert", "không phải một loại cảnh báo")
	}
	var err error
	if f.AgencyPath, v.AgencyID, err = s.agencyParam(r, q); err != nil {
		return f, v, err
	}
	if f.From, err = dateParam(v.From, "from", false); err != nil {
		return f, v, err
	}
	if f.To, err = dateParam(v.To, "to", true); err != nil {
		return f, v, err
	}
	return f, v, f.Valid()
}

func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), httpx.Actor(r.Context())
	q := r.URL.Query()
	f, v, err := s.alertFilter(r, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := pageParam(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Offset = (page - 1) * alertsPerPage
	if v.Alerts, v.Total, err = s.deps.Monitor.Alerts(ctx, actor, f); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Agencies, err = s.deps.Registry.AgencyTree(ctx, actor); err != nil {
		s.fail(w, r, err)
		return
	}
	v.Filter, v.From1, v.To1 = f, f.Offset+1, f.Offset+len(v.Alerts)
	v.SortKey = f.Sort
	if v.SortKey == "" {
		v.SortKey = "newest"
	}
	v.Sorts = map[string]string{}
	for _, k := range monitor.AlertSorts {
		v.Sorts[k] = listURL("/alerts", q, alertKeys, "sort", k)
	}
	v.PrevURL, v.NextURL = pageLinks("/alerts", q, alertKeys, page, f.Offset+len(v.Alerts), v.Total)
	view := s.newView(r, "alerts.title", "alerts", v)
	view.Title += " (" + strconv.Itoa(v.Total) + ")"
	s.render(w, http.StatusOK, "alerts", view)
}

// alertsAcknowledge marks the alerts ticked on the list seen, all in one
// transaction, and goes back to the list as it was.
func (s *Server) alertsAcknowledge(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	var ids []int64
	for _, x := range r.PostForm["id"] {
		id, err := strconv.ParseInt(x, 10, 64)
		if err != nil || id <= 0 {
			s.fail(w, r, fieldErr("id", "is not an alert number", "không phải số của một cảnh báo"))
			return
		}
		ids = append(ids, id)
	}
	if _, err := s.deps.Monitor.AcknowledgeAlerts(r.Context(), httpx.Actor(r.Context()), ids); err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/alerts?done=saved"
	if ret := r.PostForm.Get("back"); strings.HasPrefix(ret, "/alerts?") && !strings.ContainsAny(ret, "\\\r\n") {
		back = ret + "&done=saved"
	} else if ret == "/alerts" {
		back = "/alerts?done=saved"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// dateParam reads a list filter's date (YYYY-MM-DD, a day in Vietnam):
// its start, or the start of the next day when end is set so that "to"
// includes its day. Empty is the zero time.
func dateParam(text, field string, end bool) (time.Time, error) {
	if text == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", text, vietnam)
	if err != nil || t.Year() < 2000 || t.Year() > 2200 {
		return time.Time{}, fieldErr(field, "is not a date (YYYY-MM-DD)", "không phải một ngày (năm-tháng-ngày)")
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

// agencyParam reads a list filter's ?agency_id=: the agency's path (its
// subtree is kept) and id; nothing when absent. An agency outside the
// caller's scope is not found.
func (s *Server) agencyParam(r *http.Request, q url.Values) (string, int64, error) {
	v := q.Get("agency_id")
	if v == "" {
		return "", 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return "", 0, fieldErr("agency_id", "choose an agency from the list", "hãy chọn một cơ quan, đơn vị trong danh sách")
	}
	a, err := s.deps.Registry.Agency(r.Context(), httpx.Actor(r.Context()), id)
	if err != nil {
		return "", 0, err
	}
	return a.Path, id, nil
}
