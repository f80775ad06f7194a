package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/khien-project/khien/internal/feature/auth"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/httpx"
)

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) {
	users, err := a.Auth.Users(r.Context(), httpx.Actor(r.Context()))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, list[auth.User]{Items: users, Total: len(users), Limit: len(users)})
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err == nil {
		var u auth.User
		if u, err = a.Auth.User(r.Context(), httpx.Actor(r.Context()), id); err == nil {
			httpx.WriteJSON(w, http.StatusOK, u)
			return
		}
	}
	httpx.WriteError(w, r, err)
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) {
	var in auth.UserInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	u, err := a.Auth.CreateUser(r.Context(), httpx.Actor(r.Context()), in)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/users/%d", u.ID))
	httpx.WriteJSON(w, http.StatusCreated, u)
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var in auth.UserInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	u, err := a.Auth.UpdateUser(r.Context(), httpx.Actor(r.Context()), id, in)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, u)
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err == nil {
		err = a.Auth.DeleteUser(r.Context(), httpx.Actor(r.Context()), id)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// changePassword changes the caller's own password: every session ends,
// and the API tokens too unless keep_tokens is true (the token this
// request came with included). A wrong current password counts as a
// failed login (429 with Retry-After once the login policy holds it back).
func (a *API) changePassword(w http.ResponseWriter, r *http.Request) {
	var in auth.PasswordChange
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	done, err := a.Auth.ChangePassword(r.Context(), httpx.Actor(r.Context()), in, httpx.ClientAddr(r), "")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, done)
}

func (a *API) listTokens(w http.ResponseWriter, r *http.Request) {
	toks, err := a.Auth.Tokens(r.Context(), httpx.Actor(r.Context()))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, list[auth.Token]{Items: toks, Total: len(toks), Limit: len(toks)})
}

type tokenRequest struct {
	Label  string `json:"label"`
	UserID int64  `json:"user_id"`
}

func (a *API) createToken(w http.ResponseWriter, r *http.Request) {
	var in tokenRequest
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	actor := httpx.Actor(r.Context())
	if in.UserID == 0 {
		in.UserID = actor.UserID
	}
	t, err := a.Auth.CreateToken(r.Context(), actor, in.UserID, in.Label)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, t)
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err == nil {
		err = a.Auth.RevokeToken(r.Context(), httpx.Actor(r.Context()), id)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// AuditFilter reads the audit log filters from a query.
func AuditFilter(r *http.Request) (audit.Filter, error) {
	q := r.URL.Query()
	f := audit.Filter{Actor: q.Get("actor"), Action: q.Get("action"), ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id")}
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				if t, err = time.Parse("2006-01-02", v); err != nil {
					return f, httpx.BadRequest("query parameter %s: %q is not a date (2026-01-31) or RFC 3339 time", name, v)
				}
			}
			*dst = t
		}
	}
	p, err := page(r)
	f.Limit, f.Offset = p.Limit, p.Offset
	return f, err
}

func (a *API) listAudit(w http.ResponseWriter, r *http.Request) {
	f, err := AuditFilter(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	entries, total, err := a.Audit.List(r.Context(), httpx.Actor(r.Context()), f)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if entries == nil {
		entries = []audit.Entry{}
	}
	httpx.WriteJSON(w, http.StatusOK, list[audit.Entry]{Items: entries, Total: total, Limit: f.Limit, Offset: f.Offset})
}

type verifyResult struct {
	Checked  int    `json:"checked"`
	Intact   bool   `json:"intact"`
	BrokenID int64  `json:"broken_id,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

func (a *API) verifyAudit(w http.ResponseWriter, r *http.Request) {
	actor := httpx.Actor(r.Context())
	if !actor.CanReadAudit() {
		httpx.WriteError(w, r, fmt.Errorf("audit verify: %w", errForbidden))
		return
	}
	n, broken, err := a.Audit.Verify(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	res := verifyResult{Checked: n, Intact: broken == nil}
	if broken != nil {
		res.BrokenID, res.Reason = broken.ID, broken.Reason
	}
	httpx.WriteJSON(w, http.StatusOK, res)
}
