package app

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/khien-project/khien/internal/app/jobs"
	"github.com/khien-project/khien/internal/platform/bus"
	"github.com/khien-project/khien/internal/platform/events"
)

// scrapeTimeout bounds the round trips one scrape makes to the bus and the
// database.
const scrapeTimeout = 2 * time.Second

// newMetrics is the registry served at /metrics by serve and by worker:
// Go and process, database pools, jobs (counters and durations), scans,
// and, read at every scrape, the queue, the NATS connection, the streams
// and the outbox backlog.
func newMetrics(svc *Services, b *bus.Bus) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	db := svc.DB
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(collectors.NewDBStatsCollector(db.Reader(), "khien_read"))
	if db.Writer() != db.Reader() {
		reg.MustRegister(collectors.NewDBStatsCollector(db.Writer(), "khien_write"))
	}
	for _, c := range append(bus.Collectors(), jobs.Collectors()...) {
		if err := reg.Register(c); err != nil {
			var already prometheus.AlreadyRegisteredError
			if !errors.As(err, &already) {
				slog.Warn("register job metrics", "err", err)
			}
		}
	}
	reg.MustRegister(b.Collector(scrapeTimeout), outboxCollector{svc.Events})
	reg.MustRegister(svc.Ingest.Collectors()...)
	if svc.Logs != nil {
		reg.MustRegister(logStoreCollectors(svc)...)
	}
	return reg
}

var outboxDesc = prometheus.NewDesc("khien_outbox_backlog",
	"Durable event deliveries written to the outbox and not yet put on the bus (the events-relay job sends them).", nil, nil)

// outboxCollector counts the outbox's backlog at scrape time.
type outboxCollector struct{ events *events.Bus }

func (c outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- outboxDesc }

func (c outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	n, err := c.events.Backlog(ctx)
	if err != nil {
		slog.Debug("metrics: outbox backlog", "err", err)
		return // absent rather than wrong; readyz tells that the database is down
	}
	ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(n))
}

// logStoreCollectors count what this process's event store consumed:
// records stored, records skipped as already stored (redeliveries) and
// stream lines that did not decode.
func logStoreCollectors(svc *Services) []prometheus.Collector {
	st := svc.Logs.Stats()
	counter := func(name, help string, read func() int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(read()) })
	}
	return []prometheus.Collector{
		counter("khien_logstore_stored_total", "Log events stored by this process's event store.", st.Stored.Load),
		counter("khien_logstore_duplicates_total", "Log events delivered again and skipped because already stored.", st.Duplicates.Load),
		counter("khien_logstore_bad_lines_total", "Lines of the log stream that did not decode (dropped).", st.Bad.Load),
	}
}
