package sitescan_test

import (
	"context"
	"testing"

	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/feature/sitescan"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/testkit/sitetest"
)

// TestGradeFilterByFamily: ?grade=B lists B+, B and B- (as the grade
// chart's bar counts them), A+ stands apart from A, and the summary
// counts each exact grade for the chart.
func TestGradeFilterByFamily(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := sitetest.NewWorld(t, db, monitor.Config{})
		for i, g := range []string{"B+", "B-", "A+", "A-", "F", "B"} {
			site := w.AddSite(t, w.A, "https://cong"+string(rune('a'+i))+".example.vn/")
			if _, err := w.Sites.Record(ctx, access.System, site.ID, sitetest.PassingReport(site.URL, g)); err != nil {
				t.Fatal(err)
			}
		}
		w.AddSite(t, w.A, "https://chua-danh-gia.example.vn/")
		for grade, want := range map[string]int{"B": 3, "A": 1, "A+": 1, "F": 1, "none": 1, "B+": 1, "C": 0} {
			_, total, err := w.Sites.Sites(ctx, access.System, sitescan.SiteFilter{Grade: grade})
			if err != nil || total != want {
				t.Errorf("grade %s: %d sites, %v; want %d", grade, total, err, want)
			}
		}
		sum, err := w.Sites.Summarize(ctx, access.System)
		if err != nil {
			t.Fatal(err)
		}
		if sum.ByExactGrade["A+"] != 1 || sum.ByExactGrade["B+"] != 1 || sum.ByExactGrade[""] != 1 || sum.ByGrade["B"] != 3 || sum.ByGrade["A"] != 2 {
			t.Errorf("summary: exact %v, families %v", sum.ByExactGrade, sum.ByGrade)
		}
	})
}
