package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/khien-project/khien/internal/feature/logstore"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/store"
)

// Stored log events (issue 11): search, one event, storage used. The
// agency scope is the feature's: an officer's search holds only their
// agencies' events, and another agency's event is a 404.

func (a *API) registerLogs(r Router) {
	r.Private("GET /api/v1/logs/events", a.searchLogs)
	r.Private("GET /api/v1/logs/events/{day}/{id}", a.getLogEvent)
	r.Private("GET /api/v1/logs/storage", a.logStorage)
}

// errNoLogStore answers when this server was built without the store.
var errNoLogStore = fmt.Errorf("log event storage: %w", store.ErrNotFound)

func (a *API) searchLogs(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (logstore.Result, error) {
		if a.Logs == nil {
			return logstore.Result{}, errNoLogStore
		}
		q, err := logstore.ParseQuery(r.URL.Query(), time.Now())
		if err != nil {
			return logstore.Result{}, err
		}
		return a.Logs.Search(ctx, httpx.Actor(ctx), q)
	})
}

func (a *API) getLogEvent(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (logstore.Event, error) {
		if a.Logs == nil {
			return logstore.Event{}, errNoLogStore
		}
		return a.Logs.Event(ctx, httpx.Actor(ctx), r.PathValue("day"), r.PathValue("id"))
	})
}

func (a *API) logStorage(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (logstore.Usage, error) {
		if a.Logs == nil {
			return logstore.Usage{}, errNoLogStore
		}
		return a.Logs.Storage(ctx, httpx.Actor(ctx))
	})
}
