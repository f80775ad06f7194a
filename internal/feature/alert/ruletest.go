package alert

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/engine/detect"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/valid"
)

// Limits of a rule test.
const (
	MaxTestRuleBytes   = 256 << 10
	MaxTestEventsBytes = 4 << 20
	maxTestEvents      = 10_000
)

// TestInput is a rule (Sigma YAML, possibly several documents) and events
// (NDJSON, a JSON array, or Windows events exported as JSON).
type TestInput struct {
	Rule   string `json:"rule"`
	Events string `json:"events"`
	// Stored runs the rule over the events stored in the last hour in the
	// actor's scope (oldest first, at most 10,000) instead of Events.
	Stored bool `json:"stored"`
}

// TestMatch is one match of a rule test, as khien rules test prints it.
type TestMatch struct {
	RuleID    string `json:"rule_id"`
	RuleTitle string `json:"rule_title"`
	Event     int    `json:"event"` // 0-based position of the event
}

// TestResult is what a rule test found.
type TestResult struct {
	Rules       int         `json:"rules"`
	RuleErrors  []string    `json:"rule_errors"`
	Events      int         `json:"events"`
	EventErrors []string    `json:"event_errors"`
	Matches     []TestMatch `json:"matches"`
}

// TestRule runs a rule over pasted events, as khien rules test does
// (routing by log source where the event tells it, correlations over the
// events in order). Nothing is stored.
func (s *Service) TestRule(ctx context.Context, actor access.Actor, in TestInput) (TestResult, error) {
	if !actor.CanRead() {
		return TestResult{}, fmt.Errorf("alert: test a rule: %w", store.ErrForbidden)
	}
	var e valid.Errors
	if strings.TrimSpace(in.Rule) == "" || len(in.Rule) > MaxTestRuleBytes {
		e.Add("rule", fmt.Sprintf("paste a Sigma rule (at most %d KiB)", MaxTestRuleBytes>>10), fmt.Sprintf("hãy dán một quy tắc Sigma (tối đa %d KiB)", MaxTestRuleBytes>>10))
	}
	if in.Stored && s.stored == nil {
		e.Add("stored", "no event store is running here", "không có kho sự kiện nào đang chạy ở đây")
	} else if !in.Stored && (strings.TrimSpace(in.Events) == "" || len(in.Events) > MaxTestEventsBytes) {
		e.Add("events", fmt.Sprintf("paste events as NDJSON (at most %d MiB)", MaxTestEventsBytes>>20), fmt.Sprintf("hãy dán sự kiện dạng NDJSON (tối đa %d MiB)", MaxTestEventsBytes>>20))
	}
	if err := e.Err(); err != nil {
		return TestResult{}, err
	}
	res := TestResult{RuleErrors: []string{}, EventErrors: []string{}, Matches: []TestMatch{}}
	rules, errs := detect.ParseRules("rule.yml", []byte(in.Rule))
	eng, cerrs := detect.Compile(rules, detect.Config{})
	for _, err := range append(errs, cerrs...) {
		res.RuleErrors = append(res.RuleErrors, err.Error())
	}
	res.Rules = len(eng.Rules())
	if res.Rules == 0 {
		return res, nil
	}
	var reader detect.EventReader
	var err error
	if in.Stored {
		reader, err = s.storedEvents(ctx, actor)
	} else {
		reader, err = detect.OpenJSONEvents(strings.NewReader(in.Events))
	}
	if err != nil {
		res.EventErrors = append(res.EventErrors, err.Error())
		return res, nil
	}
	corr := eng.NewCorrelator(detect.Limits{})
	emit := func(ms []detect.Match, at int) {
		for _, m := range ms {
			res.Matches = append(res.Matches, TestMatch{RuleID: m.Rule.Ref(), RuleTitle: m.Rule.Title, Event: at})
		}
	}
	pos := 0
	for ; pos < maxTestEvents && ctx.Err() == nil; pos++ {
		ev, err := reader.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var bad *detect.EventError
		if errors.As(err, &bad) {
			if len(res.EventErrors) < 20 {
				res.EventErrors = append(res.EventErrors, bad.Error())
			}
			continue
		}
		if err != nil {
			res.EventErrors = append(res.EventErrors, err.Error())
			break
		}
		res.Events++
		emit(corr.Process(ev, detect.EventTime(ev)), pos)
	}
	emit(corr.Flush(), max(pos-1, 0))
	return res, nil
}

// SetStored gives the rule test the event store (logstore, wired by
// internal/app): "test this rule over the last hour".
func (s *Service) SetStored(st logstream.Stored) { s.stored = st }

// storedEvents reads the last hour of stored events in actor's scope,
// oldest first, as detection sees them.
func (s *Service) storedEvents(ctx context.Context, actor access.Actor) (detect.EventReader, error) {
	recs, err := s.stored.Recent(ctx, actor, time.Hour, maxTestEvents)
	if err != nil {
		return nil, err
	}
	slices.Reverse(recs)
	return &recordEvents{recs: recs}, nil
}

// recordEvents reads stored records as detection events.
type recordEvents struct {
	recs []logstream.Record
	i    int
}

func (r *recordEvents) Next() (*detect.Event, error) {
	if r.i >= len(r.recs) {
		return nil, io.EOF
	}
	ev := detect.NewEvent(nil)
	eventOf(&r.recs[r.i], ev)
	r.i++
	return ev, nil
}
