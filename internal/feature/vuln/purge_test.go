package vuln_test

import (
	"context"
	"testing"

	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

// TestPurgeRemovesTheSystemsFindings: archiving a system keeps its
// findings (history); purging it deletes them, counted in the purge's
// tally, and its component keys, and leaves the other systems' findings
// alone.
func TestPurgeRemovesTheSystemsFindings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		for _, f := range sampleFiles(t) {
			importFile(t, w.Vuln, f)
		}
		ids := registerSample(t, w)
		all := len(findings(t, w, access.System, vuln.FindingFilter{}))
		id := ids[healthSystem]
		if _, err := w.Registry.ArchiveSystem(ctx, access.System, id); err != nil {
			t.Fatal(err)
		}
		if n := len(findings(t, w, access.System, vuln.FindingFilter{SystemID: id})); n != 2 {
			t.Fatalf("archived system's findings: %d", n)
		}
		keys := func() (n int) {
			if err := db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM vuln_component_keys WHERE system_id = $1`, id).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if keys() == 0 {
			t.Fatal("the system's component keys were never stored")
		}
		p, err := w.Registry.PurgeSystem(ctx, access.System, id)
		if err != nil {
			t.Fatal(err)
		}
		if p.Removed["vuln_findings"] != 2 {
			t.Errorf("tally: %v", p.Removed)
		}
		if n := keys(); n != 0 {
			t.Errorf("%d component keys left after the purge", n)
		}
		if n := len(findings(t, w, access.System, vuln.FindingFilter{})); n != all-2 {
			t.Errorf("findings after the purge: %d, want %d", n, all-2)
		}
	})
}
