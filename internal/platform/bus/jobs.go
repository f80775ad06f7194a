package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

var kindPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

var jobsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "khien_jobs_total",
	Help: "Background jobs handled, by kind and outcome (ok, retry, dead).",
}, []string{"kind", "outcome"})

var jobsEnqueued = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "khien_jobs_enqueued_total",
	Help: "Background jobs enqueued, by kind.",
}, []string{"kind"})

// Collectors are the bus's Prometheus metrics.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{jobsTotal, jobsEnqueued, jobDuration}
}

// Enqueue adds a job of the given kind. A non-empty id de-duplicates: the
// same id enqueued twice within ten minutes is stored once.
func (b *Bus) Enqueue(ctx context.Context, kind, id string, payload []byte) error {
	if !kindPattern.MatchString(kind) {
		return fmt.Errorf("bus: invalid job kind %q", kind)
	}
	msg := &nats.Msg{Subject: jobsSubject + kind, Data: payload, Header: nats.Header{}}
	if id != "" {
		msg.Header.Set(nats.MsgIdHdr, kind+":"+id)
	}
	if _, err := b.js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("bus: enqueue %s: %w", kind, err)
	}
	jobsEnqueued.WithLabelValues(kind).Inc()
	return nil
}

// Job is one delivery of a job to a handler.
type Job struct {
	Kind    string
	Payload []byte
	// Attempt counts deliveries, starting at 1.
	Attempt int
	// Seq identifies the job across its redeliveries (its stream sequence).
	Seq uint64
	// Enqueued is when the job was put on the queue.
	Enqueued time.Time
}

// Handler does a job. A returned error asks for a retry, unless the job
// has had all its attempts, in which case it goes to the dead-letter stream.
type Handler func(ctx context.Context, job Job) error

// WorkerOptions tune a worker pool for one job kind.
type WorkerOptions struct {
	Concurrency int           // jobs at once (default 4)
	AckWait     time.Duration // how long a silent worker keeps a job before it is redelivered (default 30s)
	Attempts    int           // attempts before dead-letter (default 5)
	Backoff     []time.Duration
	// Transient says whether a failure is the kind that passes (database
	// or bus unreachable); default IsUnavailable. A job failing that way is
	// retried, backing off, until Horizon after it was enqueued, however
	// many attempts that takes, so that a failover does not dead-letter it.
	Transient func(error) bool
	Horizon   time.Duration // default 10 minutes
}

func (o *WorkerOptions) defaults() {
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.AckWait <= 0 {
		o.AckWait = 30 * time.Second
	}
	if o.Attempts <= 0 {
		o.Attempts = 5
	}
	if len(o.Backoff) == 0 {
		o.Backoff = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute}
	}
	if o.Transient == nil {
		o.Transient = IsUnavailable
	}
	if o.Horizon <= 0 {
		o.Horizon = 10 * time.Minute
	}
}

func (o WorkerOptions) delay(attempt int) time.Duration {
	if attempt-1 < len(o.Backoff) {
		return o.Backoff[attempt-1]
	}
	return o.Backoff[len(o.Backoff)-1]
}

// Work consumes jobs of kind through the durable consumer shared by every
// worker process, so each job is done once, until ctx ends; then it stops
// taking jobs and waits for the ones in hand to finish.
func (b *Bus) Work(ctx context.Context, kind string, h Handler, opts WorkerOptions) error {
	if !kindPattern.MatchString(kind) {
		return fmt.Errorf("bus: invalid job kind %q", kind)
	}
	opts.defaults()
	cons, err := b.js.CreateOrUpdateConsumer(ctx, JobsStream, jetstream.ConsumerConfig{
		Durable:       "worker-" + kind,
		FilterSubject: jobsSubject + kind,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       opts.AckWait,
		// Deliveries are not capped by the server: handle dead-letters a job
		// after its attempts, or after the horizon for passing failures
		// (and a job whose worker keeps dying, once both are spent).
		MaxDeliver:    -1,
		MaxAckPending: 1000,
	})
	if err != nil {
		return fmt.Errorf("bus: consumer for %s: %w", kind, err)
	}
	sem := make(chan struct{}, opts.Concurrency)
	var wg sync.WaitGroup
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			b.handle(ctx, kind, msg, h, opts)
		}()
	}, jetstream.PullMaxMessages(opts.Concurrency), jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		if !errors.Is(err, jetstream.ErrNoHeartbeat) {
			slog.Debug("bus consume", "kind", kind, "err", err)
		}
	}))
	if err != nil {
		return fmt.Errorf("bus: consume %s: %w", kind, err)
	}
	<-ctx.Done()
	cc.Stop()
	wg.Wait()
	return nil
}

func (b *Bus) handle(ctx context.Context, kind string, msg jetstream.Msg, h Handler, opts WorkerOptions) {
	meta, err := msg.Metadata()
	if err != nil {
		slog.Error("job without metadata", "kind", kind, "err", err)
		return
	}
	job := Job{Kind: kind, Payload: msg.Data(), Attempt: int(meta.NumDelivered), Seq: meta.Sequence.Stream, Enqueued: meta.Timestamp}
	age := time.Since(meta.Timestamp)
	if job.Attempt > opts.Attempts && age > opts.Horizon {
		b.deadLetter(ctx, msg, job, "its attempts and retry horizon are spent (the last attempt failed, or its worker stopped)")
		return
	}
	// Keep the job while it runs: tell the server we are alive.
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(opts.AckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				_ = msg.InProgress() // best effort; a lost beat means a redelivery
			}
		}
	}()
	// The job runs to completion even when ctx is cancelled (shutdown), so
	// in-flight work is finished, not abandoned.
	start := time.Now()
	err = runHandler(context.WithoutCancel(ctx), h, job)
	observeJob(kind, job.Attempt, opts.Attempts, err, time.Since(start))
	close(stop)
	switch {
	case err == nil:
		if aerr := msg.DoubleAck(context.WithoutCancel(ctx)); aerr != nil {
			slog.Warn("job ack", "kind", kind, "err", aerr)
		}
		jobsTotal.WithLabelValues(kind, "ok").Inc()
	case opts.Transient(err) && age < opts.Horizon:
		slog.Warn("job failed for now; will retry", "kind", kind, "attempt", job.Attempt, "err", err)
		delay := opts.delay(job.Attempt)
		if w, ok := errors.AsType[interface {
			error
			Wait() time.Duration
		}](err); ok && w.Wait() > 0 {
			delay = w.Wait() // the handler knows when to come back
		}
		if nerr := msg.NakWithDelay(min(delay, opts.Horizon-age+time.Second)); nerr != nil {
			slog.Warn("job nak", "kind", kind, "err", nerr)
		}
		jobsTotal.WithLabelValues(kind, "retry").Inc()
	case job.Attempt >= opts.Attempts:
		b.deadLetter(ctx, msg, job, err.Error())
	default:
		slog.Warn("job failed; will retry", "kind", kind, "attempt", job.Attempt, "err", err)
		if nerr := msg.NakWithDelay(opts.delay(job.Attempt)); nerr != nil {
			slog.Warn("job nak", "kind", kind, "err", nerr)
		}
		jobsTotal.WithLabelValues(kind, "retry").Inc()
	}
}

func runHandler(ctx context.Context, h Handler, job Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("job panicked: %v", p)
		}
	}()
	return h(ctx, job)
}

func (b *Bus) deadLetter(ctx context.Context, msg jetstream.Msg, job Job, reason string) {
	dead := &nats.Msg{Subject: deadSubject + job.Kind, Data: job.Payload, Header: nats.Header{}}
	dead.Header.Set("Khien-Reason", reason)
	dead.Header.Set("Khien-Attempts", fmt.Sprint(job.Attempt))
	ctx = context.WithoutCancel(ctx)
	if _, err := b.js.PublishMsg(ctx, dead); err != nil {
		slog.Error("dead-letter publish failed; job will be redelivered", "kind", job.Kind, "err", err)
		return
	}
	if err := msg.Term(); err != nil {
		slog.Warn("job term", "kind", job.Kind, "err", err)
	}
	slog.Error("job moved to dead-letter stream", "kind", job.Kind, "attempts", job.Attempt, "reason", reason)
	jobsTotal.WithLabelValues(job.Kind, "dead").Inc()
}

// DeadLetters returns how many jobs of kind are in the dead-letter stream.
func (b *Bus) DeadLetters(ctx context.Context, kind string) (uint64, error) {
	s, err := b.js.Stream(ctx, DeadStream)
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(deadSubject+kind))
	if err != nil {
		return 0, err
	}
	var n uint64
	for _, c := range info.State.Subjects {
		n += c
	}
	return n, nil
}

// IsUnavailable reports whether err means the bus could not be reached or
// did not answer in time (no server, connection closed or draining, no
// stream response): the operation may succeed later.
func IsUnavailable(err error) bool {
	return errors.Is(err, nats.ErrNoServers) || errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrConnectionDraining) ||
		errors.Is(err, nats.ErrTimeout) || errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, nats.ErrConnectionReconnecting) || errors.Is(err, jetstream.ErrNoHeartbeat)
}
