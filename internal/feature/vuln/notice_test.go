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

// TestAgencyNotice: the notice of an advisory to one agency lists exactly
// that agency's affected systems with every reason (CVE findings and named
// products); an officer reads their own agency's, not another's; an agency
// the advisory did not reach has no notice.
func TestAgencyNotice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		for _, f := range sampleFiles(t) {
			importFile(t, w.Vuln, f)
		}
		registerSample(t, w)
		adv, err := w.Vuln.CreateAdvisory(ctx, access.System, vuln.AdvisoryInput{Title: "Tomcat và Joomla", CVEs: []string{"CVE-2025-24813"},
			Products: []vuln.Product{{Name: "joomla", VersionEndExcluding: "4.2.8"}}, Action: "Nâng cấp", Deadline: "2027-01-31"})
		if err != nil {
			t.Fatal(err)
		}
		n, err := w.Vuln.AgencyNotice(ctx, w.OfficerB, adv.ID, w.B.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n.AgencyName != w.B.Name || n.Progress.Status != vuln.Notified || len(n.Systems) != 1 || n.Systems[0].SystemName != healthSystem {
			t.Fatalf("notice to B: %+v", n)
		}
		got := strings.Join(n.Systems[0].Why, "; ")
		if !strings.Contains(got, ": CVE-2025-24813") || !strings.Contains(got, "joomla@4.2.7") {
			t.Errorf("reasons: %q", got)
		}
		a, err := w.Vuln.AgencyNotice(ctx, access.System, adv.ID, w.A.ID)
		if err != nil || len(a.Systems) == 0 {
			t.Fatalf("notice to A: %+v %v", a, err)
		}
		for _, x := range a.Systems {
			if x.SystemName == healthSystem || len(x.Why) == 0 {
				t.Errorf("A's notice lists %+v", x)
			}
		}
		if _, err := w.Vuln.AgencyNotice(ctx, w.OfficerA, adv.ID, w.B.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("officer A reads B's notice: %v", err)
		}
		joomla, err := w.Vuln.CreateAdvisory(ctx, access.System, vuln.AdvisoryInput{Title: "Joomla", Products: []vuln.Product{{Name: "joomla", Version: "4.2.7"}}, Action: "x", Deadline: "2027-01-31"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Vuln.AgencyNotice(ctx, access.System, joomla.ID, w.A.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("notice to an agency not reached: %v", err)
		}
	})
}
