package levels

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// The province at full size (issue 12's benchmark): 200 agencies, 10,000
// systems with an approved level 3 under Decree 85 (and its approved
// dossier), every one of their 64 requirements assessed (640,000
// statuses), four layers and two risks each; the summaries built by the
// migration's backfill. The dashboard and the annual report must stay
// under 300 ms at the median.
//
//	go test ./internal/feature/levels -run '^$' -bench Province -benchtime 5x
//
// (with KHIEN_TEST_POSTGRES set for PostgreSQL too).
func BenchmarkProvince(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			db := storetest.Open(b, engine)
			svc, err := New(db, audit.New(db), nil)
			if err != nil {
				b.Fatal(err)
			}
			statuses := fillProvince(b, db, svc, 200, 50)
			ctx := context.Background()
			for _, c := range []struct {
				name string
				run  func() error
			}{
				{"dashboard", func() error { _, err := svc.Dashboard(ctx, access.System, 0); return err }},
				{"annual", func() error { _, err := svc.Annual(ctx, access.System, 0, 0); return err }},
			} {
				b.Run(c.name, func(b *testing.B) {
					var times []time.Duration
					for b.Loop() {
						start := time.Now()
						if err := c.run(); err != nil {
							b.Fatal(err)
						}
						times = append(times, time.Since(start))
					}
					sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
					b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
					b.ReportMetric(float64(statuses), "statuses")
				})
			}
		})
	}
}

// fillProvince writes agencies × perAgency systems, each approved at
// level 3 under nd85-2016 with every requirement assessed, in batches.
func fillProvince(b *testing.B, db *store.DB, svc *Service, agencies, perAgency int) int {
	b.Helper()
	ctx := context.Background()
	r, _ := svc.lib.Regime("nd85-2016")
	reqs := r.Requirements(3)
	now := store.Now()
	statuses := []string{Implemented, Implemented, Partial, NotImplemented}
	rows := 0
	err := db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		exec := func(sql string, cols int, values [][]any) error {
			for len(values) > 0 {
				n := min(len(values), 30000/cols) // SQLite allows 32,766 variables
				var ph []string
				var args []any
				for i, v := range values[:n] {
					p := make([]string, cols)
					for j := range cols {
						p[j] = fmt.Sprintf("$%d", i*cols+j+1)
						if db.Engine == store.SQLite {
							p[j] = "?" // SQLite looks each $N up by name: slow in long lists
						}
					}
					ph = append(ph, "("+strings.Join(p, ", ")+")")
					args = append(args, v...)
				}
				if _, err := tx.ExecContext(ctx, sql+strings.Join(ph, ", "), args...); err != nil {
					return err
				}
				values = values[n:]
			}
			return nil
		}
		var ag, sys, props, lv, st, dos, lay, risks [][]any
		layers := []string{`{"people":[{"name":"Nguyễn Văn An","phone":"0912345678"}]}`,
			`{"provider":"Viettel","contract_start":"2026-01-01","contract_end":"2027-06-30","connection":"VPN"}`,
			`{"organisation":"Cục An toàn thông tin","last_date":"2026-03-01","result":"Đạt","next_due":"2027-03-01"}`,
			`{"connected":true,"connected_on":"2025-05-01"}`}
		id := int64(0)
		for a := 1; a <= agencies; a++ {
			ag = append(ag, []any{int64(a), fmt.Sprintf("A%03d", a), fmt.Sprintf("Sở %d", a), fmt.Sprintf("/%d/", a), now, now})
			for range perAgency {
				id++
				sys = append(sys, []any{id, int64(a), fmt.Sprintf("Hệ thống %d", id), fmt.Sprintf("/%d/", a), now, now})
				props = append(props, []any{id, id, "nd85-2016", "x", 3, 3, "{}", "[]", "bench", now})
				lv = append(lv, []any{id, "nd85-2016", 3, id, 3, "nd85-2016", now, now})
				dos = append(dos, []any{id, id, "nd85-2016", 3, id, "approved", "{}", "15/QĐ-UBND", "2026-06-01", "Chủ tịch", "bench", now, now})
				for n, body := range layers {
					if (int(id)+n)%7 != 0 { // some layers missing
						lay = append(lay, []any{id, n + 1, body, "bench", now})
					}
				}
				for k := range 2 {
					risks = append(risks, []any{id, "Rủi ro", "Tấn công", "Lỗ hổng", 1 + (int(id)+k)%5, 1 + int(id)%5, "mitigate", "open", "bench", now, now})
				}
				for i, q := range reqs {
					st = append(st, []any{id, "nd85-2016", q.ID, q.From, statuses[(int(id)+i)%len(statuses)], "bench", "2026-01-01", now})
				}
			}
		}
		rows = len(st)
		for _, step := range []struct {
			sql    string
			cols   int
			values [][]any
		}{
			{`INSERT INTO agencies (id, code, name, path, created_at, updated_at) VALUES `, 6, ag},
			{`INSERT INTO systems (id, agency_id, name, agency_path, created_at, updated_at) VALUES `, 6, sys},
			{`INSERT INTO level_proposals (id, system_id, regime, regime_version, level, implied_level, answers_json, reasons_json, proposed_by, created_at) VALUES `, 10, props},
			{`INSERT INTO system_levels (system_id, regime, proposed_level, proposal_id, approved_level, approved_regime, approved_at, updated_at) VALUES `, 8, lv},
			{`INSERT INTO requirement_statuses (system_id, regime, requirement, from_level, status, assessor, assessed_on, updated_at) VALUES `, 8, st},
			{`INSERT INTO level_dossiers (id, system_id, regime, level, proposal_id, state, sections_json, decision_number, decision_date, signer, created_by, created_at, updated_at) VALUES `, 13, dos},
			{`INSERT INTO system_layers (system_id, layer, details_json, updated_by, updated_at) VALUES `, 5, lay},
			{`INSERT INTO risks (system_id, title, threat, vulnerability, likelihood, impact, treatment, status, created_by, created_at, updated_at) VALUES `, 11, risks},
		} {
			if err := exec(step.sql, step.cols, step.values); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	runBackfill(b, db)
	if os.Getenv("KHIEN_BENCH_VERBOSE") != "" {
		b.Logf("summaries backfilled in %v", time.Since(start))
	}
	if db.Engine == store.Postgres {
		if _, err := db.Writer().ExecContext(ctx, `ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	if os.Getenv("KHIEN_BENCH_VERBOSE") != "" {
		b.Logf("%d statuses", rows)
	}
	return rows
}
