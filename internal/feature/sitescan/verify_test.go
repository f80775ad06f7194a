package sitescan_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/feature/registry"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/testkit/sitetest"
)

// wired is the registry as the platform wires it: its changes publish
// SystemsChanged, and sitescan makes the sites in the same transaction.
func wired(w *sitetest.World) *registry.Registry { return registry.New(w.DB, w.Audit, w.Events) }

func addSystem(t *testing.T, reg *registry.Registry, actor access.Actor, agency int64, name string, urls ...string) registry.System {
	t.Helper()
	sys, err := reg.CreateSystem(context.Background(), actor, registry.SystemInput{AgencyID: &agency, Name: &name, URLs: &urls})
	if err != nil {
		t.Fatal(err)
	}
	return sys
}

func siteOf(t *testing.T, w *sitetest.World, actor access.Actor, systemID int64) sitescan.Site {
	t.Helper()
	list, _, err := w.Sites.Sites(context.Background(), actor, sitescan.SiteFilter{SystemID: systemID})
	if err != nil || len(list) != 1 {
		t.Fatalf("site of system %d: %+v %v", systemID, list, err)
	}
	return list[0]
}

// TestOfficerURLsWaitForVerification: a URL an agency officer registers
// is neither scanned nor probed (no due scan, no due probe, no scan on
// request, no probe, never down) until it is verified or approved; an
// admin's URL is approved at once. Before this change the officer's URL
// was queued for a scan and a probe by the next schedule.
func TestOfficerURLsWaitForVerification(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := sitetest.NewWorld(t, db, monitor.Config{})
		reg := wired(w)
		mine := addSystem(t, reg, w.OfficerA, w.A.ID, "Cổng do cán bộ khai", "https://cong.skhcn.example/")
		theirs := addSystem(t, reg, access.System, w.B.ID, "Cổng do quản trị khai", "https://syt.example/")
		now := time.Now().Add(time.Second)
		scans, err := w.Sites.DueScans(ctx, now, 100)
		if err != nil || len(scans) != 1 {
			t.Fatalf("due scans %v (%v): only the admin's URL may be scanned", scans, err)
		}
		probes, err := w.Sites.DueProbes(ctx, now, 100)
		if err != nil || len(probes) != 1 {
			t.Fatalf("due probes %v (%v): only the admin's URL may be probed", probes, err)
		}
		pending, approved := siteOf(t, w, w.OfficerA, mine.ID), siteOf(t, w, access.System, theirs.ID)
		if pending.Verification != sitescan.Pending || approved.Verification != sitescan.Approved || probes[0] != approved.ID {
			t.Fatalf("verification: officer's %q, admin's %q", pending.Verification, approved.Verification)
		}
		// The officer sees what to publish, in both languages.
		p := pending.Proof
		if p == nil || len(p.Token) < 26 || p.Host != "cong.skhcn.example" || p.DNSName != "_khien-verify.cong.skhcn.example" ||
			p.DNSValue != "khien-verify="+p.Token || p.FileURL != "https://cong.skhcn.example/.well-known/khien-verify.txt" ||
			!strings.Contains(p.Instructions, p.DNSValue) || !strings.Contains(p.InstructionsEN, "Verify now") {
			t.Fatalf("proof: %+v", p)
		}
		body, _ := json.Marshal(pending)
		if !strings.Contains(string(body), `"verification":"pending"`) || !strings.Contains(string(body), `"verification_request":{`) {
			t.Errorf("JSON: %s", body)
		}
		if b, _ := json.Marshal(approved); strings.Contains(string(b), "verification_request") {
			t.Errorf("an approved site carries a request: %s", b)
		}
		// No scan on request, no probe by hand or by the schedule.
		if _, _, err := w.Sites.RequestScan(ctx, w.OfficerA, pending.ID); !errors.Is(err, store.ErrConflict) {
			t.Errorf("officer's scan request of a pending site: %v", err)
		}
		if _, _, err := w.Sites.RequestScan(ctx, access.System, pending.ID); !errors.Is(err, store.ErrConflict) {
			t.Errorf("admin's scan request of a pending site: %v", err)
		}
		if _, err := w.Monitor.CheckNow(ctx, access.System, pending.ID); !errors.Is(err, store.ErrConflict) {
			t.Errorf("probe by hand of a pending site: %v", err)
		}
		for range 4 {
			if out, err := w.Monitor.Check(ctx, pending.ID); err != nil || !out.Skipped {
				t.Fatalf("probe of a pending site: %+v %v", out, err)
			}
		}
		if x, _ := w.Sites.Site(ctx, access.System, pending.ID); x.State != "unknown" || x.LastCheckedAt != nil {
			t.Errorf("pending site probed: state %s, checked %v", x.State, x.LastCheckedAt)
		}
		// A second token is not made for the same agency and host.
		more := addSystem(t, reg, w.OfficerA, w.A.ID, "Dịch vụ công", "https://cong.skhcn.example/dvc")
		if x := siteOf(t, w, w.OfficerA, more.ID); x.Proof == nil || x.Proof.Token != p.Token {
			t.Errorf("second URL on the host: %+v", x.Proof)
		}
		// Another agency gets its own token for the same host.
		officerB := access.Actor{UserID: 98, Username: "canbo.b", Role: access.Agency, AgencyID: w.B.ID, AgencyPath: w.B.Path}
		other := addSystem(t, reg, officerB, w.B.ID, "Trùng tên miền", "https://cong.skhcn.example/khac")
		if x := siteOf(t, w, officerB, other.ID); x.Proof == nil || x.Proof.Token == p.Token {
			t.Errorf("another agency's token: %+v", x.Proof)
		}
		// Filter by state.
		if _, n, _ := w.Sites.Sites(ctx, access.System, sitescan.SiteFilter{Verification: sitescan.Pending}); n != 3 {
			t.Errorf("%d pending sites, want 3", n)
		}
	})
}

// verifyWorld is a world whose verification checks ask dns and may reach
// loopback.
func verifyWorld(t *testing.T, db *store.DB, dns *sitetest.DNS) *sitetest.World {
	return sitetest.NewWorld(t, db, monitor.Config{Probe: webscan.Options{AllowPrivate: true, DNSServer: dns.Addr, Timeout: 5 * time.Second}})
}

// TestVerifyByDNS: "verify now" fails with the reason until the TXT
// record is published; then every pending URL of the agency on the host
// is verified (audited), a later URL on it is verified at once, and the
// sites are due for a scan.
func TestVerifyByDNS(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		dns := sitetest.NewDNS(t)
		w := verifyWorld(t, db, dns)
		reg := wired(w)
		// The test's DNS server has no address for the name: the file
		// check finds nothing at once.
		a := addSystem(t, reg, w.OfficerA, w.A.ID, "Cổng", "https://cong.skhcn.test/", "https://cong.skhcn.test/tin-tuc")
		list, _, _ := w.Sites.Sites(ctx, w.OfficerA, sitescan.SiteFilter{SystemID: a.ID})
		if len(list) != 2 {
			t.Fatalf("%d sites", len(list))
		}
		first := list[0]
		got, err := w.Sites.VerifyNow(ctx, w.OfficerA, first.ID)
		if err != nil || got.Verification != sitescan.Pending || got.Proof == nil || got.Proof.Attempts != 1 ||
			!strings.Contains(got.Proof.LastError, "_khien-verify.cong.skhcn.test") || got.Proof.NextCheckAt == nil {
			t.Fatalf("before publishing: %+v %v", got.Proof, err)
		}
		if d := time.Until(*got.Proof.NextCheckAt); d < 4*time.Minute || d > 6*time.Minute {
			t.Errorf("next check in %v, want about 5 minutes", d)
		}
		dns.SetTXT("_khien-verify.cong.skhcn.test", "v=spf1 -all", got.Proof.DNSValue)
		// An auditor may not ask; another agency's officer does not see it.
		auditor := access.Actor{UserID: 7, Username: "kiemtoan", Role: access.Auditor}
		if _, err := w.Sites.VerifyNow(ctx, auditor, first.ID); !errors.Is(err, store.ErrForbidden) {
			t.Errorf("auditor: %v", err)
		}
		officerB := access.Actor{UserID: 98, Username: "canbo.b", Role: access.Agency, AgencyID: w.B.ID, AgencyPath: w.B.Path}
		if _, err := w.Sites.VerifyNow(ctx, officerB, first.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("other agency: %v", err)
		}
		got, err = w.Sites.VerifyNow(ctx, w.OfficerA, first.ID)
		if err != nil || got.Verification != sitescan.Verified || got.Proof != nil {
			t.Fatalf("after publishing: %+v %v", got, err)
		}
		list, _, _ = w.Sites.Sites(ctx, w.OfficerA, sitescan.SiteFilter{SystemID: a.ID})
		for _, x := range list {
			if x.Verification != sitescan.Verified {
				t.Errorf("%s: %s, want verified with its host", x.URL, x.Verification)
			}
		}
		if ids, _ := w.Sites.DueScans(ctx, time.Now().Add(time.Second), 100); len(ids) != 2 {
			t.Errorf("due scans after verification: %v", ids)
		}
		entries, _, _ := w.Audit.List(ctx, access.System, auditFilter("site.verify"))
		if len(entries) != 1 || entries[0].Actor != w.OfficerA.Username {
			t.Errorf("audit: %+v", entries)
		}
		// A later URL on the verified host needs no new proof; another host does.
		later := addSystem(t, reg, w.OfficerA, w.A.ID, "Mới", "https://cong.skhcn.test:8443/", "https://dvc.skhcn.test/")
		for _, x := range func() []sitescan.Site {
			l, _, _ := w.Sites.Sites(ctx, w.OfficerA, sitescan.SiteFilter{SystemID: later.ID})
			return l
		}() {
			want := sitescan.Verified
			if strings.Contains(x.URL, "dvc.") {
				want = sitescan.Pending
			}
			if x.Verification != want {
				t.Errorf("%s: %s, want %s", x.URL, x.Verification, want)
			}
		}
	})
}

// TestVerifyByFileAndRecheck: the file under /.well-known/ on the site's
// origin proves control too; the recheck job finds it on its own, after
// its back-off, and an address the guard refuses proves nothing.
func TestVerifyByFileAndRecheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := sitetest.NewPortal(t)
		dns := sitetest.NewDNS(t)
		w := verifyWorld(t, db, dns)
		reg := wired(w)
		sys := addSystem(t, reg, w.OfficerA, w.A.ID, "Cổng", p.URL+"/")
		site := siteOf(t, w, w.OfficerA, sys.ID)
		if n, v, err := w.Sites.RecheckDue(ctx, time.Now(), 10); err != nil || n != 0 || v != 0 {
			t.Fatalf("recheck before its time: %d %d %v", n, v, err)
		}
		if n, v, err := w.Sites.RecheckDue(ctx, time.Now().Add(6*time.Minute), 10); err != nil || n != 1 || v != 0 {
			t.Fatalf("first recheck: %d %d %v", n, v, err)
		}
		x, _ := w.Sites.Site(ctx, w.OfficerA, site.ID)
		if x.Proof.Attempts != 1 || !strings.Contains(x.Proof.LastError, "HTTP 404") {
			t.Fatalf("after the first recheck: %+v", x.Proof)
		}
		if d := time.Until(*x.Proof.NextCheckAt); d < 4*time.Minute || d > 6*time.Minute {
			t.Errorf("next check in %v after one attempt", d)
		}
		p.SetFile(webscan.OwnershipPath, "khien-verify="+x.Proof.Token+"\n")
		// Through the guard without --allow-private, loopback proves nothing.
		guarded := sitescan.New(db, w.Audit, events.New(db, nil), sitescan.Config{Target: webscan.Options{DNSServer: dns.Addr, Timeout: 5 * time.Second}})
		if g, err := guarded.VerifyNow(ctx, w.OfficerA, site.ID); err != nil || g.Verification != sitescan.Pending || !strings.Contains(g.Proof.LastError, "address not allowed") {
			t.Fatalf("through the guard: %+v %v", g.Proof, err)
		}
		x, _ = w.Sites.Site(ctx, w.OfficerA, site.ID)
		if d := time.Until(*x.Proof.NextCheckAt); d < 9*time.Minute || d > 11*time.Minute {
			t.Errorf("next check in %v after two attempts, want about 10 minutes", d)
		}
		if n, v, err := w.Sites.RecheckDue(ctx, time.Now().Add(11*time.Minute), 10); err != nil || n != 1 || v != 1 {
			t.Fatalf("recheck once published: %d %d %v", n, v, err)
		}
		if x, _ := w.Sites.Site(ctx, w.OfficerA, site.ID); x.Verification != sitescan.Verified {
			t.Fatalf("after the recheck: %s", x.Verification)
		}
		if n, _, _ := w.Sites.RecheckDue(ctx, time.Now().Add(48*time.Hour), 10); n != 0 {
			t.Errorf("a verified host was checked again")
		}
	})
}

// TestApproveAndReject: admins and analysts approve or reject a site
// (audited); officers and auditors may not; a rejected site's queued scan
// ends without a request to the site.
func TestApproveAndReject(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := sitetest.NewPortal(t)
		w := sitetest.NewWorld(t, db, monitor.Config{})
		reg := wired(w)
		sys := addSystem(t, reg, w.OfficerA, w.A.ID, "Cổng", p.URL+"/")
		site := siteOf(t, w, w.OfficerA, sys.ID)
		analyst := access.Actor{UserID: 5, Username: "phantich", Role: access.Analyst}
		auditor := access.Actor{UserID: 7, Username: "kiemtoan", Role: access.Auditor}
		for _, a := range []access.Actor{w.OfficerA, auditor} {
			if _, err := w.Sites.Approve(ctx, a, site.ID); !errors.Is(err, store.ErrForbidden) {
				t.Errorf("%s approves: %v", a.Role, err)
			}
		}
		got, err := w.Sites.Approve(ctx, analyst, site.ID)
		if err != nil || got.Verification != sitescan.Approved {
			t.Fatalf("approve: %+v %v", got, err)
		}
		scan, _, err := w.Sites.RequestScan(ctx, w.OfficerA, site.ID)
		if err != nil {
			t.Fatalf("scan of an approved site: %v", err)
		}
		if got, err = w.Sites.Reject(ctx, analyst, site.ID); err != nil || got.Verification != sitescan.Rejected {
			t.Fatalf("reject: %+v %v", got, err)
		}
		if res, err := w.Sites.Run(ctx, scan.ID, sitetest.Options(p)); res != nil || err != nil {
			t.Fatalf("run of a rejected site's scan: %+v %v", res, err)
		}
		if c, _ := w.Sites.Scan(ctx, access.System, scan.ID); c.Status != sitescan.Failed || !strings.Contains(c.Error, "rejected") || p.Hits() != 0 {
			t.Errorf("rejected site's scan: %s %q, %d requests", c.Status, c.Error, p.Hits())
		}
		for _, action := range []string{"site.approve", "site.reject"} {
			entries, _, _ := w.Audit.List(ctx, access.System, auditFilter(action))
			if len(entries) != 1 || entries[0].Actor != analyst.Username {
				t.Errorf("%s audit: %+v", action, entries)
			}
		}
	})
}

// TestSitesBeforeTheMigrationStayApproved: sites that exist when the
// verification migration runs keep being scanned (approved); a site
// inserted afterwards without a state is pending (the column's default).
func TestSitesBeforeTheMigrationStayApproved(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, storetest.DSN(t, engine))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ms, _ := store.Migrations(engine)
			var before int
			for _, m := range ms {
				if strings.Contains(m.Name, "scan_targets") {
					before = m.Version - 1
				}
			}
			if _, err := db.MigrateTo(ctx, before); err != nil {
				t.Fatal(err)
			}
			now := store.Now()
			for _, q := range []string{
				`INSERT INTO agencies (id, code, name, path, created_at, updated_at) VALUES (1, 'A', 'A', '/1/', $1, $1)`,
				`INSERT INTO systems (id, agency_id, name, created_at, updated_at) VALUES (1, 1, 'S', $1, $1)`,
				`INSERT INTO sites (system_id, url, next_scan_at, next_check_at, created_at) VALUES (1, 'https://old.example/', $1, $1, $1)`,
			} {
				if _, err := db.Writer().ExecContext(ctx, q, now); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Writer().ExecContext(ctx, `INSERT INTO sites (system_id, url, next_scan_at, next_check_at, created_at) VALUES (1, 'https://new.example/', $1, $1, $1)`, now); err != nil {
				t.Fatal(err)
			}
			for url, want := range map[string]string{"https://old.example/": sitescan.Approved, "https://new.example/": sitescan.Pending} {
				var got string
				if err := db.Reader().QueryRowContext(ctx, `SELECT verification FROM sites WHERE url = $1`, url).Scan(&got); err != nil || got != want {
					t.Errorf("%s: %q %v, want %q", url, got, err, want)
				}
			}
		})
	}
}
