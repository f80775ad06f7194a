package api

import (
	"context"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/khien-project/khien/internal/feature/alert"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/httpx"
)

// registerDetections adds the Sigma detection routes: alerts (detections),
// rules and packs, exceptions, and the rule test.
func (a *API) registerDetections(r Router) {
	r.Private("GET /api/v1/detections", a.listDetections)
	r.Private("GET /api/v1/detections/{id}", a.getDetection)
	r.Private("POST /api/v1/detections/{id}/status", a.setDetectionStatus)
	r.Private("POST /api/v1/detections/bulk", a.bulkDetections)
	r.Private("GET /api/v1/rules", a.listRules)
	r.Private("GET /api/v1/rules/{id}", a.getRule)
	r.Private("POST /api/v1/rules/{id}/enable", a.enableRule)
	r.Private("POST /api/v1/rules/{id}/disable", a.disableRule)
	r.Private("GET /api/v1/rules/packs", a.listPacks)
	r.Private("POST /api/v1/rules/packs", a.importPack)
	r.Private("DELETE /api/v1/rules/packs/{id}", a.deletePack)
	r.Private("GET /api/v1/rules/exceptions", a.listExceptions)
	r.Private("POST /api/v1/rules/exceptions", a.addException)
	r.Private("DELETE /api/v1/rules/exceptions/{id}", a.deleteException)
	r.Private("POST /api/v1/rules/test", a.testRule)
}

// DetectionFilter reads the alert queue's filters from a query (shared
// with the UI, so that a filtered page's URL and the API agree).
func DetectionFilter(q map[string][]string) (alert.Filter, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	f := alert.Filter{Status: get("status"), Level: get("level"), Rule: get("rule"), Assignee: get("assignee"), Sort: get("sort")}
	var err error
	if f.AgencyID, err = queryID(get("agency_id"), "agency_id"); err != nil {
		return f, err
	}
	if f.SystemID, err = queryID(get("system_id"), "system_id"); err != nil {
		return f, err
	}
	if f.From, err = timeParam(get("from"), "from", false); err != nil {
		return f, err
	}
	f.To, err = timeParam(get("to"), "to", true)
	return f, err
}

func queryID(v, name string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' || n > 1<<50 {
			return 0, httpx.BadRequest("query parameter %s: %q is not an id", name, v)
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}

func (a *API) listDetections(w http.ResponseWriter, r *http.Request) {
	siteList(w, r, func(ctx context.Context, actor access.Actor, p registry.Page, _ int64) ([]alert.Detection, int, error) {
		f, err := DetectionFilter(r.URL.Query())
		if err != nil {
			return nil, 0, err
		}
		if f.AgencyID != 0 {
			if _, err := a.Registry.Agency(ctx, actor, f.AgencyID); err != nil {
				return nil, 0, err
			}
		}
		f.Limit, f.Offset = p.Limit, p.Offset
		return a.Alert.Detections(ctx, actor, f)
	})
}

func (a *API) getDetection(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (alert.Detection, error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return alert.Detection{}, err
		}
		return a.Alert.Detection(ctx, httpx.Actor(ctx), id)
	})
}

// statusInput changes one alert's status.
type statusInput struct {
	Status string `json:"status"`
	Note   string `json:"note"`
}

func (a *API) setDetectionStatus(w http.ResponseWriter, r *http.Request) {
	var in statusInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusOK, func(ctx context.Context) (alert.Detection, error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return alert.Detection{}, err
		}
		return a.Alert.SetStatus(ctx, httpx.Actor(ctx), id, in.Status, in.Note)
	})
}

func (a *API) bulkDetections(w http.ResponseWriter, r *http.Request) {
	var in alert.BulkInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusOK, func(ctx context.Context) (map[string]int, error) {
		if in.Action == "" {
			return nil, httpx.BadRequest("action is required: %s", strings.Join(alert.BulkActions, ", "))
		}
		n, err := a.Alert.Bulk(ctx, httpx.Actor(ctx), in)
		return map[string]int{"changed": n}, err
	})
}

func (a *API) listRules(w http.ResponseWriter, r *http.Request) {
	siteList(w, r, func(ctx context.Context, actor access.Actor, p registry.Page, _ int64) ([]alert.Rule, int, error) {
		q := r.URL.Query()
		pack, err := queryID(q.Get("pack_id"), "pack_id")
		if err != nil {
			return nil, 0, err
		}
		return a.Alert.Rules(ctx, actor, alert.RuleFilter{PackID: pack, Search: q.Get("q"), Enabled: q.Get("enabled"), Errors: q.Get("errors") == "1" || q.Get("errors") == "true",
			Limit: p.Limit, Offset: p.Offset})
	})
}

func (a *API) getRule(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (alert.Rule, error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return alert.Rule{}, err
		}
		return a.Alert.GetRule(ctx, httpx.Actor(ctx), id)
	})
}

func (a *API) enableRule(w http.ResponseWriter, r *http.Request)  { a.switchRule(w, r, true) }
func (a *API) disableRule(w http.ResponseWriter, r *http.Request) { a.switchRule(w, r, false) }

func (a *API) switchRule(w http.ResponseWriter, r *http.Request, on bool) {
	run(w, r, http.StatusOK, func(ctx context.Context) (alert.Rule, error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return alert.Rule{}, err
		}
		return a.Alert.SetRuleEnabled(ctx, httpx.Actor(ctx), id, on)
	})
}

func (a *API) listPacks(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (list[alert.Pack], error) {
		packs, err := a.Alert.Packs(ctx, httpx.Actor(ctx))
		return list[alert.Pack]{Items: packs, Total: len(packs), Limit: len(packs)}, err
	})
}

// ReadPackUpload reads an uploaded rule pack: a multipart form with a
// "file" (and a "name"), or the file as the body (name in ?name=, the
// file's name in ?filename=). It answers the pack's name and its files.
func ReadPackUpload(w http.ResponseWriter, r *http.Request) (string, []alert.File, error) {
	r.Body = http.MaxBytesReader(w, r.Body, alert.MaxPackBytes+1<<20)
	name, filename := r.URL.Query().Get("name"), r.URL.Query().Get("filename")
	var data []byte
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return "", nil, httpx.BadRequest("the upload cannot be read (at most %d MiB)", alert.MaxPackBytes>>20)
		}
		if v := r.FormValue("name"); v != "" {
			name = v
		}
		f, h, err := r.FormFile("file")
		if err != nil {
			return "", nil, httpx.BadRequest("choose a file to upload")
		}
		defer f.Close()
		filename = h.Filename
		if data, err = io.ReadAll(f); err != nil {
			return "", nil, httpx.BadRequest("the upload cannot be read")
		}
	} else {
		var err error
		if data, err = io.ReadAll(r.Body); err != nil {
			return "", nil, httpx.BadRequest("the upload cannot be read (at most %d MiB)", alert.MaxPackBytes>>20)
		}
	}
	if name == "" {
		name = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(filename, ".gz"), ".tar"), ".zip")
	}
	files, err := alert.ReadUpload(filename, data)
	return name, files, err
}

func (a *API) importPack(w http.ResponseWriter, r *http.Request) {
	name, files, err := ReadPackUpload(w, r)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusOK, func(ctx context.Context) (alert.ImportResult, error) {
		return a.Alert.ImportPack(ctx, httpx.Actor(ctx), name, "upload", files)
	})
}

func (a *API) deletePack(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (map[string]bool, error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return nil, err
		}
		return map[string]bool{"deleted": true}, a.Alert.DeletePack(ctx, httpx.Actor(ctx), id)
	})
}

func (a *API) listExceptions(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (list[alert.Exception], error) {
		xs, err := a.Alert.Exceptions(ctx, httpx.Actor(ctx), r.URL.Query().Get("rule"))
		return list[alert.Exception]{Items: xs, Total: len(xs), Limit: len(xs)}, err
	})
}

func (a *API) addException(w http.ResponseWriter, r *http.Request) {
	var in alert.ExceptionInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusCreated, func(ctx context.Context) (alert.Exception, error) {
		return a.Alert.AddException(ctx, httpx.Actor(ctx), in)
	})
}

func (a *API) deleteException(w http.ResponseWriter, r *http.Request) {
	run(w, r, http.StatusOK, func(ctx context.Context) (map[string]bool, error) {
		id, err := httpx.ParseID(r, "id")
		if err != nil {
			return nil, err
		}
		return map[string]bool{"deleted": true}, a.Alert.DeleteException(ctx, httpx.Actor(ctx), id)
	})
}

func (a *API) testRule(w http.ResponseWriter, r *http.Request) {
	var in alert.TestInput
	// A larger body than DecodeJSON's: the pasted events.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 2*(alert.MaxTestRuleBytes+alert.MaxTestEventsBytes)))
	if err == nil {
		err = httpx.DecodeStrict(body, &in)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	run(w, r, http.StatusOK, func(ctx context.Context) (alert.TestResult, error) {
		return a.Alert.TestRule(ctx, httpx.Actor(ctx), in)
	})
}
