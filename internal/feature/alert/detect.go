package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/khien-project/khien/internal/engine/detect"
	"github.com/khien-project/khien/internal/platform/logstream"
)

// recentSet remembers the last n record ids handled, to drop a
// redelivered batch without touching the database.
type recentSet struct {
	mu   sync.Mutex
	ids  map[string]struct{}
	ring []string
	next int
}

func newRecentSet(n int) *recentSet {
	return &recentSet{ids: make(map[string]struct{}, n), ring: make([]string, n)}
}

func (r *recentSet) has(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.ids[id]
	return ok
}

func (r *recentSet) add(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.ids[id]; ok {
		return
	}
	if old := r.ring[r.next]; old != "" {
		delete(r.ids, old)
	}
	r.ring[r.next] = id
	r.ids[id] = struct{}{}
	r.next = (r.next + 1) % len(r.ring)
}

// Detector is the detection stage of one process: it takes batches of
// the log stream's detect consumer, raises the detection rules' alerts
// and forwards what correlations count to their partitions.
type Detector struct {
	s      *Service
	js     jetstream.JetStream // nil: correlations are not forwarded
	recent *recentSet
	ev     *detect.Event
	mu     sync.Mutex
}

// NewDetector builds the detection stage; js carries correlation input
// to the partitions (nil in tests without correlations).
func (s *Service) NewDetector(js jetstream.JetStream) *Detector {
	return &Detector{s: s, js: js, recent: newRecentSet(s.cfg.RecentIDs), ev: detect.NewEvent(nil)}
}

// Handle is the logstream handler: it is idempotent by record id (the
// recent set, and the (rule, record) key of stored events).
func (d *Detector) Handle(ctx context.Context, b logstream.Batch) error {
	rs, err := d.s.ruleset(ctx)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var hits []hit
	var done []string
	for i := range b.Records {
		rec := &b.Records[i]
		if rec.ID == "" || d.recent.has(rec.ID) {
			continue
		}
		done = append(done, rec.ID)
		eventOf(rec, d.ev)
		for _, m := range rs.Engine.Match(d.ev) {
			if applicable(m.Rule, rec) && !rs.exempt(ruleUID(m.Rule), rec.AgencyID, d.ev) {
				hits = append(hits, hit{rule: m.Rule, rec: rec})
			}
		}
		if err := d.forward(ctx, rs, rec); err != nil {
			return err
		}
	}
	if _, err := d.s.record(ctx, hits); err != nil {
		return err
	}
	for _, id := range done {
		d.recent.add(id)
	}
	return nil
}

// forward publishes the record to the partitions of the correlation
// groups it feeds (de-duplicated by JetStream on record and partition).
func (d *Detector) forward(ctx context.Context, rs *Ruleset, rec *logstream.Record) error {
	parts := rs.feeds(d.ev, d.s.cfg.Partitions)
	if len(parts) == 0 || d.js == nil {
		return nil
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("alert: forward record %s: %w", rec.ID, err)
	}
	for _, p := range parts {
		msg := &nats.Msg{Subject: corrSubject(p), Data: data, Header: nats.Header{}}
		msg.Header.Set(nats.MsgIdHdr, rec.ID+"/"+strconv.Itoa(p))
		if _, err := d.js.PublishMsg(ctx, msg); err != nil {
			return fmt.Errorf("alert: forward record %s to partition %d: %w", rec.ID, p, err)
		}
	}
	return nil
}
