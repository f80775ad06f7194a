package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/httpx"
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
	v.Title, v.TitleIsData = a.Name, true
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
	public := f.Get("public_status") == "on"
	in := registry.AgencyInput{Code: str("code"), Name: str("name"), Kind: str("kind"), Email: str("email"), Phone: str("phone"), SecurityOfficer: str("security_officer"), PublicStatus: &public}
	in.ParentID.Set = true
	if p := f.Get("parent_id"); p != "" {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return in, fieldErr("parent_id", "choose an agency from the list", "hãy chọn một cơ quan, đơn vị trong danh sách")
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
	a := registry.Agency{Code: *in.Code, Name: *in.Name, ParentID: in.ParentID.ID, Kind: *in.Kind, Email: *in.Email, Phone: *in.Phone, SecurityOfficer: *in.SecurityOfficer, PublicStatus: *in.PublicStatus}
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
