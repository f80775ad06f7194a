package detect

import (
	"fmt"
	"testing"
	"time"
)

const baseRules = `
title: Failed logon
id: 00000000-0000-0000-0000-00000000000a
name: failed_logon
logsource: {product: windows, service: security}
detection:
  selection: {EventID: 4625}
  condition: selection
---
title: Successful logon
id: 00000000-0000-0000-0000-00000000000b
name: successful_logon
logsource: {product: windows, service: security}
detection:
  selection: {EventID: 4624}
  condition: selection
`

func mustEngine(t testing.TB, docs string) *Engine {
	t.Helper()
	rules, errs := ParseRules("test.yml", []byte(docs))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	e, errs := Compile(rules, Config{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return e
}

var t0 = time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)

func logon(id int, user, ip string) *Event {
	return NewEvent(map[string]any{"EventID": id, "TargetUserName": user, "IpAddress": ip, "Computer": "dc1"})
}

// titles lists the titles of matches.
func titles(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Rule.Title)
	}
	return out
}

func has(ms []Match, title string) bool {
	for _, m := range ms {
		if m.Rule.Title == title {
			return true
		}
	}
	return false
}

func TestEventCount(t *testing.T) {
	e := mustEngine(t, baseRules+`---
title: Brute force
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [TargetUserName]
  timespan: 5m
  condition: {gte: 3}
`)
	c := e.NewCorrelator(Limits{})
	steps := []struct {
		ev   *Event
		at   time.Duration
		want bool
	}{
		{logon(4625, "bob", "1.1.1.1"), 0, false},
		{logon(4625, "alice", "1.1.1.1"), time.Minute, false}, // another group
		{logon(4625, "bob", "1.1.1.1"), 2 * time.Minute, false},
		{logon(4624, "bob", "1.1.1.1"), 3 * time.Minute, false}, // not a failure
		{logon(4625, "BOB2", "1.1.1.1"), 3 * time.Minute, false},
		{logon(4625, "bob", "1.1.1.1"), 4 * time.Minute, true},    // third within 5m
		{logon(4625, "bob", "1.1.1.1"), 5 * time.Minute, false},   // the group restarted
		{logon(4625, "alice", "1.1.1.1"), 7 * time.Minute, false}, // first alice is out of the window
		{logon(4625, "alice", "1.1.1.1"), 8 * time.Minute, false},
		{logon(4625, "alice", "1.1.1.1"), 9 * time.Minute, true},
	}
	for i, s := range steps {
		ms := c.Process(s.ev, t0.Add(s.at))
		if got := has(ms, "Brute force"); got != s.want {
			t.Fatalf("step %d: fired %v, want %v (%v)", i, got, s.want, titles(ms))
		}
		if has(ms, "Failed logon") {
			t.Fatalf("step %d: a rule that only feeds a correlation was reported on its own", i)
		}
		if s.want {
			m := ms[len(ms)-1]
			if m.Count != 3 || m.Group["TargetUserName"] == "" {
				t.Errorf("step %d: match %+v", i, m)
			}
		}
	}
}

func TestValueCountAndGenerate(t *testing.T) {
	e := mustEngine(t, baseRules+`---
title: Spraying
correlation:
  type: value_count
  rules: [failed_logon]
  group-by: [IpAddress]
  timespan: 10m
  condition: {field: TargetUserName, gt: 2}
  generate: true
`)
	c := e.NewCorrelator(Limits{})
	users := []string{"a", "b", "a", "b", "c"}
	for i, u := range users {
		ms := c.Process(logon(4625, u, "10.0.0.9"), t0.Add(time.Duration(i)*time.Second))
		if !has(ms, "Failed logon") {
			t.Fatalf("generate: true, yet the failed logon was not reported on its own")
		}
		if want := i == 4; has(ms, "Spraying") != want {
			t.Fatalf("user %d: fired %v, want %v", i, !want, want)
		}
	}
}

func TestTemporal(t *testing.T) {
	for _, typ := range []string{"temporal", "temporal_ordered"} {
		t.Run(typ, func(t *testing.T) {
			e := mustEngine(t, baseRules+`---
title: Fail then success
correlation:
  type: `+typ+`
  rules: [failed_logon, successful_logon]
  group-by: [TargetUserName]
  timespan: 1m
`)
			// success before failure: only the unordered form fires
			c := e.NewCorrelator(Limits{})
			c.Process(logon(4624, "bob", "x"), t0)
			ms := c.Process(logon(4625, "bob", "x"), t0.Add(10*time.Second))
			if got, want := has(ms, "Fail then success"), typ == "temporal"; got != want {
				t.Errorf("success then failure: fired %v, want %v", got, want)
			}
			// failure then success: both fire
			c = e.NewCorrelator(Limits{})
			c.Process(logon(4625, "bob", "x"), t0)
			if ms := c.Process(logon(4624, "bob", "x"), t0.Add(30*time.Second)); !has(ms, "Fail then success") {
				t.Errorf("failure then success: did not fire")
			}
			// too far apart, or another user: nothing
			c = e.NewCorrelator(Limits{})
			c.Process(logon(4625, "bob", "x"), t0)
			if ms := c.Process(logon(4624, "bob", "x"), t0.Add(61*time.Second)); has(ms, "Fail then success") {
				t.Errorf("61 s apart with a 1m timespan: fired")
			}
			if ms := c.Process(logon(4624, "eve", "x"), t0.Add(62*time.Second)); has(ms, "Fail then success") {
				t.Errorf("another user: fired")
			}
		})
	}
}

// TestChainedAndAliases is the specification's example (many failed
// logons followed by a success), and aliases joining different fields.
func TestChainedAndAliases(t *testing.T) {
	e := mustEngine(t, baseRules+`---
title: Many failed logons
name: many_failed
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [TargetUserName]
  timespan: 10m
  condition: {gte: 3}
---
title: Brute force succeeded
correlation:
  type: temporal_ordered
  rules: [many_failed, successful_logon]
  group-by: [TargetUserName]
  timespan: 10m
`)
	c := e.NewCorrelator(Limits{})
	for i := 0; i < 3; i++ {
		if ms := c.Process(logon(4625, "bob", "x"), t0.Add(time.Duration(i)*time.Second)); has(ms, "Many failed logons") {
			t.Fatalf("the inner correlation is reported on its own without generate")
		}
	}
	if ms := c.Process(logon(4624, "bob", "x"), t0.Add(time.Minute)); !has(ms, "Brute force succeeded") {
		t.Fatalf("chained correlation did not fire: %v", titles(ms))
	}

	e = mustEngine(t, `
title: Server error
name: internal_error
logsource: {category: webserver}
detection: {sel: {status: 500}, condition: sel}
---
title: New connection
name: new_conn
logsource: {category: network_connection}
detection: {sel: {Initiated: 'true'}, condition: sel}
---
title: Error then connection back
correlation:
  type: temporal
  rules: [internal_error, new_conn]
  group-by: [ip]
  timespan: 10s
  aliases:
    ip: {internal_error: client_ip, new_conn: DestinationIp}
`)
	c = e.NewCorrelator(Limits{})
	c.Process(NewEvent(map[string]any{"status": 500, "client_ip": "203.0.113.5"}), t0)
	if ms := c.Process(NewEvent(map[string]any{"Initiated": "true", "DestinationIp": "203.0.113.6"}), t0.Add(time.Second)); len(ms) != 0 {
		t.Fatalf("different addresses fired: %v", titles(ms))
	}
	if ms := c.Process(NewEvent(map[string]any{"Initiated": "true", "DestinationIp": "203.0.113.5"}), t0.Add(2*time.Second)); !has(ms, "Error then connection back") {
		t.Fatalf("aliases: did not fire")
	}
}

// TestUpperBoundWindows: a condition with an upper bound is judged when
// the window closes.
func TestUpperBoundWindows(t *testing.T) {
	e := mustEngine(t, baseRules+`---
title: Few failures
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [TargetUserName]
  timespan: 1m
  condition: {gte: 2, lt: 4}
`)
	c := e.NewCorrelator(Limits{})
	for i := 0; i < 2; i++ {
		if ms := c.Process(logon(4625, "bob", "x"), t0.Add(time.Duration(i)*time.Second)); len(ms) != 0 {
			t.Fatalf("fired before the window closed")
		}
	}
	for i := 0; i < 5; i++ { // five for alice: above the bound
		c.Process(logon(4625, "alice", "x"), t0.Add(time.Duration(i)*time.Second))
	}
	ms := c.Advance(t0.Add(2 * time.Minute))
	if len(ms) != 1 || ms[0].Group["TargetUserName"] != "bob" || ms[0].Count != 2 {
		t.Fatalf("closing the windows: %+v", ms)
	}
	c.Process(logon(4625, "carol", "x"), t0.Add(3*time.Minute))
	c.Process(logon(4625, "carol", "x"), t0.Add(3*time.Minute))
	if ms := c.Flush(); len(ms) != 1 {
		t.Fatalf("Flush: %v", titles(ms))
	}
}

// TestSnapshotRestore: state saved and restored carries a count across a
// restart; groups of rules no longer loaded are dropped.
func TestSnapshotRestore(t *testing.T) {
	corr := `---
title: Brute force
id: 00000000-0000-0000-0000-0000000000cc
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [TargetUserName]
  timespan: 5m
  condition: {gte: 3}
`
	e := mustEngine(t, baseRules+corr)
	c := e.NewCorrelator(Limits{})
	c.Process(logon(4625, "bob", "x"), t0)
	c.Process(logon(4625, "bob", "x"), t0.Add(time.Second))
	snap, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	c2 := mustEngine(t, baseRules+corr).NewCorrelator(Limits{})
	if err := c2.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if c2.Stats().Groups != 1 {
		t.Fatalf("restored %d groups", c2.Stats().Groups)
	}
	if ms := c2.Process(logon(4625, "bob", "x"), t0.Add(2*time.Second)); !has(ms, "Brute force") {
		t.Fatalf("the restored count did not carry on")
	}
	c3 := mustEngine(t, baseRules).NewCorrelator(Limits{})
	if err := c3.Restore(snap); err != nil || c3.Stats().Groups != 0 {
		t.Fatalf("restore without the rule: %v, %d groups", err, c3.Stats().Groups)
	}
	if err := c3.Restore([]byte("{not json")); err == nil {
		t.Fatal("garbage restored")
	}
}

// TestGroupCap: past MaxGroups the oldest groups are evicted and counted.
func TestGroupCap(t *testing.T) {
	e := mustEngine(t, baseRules+`---
title: Brute force
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [TargetUserName]
  timespan: 5m
  condition: {gte: 3}
`)
	c := e.NewCorrelator(Limits{MaxGroups: 100})
	for i := 0; i < 1000; i++ {
		c.Process(logon(4625, fmt.Sprint("user", i), "x"), t0)
	}
	st := c.Stats()
	if st.Groups != 100 || st.Evicted != 900 {
		t.Fatalf("stats %+v", st)
	}
}

// TestMetaFilter: a filter applies to the rules it names (by id or name)
// on a matching logsource, or to every rule of the logsource with
// "rules: any".
func TestMetaFilter(t *testing.T) {
	rules := `
title: Whoami
id: 00000000-0000-0000-0000-0000000000d1
logsource: {product: windows, category: process_creation}
detection: {sel: {CommandLine|contains: whoami}, condition: sel}
---
title: Net user
name: net_user
logsource: {product: windows, category: process_creation}
detection: {sel: {CommandLine|contains: net user}, condition: sel}
---
title: Linux whoami
id: 00000000-0000-0000-0000-0000000000d3
logsource: {product: linux, category: process_creation}
detection: {sel: {CommandLine|contains: whoami}, condition: sel}
`
	filter := `---
title: Admins are expected
logsource: {product: windows}
filter:
  rules: %s
  selection: {User|startswith: 'adm_'}
  condition: not selection
`
	ev := func(cmd, user string) *Event {
		return NewEvent(map[string]any{"CommandLine": cmd, "User": user})
	}
	for _, c := range []struct {
		refs string
		want map[string][]string // user → rules matched by "whoami & net user"
	}{
		{"[00000000-0000-0000-0000-0000000000d1, 00000000-0000-0000-0000-0000000000d3]",
			map[string][]string{"adm_bob": {"Net user", "Linux whoami"}, "bob": {"Whoami", "Net user", "Linux whoami"}}},
		{"[net_user]", map[string][]string{"adm_bob": {"Whoami", "Linux whoami"}}},
		{"any", map[string][]string{"adm_bob": {"Linux whoami"}}},
	} {
		e := mustEngine(t, rules+fmt.Sprintf(filter, c.refs))
		for user, want := range c.want {
			got := titles(e.Match(ev("whoami & net user", user)))
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("filter on %s, user %s: matched %v, want %v", c.refs, user, got, want)
			}
		}
	}
}
