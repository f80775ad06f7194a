package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/khien-project/khien/internal/api"
	"github.com/khien-project/khien/internal/feature/auth"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/valid"
)

type usersView struct {
	Users       []auth.User
	Roles       []access.Role
	Agencies    []registry.Agency
	AgencyNames map[int64]string
	// Form is the new user's form as it was sent, shown again with its
	// errors when it was refused (never the password).
	Form userForm
}

type userForm struct{ Username, DisplayName, Role, AgencyID string }

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	s.showUsers(w, r, http.StatusOK, userForm{}, nil)
}

// showUsers renders the users page; a refused new user comes back filled
// in, with its errors next to the fields.
func (s *Server) showUsers(w http.ResponseWriter, r *http.Request, status int, form userForm, refused []valid.FieldError) {
	ctx, actor := r.Context(), httpx.Actor(r.Context())
	users, err := s.deps.Auth.Users(ctx, actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tree, err := s.deps.Registry.AgencyTree(ctx, actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names := map[int64]string{}
	for _, a := range tree {
		names[a.ID] = a.Name
	}
	v := s.newView(r, "users.title", "users", usersView{Users: users, Roles: access.Roles, Agencies: tree, AgencyNames: names, Form: form})
	v.Errors = refused
	s.render(w, status, "users", v)
}

func userInput(f url.Values, creating bool) (auth.UserInput, error) {
	var in auth.UserInput
	opt := func(k string) *string {
		if !f.Has(k) {
			return nil
		}
		v := f.Get(k)
		return &v
	}
	in.Role = opt("role")
	if creating {
		in.Username, in.DisplayName, in.Password = opt("username"), opt("display_name"), opt("password")
	} else if p := f.Get("password"); p != "" {
		in.Password = &p
	}
	if v := f.Get("agency_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return in, fieldErr("agency_id", "choose an agency from the list", "hãy chọn một cơ quan, đơn vị trong danh sách")
		}
		in.AgencyID = &id
	}
	if !creating {
		disabled := f.Get("disabled") != ""
		in.Disabled = &disabled
	}
	return in, nil
}

func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	in, err := userInput(r.PostForm, true)
	if err == nil {
		_, err = s.deps.Auth.CreateUser(r.Context(), httpx.Actor(r.Context()), in)
	}
	if err != nil {
		f := r.PostForm
		if errs, other := formErrors(err); other == nil {
			status, _ := httpx.Classify(err)
			s.showUsers(w, r, status, userForm{Username: f.Get("username"), DisplayName: f.Get("display_name"), Role: f.Get("role"), AgencyID: f.Get("agency_id")}, errs)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/users?done=saved", http.StatusSeeOther)
}

func (s *Server) userUpdate(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, err := userInput(r.PostForm, false)
	if err == nil {
		_, err = s.deps.Auth.UpdateUser(r.Context(), httpx.Actor(r.Context()), id, in)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/users?done=saved", http.StatusSeeOther)
}

type tokensView struct {
	Tokens    []auth.Token
	NewSecret string
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	s.showTokens(w, r, "")
}

func (s *Server) showTokens(w http.ResponseWriter, r *http.Request, secret string) {
	toks, err := s.deps.Auth.Tokens(r.Context(), httpx.Actor(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "tokens", s.newView(r, "tokens.title", "tokens", tokensView{Tokens: toks, NewSecret: secret}))
}

func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	actor := httpx.Actor(r.Context())
	t, err := s.deps.Auth.CreateToken(r.Context(), actor, actor.UserID, strings.TrimSpace(r.PostForm.Get("label")))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Shown once, in this response only (never in a redirect URL).
	s.showTokens(w, r, t.Secret)
}

// auditActions and auditTypes are the audit filter's choices.
var (
	auditActions = []string{audit.Create, audit.Update, audit.Delete, audit.Login, "label.grant", "label.suspend", "label.revoke",
		"label_policy.update", "scan.request", "scan.import", "finding.resolve", "alert.acknowledge", "site.update", "site.verify", "site.approve", "site.reject",
		"site.archive", "site.restore", "maintenance.add", "maintenance.delete", "notify_target.add", "notify_target.delete"}
	auditTypes = []string{"agency", "system", "user", "token", "session", "site", "scan", "finding", "alert", "label", "label_policy", "maintenance_window", "notify_target"}
)

type auditView struct {
	Filter   audit.Filter
	Lines    []auditLine
	Actions  []string
	Types    []string
	Checked  int
	Intact   bool
	BrokenID int64
	PrevURL  string
	NextURL  string
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), httpx.Actor(r.Context())
	f, err := api.AuditFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	entries, total, err := s.deps.Audit.List(ctx, actor, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := auditView{Filter: f, Lines: s.describe(ctx, actor, langOf(r), entries), Actions: auditActions, Types: auditTypes}
	n, broken, err := s.deps.Audit.Verify(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Checked, d.Intact = n, broken == nil
	if broken != nil {
		d.BrokenID = broken.ID
	}
	q := r.URL.Query()
	link := func(offset int) string {
		q.Set("offset", strconv.Itoa(offset))
		return "/audit?" + q.Encode()
	}
	if f.Offset > 0 {
		d.PrevURL = link(max(f.Offset-f.Limit, 0))
	}
	if f.Offset+f.Limit < total {
		d.NextURL = link(f.Offset + f.Limit)
	}
	v := s.newView(r, "audit.title", "audit", d)
	v.Title = fmt.Sprintf("%s (%d)", v.Title, total)
	s.render(w, http.StatusOK, "audit", v)
}
