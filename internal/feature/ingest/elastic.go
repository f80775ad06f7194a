package ingest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/logstream"
)

// DefaultElasticVersion is the Elasticsearch version answered to a client
// that does not say its own (Beats do, in their User-Agent, and are
// answered their own version, which they accept).
const DefaultElasticVersion = "8.17.0"

// Elastic is the Elasticsearch-compatible API, rooted at "/": the bulk
// endpoint (POST /_bulk, /{index}/_bulk) and harmless answers to the
// calls Beats make at start-up (GET /, /_license, index templates, ILM
// policies, ingest pipelines, data streams: they "exist", and creating
// them is acknowledged without effect). Every call needs an ingest token.
func (s *Service) Elastic() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := s.owner(w, r, logstream.ReceiverBulk, true); !ok {
			return
		}
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		last := parts[len(parts)-1]
		switch {
		case last == "_bulk" && len(parts) <= 2 && (r.Method == http.MethodPost || r.Method == http.MethodPut):
			index := ""
			if len(parts) == 2 {
				index = parts[0]
			}
			s.bulk(w, r, index)
		case r.URL.Path == "/" || r.URL.Path == "":
			s.esInfo(w, r)
		case r.Method == http.MethodGet || r.Method == http.MethodHead:
			esProbe(w, r, parts)
		default:
			httpx.WriteJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
		}
	})
}

// beatVersion reads "Filebeat/8.15.2 (…)" from a User-Agent.
var beatVersion = regexp.MustCompile(`^[A-Za-z-]+/(\d+\.\d+\.\d+)`)

func (s *Service) esInfo(w http.ResponseWriter, r *http.Request) {
	v := DefaultElasticVersion
	if m := beatVersion.FindStringSubmatch(r.UserAgent()); m != nil && strings.Contains(strings.ToLower(r.UserAgent()), "beat") {
		v = m[1]
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{
		"name": "khien", "cluster_name": "khien", "cluster_uuid": "khien-ingest",
		"version": map[string]any{"number": v, "build_flavor": "default", "build_type": "docker", "lucene_version": "9.12.0",
			"minimum_wire_compatibility_version": "7.17.0", "minimum_index_compatibility_version": "7.0.0"},
		"tagline": "You Know, for Search",
	})
}

// esProbe answers the existence checks of Beats' set-up: everything
// asked for exists.
func esProbe(w http.ResponseWriter, r *http.Request, parts []string) {
	name := parts[len(parts)-1]
	var body any = map[string]any{}
	switch {
	case parts[0] == "_license":
		body = map[string]any{"license": map[string]any{"status": "active", "uid": "khien", "type": "basic", "issue_date_in_millis": 0,
			"expiry_date_in_millis": time.Now().AddDate(10, 0, 0).UnixMilli(), "max_nodes": 1000}}
	case parts[0] == "_xpack":
		body = map[string]any{"build": map[string]any{}, "features": map[string]any{}, "license": map[string]any{"status": "active", "type": "basic", "mode": "basic"}}
	case parts[0] == "_index_template" && len(parts) == 2:
		body = map[string]any{"index_templates": []any{map[string]any{"name": name, "index_template": map[string]any{"index_patterns": []string{name + "*"}, "data_stream": map[string]any{}}}}}
	case parts[0] == "_data_stream" && len(parts) == 2:
		body = map[string]any{"data_streams": []any{map[string]any{"name": name, "timestamp_field": map[string]any{"name": "@timestamp"}, "status": "GREEN", "template": name}}}
	case len(parts) == 3 && parts[0] == "_ilm" && parts[1] == "policy":
		body = map[string]any{name: map[string]any{"version": 1, "policy": map[string]any{"phases": map[string]any{}}}}
	case len(parts) >= 2 && (parts[0] == "_template" || parts[0] == "_component_template" || parts[0] == "_ingest"):
		body = map[string]any{name: map[string]any{}}
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, body)
}

// bulkItem is one item of a bulk answer, under its action's name.
type bulkItem struct {
	Index   string         `json:"_index"`
	ID      string         `json:"_id"`
	Status  int            `json:"status"`
	Result  string         `json:"result,omitempty"`
	Version int            `json:"_version,omitempty"`
	Error   map[string]any `json:"error,omitempty"`
}

// bulk reads an Elasticsearch bulk body: an action line, then, for index
// and create, the document's line. Other actions (update, delete) are
// refused item by item, as Elasticsearch refuses a bad item.
func (s *Service) bulk(w http.ResponseWriter, r *http.Request, defaultIndex string) {
	const receiver = logstream.ReceiverBulk
	start := time.Now()
	o, _ := s.Authenticate(r.Context(), secretOf(r)) // checked by Elastic
	body, ok := s.readBody(w, r, receiver, true)
	if !ok {
		return
	}
	ids := newDocumentIDs(o.TokenID, body)
	lines := bytes.Split(body, []byte("\n"))
	var items []map[string]bulkItem
	var recs []logstream.Record
	errorsSeen := false
	for i := 0; i < len(lines); i++ {
		line := bytes.TrimSpace(lines[i])
		if len(line) == 0 {
			continue
		}
		action, meta, ok := bulkAction(line)
		item := bulkItem{Index: meta.Index, ID: meta.ID}
		if item.Index == "" {
			item.Index = defaultIndex
		}
		if !ok {
			s.m.rejected.WithLabelValues(receiver, ReasonInvalidJSON).Inc()
			items = append(items, map[string]bulkItem{"index": failed(item, "illegal_argument_exception", "malformed action line")})
			errorsSeen = true
			continue
		}
		if action == "delete" {
			s.m.rejected.WithLabelValues(receiver, ReasonUnsupported).Inc()
			items = append(items, map[string]bulkItem{action: failed(item, "illegal_argument_exception", "only index and create are supported")})
			errorsSeen = true
			continue
		}
		i++ // the document line
		var doc []byte
		if i < len(lines) {
			doc = lines[i]
		}
		if action != "index" && action != "create" {
			s.m.rejected.WithLabelValues(receiver, ReasonUnsupported).Inc()
			items = append(items, map[string]bulkItem{action: failed(item, "illegal_argument_exception", "only index and create are supported")})
			errorsSeen = true
			continue
		}
		id := ids.at(len(items))
		if meta.ID != "" {
			id = "agency-" + strconv.FormatInt(o.AgencyID, 10) + "/" + meta.ID // the sender's own id, within its agency
		} else {
			item.ID = id
		}
		rec, reason := s.document(doc, o, receiver, id, start)
		if reason != "" {
			s.m.rejected.WithLabelValues(receiver, reason).Inc()
			items = append(items, map[string]bulkItem{action: failed(item, "document_parsing_exception", "document refused: "+reason)})
			errorsSeen = true
			continue
		}
		recs = append(recs, rec)
		item.Status, item.Result, item.Version = http.StatusCreated, "created", 1
		items = append(items, map[string]bulkItem{action: item})
	}
	if len(recs) > 0 && !s.publishHTTP(w, r, receiver, recs, true) {
		return
	}
	if items == nil {
		items = []map[string]bulkItem{}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"took": time.Since(start).Milliseconds(), "errors": errorsSeen, "items": items})
}

func failed(item bulkItem, kind, reason string) bulkItem {
	item.Status = http.StatusBadRequest
	item.Error = map[string]any{"type": kind, "reason": reason}
	return item
}

// bulkMeta is an action's metadata.
type bulkMeta struct {
	Index string `json:"_index"`
	ID    string `json:"_id"`
}

// bulkAction reads an action line {"index": {"_index": …, "_id": …}}.
func bulkAction(line []byte) (action string, meta bulkMeta, ok bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(line, &m); err != nil || len(m) != 1 {
		return "", meta, false
	}
	for k, v := range m {
		action = k
		if err := json.Unmarshal(v, &meta); err != nil {
			return "", meta, false
		}
	}
	if len(meta.ID) > 512 || len(meta.Index) > 255 {
		return "", bulkMeta{}, false
	}
	return action, meta, true
}
