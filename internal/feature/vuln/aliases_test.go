package vuln_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// TestAliasTableIsData: the alias table starts as the engine's defaults;
// removing nginx's aliases closes the nginx finding (only the systems
// running nginx are matched again), adding one back reopens it; bad
// lines, duplicates, missing lines and non-admins are refused.
func TestAliasTableIsData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		for _, f := range sampleFiles(t) {
			importFile(t, w.Vuln, f)
		}
		registerSample(t, w)
		list, err := w.Vuln.Aliases(ctx, w.OfficerA)
		if err != nil || len(list) != 33 {
			t.Fatalf("default table: %d lines, %v", len(list), err)
		}
		nginx := func() vuln.Finding {
			t.Helper()
			for _, f := range findings(t, w, access.System, vuln.FindingFilter{}) {
				if f.VulnID == "CVE-2021-23017" {
					return f
				}
			}
			t.Fatal("no nginx finding")
			return vuln.Finding{}
		}
		if f := nginx(); f.Status != vuln.Open {
			t.Fatalf("nginx finding: %+v", f)
		}
		// Two systems run nginx; the sample's record names a:f5:nginx.
		ch, err := w.Vuln.RemoveAlias(ctx, access.System, vuln.Alias{Name: "nginx", CPE: "a:f5:nginx"})
		if err != nil || ch.Matched.Systems != 2 || ch.Matched.Fixed != 1 {
			t.Fatalf("remove nginx → a:f5:nginx: %+v %v", ch, err)
		}
		if ch, err := w.Vuln.RemoveAlias(ctx, access.System, vuln.Alias{Name: " NGINX ", CPE: "a:nginx:nginx"}); err != nil || ch.Matched.Systems != 2 || ch.Matched.Fixed != 0 {
			t.Fatalf("remove nginx's last alias: %+v %v", ch, err)
		}
		if f := nginx(); f.Status != vuln.Fixed {
			t.Errorf("without an alias nginx still matches: %+v", f)
		}
		ch, err = w.Vuln.AddAlias(ctx, access.System, vuln.Alias{Name: "nginx", CPE: "a:F5:nginx"})
		if err != nil || ch.Alias.CPE != "a:f5:nginx" || ch.Matched.Reopened != 1 {
			t.Fatalf("add the alias back: %+v %v", ch, err)
		}
		if f := nginx(); f.Status != vuln.Open {
			t.Errorf("alias back, finding: %+v", f)
		}
		refused := []struct {
			name string
			in   vuln.Alias
			want string
		}{
			{"no part", vuln.Alias{Name: "x", CPE: "f5:nginx"}, "cpe"},
			{"bad part", vuln.Alias{Name: "x", CPE: "z:f5:nginx"}, "cpe"},
			{"wildcard", vuln.Alias{Name: "x", CPE: "a:*:nginx"}, "cpe"},
			{"no name", vuln.Alias{Name: " ", CPE: "a:f5:nginx"}, "name"},
		}
		for _, c := range refused {
			if _, err := w.Vuln.AddAlias(ctx, access.System, c.in); !isField(err, c.want) {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		if _, err := w.Vuln.AddAlias(ctx, access.System, vuln.Alias{Name: "nginx", CPE: "a:f5:nginx"}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate: %v", err)
		}
		if _, err := w.Vuln.RemoveAlias(ctx, access.System, vuln.Alias{Name: "nginx", CPE: "a:nginx:nginx"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("remove a missing line: %v", err)
		}
		if _, err := w.Vuln.AddAlias(ctx, w.OfficerA, vuln.Alias{Name: "caddy", CPE: "a:caddyserver:caddy"}); !errors.Is(err, store.ErrForbidden) {
			t.Errorf("officer adds an alias: %v", err)
		}
	})
}

// TestSecurityLevelRaisesPriority: a finding on a system of level 3 or
// more is raised one step with the reason in both languages; the rule is
// data (0 turns it off, out of range is refused).
func TestSecurityLevelRaisesPriority(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		for _, f := range sampleFiles(t) {
			importFile(t, w.Vuln, f)
		}
		registerSample(t, w)
		// A system with a finding below P1.
		var id int64
		for _, f := range findings(t, w, access.System, vuln.FindingFilter{}) {
			if f.Priority != "P1" {
				id = f.SystemID
			}
		}
		if id == 0 {
			t.Fatal("every finding is P1")
		}
		before := map[int64]string{}
		for _, f := range findings(t, w, access.System, vuln.FindingFilter{SystemID: id}) {
			before[f.ID] = f.Priority
		}
		now := store.Now()
		var pid int64
		if err := db.Writer().QueryRowContext(ctx, `INSERT INTO level_proposals (system_id, regime, regime_version, level, implied_level, answers_json, reasons_json, proposed_by, created_at)
			VALUES ($1, 'nd85', '1', 3, 3, '{}', '[]', 'test', $2) RETURNING id`, id, now).Scan(&pid); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Writer().ExecContext(ctx, `INSERT INTO system_levels (system_id, regime, proposed_level, proposal_id, updated_at) VALUES ($1, 'nd85', 3, $2, $3)`, id, pid, now); err != nil {
			t.Fatal(err)
		}
		if err := w.Vuln.MatchSystems(ctx, []int64{id}); err != nil {
			t.Fatal(err)
		}
		raised := 0
		for _, f := range findings(t, w, access.System, vuln.FindingFilter{SystemID: id}) {
			last := f.Reasons[len(f.Reasons)-1]
			if !strings.Contains(last.VI, "cấp độ 3") || !strings.Contains(last.EN, "security level 3") {
				t.Errorf("%s: no level reason: %+v", f.VulnID, f.Reasons)
			}
			if before[f.ID] != "P1" && f.Priority < before[f.ID] {
				raised++
			}
		}
		if raised == 0 {
			t.Errorf("no finding raised: %v", before)
		}
		if _, _, err := w.Vuln.SetPriorityRules(ctx, access.System, vuln.Rules{LevelRaise: 6}); !isField(err, "level_raise") {
			t.Errorf("level 6: %v", err)
		}
		if _, _, err := w.Vuln.SetPriorityRules(ctx, w.OfficerB, vuln.Rules{}); !errors.Is(err, store.ErrForbidden) {
			t.Errorf("officer sets the rules: %v", err)
		}
		if _, _, err := w.Vuln.SetPriorityRules(ctx, access.System, vuln.Rules{LevelRaise: 0}); err != nil {
			t.Fatal(err)
		}
		for _, f := range findings(t, w, access.System, vuln.FindingFilter{SystemID: id}) {
			if f.Priority != before[f.ID] {
				t.Errorf("rule off: %s is %s, was %s", f.VulnID, f.Priority, before[f.ID])
			}
		}
		if r, err := w.Vuln.PriorityRules(ctx, w.OfficerB); err != nil || r.LevelRaise != 0 {
			t.Errorf("rules: %+v %v", r, err)
		}
	})
}
