package alert

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/khien-project/khien/internal/engine/detect"
	"github.com/khien-project/khien/internal/platform/lease"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
)

// The correlation stage. The detection stage (any process) forwards each
// record that a correlation counts to the partition of its group (the
// rule and its group-by values, hashed), on its own subject of
// CorrStream. Each partition is run by one process at a time (a lease):
// it reads its subject in order from the sequence after the last one it
// committed, and commits the alerts of a batch together with the
// correlation state (the engine's snapshot) and that sequence. A process
// that dies loses nothing: the next holder restores the state and reads
// on from the committed sequence. Messages are purged once committed.

// CorrStream is the JetStream stream of correlation input.
const CorrStream = "KHIEN_DETECT_CORR"

const corrPrefix = "khien.detect.corr."

func corrSubject(p int) string { return corrPrefix + strconv.Itoa(p) }

// SetupCorrelation creates the correlation stream (call it before the
// detection stage starts).
func SetupCorrelation(ctx context.Context, js jetstream.JetStream, replicas int) error {
	if replicas <= 0 {
		replicas = 1
	}
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: CorrStream, Description: "Khiên records forwarded to the correlation partitions",
		Subjects: []string{corrPrefix + ">"}, Retention: jetstream.LimitsPolicy, Storage: jetstream.FileStorage,
		MaxAge: 7 * 24 * time.Hour, Duplicates: 2 * time.Minute, Replicas: replicas,
	})
	if err != nil {
		return fmt.Errorf("alert: stream %s: %w", CorrStream, err)
	}
	return nil
}

// partitionState is what a partition commits.
type partitionState struct {
	Seq      uint64          `json:"seq"`
	Snapshot json.RawMessage `json:"snapshot,omitempty"`
}

func stateKey(p int) string { return "corr/" + strconv.Itoa(p) }

// PartitionOptions tune the correlation stage.
type PartitionOptions struct {
	LeaseTTL time.Duration // default 15 s
	Batch    int           // default 256 messages
	Wait     time.Duration // default 1 s
}

// RunPartitions runs, until ctx ends, every partition this process can
// hold; the others are retried as their leases run out.
func (s *Service) RunPartitions(ctx context.Context, js jetstream.JetStream, opts PartitionOptions) {
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = 15 * time.Second
	}
	if opts.Batch <= 0 {
		opts.Batch = 256
	}
	if opts.Wait <= 0 {
		opts.Wait = time.Second
	}
	leases := lease.New(s.db)
	done := make(chan struct{}, s.cfg.Partitions)
	for p := 0; p < s.cfg.Partitions; p++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for ctx.Err() == nil {
				l, ok, err := leases.TryAcquire(ctx, "detect-corr/"+strconv.Itoa(p), opts.LeaseTTL)
				if err == nil && ok {
					err = s.holdPartition(ctx, js, p, l, opts)
					_ = l.Release(context.WithoutCancel(ctx))
				}
				if err != nil && ctx.Err() == nil {
					slog.Warn("correlation partition", "partition", p, "err", err)
				}
				sleep(ctx, opts.LeaseTTL/3)
			}
		}()
	}
	for p := 0; p < s.cfg.Partitions; p++ {
		<-done
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// partition is one held partition's working state.
type partition struct {
	p     int
	rs    *Ruleset
	corr  *detect.Correlator
	state partitionState
	ev    *detect.Event
	// resetSeq: the committed sequence was dropped (a new stream); the
	// next commit replaces it whatever it was.
	resetSeq bool
}

func (s *Service) loadPartition(ctx context.Context, p int) (*partition, error) {
	rs, err := s.ruleset(ctx)
	if err != nil {
		return nil, err
	}
	x := &partition{p: p, rs: rs, corr: rs.Engine.NewCorrelator(detect.Limits{}), ev: detect.NewEvent(nil)}
	var data string
	err = s.db.Writer().QueryRowContext(ctx, `SELECT data FROM detection_state WHERE key = $1`, stateKey(p)).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return x, nil
	}
	if err != nil {
		return nil, fmt.Errorf("alert: partition %d state: %w", p, err)
	}
	if err := json.Unmarshal([]byte(data), &x.state); err != nil {
		return nil, fmt.Errorf("alert: partition %d state: %w", p, err)
	}
	if len(x.state.Snapshot) > 0 {
		if err := x.corr.Restore(x.state.Snapshot); err != nil {
			slog.Warn("correlation state not restored", "partition", p, "err", err)
		}
	}
	return x, nil
}

// holdPartition runs partition p while the lease holds.
func (s *Service) holdPartition(ctx context.Context, js jetstream.JetStream, p int, l *lease.Lease, opts PartitionOptions) error {
	x, err := s.loadPartition(ctx, p)
	if err != nil {
		return err
	}
	stream, err := js.Stream(ctx, CorrStream)
	if err != nil {
		return fmt.Errorf("alert: stream %s: %w", CorrStream, err)
	}
	// A stream made anew (its data lost) numbers from 1 again: read it
	// from its start rather than wait for a sequence it will not reach
	// soon.
	if info, err := stream.Info(ctx); err == nil && x.state.Seq > info.State.LastSeq {
		slog.Warn("correlation stream is behind the committed state; reading it from its start", "partition", p, "committed", x.state.Seq, "last", info.State.LastSeq)
		x.resetSeq = true
		x.state.Seq = 0
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{corrSubject(p)},
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: x.state.Seq + 1})
	if err != nil {
		return fmt.Errorf("alert: partition %d consumer: %w", p, err)
	}
	slog.Info("correlation partition held", "partition", p, "from", x.state.Seq+1)
	for ctx.Err() == nil {
		if err := l.Renew(ctx); err != nil {
			return fmt.Errorf("alert: partition %d lease lost: %w", p, err)
		}
		msgs, err := fetchUntil(ctx, cons, opts.Batch, opts.Wait)
		if err != nil {
			return fmt.Errorf("alert: partition %d fetch: %w", p, err)
		}
		if err := s.refresh(ctx, x); err != nil { // new rules, once per batch
			return err
		}
		var hits []hit
		last := x.state.Seq
		for m := range msgs.Messages() {
			md, err := m.Metadata()
			if err != nil || md.Sequence.Stream <= last {
				continue
			}
			last = md.Sequence.Stream
			var rec logstream.Record
			if err := json.Unmarshal(m.Data(), &rec); err != nil {
				continue // cannot be retried into shape
			}
			hits = append(hits, x.process(&rec, s.cfg.Partitions)...)
		}
		if last == x.state.Seq {
			continue
		}
		if err := s.commitPartition(ctx, x, hits, last); err != nil {
			return err
		}
		if err := stream.Purge(ctx, jetstream.WithPurgeSubject(corrSubject(p)), jetstream.WithPurgeSequence(last+1)); err != nil {
			slog.Warn("correlation purge", "partition", p, "err", err)
		}
	}
	return nil
}

// refresh moves the partition to new rules, keeping the state of the
// correlations that remain.
func (s *Service) refresh(ctx context.Context, x *partition) error {
	rs, err := s.ruleset(ctx)
	if err != nil {
		return err
	}
	if rs == x.rs {
		return nil
	}
	snap, err := x.corr.Snapshot()
	if err != nil {
		return err
	}
	x.rs, x.corr = rs, rs.Engine.NewCorrelator(detect.Limits{})
	if err := x.corr.Restore(snap); err != nil {
		slog.Warn("correlation state not carried to the new rules", "partition", x.p, "err", err)
	}
	return nil
}

// process runs one record through the partition's correlator and keeps
// the correlations whose group belongs to this partition (detection
// rules were reported by the detection stage).
func (x *partition) process(rec *logstream.Record, partitions int) []hit {
	eventOf(rec, x.ev)
	at := rec.Time
	if at.IsZero() {
		at = rec.Received
	}
	var out []hit
	for _, m := range x.corr.Process(x.ev, at) {
		if m.Rule.Kind != detect.KindCorrelation {
			continue
		}
		vals := groupValues(m.Rule, m.Group)
		if partitionOf(m.Rule.Ref(), vals, partitions) != x.p || x.rs.exempt(ruleUID(m.Rule), rec.AgencyID, x.ev) {
			continue
		}
		out = append(out, hit{rule: m.Rule, group: vals, rec: rec})
	}
	return out
}

// commitPartition writes the alerts, the state and the sequence in one
// transaction; a state moved by another holder meanwhile refuses it.
func (s *Service) commitPartition(ctx context.Context, x *partition, hits []hit, last uint64) error {
	snap, err := x.corr.Snapshot()
	if err != nil {
		return err
	}
	next := partitionState{Seq: last, Snapshot: snap}
	data, err := json.Marshal(next)
	if err != nil {
		return err
	}
	err = s.db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := s.record(ctx, hits); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE detection_state SET data = $1, version = $2, updated_at = $3 WHERE key = $4 AND version = $5`,
			string(data), int64(last), store.Now(), stateKey(x.p), int64(x.state.Seq))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		if x.resetSeq {
			_, err := tx.ExecContext(ctx, `UPDATE detection_state SET data = $1, version = $2, updated_at = $3 WHERE key = $4`, string(data), int64(last), store.Now(), stateKey(x.p))
			if err == nil {
				x.resetSeq = false
			}
			return err
		}
		if x.state.Seq != 0 {
			return fmt.Errorf("alert: partition %d moved on in another process", x.p)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO detection_state (key, version, data, updated_at) VALUES ($1, $2, $3, $4)`, stateKey(x.p), int64(last), string(data), store.Now())
		return err
	})
	if err != nil {
		return fmt.Errorf("alert: partition %d commit: %w", x.p, err)
	}
	x.state = next
	return nil
}

// fetchUntil fetches a batch of the ordered consumer, or gives up when ctx
// ends: with the server gone, an ordered consumer's Fetch re-creates its
// consumer with retries that do not watch any context, and a process
// asked to stop must not wait for the server to come back. The abandoned
// fetch ends with the connection.
func fetchUntil(ctx context.Context, cons jetstream.Consumer, batch int, wait time.Duration) (jetstream.MessageBatch, error) {
	type answer struct {
		msgs jetstream.MessageBatch
		err  error
	}
	ch := make(chan answer, 1)
	go func() {
		msgs, err := cons.Fetch(batch, jetstream.FetchMaxWait(wait))
		ch <- answer{msgs, err}
	}()
	select {
	case a := <-ch:
		return a.msgs, a.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
