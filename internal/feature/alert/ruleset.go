package alert

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/khien-project/khien/internal/engine/detect"
	"github.com/khien-project/khien/internal/platform/logstream"
)

// Ruleset is one version of the enabled rules, compiled, with the
// exceptions of that version. Every process builds its own and rebuilds
// it when the version in detection_state moves.
type Ruleset struct {
	Version int64
	// Engine holds every enabled rule; Feeder holds only the rules that
	// correlations count, each reported, to know which correlations an
	// event feeds (nil without correlations).
	Engine     *detect.Engine
	Feeder     *detect.Engine
	corrs      []corrRule
	exceptions map[string][]exception
	// agencies is the agency tree exceptions are judged with, replaced
	// (not the rules) when agencies change.
	agencies atomic.Pointer[agencyTree]
}

// agencyTree holds each agency's materialised path ("/1/5/"), so that an
// exception made for an agency covers its sub-agencies.
type agencyTree struct {
	sig   string // COUNT and latest updated_at of agencies when read
	read  time.Time
	paths map[int64]string
}

// agencyTreeMaxAge: the tree is read again at least this often even when
// its signature did not move (two changes within one stored second).
const agencyTreeMaxAge = time.Minute

type corrRule struct {
	uid     string
	rules   []string // the ids or names of the rules it counts
	groupBy []string
	aliases map[string]map[string]string
}

type exception struct {
	agency       int64
	field, value string
}

// currentVersion answers the rules' version (0 before any import).
func (s *Service) currentVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.db.Reader().QueryRowContext(ctx, `SELECT version FROM detection_state WHERE key = 'rules'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

// Rules answers the compiled rules of the current version, rebuilding
// them when another process (or this one) changed the rules.
func (s *Service) ruleset(ctx context.Context) (*Ruleset, error) {
	v, err := s.currentVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("alert: rules version: %w", err)
	}
	s.mu.Lock()
	cur := s.set
	s.mu.Unlock()
	if cur != nil && cur.Version == v {
		return cur, s.refreshAgencies(ctx, cur)
	}
	// One load at a time: the detection consumer and every correlation
	// partition ask at once when the rules change, and compiling all of
	// SigmaHQ takes seconds of CPU that each would otherwise spend again.
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	s.mu.Lock()
	cur = s.set
	s.mu.Unlock()
	if cur != nil && cur.Version >= v { // loaded meanwhile, or a newer one
		return cur, nil
	}
	rs, err := s.loadRuleset(ctx, v)
	if err != nil {
		return nil, err
	}
	if err := s.refreshAgencies(ctx, rs); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.set = rs
	s.mu.Unlock()
	return rs, nil
}

func (s *Service) loadRuleset(ctx context.Context, version int64) (*Ruleset, error) {
	s.loads.Add(1)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, yaml FROM detection_rules WHERE enabled = 1 AND kind <> 'invalid' AND lint_error = '' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("alert: load rules: %w", err)
	}
	var texts [][2]string
	for rows.Next() {
		var id int64
		var text string
		if err := rows.Scan(&id, &text); err != nil {
			rows.Close()
			return nil, err
		}
		texts = append(texts, [2]string{ruleKey(id), text})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	parse := func() []*detect.Rule {
		var out []*detect.Rule
		for _, t := range texts {
			rs, _ := detect.ParseRules(t[0], []byte(t[1]))
			out = append(out, rs...)
		}
		return out
	}
	all := parse()
	rs := &Ruleset{Version: version, exceptions: map[string][]exception{}}
	rs.Engine, _ = detect.Compile(all, detect.Config{})
	counted := map[string]bool{}
	for _, r := range rs.Engine.Rules() {
		if r.Kind != detect.KindCorrelation || r.Correlation == nil {
			continue
		}
		c := r.Correlation
		rs.corrs = append(rs.corrs, corrRule{uid: r.Ref(), rules: c.Rules, groupBy: c.GroupBy, aliases: c.Aliases})
		for _, name := range c.Rules {
			counted[name] = true
		}
	}
	if len(rs.corrs) > 0 {
		var feed []*detect.Rule
		for _, r := range parse() {
			if r.Kind == detect.KindFilter || (r.Kind == detect.KindDetection && (counted[r.ID] || counted[r.Name])) {
				feed = append(feed, r)
			}
		}
		rs.Feeder, _ = detect.Compile(feed, detect.Config{})
	}
	if err := s.loadExceptions(ctx, rs); err != nil {
		return nil, err
	}
	return rs, nil
}

func (s *Service) loadExceptions(ctx context.Context, rs *Ruleset) error {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT rule_uid, agency_id, field, value FROM detection_exceptions`)
	if err != nil {
		return fmt.Errorf("alert: load exceptions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var uid string
		var x exception
		if err := rows.Scan(&uid, &x.agency, &x.field, &x.value); err != nil {
			return err
		}
		rs.exceptions[uid] = append(rs.exceptions[uid], x)
	}
	return rows.Err()
}

// refreshAgencies reads the agency tree again when agencies were added,
// changed, moved or deleted since it was read (or it is a minute old).
func (s *Service) refreshAgencies(ctx context.Context, rs *Ruleset) error {
	var n int64
	var latest string
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(updated_at), '') FROM agencies`).Scan(&n, &latest); err != nil {
		return fmt.Errorf("alert: agencies: %w", err)
	}
	sig := strconv.FormatInt(n, 10) + "/" + latest
	if cur := rs.agencies.Load(); cur != nil && cur.sig == sig && time.Since(cur.read) < agencyTreeMaxAge {
		return nil
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, path FROM agencies`)
	if err != nil {
		return fmt.Errorf("alert: agencies: %w", err)
	}
	defer rows.Close()
	t := &agencyTree{sig: sig, read: time.Now(), paths: make(map[int64]string, n)}
	for rows.Next() {
		var id int64
		var path string
		if err := rows.Scan(&id, &path); err != nil {
			return fmt.Errorf("alert: agencies: %w", err)
		}
		t.paths[id] = path
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("alert: agencies: %w", err)
	}
	rs.agencies.Store(t)
	return nil
}

// covers says whether an exception made for agency exc applies to an
// event of agency: the same agency or one of its sub-agencies.
func (rs *Ruleset) covers(exc, agency int64) bool {
	if exc == agency {
		return true
	}
	t := rs.agencies.Load()
	if t == nil {
		return false
	}
	top, ok1 := t.paths[exc]
	path, ok2 := t.paths[agency]
	return ok1 && ok2 && strings.HasPrefix(path, top)
}

// exempt says whether an exception silences rule uid for this event: one
// made for the event's agency or for an agency above it.
func (rs *Ruleset) exempt(uid string, agency int64, ev *detect.Event) bool {
	for _, x := range rs.exceptions[uid] {
		if !rs.covers(x.agency, agency) {
			continue
		}
		if x.field == "" {
			return true
		}
		vals, _ := ev.Get(x.field)
		for _, v := range vals {
			if strings.EqualFold(v.Text, x.value) {
				return true
			}
		}
	}
	return false
}

// eventOf builds the detection event of a record, routed by its log
// source: Windows events by their channel and event id (detect.Classify,
// which also gives Security events the field names Sigma uses), others
// by the product, category and service the receiver worked out. A record
// with several categories or services routes by the product alone, and
// applicable then drops the rules of other services.
func eventOf(rec *logstream.Record, ev *detect.Event) {
	ev.Reset()
	ev.Fill(rec.Fields)
	if rec.Product == "windows" || (rec.Product == "" && len(rec.Categories) == 0 && len(rec.Services) == 0) {
		if ls := detect.Classify(ev); !ls.IsZero() {
			ev.Logsource = ls
			return
		}
	}
	ls := detect.Logsource{Product: rec.Product}
	if len(rec.Categories) == 1 {
		ls.Category = rec.Categories[0]
	}
	if len(rec.Services) == 1 {
		ls.Service = rec.Services[0]
	}
	ev.Logsource = ls
}

// applicable says whether a rule's log source admits the record's (for
// records with several services or categories).
func applicable(r *detect.Rule, rec *logstream.Record) bool {
	if r.Kind != detect.KindDetection {
		return true
	}
	ls := r.Logsource
	if ls.Service != "" && len(rec.Services) > 1 && !slices.Contains(rec.Services, ls.Service) {
		return false
	}
	return ls.Category == "" || len(rec.Categories) <= 1 || slices.Contains(rec.Categories, ls.Category)
}

// feeds answers the correlation partitions an event must reach: for
// each correlation that counts one of the rules the event matched, the
// partition of its group (the rule's id and its group-by values).
func (rs *Ruleset) feeds(ev *detect.Event, partitions int) []int {
	if rs.Feeder == nil {
		return nil
	}
	var out []int
	for _, m := range rs.Feeder.Match(ev) {
		for _, c := range rs.corrs {
			if !slices.Contains(c.rules, m.Rule.ID) && !slices.Contains(c.rules, m.Rule.Name) {
				continue
			}
			vals := make([]string, len(c.groupBy))
			for i, f := range c.groupBy {
				field := f
				if a, ok := c.aliases[f]; ok {
					if x, ok := a[m.Rule.ID]; ok {
						field = x
					} else if x, ok := a[m.Rule.Name]; ok {
						field = x
					}
				}
				vals[i] = ev.String(field)
			}
			p := partitionOf(c.uid, vals, partitions)
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// partitionOf spreads correlation groups over the partitions.
func partitionOf(uid string, vals []string, partitions int) int {
	h := fnv.New32a()
	h.Write([]byte(uid))
	for _, v := range vals {
		h.Write([]byte{0})
		h.Write([]byte(v))
	}
	return int(h.Sum32() % uint32(partitions))
}

// groupValues orders a correlation match's group as its rule lists it.
func groupValues(r *detect.Rule, g map[string]string) []string {
	if r.Correlation == nil {
		return nil
	}
	out := make([]string, len(r.Correlation.GroupBy))
	for i, f := range r.Correlation.GroupBy {
		out[i] = g[f]
	}
	return out
}
