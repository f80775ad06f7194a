package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/khien-project/khien/internal/app"
	"github.com/khien-project/khien/internal/feature/auth"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/platform/valid"
	"github.com/khien-project/khien/internal/web"
)

// Benchmark size: the province at its largest expected scale.
const (
	benchAgencies = 200
	benchSystems  = 10000
)

// seedLarge writes benchAgencies agencies (a province, 20 departments and
// their units) and benchSystems systems with URLs, domains and software in
// one transaction, straight in SQL (the services would audit every row).
func seedLarge(b *testing.B, db *store.DB) {
	b.Helper()
	ctx := context.Background()
	now := store.Now()
	err := db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		var paths []string
		for i := 1; i <= benchAgencies; i++ {
			parentID, path := any(nil), fmt.Sprintf("/%d/", i)
			if i > 1 {
				p := 1
				if i > 21 {
					p = 2 + (i-22)%20 // units under the 20 departments
				}
				parentID, path = p, paths[p-1]+fmt.Sprintf("%d/", i)
			}
			paths = append(paths, path)
			name := fmt.Sprintf("Sở số %d", i)
			if _, err := tx.ExecContext(ctx, `INSERT INTO agencies (id, code, name, parent_id, path, kind, search, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'department', $6, $7, $7)`,
				i, fmt.Sprintf("AG%03d", i), name, parentID, path, valid.Fold(name), now); err != nil {
				return err
			}
		}
		for i := 1; i <= benchSystems; i++ {
			agency := 1 + i%benchAgencies
			name := fmt.Sprintf("Hệ thống thông tin số %05d", i)
			host := fmt.Sprintf("s%05d.ag%03d.example", i, agency)
			hosting := []string{"on-premise", "provincial-dc", "cloud"}[i%3]
			ip := fmt.Sprintf("198.51.100.%d", i%250)
			assets := fmt.Sprintf("u\thttps://%s/\nd\t%s\ni\t%s\ns\tnginx\t1.24.0\t\t\n", host, host, ip)
			if _, err := tx.ExecContext(ctx, `INSERT INTO systems (id, agency_id, agency_path, url_count, assets, name, purpose, hosting, status, search, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $5, 'Cổng thông tin', $6, 'active', $7, $8, $8)`,
				i, agency, paths[agency-1], assets, name, hosting, valid.Fold(name+" "+host), now); err != nil {
				return err
			}
			for j, a := range [][2]string{{"url", "https://" + host + "/"}, {"domain", host}, {"ip", ip}} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO system_assets (system_id, kind, value, position) VALUES ($1, $2, $3, $4)`, i, a[0], a[1], j); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO system_software (system_id, name, version, position) VALUES ($1, 'nginx', '1.24.0', 0)`, i); err != nil {
				return err
			}
		}
		if db.Engine == store.Postgres {
			for _, t := range []string{"agencies", "systems"} {
				if _, err := tx.ExecContext(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT MAX(id) FROM %s))`, t, t)); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, `ANALYZE`)
			return err
		}
		_, err := tx.ExecContext(ctx, `ANALYZE`)
		return err
	})
	if err != nil {
		b.Fatalf("seed: %v", err)
	}
}

// seedMonitoring gives every site a monitoring state and summary (every
// 50th down, every 7th without probes yet, certificates ending over the
// next months), as the monitor's probes leave them.
func seedMonitoring(b *testing.B, db *store.DB) {
	b.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	err := db.WithTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM sites ORDER BY id`)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		for i, id := range ids {
			if i%7 == 0 {
				continue
			}
			state := "up"
			if i%50 == 0 {
				state = "down"
			}
			cert := store.FormatTime(now.Add(time.Duration(i%120) * 24 * time.Hour))
			if _, err := tx.ExecContext(ctx, `UPDATE sites SET state = $1, last_checked_at = $2, last_latency_ms = $3, cert_expires_at = $4 WHERE id = $5`,
				state, store.FormatTime(now), 50+i%400, cert, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO monitor_summary (site_id, samples_24h, up_24h, samples_30d, up_30d, uptime_24h, uptime_30d, avg_latency_24h, last_change_at, updated_at)
				VALUES ($1, 288, $2, 8640, $3, $4, $5, $6, '', $7)`,
				id, 288-i%13, 8640-i%97, 100*float64(288-i%13)/288, 100*float64(8640-i%97)/8640, 50+i%400, store.FormatTime(now)); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `ANALYZE`)
		return err
	})
	if err != nil {
		b.Fatalf("seed monitoring: %v", err)
	}
}

type benchServer struct {
	ts     *httptest.Server
	tokens map[string]string
	cookie string
}

func newBenchServer(b *testing.B, engine store.Engine) *benchServer {
	b.Helper()
	ctx := context.Background()
	svc, err := app.OpenServices(ctx, storetest.DSN(b, engine))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { svc.DB.Close() })
	seedLarge(b, svc.DB)
	if _, err := svc.Sites.Sync(ctx); err != nil { // one site per URL, as serve keeps them
		b.Fatal(err)
	}
	seedMonitoring(b, svc.DB)
	bs := &benchServer{tokens: map[string]string{}}
	agency := int64(2)
	for _, u := range []struct {
		name, role string
		agency     *int64
	}{{"admin", "admin", nil}, {"officer", "agency", &agency}} {
		user, err := svc.Auth.CreateUser(ctx, access.System, auth.UserInput{Username: sp(u.name), Password: sp(testPassword), Role: sp(u.role), AgencyID: u.agency})
		if err != nil {
			b.Fatal(err)
		}
		tok, err := svc.Auth.CreateToken(ctx, access.System, user.ID, "bench")
		if err != nil {
			b.Fatal(err)
		}
		bs.tokens[u.name] = tok.Secret
		if u.name == "admin" {
			sess, err := svc.Auth.StartSession(ctx, user)
			if err != nil {
				b.Fatal(err)
			}
			bs.cookie = "khien_session=" + sess.Secret
		}
	}
	srv, err := web.New(web.Deps{DB: svc.DB, Registry: svc.Registry, Auth: svc.Auth, Audit: svc.Audit, Metrics: prometheus.NewRegistry(), Version: "bench",
		Sites: svc.Sites, Trust: svc.Trust, Monitor: svc.Monitor, Notify: svc.Notify, Levels: svc.Levels})
	if err != nil {
		b.Fatal(err)
	}
	bs.ts = httptest.NewServer(srv)
	b.Cleanup(bs.ts.Close)
	return bs
}

// measure runs GET path b.N times and reports the median and p99 latency.
func (bs *benchServer) measure(b *testing.B, path string, auth func(*http.Request), wantBody string) {
	b.Helper()
	client := bs.ts.Client()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("GET", bs.ts.URL+path, nil)
		auth(req)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		lat = append(lat, time.Since(start))
		if resp.StatusCode != 200 || !strings.Contains(string(body), wantBody) {
			b.Fatalf("GET %s: %d %.200s", path, resp.StatusCode, body)
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkRegistryReads measures the registry's main reads with 200
// agencies and 10,000 systems: the first page of the system list, a
// filtered and searched page, an agency officer's scoped page, and the
// dashboard page, on each available engine.
func BenchmarkRegistryReads(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			bs := newBenchServer(b, engine)
			bearer := func(name string) func(*http.Request) {
				return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+bs.tokens[name]) }
			}
			b.Run("systems-first-page", func(b *testing.B) {
				bs.measure(b, "/api/v1/systems", bearer("admin"), `"total":10000`)
			})
			b.Run("systems-filtered", func(b *testing.B) {
				bs.measure(b, "/api/v1/systems?hosting=cloud&q=so+0&agency_id=5&sort=-name", bearer("admin"), `"items":[{`)
			})
			b.Run("systems-agency-scope", func(b *testing.B) {
				bs.measure(b, "/api/v1/systems?limit=50", bearer("officer"), `"items":[{`)
			})
			b.Run("monitoring-overview", func(b *testing.B) {
				bs.measure(b, "/api/v1/monitoring/overview", bearer("admin"), `"total":10000`)
			})
			b.Run("monitoring-overview-sorted-filtered", func(b *testing.B) {
				bs.measure(b, "/api/v1/monitoring/overview?sort=-uptime_30d&q=ag00&state=up", bearer("admin"), `"items":[{`)
			})
			b.Run("monitoring-overview-agency-scope", func(b *testing.B) {
				bs.measure(b, "/api/v1/monitoring/overview?limit=50", bearer("officer"), `"items":[{`)
			})
			b.Run("dashboard", func(b *testing.B) {
				bs.measure(b, "/", func(r *http.Request) { r.Header.Set("Cookie", bs.cookie) }, "10000")
			})
		})
	}
}
