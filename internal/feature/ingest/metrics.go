package ingest

import "github.com/prometheus/client_golang/prometheus"

// Reasons an input is rejected (the reason label of
// khien_ingest_rejected_total).
const (
	ReasonOversized     = "oversized"      // longer than ingest.max_message
	ReasonEmpty         = "empty"          // an empty message or document
	ReasonInvalidJSON   = "invalid_json"   // not a JSON object
	ReasonUnknownSender = "unknown_sender" // refused by ingest.unknown_senders=refuse
	ReasonToken         = "token"          // missing, invalid or revoked ingest token
	ReasonUnsupported   = "unsupported"    // a bulk action other than index or create
	ReasonTooLarge      = "body_too_large" // an HTTP body past ingest.max_body
	ReasonInvalidEVTX   = "invalid_evtx"   // an EVTX file that cannot be read
	ReasonTLSHandshake  = "tls_handshake"  // a TLS connection whose handshake failed (no or an untrusted client certificate, plain text, silence): counts connections
)

// Repairs: inputs kept after a fix (khien_ingest_repaired_total).
const (
	RepairInvalidUTF8 = "invalid_utf8" // bytes that are not UTF-8 became U+FFFD
	RepairNoPriority  = "no_priority"  // a syslog frame without "<PRI>": kept as a raw line
)

// metrics are the receivers' Prometheus counters.
type metrics struct {
	received  *prometheus.CounterVec
	rejected  *prometheus.CounterVec
	repaired  *prometheus.CounterVec
	dropped   *prometheus.CounterVec
	queueFull *prometheus.CounterVec
	unknown   prometheus.Counter
	batches   prometheus.Histogram
}

func newMetrics() *metrics {
	return &metrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "khien_ingest_received_total",
			Help: "Log events accepted onto the log stream, by receiver."}, []string{"receiver"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "khien_ingest_rejected_total",
			Help: "Log inputs refused, by receiver and reason (oversized, empty, invalid_json, unknown_sender, token, unsupported, body_too_large)."}, []string{"receiver", "reason"}),
		repaired: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "khien_ingest_repaired_total",
			Help: "Log inputs kept after a repair, by receiver and what was wrong (invalid_utf8, no_priority)."}, []string{"receiver", "reason"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "khien_ingest_dropped_total",
			Help: "Log events received over UDP and dropped because the log stream was full or the publisher behind."}, []string{"receiver"}),
		queueFull: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "khien_ingest_queue_full_total",
			Help: "Times a receiver found the log stream at its disk quota (TCP paused, HTTP answered 429, UDP dropped)."}, []string{"receiver"}),
		unknown: prometheus.NewCounter(prometheus.CounterOpts{Name: "khien_ingest_unknown_senders_total",
			Help: "Syslog messages from addresses no registry system lists (kept unassigned, or refused with ingest.unknown_senders=refuse)."}),
		batches: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "khien_ingest_batch_events",
			Help: "Events per batch published to the log stream.", Buckets: []float64{1, 10, 50, 100, 250, 500, 1000, 2000}}),
	}
}

// Collectors are the receivers' metrics, for the /metrics registry.
func (s *Service) Collectors() []prometheus.Collector {
	m := s.m
	return []prometheus.Collector{m.received, m.rejected, m.repaired, m.dropped, m.queueFull, m.unknown, m.batches}
}
