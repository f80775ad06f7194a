package sitescan_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/testkit/sitetest"
)

// TestScanErrorsAreSentencesInBothLanguages: a scan that reaches nothing
// keeps the technical text for analysts and a sentence in each language
// for people, on both engines; a scan that works has none.
func TestScanErrorsAreSentencesInBothLanguages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := sitetest.NewWorld(t, db, monitor.Config{})
		site := w.AddSite(t, w.A, "https://127.0.0.1:1/")
		scan, _, err := w.Sites.RequestScan(ctx, access.System, site.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Sites.Run(ctx, scan.ID, webscan.Options{AllowPrivate: true, Timeout: 5 * time.Second}); err != nil {
			t.Fatal(err)
		}
		got, _ := w.Sites.Scan(ctx, access.System, scan.ID)
		if got.Status != sitescan.Failed || got.Error == "" || !strings.Contains(got.ErrorVI, "từ chối kết nối") || !strings.Contains(got.ErrorEN, "refused the connection") ||
			strings.Contains(got.ErrorVI, "dial tcp") || strings.Contains(got.ErrorEN, "dial tcp") {
			t.Fatalf("failed scan: error %q, vi %q, en %q", got.Error, got.ErrorVI, got.ErrorEN)
		}
		list, _, _ := w.Sites.Scans(ctx, access.System, sitescan.ScanFilter{SiteID: site.ID})
		if len(list) != 1 || list[0].ErrorEN != got.ErrorEN {
			t.Errorf("the list does not carry the sentence: %+v", list)
		}

		p := sitetest.NewPortal(t)
		ok := w.AddSite(t, w.B, p.URL+"/")
		scan, _, _ = w.Sites.RequestScan(ctx, access.System, ok.ID)
		if _, err := w.Sites.Run(ctx, scan.ID, sitetest.Options(p)); err != nil {
			t.Fatal(err)
		}
		if got, _ := w.Sites.Scan(ctx, access.System, scan.ID); got.Status != sitescan.Done || got.Error != "" || got.ErrorVI != "" || got.ErrorEN != "" {
			t.Errorf("finished scan with an error: %+v", got)
		}
	})
}
