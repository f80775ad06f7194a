package api

import (
	"context"
	"net/http"

	"github.com/khien-project/khien/internal/feature/ingest"
	"github.com/khien-project/khien/internal/platform/httpx"
)

// registerIngest adds the ingest tokens and the syslog senders' view. The
// receivers themselves (POST /api/v1/ingest, /api/v1/ingest/es/…) take
// ingest tokens, not users: internal/web mounts them.
func (a *API) registerIngest(r Router) {
	if a.Ingest == nil {
		return
	}
	r.Private("GET /api/v1/ingest/tokens", a.listIngestTokens)
	r.Private("POST /api/v1/ingest/tokens", a.createIngestToken)
	r.Private("DELETE /api/v1/ingest/tokens/{id}", a.revokeIngestToken)
	r.Private("GET /api/v1/ingest/senders", a.listIngestSenders)
}

func (a *API) listIngestTokens(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (list[ingest.Token], error) {
		toks, err := a.Ingest.Tokens(ctx, httpx.Actor(ctx))
		return list[ingest.Token]{Items: toks, Total: len(toks), Limit: len(toks)}, err
	})
}

func (a *API) createIngestToken(w http.ResponseWriter, r *http.Request) {
	var in ingest.TokenInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusCreated, func(ctx context.Context) (ingest.NewToken, error) {
		return a.Ingest.CreateToken(ctx, httpx.Actor(ctx), in)
	})
}

func (a *API) revokeIngestToken(w http.ResponseWriter, r *http.Request) {
	id, err := httpx.ParseID(r, "id")
	if err == nil {
		err = a.Ingest.RevokeToken(r.Context(), httpx.Actor(r.Context()), id)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) listIngestSenders(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (list[ingest.Sender], error) {
		s, err := a.Ingest.Senders(ctx, httpx.Actor(ctx))
		return list[ingest.Sender]{Items: s, Total: len(s), Limit: len(s)}, err
	})
}
