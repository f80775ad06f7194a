package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

type agenciesView struct{ Agencies []registry.Agency }

func (s *Server) agenciesPage(w http.ResponseWriter, r *http.Request) {
	tree, err := s.deps.Registry.AgencyTree(r.Context(), httpx.Actor(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "agencies", s.newView(r, "agencies.title", "agencies", agenciesView{tree}))
}

type agencyView struct {
	Agency      registry.Agency
	Parent      *registry.Agency
	Children    []registry.Agency
	Systems     []registry.System
	SystemTotal int
}

func (s *Server) agencyPage(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), httpx.Actor(r.Context())
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.deps.Registry.Agency(ctx, actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := agencyView{Agency: a}
	if a.ParentID != nil {
		if p, err := s.deps.Registry.Agency(ctx, actor, *a.ParentID); err == nil {
			d.Parent = &p
		}
	}
	if d.Children, _, err = s.deps.Registry.Agencies(ctx, actor, registry.AgencyFilter{ParentID: &a.ID, Sort: "code", Page: registry.Page{Limit: 500}}); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Systems, d.SystemTotal, err = s.deps.Registry.Systems(ctx, actor, registry.SystemFilter{AgencyID: &a.ID, Page: registry.Page{Limit: 20}}); err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "agencies.title", "agencies", d)
	v.Title = a.Name
	s.render(w, http.StatusOK, "agency", v)
}

type agencyFormView struct {
	Agency  registry.Agency
	Parents []registry.Agency
	Kinds   []string
}

func (s *Server) agencyForm(w http.ResponseWriter, r *http.Request, status int, a registry.Agency, errs []valid.FieldError) {
	tree, err := s.deps.Registry.AgencyTree(r.Context(), httpx.Actor(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	parents := tree[:0:0]
	for _, p := range tree {
		if a.ID == 0 || !strings.HasPrefix(p.Path, a.Path) {
			parents = append(parents, p)
		}
	}
	key := "agencies.new"
	if a.ID != 0 {
		key = "agencies.edit"
	}
	v := s.newView(r, key, "agencies", agencyFormView{Agency: a, Parents: parents, Kinds: registry.AgencyKinds})
	v.Errors = errs
	s.render(w, status, "agency_form", v)
}

func (s *Server) agencyNewPage(w http.ResponseWriter, r *http.Request) {
	if !s.canWrite(w, r) {
		return
	}
	a := registry.Agency{}
	if p := r.URL.Query().Get("parent_id"); p != "" {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			a.ParentID = &id
		}
	}
	if actor := httpx.Actor(r.Context()); a.ParentID == nil && actor.Scoped() {
		a.ParentID = &actor.AgencyID
	}
	s.agencyForm(w, r, http.StatusOK, a, nil)
}

func (s *Server) agencyEditPage(w http.ResponseWriter, r *http.Request) {
	if !s.canWrite(w, r) {
		return
	}
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.deps.Registry.Agency(r.Context(), httpx.Actor(r.Context()), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.agencyForm(w, r, http.StatusOK, a, nil)
}

func agencyInput(f url.Values) (registry.AgencyInput, error) {
	str := func(k string) *string { v := f.Get(k); return &v }
	in := registry.AgencyInput{Code: str("code"), Name: str("name"), Kind: str("kind"), Email: str("email"), Phone: str("phone"), SecurityOfficer: str("security_officer")}
	in.ParentID.Set = true
	if p := f.Get("parent_id"); p != "" {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return in, httpx.BadRequest("parent_id: %q is not an id", p)
		}
		in.ParentID.ID = &id
	}
	return in, nil
}

func (s *Server) agencyCreate(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	in, err := agencyInput(r.PostForm)
	if err == nil {
		var a registry.Agency
		if a, err = s.deps.Registry.CreateAgency(r.Context(), httpx.Actor(r.Context()), in); err == nil {
			http.Redirect(w, r, fmt.Sprintf("/agencies/%d?done=saved", a.ID), http.StatusSeeOther)
			return
		}
	}
	errs, err := formErrors(err)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a := registry.Agency{Code: *in.Code, Name: *in.Name, ParentID: in.ParentID.ID, Kind: *in.Kind, Email: *in.Email, Phone: *in.Phone, SecurityOfficer: *in.SecurityOfficer}
	s.agencyForm(w, r, http.StatusBadRequest, a, errs)
}

func (s *Server) agencyUpdate(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	actor := httpx.Actor(r.Context())
	in, err := agencyInput(r.PostForm)
	if err == nil {
		if actor.Scoped() && id == actor.AgencyID {
			in.ParentID = registry.OptionalID{} // an officer's own agency stays put
		}
		if _, err = s.deps.Registry.UpdateAgency(r.Context(), actor, id, in); err == nil {
			http.Redirect(w, r, fmt.Sprintf("/agencies/%d?done=saved", id), http.StatusSeeOther)
			return
		}
	}
	errs, err := formErrors(err)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.deps.Registry.Agency(r.Context(), actor, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a.Code, a.Name, a.Kind, a.Email, a.Phone, a.SecurityOfficer = *in.Code, *in.Name, *in.Kind, *in.Email, *in.Phone, *in.SecurityOfficer
	s.agencyForm(w, r, http.StatusBadRequest, a, errs)
}

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
	f := registry.SystemFilter{Query: q.Get("q"), Hosting: q.Get("hosting"), Status: q.Get("status"), Domain: q.Get("domain"), Sort: q.Get("sort")}
	d := systemsView{Hostings: registry.Hostings, Statuses: registry.Statuses}
	if v := q.Get("agency_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			s.fail(w, r, httpx.BadRequest("agency_id: %q is not an id", v))
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
	v.Title = sys.Name
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
	s.systemForm(w, r, http.StatusOK, sys, strings.ReplaceAll(registry.FormatSoftware(sys.Software), "; ", "\n"), nil)
}

func formLines(v string) []string {
	out := []string{}
	for _, l := range strings.FieldsFunc(v, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
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
		return in, sys, httpx.BadRequest("agency_id: choose an agency")
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

func (s *Server) exportFile(w http.ResponseWriter, r *http.Request) {
	kind := strings.TrimSuffix(r.PathValue("file"), ".csv")
	if kind != registry.KindAgencies && kind != registry.KindSystems {
		s.fail(w, r, errNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="khien-%s.csv"`, kind))
	if err := s.deps.Registry.Export(r.Context(), httpx.Actor(r.Context()), kind, w); err != nil {
		s.fail(w, r, err)
	}
}

// canWrite answers 403 to roles that may not change the registry (the
// services refuse the change anyway; this spares them a useless form).
func (s *Server) canWrite(w http.ResponseWriter, r *http.Request) bool {
	if httpx.Actor(r.Context()).CanWriteRegistry() {
		return true
	}
	s.fail(w, r, store.ErrForbidden)
	return false
}
