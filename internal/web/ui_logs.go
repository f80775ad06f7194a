package web

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/feature/logstore"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/store"
)

// Stored log events (issue 11 item 6): the search page (filters in the
// URL, newest first, in pages), one event with its original and
// normalized fields, and the storage used per day and per agency.

func (s *Server) registerLogsUI() {
	s.page("GET /logs", s.logsPage)
	s.page("GET /logs/events/{day}/{id}", s.logEventPage)
	s.page("GET /logs/storage", s.logStoragePage)
}

func init() {
	// utc shows a time to the second in UTC, as logs are read and as the
	// search's range is typed.
	funcs["utc"] = func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	}
	funcs["utcp"] = func(t *time.Time) string {
		if t == nil {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	}
	funcs["size"] = byteSize
	funcs["eventURL"] = func(e logstore.Event) string {
		return "/logs/events/" + e.Day + "/" + url.PathEscape(e.ID)
	}
	funcs["fieldValue"] = func(v any) string {
		if s, ok := v.(string); ok {
			return s
		}
		return fmt.Sprint(v)
	}
}

// byteSize writes a size for people: 512 B, 1.5 MiB.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

type logsView struct {
	From, To string // as the inputs show them (UTC)
	AgencyID int64
	SystemID string
	Source   string
	Text     string
	Fields   string // one NAME=VALUE per line
	Agencies []registry.Agency
	Names    map[int64]string // agency names by id
	Result   logstore.Result
	PrevURL  string
	NextURL  string
}

// logsQuery reads the page's filters: the API's parameters, with the
// field conditions typed as lines "NAME=VALUE" in one box ("fields").
func logsQuery(q url.Values) (url.Values, string, error) {
	v := url.Values{}
	for k, vals := range q {
		if k != "fields" {
			v[k] = vals
		}
	}
	for _, k := range []string{"from", "to", "agency", "system", "source", "q"} {
		if v.Get(k) == "" {
			v.Del(k)
		}
	}
	text := strings.TrimSpace(q.Get("fields"))
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, val, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, text, fieldErr("fields", "write one condition per line, as name=value", "mỗi dòng một điều kiện, dạng tên=giá trị")
		}
		v.Add("field."+strings.TrimSpace(name), strings.TrimSpace(val))
	}
	return v, text, nil
}

func (s *Server) logsPage(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), httpx.Actor(r.Context())
	if s.deps.Logs == nil {
		s.fail(w, r, store.ErrNotFound)
		return
	}
	raw := r.URL.Query()
	v, fields, err := logsQuery(raw)
	var q logstore.Query
	if err == nil {
		q, err = logstore.ParseQuery(v, time.Now())
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	view := logsView{From: q.From.UTC().Format("2006-01-02T15:04"), To: q.To.UTC().Format("2006-01-02T15:04"), AgencyID: q.AgencyID,
		Source: q.Source, Text: q.Text, Fields: fields}
	if q.SystemID > 0 {
		view.SystemID = strconv.FormatInt(q.SystemID, 10)
	}
	if view.Result, err = s.deps.Logs.Search(ctx, actor, q); err != nil {
		s.fail(w, r, err)
		return
	}
	if view.Agencies, err = s.deps.Registry.AgencyTree(ctx, actor); err != nil {
		s.fail(w, r, err)
		return
	}
	view.Names = map[int64]string{}
	for _, a := range view.Agencies {
		view.Names[a.ID] = a.Name
	}
	keys := []string{"from", "to", "agency", "system", "source", "q", "fields", "limit"}
	fixed := raw
	if fixed.Get("from") == "" { // keep the range the first page searched
		fixed = url.Values{}
		for k, x := range raw {
			fixed[k] = x
		}
		fixed.Set("from", q.From.UTC().Format(time.RFC3339))
		fixed.Set("to", q.To.UTC().Format(time.RFC3339))
	}
	if q.Page > 1 {
		view.PrevURL = listURL("/logs", fixed, keys, "page", strconv.Itoa(q.Page-1))
	}
	if view.Result.More {
		view.NextURL = listURL("/logs", fixed, keys, "page", strconv.Itoa(q.Page+1))
	}
	s.render(w, http.StatusOK, "logs", s.newView(r, "logs.title", "logs", view))
}

type logEventView struct {
	Event  logstore.Event
	Agency string
	Names  []string // the fields' names, sorted
}

func (s *Server) logEventPage(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), httpx.Actor(r.Context())
	if s.deps.Logs == nil {
		s.fail(w, r, store.ErrNotFound)
		return
	}
	e, err := s.deps.Logs.Event(ctx, actor, r.PathValue("day"), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := logEventView{Event: e}
	if a, err := s.deps.Registry.Agency(ctx, actor, e.AgencyID); err == nil {
		v.Agency = a.Name
	}
	for k := range e.Fields {
		v.Names = append(v.Names, k)
	}
	sort.Strings(v.Names)
	s.render(w, http.StatusOK, "log_event", s.newView(r, "logs.event", "logs", v))
}

func (s *Server) logStoragePage(w http.ResponseWriter, r *http.Request) {
	if s.deps.Logs == nil {
		s.fail(w, r, store.ErrNotFound)
		return
	}
	u, err := s.deps.Logs.Storage(r.Context(), httpx.Actor(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "logs_storage", s.newView(r, "logs.storage", "logs_storage", u))
}
