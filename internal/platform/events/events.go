// Package events carries what happened in one feature to the features
// that react to it, so that features never call each other: sitescan
// publishes ScanFinished and trust re-verifies the site's label; the
// monitor publishes ProbeFinished and sitescan records the site's state
// while trust suspends a label; the monitor publishes AlertRaised and the
// notifications go out (and next, incidents open cases).
//
// A subscriber chooses how it is delivered:
//   - Inline: inside Publish, in the publisher's transaction, so the
//     reaction commits or rolls back with what caused it (a label suspended
//     "within the same probe").
//   - Durable: after the publisher's transaction commits, at least once,
//     through the job queue (one durable JetStream consumer per subscriber,
//     shared by every worker process): it survives a restart, is retried
//     with back-off and dead-lettered after its last attempt. Without a
//     queue (tests, one-shot commands) it runs in-process after the commit.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/khien-project/khien/internal/platform/store"
)

// Kind names a kind of event ("scan.finished").
type Kind string

// Event is what every typed event implements.
type Event interface {
	EventKind() Kind
}

// Mode says how a subscriber is delivered.
type Mode int

// The delivery modes.
const (
	Inline Mode = iota
	Durable
)

// Queue is the job queue durable subscribers run on (the bus).
type Queue interface {
	Enqueue(ctx context.Context, kind, id string, payload []byte) error
}

// Job is a durable subscriber seen as a job kind, for the workers.
type Job struct {
	Kind   string // "event-" + the subscriber's name
	Handle func(ctx context.Context, payload []byte) error
}

type subscriber struct {
	name   string
	mode   Mode
	inline func(ctx context.Context, e Event) error
	decode func(ctx context.Context, payload []byte) error
}

// Bus dispatches events to their subscribers. Build it with New.
type Bus struct {
	db    *store.DB
	mu    sync.RWMutex
	subs  map[Kind][]subscriber // replaced, never edited in place
	queue Queue
}

// New builds a bus over db (where the outbox of durable events is kept);
// queue may be nil until SetQueue: durable subscribers then run in this
// process after the commit (tests, one-shot commands).
func New(db *store.DB, queue Queue) *Bus {
	return &Bus{db: db, subs: map[Kind][]subscriber{}, queue: queue}
}

// SetQueue gives the bus its job queue once the bus is open.
func (b *Bus) SetQueue(q Queue) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.queue = q
}

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,40}$`)

// Subscribe registers h for events of E's kind under a name unique on the
// bus (it names the durable consumer, so keep it stable). Subscribing a
// name again replaces its handler (a service rebuilt with new settings).
// It panics on a malformed name: a wiring mistake, caught by any test. A
// nil bus subscribes nothing.
func Subscribe[E Event](b *Bus, name string, mode Mode, h func(ctx context.Context, e E) error) {
	if !namePattern.MatchString(name) {
		panic(fmt.Sprintf("events: bad subscriber name %q", name))
	}
	if b == nil {
		return
	}
	var zero E
	kind := zero.EventKind()
	sub := subscriber{
		name: name, mode: mode,
		inline: func(ctx context.Context, e Event) error { return h(ctx, e.(E)) },
		decode: func(ctx context.Context, payload []byte) error {
			var e E
			if err := json.Unmarshal(payload, &e); err != nil {
				return fmt.Errorf("events: %s for %s: %w", kind, name, err)
			}
			return h(ctx, e)
		},
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	next := make(map[Kind][]subscriber, len(b.subs)+1)
	for k, list := range b.subs {
		next[k] = slices.DeleteFunc(slices.Clone(list), func(s subscriber) bool { return s.name == name })
	}
	next[kind] = append(next[kind], sub)
	b.subs = next
}

// Publish delivers e: inline subscribers now, in ctx's transaction (the
// first error is returned and should abort it); durable subscribers once
// that transaction commits. With a queue, each durable delivery is first
// written to the outbox in the same transaction, so that a crash or a bus
// outage between the commit and the enqueue delays it, never loses it
// (Relay sends what is left). A nil bus publishes nothing.
func (b *Bus) Publish(ctx context.Context, e Event) error {
	if b == nil {
		return nil
	}
	b.mu.RLock()
	subs := b.subs[e.EventKind()]
	queue := b.queue
	b.mu.RUnlock()
	var durable []subscriber
	for _, s := range subs {
		if s.mode == Durable {
			durable = append(durable, s)
			continue
		}
		if err := s.inline(ctx, e); err != nil {
			return fmt.Errorf("events: %s, subscriber %s: %w", e.EventKind(), s.name, err)
		}
	}
	if len(durable) == 0 {
		return nil
	}
	payload, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("events: encode %s: %w", e.EventKind(), err)
	}
	if queue == nil || b.db == nil {
		store.AfterCommit(ctx, func(ctx context.Context) {
			for _, s := range durable {
				if err := s.decode(ctx, payload); err != nil {
					slog.Error("event delivery", "kind", e.EventKind(), "subscriber", s.name, "err", err)
				}
			}
		})
		return nil
	}
	kinds := make([]string, len(durable))
	for i, s := range durable {
		kinds[i] = jobKind(s.name)
	}
	return b.outbox(ctx, queue, kinds, payload)
}

// Jobs are the durable subscribers as job kinds, for the workers to run.
func (b *Bus) Jobs() []Job {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []Job
	for _, subs := range b.subs {
		for _, s := range subs {
			if s.mode == Durable {
				out = append(out, Job{Kind: jobKind(s.name), Handle: s.decode})
			}
		}
	}
	slices.SortFunc(out, func(a, b Job) int { return strings.Compare(a.Kind, b.Kind) })
	return out
}

func jobKind(name string) string { return "event-" + name }
