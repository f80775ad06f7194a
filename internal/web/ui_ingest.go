package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/khien-project/khien/internal/feature/ingest"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/store"
)

// The log sources page (issue 11): ingest tokens (listed in the caller's
// scope, created and revoked by admins and analysts, the secret shown
// once) and the syslog senders this process has seen.

func (s *Server) registerIngestUI() {
	s.page("GET /ingest", s.ingestPage)
	s.page("POST /ingest/tokens", s.ingestTokenCreate)
	s.page("POST /ingest/tokens/{id}/revoke", s.idAction(func(ctx context.Context, actor access.Actor, id int64) error {
		if s.deps.Ingest == nil {
			return store.ErrNotFound
		}
		return s.deps.Ingest.RevokeToken(ctx, actor, id)
	}, "/ingest?done=saved"))
}

type ingestView struct {
	Tokens    []ingest.Token
	Senders   []ingest.Sender
	Tree      []registry.Agency // the agencies a token may be made for
	Agencies  map[int64]string  // names by id
	Systems   map[int64]string  // names by id, of the systems shown
	CanManage bool
	NewSecret string
}

func (s *Server) ingestPage(w http.ResponseWriter, r *http.Request) {
	s.showIngest(w, r, "")
}

func (s *Server) showIngest(w http.ResponseWriter, r *http.Request, secret string) {
	ctx, actor := r.Context(), httpx.Actor(r.Context())
	if s.deps.Ingest == nil {
		s.fail(w, r, store.ErrNotFound)
		return
	}
	v := ingestView{CanManage: actor.CanWriteSecurity(), NewSecret: secret, Agencies: map[int64]string{}, Systems: map[int64]string{}}
	var err error
	if v.Tokens, err = s.deps.Ingest.Tokens(ctx, actor); err == nil {
		v.Senders, err = s.deps.Ingest.Senders(ctx, actor)
	}
	if err == nil {
		v.Tree, err = s.deps.Registry.AgencyTree(ctx, actor)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, a := range v.Tree {
		v.Agencies[a.ID] = a.Name
	}
	for _, t := range v.Tokens {
		s.systemName(r, v.Systems, t.SystemID)
	}
	for _, snd := range v.Senders {
		s.systemName(r, v.Systems, snd.SystemID)
	}
	s.render(w, http.StatusOK, "ingest", s.newView(r, "ingest.title", "ingest", v))
}

// systemName fills names[id] with the system's name, or its number when
// the registry does not show it (archived since).
func (s *Server) systemName(r *http.Request, names map[int64]string, id int64) {
	if id == 0 || names[id] != "" {
		return
	}
	names[id] = "#" + strconv.FormatInt(id, 10)
	if sys, err := s.deps.Registry.System(r.Context(), httpx.Actor(r.Context()), id); err == nil {
		names[id] = sys.Name
	}
}

func (s *Server) ingestTokenCreate(w http.ResponseWriter, r *http.Request) {
	if !s.checkForm(w, r) {
		return
	}
	if s.deps.Ingest == nil {
		s.fail(w, r, store.ErrNotFound)
		return
	}
	in := ingest.TokenInput{Label: strings.TrimSpace(r.PostForm.Get("label"))}
	var err error
	if in.AgencyID, err = formID(r.PostForm.Get("agency_id"), "agency_id", true); err == nil {
		if name := strings.TrimSpace(r.PostForm.Get("system")); name != "" {
			in.SystemID, err = s.pickSystem(r.Context(), httpx.Actor(r.Context()), in.AgencyID, name)
		} else { // a number, from forms of before the name
			in.SystemID, err = formID(r.PostForm.Get("system_id"), "system_id", false)
		}
	}
	var t ingest.NewToken
	if err == nil {
		t, err = s.deps.Ingest.CreateToken(r.Context(), httpx.Actor(r.Context()), in)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Shown once, in this response only (never in a redirect URL).
	s.showIngest(w, r, t.Secret)
}

// pickSystem finds the one system of agency's subtree, in actor's scope,
// that text names: its whole name (ignoring case), or a part of its name
// or addresses that only it contains. None or several is a field error
// under "system".
func (s *Server) pickSystem(ctx context.Context, actor access.Actor, agency int64, text string) (int64, error) {
	if len([]rune(text)) > 200 {
		return 0, fieldErr("system", "is longer than 200 characters", "dài quá 200 ký tự")
	}
	systems, total, err := s.deps.Registry.Systems(ctx, actor, registry.SystemFilter{Query: text, AgencyID: &agency, Page: registry.Page{Limit: 50}})
	if err != nil {
		return 0, err
	}
	for _, x := range systems {
		if strings.EqualFold(strings.TrimSpace(x.Name), text) {
			return x.ID, nil
		}
	}
	switch {
	case total == 1:
		return systems[0].ID, nil
	case total == 0:
		return 0, fieldErr("system", "no system of this agency in your scope matches", "không có hệ thống nào của cơ quan này trong phạm vi của bạn khớp")
	}
	return 0, fieldErr("system", fmt.Sprintf("%d systems match; type more of the name", total), fmt.Sprintf("%d hệ thống khớp; hãy nhập thêm tên", total))
}

// formID reads a positive id typed in a form; empty is 0 unless required.
func formID(text, field string, required bool) (int64, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		if required {
			return 0, fieldErr(field, "is required", "cần chọn")
		}
		return 0, nil
	}
	id, err := strconv.ParseInt(text, 10, 64)
	if err != nil || id <= 0 {
		return 0, fieldErr(field, "must be a positive whole number", "phải là một số nguyên dương")
	}
	return id, nil
}
