package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/khien-project/khien/internal/feature/levels"
	"github.com/khien-project/khien/internal/platform/httpx"
)

// Level dossiers (issue 12 item 3): create, read, edit, move through the
// workflow, comment, attach documents and download them. The levels
// service applies scope (404) and the workflow's roles (403).

func (a *API) registerDossiers(r Router) {
	r.Private("POST /api/v1/systems/{id}/dossiers", a.createDossier)
	r.Private("GET /api/v1/dossiers", a.listDossiers)
	r.Private("GET /api/v1/dossiers/{id}", a.getDossier)
	r.Private("PATCH /api/v1/dossiers/{id}", a.editDossier)
	r.Private("POST /api/v1/dossiers/{id}/transitions", a.moveDossier)
	r.Private("POST /api/v1/dossiers/{id}/comments", a.commentDossier)
	r.Private("POST /api/v1/dossiers/{id}/attachments", a.attachDossier)
	r.Private("GET /api/v1/dossiers/{id}/attachments/{aid}", a.downloadAttachment)
}

// withLevels runs f with the levels service and the path's id.
func withLevels[T any](w http.ResponseWriter, r *http.Request, status int, a *API, f func(ctx context.Context, svc *levels.Service, id int64) (T, error)) {
	run(w, r, status, func(ctx context.Context) (T, error) {
		var zero T
		svc, err := a.levelService()
		if err != nil {
			return zero, err
		}
		var id int64
		if r.PathValue("id") != "" {
			if id, err = httpx.ParseID(r, "id"); err != nil {
				return zero, err
			}
		}
		return f(ctx, svc, id)
	})
}

func (a *API) createDossier(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusCreated, a, func(ctx context.Context, svc *levels.Service, id int64) (levels.Dossier, error) {
		return svc.CreateDossier(ctx, httpx.Actor(ctx), id)
	})
}

func (a *API) listDossiers(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusOK, a, func(ctx context.Context, svc *levels.Service, _ int64) (items[levels.Dossier], error) {
		q := r.URL.Query()
		f := levels.DossierFilter{State: q.Get("state"), Overdue: q.Get("overdue") == "true"}
		sys, err := optionalID(r, "system_id")
		if err != nil {
			return items[levels.Dossier]{}, err
		}
		if sys != nil {
			f.SystemID = *sys
		}
		out, err := svc.Dossiers(ctx, httpx.Actor(ctx), f)
		return items[levels.Dossier]{Items: out}, err
	})
}

func (a *API) getDossier(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusOK, a, func(ctx context.Context, svc *levels.Service, id int64) (levels.Dossier, error) {
		return svc.Dossier(ctx, httpx.Actor(ctx), id)
	})
}

func (a *API) editDossier(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusOK, a, func(ctx context.Context, svc *levels.Service, id int64) (levels.Dossier, error) {
		var in levels.SectionsInput
		if err := httpx.DecodeJSON(w, r, &in); err != nil {
			return levels.Dossier{}, err
		}
		return svc.EditDossier(ctx, httpx.Actor(ctx), id, in)
	})
}

func (a *API) moveDossier(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusOK, a, func(ctx context.Context, svc *levels.Service, id int64) (levels.Dossier, error) {
		var in levels.Transition
		if err := httpx.DecodeJSON(w, r, &in); err != nil {
			return levels.Dossier{}, err
		}
		return svc.Move(ctx, httpx.Actor(ctx), id, in)
	})
}

func (a *API) commentDossier(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusCreated, a, func(ctx context.Context, svc *levels.Service, id int64) (levels.Comment, error) {
		var in struct {
			Body string `json:"body"`
		}
		if err := httpx.DecodeJSON(w, r, &in); err != nil {
			return levels.Comment{}, err
		}
		return svc.AddComment(ctx, httpx.Actor(ctx), id, in.Body)
	})
}

// attachDossier takes the document as the "file" field of a multipart
// form, or as the raw body with its name in ?name=.
func (a *API) attachDossier(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusCreated, a, func(ctx context.Context, svc *levels.Service, id int64) (levels.Attachment, error) {
		name, data, err := UploadedFile(w, r)
		if err != nil {
			return levels.Attachment{}, err
		}
		return svc.Attach(ctx, httpx.Actor(ctx), id, name, data)
	})
}

// UploadedFile reads an uploaded document: the "file" part of a
// multipart form or the raw body named by ?name=, up to one byte more
// than levels.MaxAttachment (which the service refuses with a clear
// message); a body much larger is a 413.
func UploadedFile(w http.ResponseWriter, r *http.Request) (string, []byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, levels.MaxAttachment+1<<20)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		data, err := io.ReadAll(io.LimitReader(r.Body, levels.MaxAttachment+1))
		return r.URL.Query().Get("name"), data, tooLarge(err)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, httpx.BadRequest("malformed multipart form")
	}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return "", nil, httpx.BadRequest("the form has no file field")
		}
		if err != nil {
			return "", nil, tooLarge(fmt.Errorf("%w: %w", httpx.BadRequest("malformed multipart form"), err))
		}
		if p.FormName() != "file" {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(p, levels.MaxAttachment+1))
		return p.FileName(), data, tooLarge(err)
	}
}

// tooLarge keeps a body-size error (413) and makes other read errors a
// 400.
func tooLarge(err error) error {
	var max *http.MaxBytesError
	if err == nil || errors.As(err, &max) {
		return err
	}
	return httpx.BadRequest("the upload could not be read")
}

// downloadAttachment sends a dossier's document as a download only: an
// opaque type, Content-Disposition attachment, no sniffing, and a
// sandbox, so that a browser never renders it in Khiên's origin.
func (a *API) downloadAttachment(w http.ResponseWriter, r *http.Request) {
	svc, err := a.levelService()
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	aid, err := httpx.ParseID(r, "aid")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	f, err := svc.AttachmentFile(r.Context(), httpx.Actor(r.Context()), id, aid)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ServeDownload(w, f.Name, f.SHA256, f.Content)
}

// ServeDownload writes content as a file to save, never to display.
func ServeDownload(w http.ResponseWriter, name, sha string, content []byte) {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(name)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	if sha != "" {
		h.Set("X-Checksum-SHA256", sha)
	}
	w.WriteHeader(http.StatusOK)
	w.Write(content)
}
