package ingest

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/khien-project/khien/internal/engine/evtx"
	"github.com/khien-project/khien/internal/engine/normalize"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/logstream"
)

// A Windows event log file (EVTX) sent as the body of POST
// /api/v1/ingest, as a responder or an agency without a log shipper
// would send a machine's Security or Sysmon log: its events are read in
// record order, flattened to the names Sigma's Windows rules use, and
// published like any other event of the token's agency and system. The
// body limit (ingest.max_body) bounds the file; damaged chunks and
// records are skipped and counted, as `khien rules test` does.

// evtxBatch is how many of a file's events are published at once.
const evtxBatch = 1000

// EVTXResult is the answer for an EVTX file.
type EVTXResult struct {
	Accepted int `json:"accepted"`
	// Skipped counts damaged records and chunks the reader passed over.
	Skipped int `json:"skipped"`
}

// serveEVTX publishes the events of an EVTX body; it answers.
func (s *Service) serveEVTX(w http.ResponseWriter, r *http.Request, o Owner, body []byte) {
	const receiver = logstream.ReceiverFile
	rd, err := evtx.Open(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		s.m.rejected.WithLabelValues(receiver, ReasonInvalidEVTX).Inc()
		httpx.WriteError(w, r, httpx.BadRequest("the Windows event log file cannot be read: %v", err))
		return
	}
	now := time.Now()
	ids := newDocumentIDs(o.TokenID, body)
	var res EVTXResult
	recs := make([]logstream.Record, 0, evtxBatch)
	flush := func() bool {
		if len(recs) == 0 {
			return true
		}
		if !s.publishHTTP(w, r, receiver, recs, false) {
			return false
		}
		res.Accepted += len(recs)
		recs = recs[:0]
		return true
	}
	for i := 0; ; i++ {
		ev, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			s.m.rejected.WithLabelValues(receiver, ReasonInvalidEVTX).Inc()
			httpx.WriteError(w, r, httpx.BadRequest("the Windows event log file cannot be read past event %d: %v", i, err))
			return
		}
		rec := logstream.FromEvent(normalize.FromEVTX(evtx.Flatten(ev), ev.XML()))
		rec.ID, rec.AgencyID, rec.SystemID, rec.Receiver, rec.Sender, rec.Received = ids.at(i), o.AgencyID, o.SystemID, receiver, o.Name, now
		recs = append(recs, rec)
		if len(recs) == evtxBatch && !flush() {
			return
		}
	}
	st := rd.Stats()
	if res.Accepted+len(recs) == 0 && st.Problems > 0 {
		// Nothing read and the reader saw why: a damaged header or chunks.
		s.m.rejected.WithLabelValues(receiver, ReasonInvalidEVTX).Inc()
		msg := "no event could be read"
		if p := rd.Problems(); len(p) > 0 {
			msg = p[0].Error()
		}
		httpx.WriteError(w, r, httpx.BadRequest("the Windows event log file cannot be read: %s", msg))
		return
	}
	if !flush() {
		return
	}
	res.Skipped = st.BadRecords + st.BadChunks
	httpx.WriteJSON(w, http.StatusOK, res)
}
