package vuln_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// TestImportDuringASystemsMatch: a system is saved and its match has
// chosen the feeds as they were when a feed import naming its software
// starts. The import must not finish before the match (it would not see
// the system's component keys, and the match would not see its records);
// once both are done the system holds the new record's finding.
func TestImportDuringASystemsMatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		// Feeds in memory first (a system to match makes the import load
		// them), so that the import below re-matches incrementally.
		name, sw := "Cổng cũ", []registry.Software{{Name: "nginx", Version: "1.2"}}
		if _, err := w.Registry.CreateSystem(ctx, access.System, registry.SystemInput{AgencyID: &w.A.ID, Name: &name, Software: &sw}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Vuln.ImportFeed(ctx, access.System, "first.json", strings.NewReader(nvdFile(t,
			nvdCVE("CVE-2091-0001", "Analyzed", "2026-01-01T00:00:00.000", 7.5, "", []map[string]any{crit(true, "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*", "versionEndExcluding", "1.0")})))); err != nil {
			t.Fatal(err)
		}
		paused, release := make(chan struct{}), make(chan struct{})
		var once sync.Once
		w.Vuln.SetMatchHook(func() {
			once.Do(func() {
				close(paused)
				<-release
			})
		})
		var sysID int64
		created := make(chan error, 1)
		go func() {
			name, sw := "Cổng mới", []registry.Software{{Name: "php", Version: "5.6.40"}}
			sys, err := w.Registry.CreateSystem(ctx, access.System, registry.SystemInput{AgencyID: &w.A.ID, Name: &name, Software: &sw})
			sysID = sys.ID
			created <- err // after its match (the event runs once the save commits)
		}()
		<-paused
		imported := make(chan error, 1)
		go func() {
			_, err := w.Vuln.ImportFeed(ctx, access.System, "php.json", strings.NewReader(nvdFile(t,
				nvdCVE("CVE-2091-0002", "Analyzed", "2026-02-01T00:00:00.000", 9.8, "", []map[string]any{crit(true, "cpe:2.3:a:php:php:*:*:*:*:*:*:*:*", "versionEndExcluding", "7.0.0")}))))
			imported <- err
		}()
		select {
		case err := <-imported:
			t.Fatalf("the import finished while a match had the feeds before it (%v)", err)
		case <-time.After(300 * time.Millisecond):
		}
		close(release)
		if err := <-created; err != nil {
			t.Fatal(err)
		}
		if err := <-imported; err != nil {
			t.Fatal(err)
		}
		if n := w.Vuln.Loads(); n != 1 {
			t.Fatalf("the feeds were read %d times: the import did not re-match incrementally", n)
		}
		var status string
		if err := db.Q(ctx).QueryRowContext(ctx, `SELECT status FROM vuln_findings WHERE system_id = $1 AND vuln_id = 'CVE-2091-0002'`, sysID).Scan(&status); err != nil || status != "open" {
			t.Fatalf("the new system's finding on the imported record: %q %v", status, err)
		}
	})
}
