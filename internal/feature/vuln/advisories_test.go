package vuln_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/notify"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/platform/valid"
)

// TestAdvisoryReachesExactlyTheAffectedAgencies: an advisory on Tomcat's
// CVE-2025-24813 reaches A (Cổng dịch vụ công, Trung tâm tích hợp) and B
// (Sở Y tế); one on Joomla below 4.2.8 reaches B only, and A once an A
// system runs Joomla 4.2.7; each agency moves acknowledged → patched →
// verified, and officers see only their own.
func TestAdvisoryReachesExactlyTheAffectedAgencies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		for _, f := range sampleFiles(t) {
			importFile(t, w.Vuln, f)
		}
		ids := registerSample(t, w)
		sent := &notices{}
		w.Vuln.SetNotifier(sent)
		tomcat, err := w.Vuln.CreateAdvisory(ctx, access.System, vuln.AdvisoryInput{
			Title: "Cảnh báo lỗ hổng Apache Tomcat", TitleEN: "Apache Tomcat vulnerability", CVEs: []string{"cve-2025-24813"},
			Action: "Nâng cấp Tomcat lên 9.0.99, 10.1.35 hoặc 11.0.3", ActionEN: "Upgrade Tomcat", Deadline: "2027-01-31"})
		if err != nil {
			t.Fatal(err)
		}
		if len(tomcat.Agencies) != 2 || len(tomcat.Systems) != 2 {
			t.Errorf("tomcat advisory reached %+v, systems %+v", tomcat.Agencies, tomcat.Systems)
		}
		if got := sent.agencies(); got != w.A.Name+"|"+w.B.Name && got != w.B.Name+"|"+w.A.Name {
			t.Errorf("notices for %q", got)
		}
		sent.list = nil
		joomla, err := w.Vuln.CreateAdvisory(ctx, access.System, vuln.AdvisoryInput{Title: "Joomla", Action: "Nâng cấp Joomla lên 4.2.8",
			Products: []vuln.Product{{Name: "Joomla", VersionStartIncluding: "4.0.0", VersionEndExcluding: "4.2.8"}}, Deadline: "2027-01-31"})
		if err != nil {
			t.Fatal(err)
		}
		if len(joomla.Agencies) != 1 || joomla.Agencies[0].AgencyID != w.B.ID || len(joomla.Systems) != 1 || joomla.Systems[0].Why != "joomla@4.2.7" {
			t.Fatalf("joomla advisory: %+v %+v", joomla.Agencies, joomla.Systems)
		}
		// Officer A does not see the Joomla advisory at all; B does.
		if _, err := w.Vuln.Advisory(ctx, w.OfficerA, joomla.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("officer A reads B's advisory: %v", err)
		}
		if list, _ := w.Vuln.Advisories(ctx, w.OfficerA); len(list) != 1 || list[0].ID != tomcat.ID {
			t.Errorf("officer A's advisories: %+v", list)
		}
		if a, err := w.Vuln.Advisory(ctx, w.OfficerA, tomcat.ID); err != nil || len(a.Agencies) != 1 || a.Agencies[0].AgencyID != w.A.ID || len(a.Systems) != 1 {
			t.Errorf("officer A's view of the tomcat advisory: %+v %v", a, err)
		}
		// An inventory change brings A in: the A system "Sở Tư pháp" runs
		// Joomla 4.2.8; moving it back to 4.2.7 makes it affected.
		setVersion(t, w, ids["Trang thông tin điện tử Sở Tư pháp"], "joomla", "4.2.7")
		if a, _ := w.Vuln.Advisory(ctx, access.System, joomla.ID); len(a.Agencies) != 2 || len(a.Systems) != 2 {
			t.Errorf("after the change: %+v %+v", a.Agencies, a.Systems)
		}
		// One notice to B when the advisory was issued, one to A now.
		if got := sent.agencies(); got != w.B.Name+"|"+w.A.Name {
			t.Errorf("notices for %q", got)
		}

		// Progress: B's officer acknowledges and reports the patch; only
		// the security office verifies.
		if _, err := w.Vuln.SetProgress(ctx, w.OfficerA, joomla.ID, w.B.ID, vuln.ProgressInput{Status: vuln.Acknowledged}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("officer A acknowledges for B: %v", err)
		}
		if _, err := w.Vuln.SetProgress(ctx, w.OfficerB, joomla.ID, w.B.ID, vuln.ProgressInput{Status: vuln.Patched, Evidence: "x"}); !isField(err, "status") {
			t.Errorf("patched before acknowledged: %v", err)
		}
		if _, err := w.Vuln.SetProgress(ctx, w.OfficerB, joomla.ID, w.B.ID, vuln.ProgressInput{Status: vuln.Acknowledged}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Vuln.SetProgress(ctx, w.OfficerB, joomla.ID, w.B.ID, vuln.ProgressInput{Status: vuln.Patched}); !isField(err, "evidence") {
			t.Errorf("patched without evidence: %v", err)
		}
		if _, err := w.Vuln.SetProgress(ctx, w.OfficerB, joomla.ID, w.B.ID, vuln.ProgressInput{Status: vuln.Patched, Evidence: "Đã nâng cấp lên 4.2.8 ngày 02/12"}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Vuln.SetProgress(ctx, w.OfficerB, joomla.ID, w.B.ID, vuln.ProgressInput{Status: vuln.Verified}); !errors.Is(err, store.ErrForbidden) {
			t.Errorf("officer verifies: %v", err)
		}
		if p, err := w.Vuln.SetProgress(ctx, access.System, joomla.ID, w.B.ID, vuln.ProgressInput{Status: vuln.Verified}); err != nil || p.Status != vuln.Verified || p.Evidence == "" {
			t.Errorf("verify: %+v %v", p, err)
		}
		if _, err := w.Vuln.CreateAdvisory(ctx, w.OfficerA, vuln.AdvisoryInput{Title: "x", Action: "y", CVEs: []string{"CVE-2025-24813"}, Deadline: "2027-01-31"}); !errors.Is(err, store.ErrForbidden) {
			t.Errorf("officer issues an advisory: %v", err)
		}
		if _, err := w.Vuln.CreateAdvisory(ctx, access.System, vuln.AdvisoryInput{Title: "x", Action: "y", CVEs: []string{"CVE-25"}, Deadline: "soon"}); !isField(err, "cves[0]") {
			t.Errorf("bad advisory: %v", err)
		}
	})
}

func isField(err error, field string) bool {
	var fe valid.Errors
	return errors.As(err, &fe) && fe[0].Field == field && fe[0].VI != ""
}

// notices records what would be sent.
type notices struct{ list []notify.Notice }

func (n *notices) Send(_ context.Context, x notify.Notice) error {
	n.list = append(n.list, x)
	return nil
}

// agencies names the agencies of the notices, in order, joined by "|".
func (n *notices) agencies() string {
	var out []string
	for _, x := range n.list {
		out = append(out, x.Subject[strings.LastIndex(x.Subject, "→ ")+len("→ "):])
	}
	return strings.Join(out, "|")
}
