package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/khien-project/khien/internal/api"
	"github.com/khien-project/khien/internal/feature/alert"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/httpx"
)

// The detection pages (issue 11): the alert queue with its filters in the
// URL and bulk actions, one alert's page, the rules page (packs,
// enable/disable, exceptions) and the "test this rule" page.

func (s *Server) registerDetectionsUI() {
	if s.deps.Alert == nil {
		return
	}
	s.page("GET /detections", s.detectionsPage)
	s.page("POST /detections/bulk", s.detectionsBulk)
	s.page("GET /detections/{id}", s.detectionPage)
	s.page("POST /detections/{id}/status", s.detectionStatus)
	s.page("POST /detections/{id}/assign", s.detectionAssign)
	s.page("GET /rules", s.rulesPage)
	s.page("POST /rules/packs", s.rulesUpload)
	s.page("POST /rules/{id}/enable", s.ruleSwitch(true))
	s.page("POST /rules/{id}/disable", s.ruleSwitch(false))
	s.page("POST /rules/exceptions", s.exceptionCreate)
	s.page("POST /rules/exceptions/{id}/delete", s.idAction(s.deps.Alert.DeleteException, "/rules?done=deleted"))
	s.page("GET /rules/test", s.ruleTestPage)
	s.page("POST /rules/test", s.ruleTestRun)
}

const detectionsPerPage = 50

// detectionKeys are the queue's filter parameters, kept by its links.
var detectionKeys = []string{"status", "level", "agency_id", "system_id", "rule", "assignee", "from", "to", "sort"}

type detectionsView struct {
	Filter     alert.Filter
	Query      url.Values
	Items      []alert.Detection
	Total      int
	Agencies   []registry.Agency
	Statuses   []string
	Levels     []string
	Sorts      []string
	SortURL    map[string]string
	SortKey    string
	PrevURL    string
	NextURL    string
	CanChange  bool
	Assignable []string
}

func (s *Server) detectionsPage(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), httpx.Actor(r.Context())
	q := r.URL.Query()
	f, err := api.DetectionFilter(q)
	if err == nil {
		err = f.Valid()
	}
	page := 1
	if err == nil {
		page, err = pageParam(q)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f.AgencyID != 0 {
		if _, err := s.deps.Registry.Agency(ctx, actor, f.AgencyID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	f.Limit, f.Offset = detectionsPerPage, (page-1)*detectionsPerPage
	v := detectionsView{Filter: f, Query: q, Statuses: alert.Statuses, Levels: alert.Levels, Sorts: alert.Sorts, SortURL: map[string]string{},
		CanChange: actor.CanWriteSecurity()}
	if v.Items, v.Total, err = s.deps.Alert.Detections(ctx, actor, f); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Agencies, err = s.deps.Registry.AgencyTree(ctx, actor); err != nil {
		s.fail(w, r, err)
		return
	}
	v.SortKey = f.Sort
	if v.SortKey == "" {
		v.SortKey = "newest"
	}
	for _, k := range alert.Sorts {
		v.SortURL[k] = listURL("/detections", q, detectionKeys, "sort", k)
	}
	v.PrevURL, v.NextURL = pageLinks("/detections", q, detectionKeys, page, f.Offset+len(v.Items), v.Total)
	view := s.newView(r, "det.title", "detections", v)
	view.Title += " (" + strconv.Itoa(v.Total) + ")"
	s.render(w, http.StatusOK, "detections", view)
}

// backTo is the page a form came from when it is one of ours, else def.
func backTo(r *http.Request, prefix, def string) string {
	b := r.PostForm.Get("back")
	if strings.HasPrefix(b, prefix) && !strings.ContainsAny(b, "\\\r\n") && !strings.HasPrefix(b, "//") {
		return b
	}
	return def
}

func withDone(u, done string) string {
	if strings.Contains(u, "?") {
		return u + "&done=" + done
	}
	return u + "?done=" + done
}

func formIDs(r *http.Request) ([]int64, error) {
	var ids []int64
	for _, x := range r.PostForm["id"] {
		id, err := strconv.ParseInt(x, 10, 64)
		if err != nil || id <= 0 {
			return nil, fieldErr("id", "is not an alert number", "không phải số của một cảnh báo")
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// detectionsBulk applies the action chosen to the alerts ticked, all or
// none, and goes back to the queue as it was.
func (s *Server) detectionsBulk(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	ids, err := formIDs(r)
	if err == nil {
		_, err = s.deps.Alert.Bulk(r.Context(), httpx.Actor(r.Context()), alert.BulkInput{IDs: ids, Action: r.PostForm.Get("action"),
			Assignee: strings.TrimSpace(r.PostForm.Get("assignee")), Note: r.PostForm.Get("note")})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, withDone(backTo(r, "/detections", "/detections"), "saved"), http.StatusSeeOther)
}

type detectionView struct {
	D         alert.Detection
	Next      []string // statuses it may move to
	CanChange bool
}

func (s *Server) detectionPage(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	actor := httpx.Actor(r.Context())
	d, err := s.deps.Alert.Detection(r.Context(), actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := detectionView{D: d, Next: alert.NextStatuses(d.Status), CanChange: actor.CanWriteSecurity()}
	view := s.newView(r, "det.one", "detections", v)
	view.Title = d.RuleTitle
	s.render(w, http.StatusOK, "detection", view)
}

func (s *Server) detectionStatus(w http.ResponseWriter, r *http.Request) {
	s.detectionChange(w, r, func(id int64) alert.BulkInput {
		return alert.BulkInput{IDs: []int64{id}, Status: r.PostForm.Get("status"), Note: r.PostForm.Get("note")}
	})
}

func (s *Server) detectionAssign(w http.ResponseWriter, r *http.Request) {
	s.detectionChange(w, r, func(id int64) alert.BulkInput {
		return alert.BulkInput{IDs: []int64{id}, Action: "assign", Assignee: strings.TrimSpace(r.PostForm.Get("assignee")), Note: r.PostForm.Get("note")}
	})
}

func (s *Server) detectionChange(w http.ResponseWriter, r *http.Request, in func(id int64) alert.BulkInput) {
	if !s.checkForm(w, r) {
		return
	}
	id, err := httpx.ParseID(r, "id")
	if err == nil {
		_, err = s.deps.Alert.Bulk(r.Context(), httpx.Actor(r.Context()), in(id))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/detections/"+strconv.FormatInt(id, 10)+"?done=saved", http.StatusSeeOther)
}

type rulesView struct {
	Packs      []alert.Pack
	Rules      []alert.Rule
	Total      int
	Search     string
	OnlyErrors bool
	Exceptions []alert.Exception
	Agencies   []registry.Agency
	CanChange  bool
	PrevURL    string
	NextURL    string
	Back       string
}

var ruleKeys = []string{"q", "errors", "pack_id"}

func (s *Server) rulesPage(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), httpx.Actor(r.Context())
	q := r.URL.Query()
	page, err := pageParam(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := rulesView{Search: q.Get("q"), OnlyErrors: q.Get("errors") == "1", CanChange: actor.CanWriteSecurity(), Back: r.URL.RequestURI()}
	f := alert.RuleFilter{Search: v.Search, Errors: v.OnlyErrors, Limit: 100, Offset: (page - 1) * 100}
	if v.Packs, err = s.deps.Alert.Packs(ctx, actor); err == nil {
		if v.Rules, v.Total, err = s.deps.Alert.Rules(ctx, actor, f); err == nil {
			if v.Exceptions, err = s.deps.Alert.Exceptions(ctx, actor, ""); err == nil {
				v.Agencies, err = s.deps.Registry.AgencyTree(ctx, actor)
			}
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.PrevURL, v.NextURL = pageLinks("/rules", q, ruleKeys, page, f.Offset+len(v.Rules), v.Total)
	s.render(w, http.StatusOK, "rules", s.newView(r, "rules.title", "rules", v))
}

// rulesUpload imports an uploaded pack (a multipart form: file, name).
func (s *Server) rulesUpload(w http.ResponseWriter, r *http.Request) {
	name, files, err := api.ReadPackUpload(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.checkCSRF(w, r, r.FormValue("csrf")) {
		return
	}
	res, err := s.deps.Alert.ImportPack(r.Context(), httpx.Actor(r.Context()), name, "upload", files)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	next := "/rules?done=saved"
	if res.Pack.Errors > 0 {
		next = "/rules?errors=1&done=saved"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) ruleSwitch(on bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.checkForm(w, r) {
			return
		}
		id, err := httpx.ParseID(r, "id")
		if err == nil {
			_, err = s.deps.Alert.SetRuleEnabled(r.Context(), httpx.Actor(r.Context()), id, on)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		http.Redirect(w, r, withDone(backTo(r, "/rules", "/rules"), "saved"), http.StatusSeeOther)
	}
}

func (s *Server) exceptionCreate(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	agency, _ := strconv.ParseInt(r.PostForm.Get("agency_id"), 10, 64)
	_, err := s.deps.Alert.AddException(r.Context(), httpx.Actor(r.Context()), alert.ExceptionInput{RuleUID: strings.TrimSpace(r.PostForm.Get("rule_uid")),
		AgencyID: agency, Field: r.PostForm.Get("field"), Value: r.PostForm.Get("value"), Reason: r.PostForm.Get("reason")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/rules?done=saved#exceptions", http.StatusSeeOther)
}

type ruleTestView struct {
	Rule, Events string
	// Stored: the rule ran over the last hour of stored events.
	Stored bool
	Result *alert.TestResult
}

func (s *Server) ruleTestPage(w http.ResponseWriter, r *http.Request) {
	v := ruleTestView{}
	if id := r.URL.Query().Get("rule_id"); id != "" {
		n, _ := strconv.ParseInt(id, 10, 64)
		if rule, err := s.deps.Alert.GetRule(r.Context(), httpx.Actor(r.Context()), n); err == nil {
			v.Rule = rule.YAML
		}
	}
	s.render(w, http.StatusOK, "ruletest", s.newView(r, "ruletest.title", "ruletest", v))
}

func (s *Server) ruleTestRun(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 2*(alert.MaxTestRuleBytes+alert.MaxTestEventsBytes))
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, httpx.BadRequest("the form is too large"))
		return
	}
	if !s.checkCSRF(w, r, r.PostForm.Get("csrf")) {
		return
	}
	v := ruleTestView{Rule: r.PostForm.Get("rule"), Events: r.PostForm.Get("events"), Stored: r.PostForm.Get("source") == "stored"}
	res, err := s.deps.Alert.TestRule(r.Context(), httpx.Actor(r.Context()), alert.TestInput{Rule: v.Rule, Events: v.Events, Stored: v.Stored})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Result = &res
	s.render(w, http.StatusOK, "ruletest", s.newView(r, "ruletest.title", "ruletest", v))
}
