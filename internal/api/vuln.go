package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"

	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/store"
)

// MaxFeedUpload is the largest feed file the API accepts (it is read as
// a stream, in bounded memory; larger files go through `khien vuln
// import`).
const MaxFeedUpload = 1 << 30

// registerVuln adds the vulnerability routes: feeds, findings and
// discovered components.
func (a *API) registerVuln(r Router) {
	r.Private("GET /api/v1/vuln/feeds", a.listFeeds)
	r.Private("POST /api/v1/vuln/feeds", a.importFeed)
	r.Private("GET /api/v1/vuln/findings", a.listVulnFindings)
	r.Private("GET /api/v1/vuln/findings.csv", a.exportVulnFindings)
	r.Private("GET /api/v1/vuln/findings/{id}", a.getVulnFinding)
	r.Private("POST /api/v1/vuln/findings/{id}/status", a.setVulnStatus)
	r.Private("GET /api/v1/vuln/discovered", a.listDiscovered)
	r.Private("POST /api/v1/vuln/discovered/{id}", a.decideDiscovered)
	a.registerVulnAdvisories(r)
	a.registerVulnAliases(r)
	a.registerVulnFigures(r)
}

func (a *API) listFeeds(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (map[string][]vuln.FeedStatus, error) {
		f, err := a.Vuln.Feeds(ctx, httpx.Actor(ctx))
		return map[string][]vuln.FeedStatus{"items": f}, err
	})
}

// limitedBody is a request body capped at MaxFeedUpload that remembers
// reaching the cap (the feed readers wrap the error they see).
type limitedBody struct {
	r   io.Reader
	hit bool
}

func (l *limitedBody) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		l.hit = true
	}
	return n, err
}

// importFeed reads one feed file: the body itself (its name in ?name=) or
// the "file" part of a multipart form, streamed.
func (a *API) importFeed(w http.ResponseWriter, r *http.Request) {
	actor := httpx.Actor(r.Context())
	if !vuln.CanImport(actor) {
		httpx.WriteError(w, r, store.ErrForbidden)
		return
	}
	body := &limitedBody{r: http.MaxBytesReader(w, r.Body, MaxFeedUpload)}
	var src io.Reader = body
	name := path.Base(r.URL.Query().Get("name"))
	if mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		part, err := filePart(body, params["boundary"])
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		defer part.Close()
		src, name = part, path.Base(part.FileName())
	}
	if name == "." || name == "/" {
		name = ""
	}
	imp, err := a.Vuln.ImportFeed(r.Context(), actor, name, src)
	if body.hit {
		err = &http.MaxBytesError{Limit: MaxFeedUpload}
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, imp)
}

func filePart(body io.Reader, boundary string) (*multipart.Part, error) {
	if boundary == "" {
		return nil, httpx.BadRequest("malformed multipart form: no boundary")
	}
	mr := multipart.NewReader(body, boundary)
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil, httpx.BadRequest("the form has no file field")
		}
		if p.FormName() == "file" {
			return p, nil
		}
		p.Close()
	}
}

func (a *API) listVulnFindings(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (list[vuln.Finding], error) {
		p, err := page(r)
		if err != nil {
			return list[vuln.Finding]{}, err
		}
		q := r.URL.Query()
		f := vuln.FindingFilter{Priority: q.Get("priority"), Status: q.Get("status"), Page: store.Page{Limit: p.Limit, Offset: p.Offset}}
		for name, dst := range map[string]*int64{"agency_id": &f.AgencyID, "system_id": &f.SystemID} {
			id, err := optionalID(r, name)
			if err != nil {
				return list[vuln.Finding]{}, err
			}
			if id != nil {
				*dst = *id
			}
		}
		switch q.Get("overdue") {
		case "", "false", "0":
		case "true", "1":
			f.Overdue = true
		default:
			return list[vuln.Finding]{}, httpx.BadRequest("query parameter overdue: %q is not true or false", q.Get("overdue"))
		}
		items, total, err := a.Vuln.Findings(ctx, httpx.Actor(ctx), f)
		return list[vuln.Finding]{Items: items, Total: total, Limit: f.Page.Clamped(50).Limit, Offset: p.Offset}, err
	})
}

func (a *API) getVulnFinding(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (vuln.Finding, error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return vuln.Finding{}, err
		}
		return a.Vuln.Finding(ctx, httpx.Actor(ctx), id)
	})
}

func (a *API) setVulnStatus(w http.ResponseWriter, r *http.Request) {
	var in vuln.StatusInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusOK, func(ctx context.Context) (vuln.Finding, error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return vuln.Finding{}, err
		}
		return a.Vuln.SetStatus(ctx, httpx.Actor(ctx), id, in)
	})
}

func (a *API) listDiscovered(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (map[string][]vuln.Discovered, error) {
		sys, err := optionalID(r, "system_id")
		if err != nil {
			return nil, err
		}
		var id int64
		if sys != nil {
			id = *sys
		}
		items, err := a.Vuln.DiscoveredComponents(ctx, httpx.Actor(ctx), id, r.URL.Query().Get("status"))
		return map[string][]vuln.Discovered{"items": items}, err
	})
}

// decision confirms or rejects a discovered component.
type decision struct {
	Status string `json:"status"` // confirmed, rejected
}

func (a *API) decideDiscovered(w http.ResponseWriter, r *http.Request) {
	var in decision
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusOK, func(ctx context.Context) (vuln.Discovered, error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return vuln.Discovered{}, err
		}
		return a.Vuln.DecideDiscovered(ctx, httpx.Actor(ctx), id, in.Status)
	})
}
