package bus

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// jobDuration is how long handlers take, observed by the worker that ran them.
var jobDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
	Name:    "khien_job_duration_seconds",
	Help:    "Time a background job's handler took, by kind and outcome (ok, retry, dead).",
	Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300},
}, []string{"kind", "outcome"})

// observeJob records one run of a handler.
func observeJob(kind string, attempt, attempts int, err error, took time.Duration) {
	outcome := "ok"
	switch {
	case err != nil && attempt >= attempts:
		outcome = "dead"
	case err != nil:
		outcome = "retry"
	}
	jobDuration.WithLabelValues(kind, outcome).Observe(took.Seconds())
}

// The state of the queue, read from the server at every scrape.
var (
	queueDepthDesc   = prometheus.NewDesc("khien_job_queue_depth", "Jobs of a kind waiting to be delivered to a worker (all of them while no worker of the kind ever ran).", []string{"kind"}, nil)
	pendingAcksDesc  = prometheus.NewDesc("khien_job_pending_acks", "Jobs of a kind delivered to a worker and not yet acknowledged (running, or lost with a worker until the ack wait ends).", []string{"kind"}, nil)
	redeliveredDesc  = prometheus.NewDesc("khien_job_redeliveries", "Jobs of a kind delivered more than once and not yet acknowledged.", []string{"kind"}, nil)
	deadLettersDesc  = prometheus.NewDesc("khien_job_dead_letters", "Jobs of a kind in the dead-letter stream "+DeadStream+" (kept 30 days).", []string{"kind"}, nil)
	connectedDesc    = prometheus.NewDesc("khien_nats_connected", "1 while this process is connected to NATS, else 0.", nil, nil)
	streamHealthDesc = prometheus.NewDesc("khien_stream_healthy", "1 when the stream's information answers and, in a cluster, names a leader; else 0.", []string{"stream"}, nil)
)

// Collector reports the state of b's queue (depth, pending acks,
// redeliveries and dead letters per job kind), the NATS connection and the
// health of the streams. It asks the server at scrape time, each scrape
// bounded by timeout, so nothing polls between scrapes.
func (b *Bus) Collector(timeout time.Duration) prometheus.Collector {
	return queueCollector{b: b, timeout: timeout}
}

type queueCollector struct {
	b       *Bus
	timeout time.Duration
}

func (c queueCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{queueDepthDesc, pendingAcksDesc, redeliveredDesc, deadLettersDesc, connectedDesc, streamHealthDesc} {
		ch <- d
	}
}

func (c queueCollector) Collect(ch chan<- prometheus.Metric) {
	connected := 0.0
	if c.b.nc != nil && c.b.nc.Status() == nats.CONNECTED {
		connected = 1
	}
	ch <- prometheus.MustNewConstMetric(connectedDesc, prometheus.GaugeValue, connected)
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	jobs, waiting, jobsOK := c.subjects(ctx, JobsStream, jobsSubject)
	_, dead, deadOK := c.subjects(ctx, DeadStream, deadSubject)
	ch <- prometheus.MustNewConstMetric(streamHealthDesc, prometheus.GaugeValue, boolValue(jobsOK), JobsStream)
	ch <- prometheus.MustNewConstMetric(streamHealthDesc, prometheus.GaugeValue, boolValue(deadOK), DeadStream)
	var consumers map[string]*jetstream.ConsumerInfo
	if jobs != nil {
		var err error
		if consumers, err = workerConsumers(ctx, jobs); err != nil {
			slog.Debug("metrics: list consumers", "err", err)
			waiting, consumers = nil, nil // a partial answer would look like a drop
		}
	}
	for kind, n := range waiting {
		if _, ok := consumers[kind]; !ok {
			ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(n), kind)
		}
	}
	for kind, info := range consumers {
		ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(info.NumPending), kind)
		ch <- prometheus.MustNewConstMetric(pendingAcksDesc, prometheus.GaugeValue, float64(info.NumAckPending), kind)
		ch <- prometheus.MustNewConstMetric(redeliveredDesc, prometheus.GaugeValue, float64(info.NumRedelivered), kind)
	}
	if deadOK {
		// Every known kind, with 0 when it has none: an alert can compare
		// with an hour ago from the first dead letter on.
		for kind := range consumers {
			dead[kind] += 0
		}
		for kind := range waiting {
			dead[kind] += 0
		}
		for kind, n := range dead {
			ch <- prometheus.MustNewConstMetric(deadLettersDesc, prometheus.GaugeValue, float64(n), kind)
		}
	}
}

// subjects counts the messages of stream per job kind, and says whether
// the stream answered with a leader (nil stream: it did not answer).
func (c queueCollector) subjects(ctx context.Context, stream, prefix string) (jetstream.Stream, map[string]uint64, bool) {
	s, err := c.b.js.Stream(ctx, stream)
	if err != nil {
		slog.Debug("metrics: stream", "stream", stream, "err", err)
		return nil, nil, false
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(prefix+">"))
	if err != nil {
		slog.Debug("metrics: stream info", "stream", stream, "err", err)
		return nil, nil, false
	}
	out := map[string]uint64{}
	for subject, n := range info.State.Subjects {
		out[strings.TrimPrefix(subject, prefix)] += n
	}
	// A standalone server may send no cluster information: it holds the
	// stream itself. In a cluster, a stream without a leader takes nothing.
	return s, out, info.Cluster == nil || info.Cluster.Leader != ""
}

// workerConsumers are the job kinds' durable consumers on s, by kind.
func workerConsumers(ctx context.Context, s jetstream.Stream) (map[string]*jetstream.ConsumerInfo, error) {
	out := map[string]*jetstream.ConsumerInfo{}
	list := s.ListConsumers(ctx)
	for info := range list.Info() {
		if kind, ok := strings.CutPrefix(info.Name, "worker-"); ok {
			out[kind] = info
		}
	}
	return out, list.Err()
}

func boolValue(ok bool) float64 {
	if ok {
		return 1
	}
	return 0
}
