package api

import (
	"context"
	"net/http"

	"github.com/khien-project/khien/internal/feature/levels"
	"github.com/khien-project/khien/internal/platform/httpx"
)

// Evidence files of an assessment (issue 12 item 4): the documents that
// back one requirement's status of a system, listed, uploaded (the
// "file" field of a multipart form, or the raw body with ?name=, as for
// dossier attachments), downloaded only as attachments, and deleted.

func (a *API) registerEvidence(r Router) {
	r.Private("GET /api/v1/systems/{id}/requirements/{req}/evidence", a.listEvidence)
	r.Private("POST /api/v1/systems/{id}/requirements/{req}/evidence", a.uploadEvidence)
	r.Private("GET /api/v1/systems/{id}/requirements/{req}/evidence/{file}", a.downloadEvidence)
	r.Private("DELETE /api/v1/systems/{id}/requirements/{req}/evidence/{file}", a.deleteEvidence)
}

func (a *API) listEvidence(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusOK, a, func(ctx context.Context, svc *levels.Service, id int64) (items[levels.Attachment], error) {
		out, err := svc.EvidenceFiles(ctx, httpx.Actor(ctx), id, r.PathValue("req"))
		return items[levels.Attachment]{Items: out}, err
	})
}

func (a *API) uploadEvidence(w http.ResponseWriter, r *http.Request) {
	withLevels(w, r, http.StatusCreated, a, func(ctx context.Context, svc *levels.Service, id int64) (levels.Attachment, error) {
		name, data, err := UploadedFile(w, r)
		if err != nil {
			return levels.Attachment{}, err
		}
		return svc.AttachEvidence(ctx, httpx.Actor(ctx), id, r.PathValue("req"), name, data)
	})
}

// evidenceFileID reads the system and file ids of the path.
func evidenceFileID(r *http.Request) (int64, int64, error) {
	id, err := httpx.ParseID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	fid, err := httpx.ParseID(r, "file")
	return id, fid, err
}

// downloadEvidence sends an evidence file as a download only (see
// ServeDownload).
func (a *API) downloadEvidence(w http.ResponseWriter, r *http.Request) {
	svc, err := a.levelService()
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	id, fid, err := evidenceFileID(r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	f, err := svc.EvidenceFile(r.Context(), httpx.Actor(r.Context()), id, r.PathValue("req"), fid)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ServeDownload(w, f.Name, f.SHA256, f.Content)
}

func (a *API) deleteEvidence(w http.ResponseWriter, r *http.Request) {
	svc, err := a.levelService()
	if err == nil {
		var id, fid int64
		if id, fid, err = evidenceFileID(r); err == nil {
			err = svc.DeleteEvidence(r.Context(), httpx.Actor(r.Context()), id, r.PathValue("req"), fid)
		}
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
