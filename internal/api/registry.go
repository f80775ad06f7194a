package api

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/store"
)

func (a *API) listAgencies(w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	parent, err := optionalID(r, "parent_id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	q := r.URL.Query()
	items, total, err := a.Registry.Agencies(r.Context(), httpx.Actor(r.Context()), registry.AgencyFilter{Query: q.Get("q"), ParentID: parent, Kind: q.Get("kind"), Sort: q.Get("sort"), Page: p})
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, list[registry.Agency]{Items: items, Total: total, Limit: p.Limit, Offset: p.Offset})
}

func (a *API) getAgency(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err == nil {
		var ag registry.Agency
		if ag, err = a.Registry.Agency(r.Context(), httpx.Actor(r.Context()), id); err == nil {
			httpx.WriteJSON(w, http.StatusOK, ag)
			return
		}
	}
	httpx.WriteError(w, r, err)
}

func (a *API) createAgency(w http.ResponseWriter, r *http.Request) {
	var in registry.AgencyInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ag, err := a.Registry.CreateAgency(r.Context(), httpx.Actor(r.Context()), in)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/agencies/%d", ag.ID))
	httpx.WriteJSON(w, http.StatusCreated, ag)
}

func (a *API) updateAgency(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var in registry.AgencyInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ag, err := a.Registry.UpdateAgency(r.Context(), httpx.Actor(r.Context()), id, in)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, ag)
}

func (a *API) deleteAgency(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err == nil {
		err = a.Registry.DeleteAgency(r.Context(), httpx.Actor(r.Context()), id)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) listSystems(w http.ResponseWriter, r *http.Request) {
	p, err := page(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	agency, err := optionalID(r, "agency_id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := registry.SystemFilter{Query: q.Get("q"), AgencyID: agency, Hosting: q.Get("hosting"), Status: q.Get("status"), Domain: q.Get("domain"), Archived: q.Get("archived"), Sort: q.Get("sort"), Page: p}
	items, total, err := a.Registry.Systems(r.Context(), httpx.Actor(r.Context()), f)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	// The hottest answer of the API, written without reflection; the same
	// shape as list[registry.System] (a test compares the two).
	buf := make([]byte, 0, 512*len(items)+64)
	buf = append(buf, `{"items":[`...)
	for i, s := range items {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = s.AppendJSON(buf)
	}
	buf = fmt.Appendf(buf, `],"total":%d,"limit":%d,"offset":%d}`+"\n", total, p.Limit, p.Offset)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(buf)
}

func (a *API) getSystem(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err == nil {
		var s registry.System
		if s, err = a.Registry.System(r.Context(), httpx.Actor(r.Context()), id); err == nil {
			httpx.WriteJSON(w, http.StatusOK, s)
			return
		}
	}
	httpx.WriteError(w, r, err)
}

func (a *API) createSystem(w http.ResponseWriter, r *http.Request) {
	var in registry.SystemInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	s, err := a.Registry.CreateSystem(r.Context(), httpx.Actor(r.Context()), in)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/systems/%d", s.ID))
	httpx.WriteJSON(w, http.StatusCreated, s)
}

func (a *API) updateSystem(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var in registry.SystemInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	s, err := a.Registry.UpdateSystem(r.Context(), httpx.Actor(r.Context()), id, in)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, s)
}

// deleteSystem archives the system (its history stays).
func (a *API) deleteSystem(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err == nil {
		err = a.Registry.DeleteSystem(r.Context(), httpx.Actor(r.Context()), id)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// restoreSystem brings an archived system back (admins).
func (a *API) restoreSystem(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (registry.System, error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return registry.System{}, err
		}
		return a.Registry.RestoreSystem(ctx, httpx.Actor(ctx), id)
	})
}

// purgeSystem deletes an archived system for good (admins) and answers
// what was removed.
func (a *API) purgeSystem(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (registry.Purge, error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return registry.Purge{}, err
		}
		return a.Registry.PurgeSystem(ctx, httpx.Actor(ctx), id)
	})
}

func importKind(r *http.Request) (string, error) {
	k := r.PathValue("kind")
	if k != registry.KindAgencies && k != registry.KindSystems {
		return "", fmt.Errorf("%w: import kind %q", store.ErrNotFound, k)
	}
	return k, nil
}

// ImportOptionsFrom reads dry_run and the repeated map=HEADER=FIELD
// parameters.
func ImportOptionsFrom(values map[string][]string) (registry.ImportOptions, error) {
	opts := registry.ImportOptions{Mapping: map[string]string{}}
	if v := first(values["dry_run"]); v != "" {
		switch strings.ToLower(v) {
		case "1", "true", "yes", "on":
			opts.DryRun = true
		case "0", "false", "no", "off":
		default:
			return opts, httpx.BadRequest("dry_run: %q is not true or false", v)
		}
	}
	for _, m := range values["map"] {
		i := strings.LastIndex(m, "=")
		if i <= 0 {
			return opts, httpx.BadRequest("map: %q is not HEADER=FIELD", m)
		}
		opts.Mapping[m[:i]] = m[i+1:]
	}
	return opts, nil
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// ImportBody returns the CSV in a request: the body itself, or the "file"
// part of a multipart form. Its size is capped.
func ImportBody(w http.ResponseWriter, r *http.Request) (io.Reader, func(), error) {
	r.Body = http.MaxBytesReader(w, r.Body, registry.MaxImportBytes+64<<10)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return r.Body, func() {}, nil
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		return nil, nil, httpx.BadRequest("malformed multipart form: %v", err)
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		r.MultipartForm.RemoveAll()
		return nil, nil, httpx.BadRequest("the form has no file field")
	}
	return f, func() { f.Close(); r.MultipartForm.RemoveAll() }, nil
}

func (a *API) importCSV(w http.ResponseWriter, r *http.Request) {
	kind, err := importKind(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	opts, err := ImportOptionsFrom(r.URL.Query())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	body, done, err := ImportBody(w, r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	defer done()
	rep, err := a.Registry.Import(r.Context(), httpx.Actor(r.Context()), kind, body, opts)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if len(rep.Errors) > 0 {
		httpx.WriteJSON(w, http.StatusBadRequest, map[string]any{
			"error":  httpx.APIError{Code: "import_rejected", Message: fmt.Sprintf("%d problem(s) found; nothing was written", len(rep.Errors))},
			"report": rep,
		})
		return
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
}

func (a *API) exportCSV(w http.ResponseWriter, r *http.Request) {
	kind, err := importKind(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	actor := httpx.Actor(r.Context())
	if !actor.CanRead() {
		httpx.WriteError(w, r, store.ErrForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="khien-%s.csv"`, kind))
	if err := a.Registry.Export(r.Context(), actor, kind, w); err != nil {
		httpx.WriteError(w, r, err)
	}
}
