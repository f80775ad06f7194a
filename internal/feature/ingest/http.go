package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/evtx"
	"github.com/khien-project/khien/internal/engine/normalize"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/logstream"
)

// Handler serves POST /api/v1/ingest and, at every other path, the
// Elasticsearch-compatible API: the ingest listener (ingest.http).
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/ingest", s.ServeIngest)
	mux.Handle("/", s.Elastic())
	return mux
}

// RetryAfter is the pause, in seconds, a full stream asks HTTP senders for.
const RetryAfter = 5

// secretOf finds the ingest token in a request: "Authorization: Bearer
// T", "ApiKey base64(id:T)" (Beats' api_key "id:T") or "ApiKey T", or
// basic authentication with T as the password (or as the user name).
func secretOf(r *http.Request) string {
	scheme, v, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	v = strings.TrimSpace(v)
	switch strings.ToLower(scheme) {
	case "bearer":
		return v
	case "apikey":
		if strings.HasPrefix(v, TokenPrefix) {
			return v
		}
		dec, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return v
		}
		if _, after, ok := strings.Cut(string(dec), ":"); ok {
			return after
		}
		return string(dec)
	case "basic":
		user, pass, _ := r.BasicAuth()
		if pass == "" {
			return user
		}
		return pass
	}
	return ""
}

// owner authenticates the request; on failure it has answered.
func (s *Service) owner(w http.ResponseWriter, r *http.Request, receiver string, elastic bool) (Owner, bool) {
	o, err := s.Authenticate(r.Context(), secretOf(r))
	if err == nil {
		return o, true
	}
	if errors.Is(err, ErrBadToken) {
		s.m.rejected.WithLabelValues(receiver, ReasonToken).Inc()
		w.Header().Set("WWW-Authenticate", `Bearer realm="khien-ingest", Basic realm="khien-ingest", ApiKey`)
		if elastic {
			esError(w, http.StatusUnauthorized, "security_exception", "missing, invalid or revoked ingest token")
		} else {
			httpx.WriteJSON(w, http.StatusUnauthorized, map[string]httpx.APIError{"error": {Code: "unauthorized", Message: "missing, invalid or revoked ingest token"}})
		}
		return o, false
	}
	httpx.WriteError(w, r, err)
	return o, false
}

// readBody reads a body up to MaxBody; on failure it has answered.
func (s *Service) readBody(w http.ResponseWriter, r *http.Request, receiver string, elastic bool) ([]byte, bool) {
	_, cfg := s.stream()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, cfg.MaxBody))
	if err == nil {
		return body, true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		s.m.rejected.WithLabelValues(receiver, ReasonTooLarge).Inc()
		msg := "the request body is larger than ingest.max_body (" + strconv.FormatInt(cfg.MaxBody, 10) + " bytes): send smaller batches"
		if elastic {
			esError(w, http.StatusRequestEntityTooLarge, "content_too_long_exception", msg)
		} else {
			httpx.WriteJSON(w, http.StatusRequestEntityTooLarge, map[string]httpx.APIError{"error": {Code: "too_large", Message: msg}})
		}
		return nil, false
	}
	httpx.WriteError(w, r, httpx.BadRequest("the request body could not be read"))
	return nil, false
}

// documentIDs makes the ids of a request's documents from the token, the
// body and the position, so that a sender retrying the same request
// (after a 429) sends the same ids and consumers drop the duplicates.
type documentIDs struct {
	seed [32]byte
}

func newDocumentIDs(tokenID int64, body []byte) documentIDs {
	h := sha256.New()
	_ = binary.Write(h, binary.BigEndian, tokenID)
	h.Write(body)
	var d documentIDs
	copy(d.seed[:], h.Sum(nil))
	return d
}

func (d documentIDs) at(i int) string {
	var b [40]byte
	copy(b[:], d.seed[:])
	binary.BigEndian.PutUint64(b[32:], uint64(i))
	sum := sha256.Sum256(b[:])
	return hex.EncodeToString(sum[:16])
}

// document normalizes one JSON document; reason is set when it is refused.
func (s *Service) document(doc []byte, o Owner, receiver, id string, now time.Time) (rec logstream.Record, reason string) {
	_, cfg := s.stream()
	doc = bytes.TrimSpace(doc)
	switch {
	case len(doc) == 0:
		return rec, ReasonEmpty
	case len(doc) > cfg.MaxMessage:
		return rec, ReasonOversized
	case doc[0] != '{':
		return rec, ReasonInvalidJSON
	}
	ev := normalize.Normalize(normalize.Input{Kind: normalize.KindJSON, Body: string(doc), Received: now, Location: cfg.Location})
	if ev.Source == normalize.SourceLine {
		return rec, ReasonInvalidJSON // not a JSON object: normalize kept it as a line
	}
	rec = logstream.FromEvent(ev)
	rec.ID, rec.AgencyID, rec.SystemID, rec.Receiver, rec.Sender, rec.Received = id, o.AgencyID, o.SystemID, receiver, o.Name, now
	return rec, ""
}

// IngestResult is the answer of POST /api/v1/ingest.
type IngestResult struct {
	Accepted int           `json:"accepted"`
	Rejected int           `json:"rejected"`
	Errors   []IngestError `json:"errors,omitempty"`
}

// IngestError says why one document was refused (the first 100 only).
type IngestError struct {
	Index  int    `json:"index"` // 0-based position in the body
	Reason string `json:"reason"`
}

// ServeIngest takes NDJSON (one JSON object a line), a JSON array of
// objects, or a Windows event log file (EVTX, told by its signature),
// with an ingest token.
func (s *Service) ServeIngest(w http.ResponseWriter, r *http.Request) {
	const receiver = logstream.ReceiverHTTP
	o, ok := s.owner(w, r, receiver, false)
	if !ok {
		return
	}
	body, ok := s.readBody(w, r, receiver, false)
	if !ok {
		return
	}
	if evtx.HasSignature(body) {
		s.serveEVTX(w, r, o, body)
		return
	}
	docs, err := splitDocuments(body)
	if err != nil {
		s.m.rejected.WithLabelValues(receiver, ReasonInvalidJSON).Inc()
		httpx.WriteError(w, r, httpx.BadRequest("the body is neither NDJSON nor a JSON array: %v", err))
		return
	}
	now := time.Now()
	ids := newDocumentIDs(o.TokenID, body)
	var res IngestResult
	recs := make([]logstream.Record, 0, len(docs))
	for i, doc := range docs {
		rec, reason := s.document(doc, o, receiver, ids.at(i), now)
		if reason != "" {
			s.m.rejected.WithLabelValues(receiver, reason).Inc()
			res.Rejected++
			if len(res.Errors) < 100 {
				res.Errors = append(res.Errors, IngestError{Index: i, Reason: reason})
			}
			continue
		}
		recs = append(recs, rec)
	}
	if len(recs) > 0 {
		if !s.publishHTTP(w, r, receiver, recs, false) {
			return
		}
	}
	res.Accepted = len(recs)
	httpx.WriteJSON(w, http.StatusOK, res)
}

// publishHTTP publishes a request's records; on failure it has answered
// (429 with Retry-After when the stream is full).
func (s *Service) publishHTTP(w http.ResponseWriter, r *http.Request, receiver string, recs []logstream.Record, elastic bool) bool {
	err := s.publish(r.Context(), receiver, recs)
	if err == nil {
		return true
	}
	status, kind, msg := http.StatusServiceUnavailable, "unavailable_shards_exception", "the event queue is unavailable; try again later"
	if errors.Is(err, logstream.ErrFull) {
		status, kind, msg = http.StatusTooManyRequests, "es_rejected_execution_exception", "the event queue is full; try again later"
	}
	w.Header().Set("Retry-After", strconv.Itoa(RetryAfter))
	if elastic {
		esError(w, status, kind, msg)
	} else {
		code := "unavailable"
		if status == http.StatusTooManyRequests {
			code = "queue_full"
		}
		httpx.WriteJSON(w, status, map[string]httpx.APIError{"error": {Code: code, Message: msg}})
	}
	return false
}

// splitDocuments splits a body into its documents: the elements of a
// JSON array, or the non-blank lines of NDJSON.
func splitDocuments(body []byte) ([][]byte, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var raw []json.RawMessage
		if err := json.Unmarshal(trimmed, &raw); err != nil {
			return nil, errors.New("a JSON array that does not parse")
		}
		out := make([][]byte, len(raw))
		for i := range raw {
			out[i] = raw[i]
		}
		return out, nil
	}
	var out [][]byte
	for line := range bytes.SplitSeq(body, []byte("\n")) {
		if len(bytes.TrimSpace(line)) > 0 {
			out = append(out, line)
		}
	}
	return out, nil
}

// esError answers an Elasticsearch-style error.
func esError(w http.ResponseWriter, status int, kind, reason string) {
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	httpx.WriteJSON(w, status, map[string]any{"error": map[string]any{"type": kind, "reason": reason, "root_cause": []any{map[string]any{"type": kind, "reason": reason}}}, "status": status})
}
