package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/valid"
)

type systemsView struct {
	Filter      registry.SystemFilter
	AgencyID    int64
	Agencies    []registry.Agency
	Systems     []registry.System
	SystemTotal int
	Hostings    []string
	Statuses    []string
	PrevURL     string
	NextURL     string
}

const uiPageSize = 50

func (s *Server) systemsPage(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), httpx.Actor(r.Context())
	q := r.URL.Query()
	f := registry.SystemFilter{Query: q.Get("q"), Hosting: q.Get("hosting"), Status: q.Get("status"), Domain: q.Get("domain"), Archived: q.Get("archived"), Sort: q.Get("sort")}
	d := systemsView{Hostings: registry.Hostings, Statuses: registry.Statuses}
	if v := q.Get("agency_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			s.fail(w, r, fieldErr("agency_id", "choose an agency from the list", "hãy chọn một cơ quan, đơn vị trong danh sách"))
			return
		}
		f.AgencyID, d.AgencyID = &id, id
	}
	pageNo, _ := strconv.Atoi(q.Get("page"))
	pageNo = max(pageNo, 1)
	f.Page = registry.Page{Limit: uiPageSize, Offset: (pageNo - 1) * uiPageSize}
	var err error
	if d.Systems, d.SystemTotal, err = s.deps.Registry.Systems(ctx, actor, f); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Agencies, err = s.deps.Registry.AgencyTree(ctx, actor); err != nil {
		s.fail(w, r, err)
		return
	}
	d.Filter = f
	link := func(p int) string {
		q.Set("page", strconv.Itoa(p))
		return "/systems?" + q.Encode()
	}
	if pageNo > 1 {
		d.PrevURL = link(pageNo - 1)
	}
	if pageNo*uiPageSize < d.SystemTotal {
		d.NextURL = link(pageNo + 1)
	}
	s.render(w, http.StatusOK, "systems", s.newView(r, "systems.title", "systems", d))
}

type systemView struct{ System registry.System }

func (s *Server) systemPage(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sys, err := s.deps.Registry.System(r.Context(), httpx.Actor(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "systems.title", "systems", systemView{sys})
	v.Title, v.TitleIsData = sys.Name, true
	s.render(w, http.StatusOK, "system", v)
}

type systemFormView struct {
	System   registry.System
	Software string
	Agencies []registry.Agency
	Hostings []string
	Statuses []string
}

func (s *Server) systemForm(w http.ResponseWriter, r *http.Request, status int, sys registry.System, software string, errs []valid.FieldError) {
	tree, err := s.deps.Registry.AgencyTree(r.Context(), httpx.Actor(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	key := "systems.new"
	if sys.ID != 0 {
		key = "systems.edit"
	}
	v := s.newView(r, key, "systems", systemFormView{System: sys, Software: software, Agencies: tree, Hostings: registry.Hostings, Statuses: registry.Statuses})
	v.Errors = errs
	s.render(w, status, "system_form", v)
}

func (s *Server) systemNewPage(w http.ResponseWriter, r *http.Request) {
	if !s.canWrite(w, r) {
		return
	}
	sys := registry.System{Status: "active"}
	if v := r.URL.Query().Get("agency_id"); v != "" {
		sys.AgencyID, _ = strconv.ParseInt(v, 10, 64)
	}
	s.systemForm(w, r, http.StatusOK, sys, "", nil)
}

func (s *Server) systemEditPage(w http.ResponseWriter, r *http.Request) {
	if !s.canWrite(w, r) {
		return
	}
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sys, err := s.deps.Registry.System(r.Context(), httpx.Actor(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if sys.Archived() {
		s.fail(w, r, registry.ArchivedError(sys))
		return
	}
	s.systemForm(w, r, http.StatusOK, sys, strings.ReplaceAll(registry.FormatSoftware(sys.Software), "; ", "\n"), nil)
}

func systemInput(f url.Values) (registry.SystemInput, registry.System, error) {
	var sys registry.System
	str := func(k string, dst *string) *string { *dst = f.Get(k); return dst }
	in := registry.SystemInput{
		Name: str("name", &sys.Name), Purpose: str("purpose", &sys.Purpose), InfoKind: str("info_kind", &sys.InfoKind),
		Audience: str("audience", &sys.Audience), Hosting: str("hosting", &sys.Hosting), Operator: str("operator", &sys.Operator), Status: str("status", &sys.Status),
	}
	sys.URLs, sys.Domains, sys.IPs, sys.CIDRs = formLines(f.Get("urls")), formLines(f.Get("domains")), formLines(f.Get("ips")), formLines(f.Get("cidrs"))
	in.URLs, in.Domains, in.IPs, in.CIDRs = &sys.URLs, &sys.Domains, &sys.IPs, &sys.CIDRs
	sys.Software = registry.ParseSoftware(f.Get("software"))
	if sys.Software == nil {
		sys.Software = []registry.Software{}
	}
	in.Software = &sys.Software
	id, err := strconv.ParseInt(f.Get("agency_id"), 10, 64)
	if err != nil {
		return in, sys, fieldErr("agency_id", "choose an agency from the list", "hãy chọn một cơ quan, đơn vị trong danh sách")
	}
	sys.AgencyID = id
	in.AgencyID = &sys.AgencyID
	return in, sys, nil
}

func (s *Server) systemCreate(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	in, sys, err := systemInput(r.PostForm)
	if err == nil {
		var created registry.System
		if created, err = s.deps.Registry.CreateSystem(r.Context(), httpx.Actor(r.Context()), in); err == nil {
			http.Redirect(w, r, fmt.Sprintf("/systems/%d?done=saved", created.ID), http.StatusSeeOther)
			return
		}
	}
	errs, err := formErrors(err)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.systemForm(w, r, http.StatusBadRequest, sys, r.PostForm.Get("software"), errs)
}

func (s *Server) systemUpdate(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, sys, err := systemInput(r.PostForm)
	if err == nil {
		if _, err = s.deps.Registry.UpdateSystem(r.Context(), httpx.Actor(r.Context()), id, in); err == nil {
			http.Redirect(w, r, fmt.Sprintf("/systems/%d?done=saved", id), http.StatusSeeOther)
			return
		}
	}
	errs, err := formErrors(err)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sys.ID = id
	s.systemForm(w, r, http.StatusBadRequest, sys, r.PostForm.Get("software"), errs)
}

// systemAction runs an archive or a restore of the system in the path and
// goes back to its page.
func (s *Server) systemAction(do func(ctx context.Context, actor access.Actor, id int64) (registry.System, error), done string) http.HandlerFunc {
	return idAction(s, do, "/systems/%d?done="+done)
}
