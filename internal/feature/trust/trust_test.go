package trust_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/feature/trust"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/platform/valid"
	"github.com/khien-project/khien/internal/testkit/sitetest"
)

func report(grade string, fail ...string) webscan.Report {
	rep := webscan.Report{URL: "https://a.example/", Grade: grade, Score: 100}
	failing := map[string]bool{}
	for _, f := range fail {
		failing[f] = true
	}
	for _, cid := range []webscan.CheckID{webscan.HTTPSAvailable, webscan.TLSCertificate, webscan.TLSCertificateExpiry, webscan.ContentInjectedLinks, webscan.ContentDefacement, webscan.ExposedFiles, webscan.HeadersCSP} {
		id := string(cid)
		c := webscan.Check{ID: id, Result: webscan.Pass, Severity: webscan.Info, DetailEN: id + " is fine"}
		if failing[id] {
			c.Result, c.Severity, c.DetailEN = webscan.Fail, "critical", id+" failed"
		}
		rep.Checks = append(rep.Checks, c)
	}
	return rep
}

func TestLabelLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := sitetest.NewWorld(t, db, monitor.Config{})
		site := w.AddSite(t, w.A, "https://a.example/")
		grant := trust.GrantInput{SiteID: site.ID, PrivacyURL: "https://a.example/chinh-sach", Contact: "attt@a.example"}

		// No scan yet, then a failing scan, then missing owner information:
		// each refusal says why.
		if _, err := w.Trust.Grant(ctx, access.System, grant); !errors.Is(err, trust.ErrPolicyNotMet) || !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "no finished scan") {
			t.Fatalf("grant without a scan: %v", err)
		}
		if _, err := w.Sites.Record(ctx, access.System, site.ID, report("C", "exposed.files")); err != nil {
			t.Fatal(err)
		}
		_, err := w.Trust.Grant(ctx, access.System, trust.GrantInput{SiteID: site.ID})
		for _, want := range []string{"grade C is below the required B", "exposed.files must pass", "privacy policy", "contact"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("refusal %v does not say %q", err, want)
			}
		}
		if _, err := w.Trust.Grant(ctx, w.OfficerA, grant); !errors.Is(err, store.ErrForbidden) {
			t.Fatalf("officer grants: %v", err)
		}

		if _, err := w.Sites.Record(ctx, access.System, site.ID, report("A")); err != nil {
			t.Fatal(err)
		}
		l, err := w.Trust.Grant(ctx, access.System, grant)
		if err != nil || l.State != trust.Granted || len(l.ID) != 32 || l.ExpiresAt == nil || l.ExpiresAt.Sub(time.Now()) < 364*24*time.Hour {
			t.Fatalf("grant: %+v %v", l, err)
		}
		pub, err := w.Trust.PublicView(ctx, l.ID)
		if err != nil || pub.State != trust.Granted || pub.URL != site.URL || pub.AgencyName != w.A.Name || pub.Grade != "A" || pub.VerifiedAt == nil {
			t.Fatalf("public view: %+v %v", pub, err)
		}
		for _, bad := range []string{"", "x", strings.ToUpper(l.ID), l.ID[:31] + "1", l.ID + "a", "../../etc/passwd"} {
			if _, err := w.Trust.PublicView(ctx, bad); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("public view of %q: %v", bad, err)
			}
		}

		// A scan that fails a critical check suspends the label at once.
		res, err := w.Sites.Record(ctx, access.System, site.ID, report("A", "content.defacement"))
		if err != nil {
			t.Fatal(err)
		}
		state, err := w.Trust.Verify(ctx, site.ID, res.Report, nil)
		if err != nil || state != trust.Suspended {
			t.Fatalf("verify after defacement: %q %v", state, err)
		}
		l, _ = w.Trust.Label(ctx, access.System, l.ID)
		if l.State != trust.Suspended || !strings.Contains(l.Reason, "content.defacement") || len(l.Events) != 2 || l.Events[1].Actor != "system" {
			t.Fatalf("suspended label: %+v", l)
		}
		// Restoring needs the policy met again.
		if _, err := w.Trust.Grant(ctx, access.System, grant); !errors.Is(err, trust.ErrPolicyNotMet) {
			t.Fatalf("restore while failing: %v", err)
		}
		if _, err := w.Sites.Record(ctx, access.System, site.ID, report("A+")); err != nil {
			t.Fatal(err)
		}
		restored, err := w.Trust.Grant(ctx, access.System, grant)
		if err != nil || restored.ID != l.ID || restored.State != trust.Granted || !strings.Contains(restored.ReasonEN, "restored") || !strings.Contains(restored.Reason, "khôi phục") {
			t.Fatalf("restore: %+v %v", restored, err)
		}
		// A monitor probe's failing critical check suspends it too.
		if state, _ := w.Trust.Verify(ctx, site.ID, nil, map[string]string{"tls.certificate.expiry": "expired"}); state != trust.Suspended {
			t.Fatalf("verify after expiry: %q", state)
		}
		// A non-critical failure does not.
		w.Trust.Grant(ctx, access.System, grant)
		if state, _ := w.Trust.Verify(ctx, site.ID, nil, map[string]string{"headers.csp": "missing"}); state != trust.Granted {
			t.Fatalf("verify after a minor failure: %q", state)
		}
		// Revoked by hand, with a reason; then past its date a label expires.
		if _, err := w.Trust.SetState(ctx, access.System, l.ID, trust.Revoked, ""); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("revoke without a reason: %v", err)
		}
		if l, err = w.Trust.SetState(ctx, access.System, l.ID, trust.Revoked, "site closed"); err != nil || l.State != trust.Revoked {
			t.Fatalf("revoke: %+v %v", l, err)
		}
		if _, err := w.Trust.SetState(ctx, access.System, l.ID, trust.Suspended, "x"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("suspend a revoked label: %v", err)
		}
		w.Trust.Grant(ctx, access.System, grant)
		if n, err := w.Trust.ExpireDue(ctx, time.Now().AddDate(2, 0, 0)); err != nil || n != 1 {
			t.Fatalf("expire: %d %v", n, err)
		}
		if pub, _ := w.Trust.PublicView(ctx, l.ID); pub.State != trust.Expired {
			t.Fatalf("after expiry: %+v", pub)
		}
		// Agency B cannot see A's label; A's officer can.
		b := access.Actor{Role: access.Agency, AgencyID: w.B.ID, AgencyPath: w.B.Path, Username: "b"}
		if _, err := w.Trust.Label(ctx, b, l.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("agency B reads A's label: %v", err)
		}
		if _, err := w.Trust.Label(ctx, w.OfficerA, l.ID); err != nil {
			t.Errorf("officer A reads its label: %v", err)
		}
	})
}

func TestPublicIDsAreUnguessable(t *testing.T) {
	ctx := context.Background()
	w := sitetest.NewWorld(t, storetest.Open(t, store.SQLite), monitor.Config{})
	seen := map[string]bool{}
	for i := range 20 {
		site := w.AddSite(t, w.A, "https://s"+string(rune('a'+i))+".example/")
		w.Sites.Record(ctx, access.System, site.ID, report("A"))
		l, err := w.Trust.Grant(ctx, access.System, trust.GrantInput{SiteID: site.ID, PrivacyURL: "https://x.example/p", Contact: "c"})
		if err != nil {
			t.Fatal(err)
		}
		if seen[l.ID] || len(l.ID) != 32 || strings.Trim(l.ID, "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Fatalf("label id %q", l.ID)
		}
		seen[l.ID] = true
	}
}

func TestPolicyIsData(t *testing.T) {
	ctx := context.Background()
	w := sitetest.NewWorld(t, storetest.Open(t, store.SQLite), monitor.Config{})
	ps, err := w.Trust.Policies(ctx, access.System)
	if err != nil || len(ps) != 1 || ps[0].MinGrade != "B" || !ps[0].RequirePrivacyPolicy {
		t.Fatalf("default policy: %+v %v", ps, err)
	}
	grade, checks := "A", []string{"https.available", "headers.csp"}
	p, err := w.Trust.UpdatePolicy(ctx, access.System, ps[0].ID, trust.PolicyInput{MinGrade: &grade, RequiredChecks: &checks})
	if err != nil || p.MinGrade != "A" || len(p.RequiredChecks) != 2 {
		t.Fatalf("update: %+v %v", p, err)
	}
	bad := "Z"
	badChecks := []string{"DROP TABLE"}
	if _, err := w.Trust.UpdatePolicy(ctx, access.System, ps[0].ID, trust.PolicyInput{MinGrade: &bad, RequiredChecks: &badChecks}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("bad policy: %v", err)
	}
	if _, err := w.Trust.UpdatePolicy(ctx, w.OfficerA, ps[0].ID, trust.PolicyInput{MinGrade: &grade}); !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("officer changes the policy: %v", err)
	}
	site := w.AddSite(t, w.A, "https://a.example/")
	w.Sites.Record(ctx, access.System, site.ID, report("A", "headers.csp"))
	if _, err := w.Trust.Grant(ctx, access.System, trust.GrantInput{SiteID: site.ID, PrivacyURL: "https://a.example/p", Contact: "c"}); err == nil || !strings.Contains(err.Error(), "headers.csp must pass") {
		t.Fatalf("the changed policy is not applied: %v", err)
	}
}

func TestBadge(t *testing.T) {
	for _, c := range []struct {
		p          trust.Public
		lang, want string
		color      string
	}{
		{trust.Public{State: trust.Granted, Grade: "A+"}, "vi", "A+ · hợp lệ", "#1a7f37"},
		{trust.Public{State: trust.Suspended, Grade: "A+"}, "en", "suspended", "#b42318"},
		{trust.Public{State: trust.Revoked}, "vi", "đã thu hồi", "#b42318"},
		{trust.Public{State: trust.Expired}, "en", "expired", "#b42318"},
	} {
		svg := string(trust.Badge(c.p, c.lang))
		if !strings.HasPrefix(svg, "<svg ") || !strings.Contains(svg, c.want) || !strings.Contains(svg, c.color) || strings.Contains(svg, "<script") || strings.Contains(svg, "href") {
			t.Errorf("badge %+v %s: %s", c.p, c.lang, svg)
		}
		if c.p.State != trust.Granted && strings.Contains(svg, "A+") {
			t.Errorf("a %s badge shows a grade: %s", c.p.State, svg)
		}
	}
}

// TestPolicyChecksAreRegistered: a policy naming a check the scanner does
// not have is refused with the list of valid ids and left unchanged; the
// seeded policy names only registered checks.
func TestPolicyChecksAreRegistered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := sitetest.NewWorld(t, db, monitor.Config{})
		ps, err := w.Trust.Policies(ctx, access.System)
		if err != nil || len(ps) == 0 {
			t.Fatalf("policies: %v %v", ps, err)
		}
		for _, p := range ps {
			if err := webscan.ValidateCheckIDs(append(append([]string{}, p.RequiredChecks...), p.CriticalChecks...)); err != nil {
				t.Errorf("seeded policy %q: %v", p.Name, err)
			}
		}
		for _, bad := range [][]string{{"tls.certficate"}, {"https.available", "HTTPS.available"}, {"headers.csp "}, {""}, {"content.defacement", "content"}} {
			list := bad
			_, err := w.Trust.UpdatePolicy(ctx, access.System, ps[0].ID, trust.PolicyInput{CriticalChecks: &list})
			var fe valid.Errors
			if !errors.As(err, &fe) || len(fe) != 1 || fe[0].Field != "critical_checks" || !strings.Contains(fe[0].EN, string(webscan.TLSCertificateExpiry)) ||
				!strings.Contains(fe[0].VI, "mã hợp lệ") {
				t.Errorf("%q: %v", bad, err)
			}
		}
		after, _ := w.Trust.Policies(ctx, access.System)
		if strings.Join(after[0].CriticalChecks, " ") != strings.Join(ps[0].CriticalChecks, " ") {
			t.Errorf("a refused change was written: %v", after[0].CriticalChecks)
		}
		good := []string{string(webscan.HTTPSAvailable), string(webscan.ContentDefacement)}
		if p, err := w.Trust.UpdatePolicy(ctx, access.System, ps[0].ID, trust.PolicyInput{CriticalChecks: &good}); err != nil || len(p.CriticalChecks) != 2 {
			t.Errorf("registered ids refused: %+v %v", p, err)
		}
	})
}
