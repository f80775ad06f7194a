package levels

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/khien-project/khien/internal/testkit/need"
)

// TestAnnualReportPDFPages: a report of 150 systems runs over several A4
// pages, each numbered "Trang n/N", the table's header repeated on each,
// and every Vietnamese name comes back from pdftotext with its
// diacritics; a formula-like name is guarded in the CSV.
func TestAnnualReportPDFPages(t *testing.T) {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		need.Skip(t, "pdftotext is not installed (scripts/test.sh installs poppler-utils)")
	}
	rep := YearReport{Year: 2026, PeriodStart: "2025-12-15", PeriodEnd: "2026-12-14", UnitDue: "2026-12-20", OwnerDue: "2026-12-25",
		Recipient: Text{VI: "Bộ Công an", EN: "MPS"}, ByLevel: map[string]int{}, Systems: 150}
	for i := range 150 {
		rep.Rows = append(rep.Rows, ReportSystem{SystemScore: SystemScore{SystemID: int64(i + 1), Name: fmt.Sprintf("Hệ thống quản lý văn bản điều hành số %d", i+1),
			AgencyName: "Sở Tài nguyên và Môi trường", Level: 1 + i%5, Counts: Counts{Score: 50}}, Plan: PlanPartial})
	}
	rep.Rows[0].Name = "=HYPERLINK(\"x\")"
	var b bytes.Buffer
	if err := rep.WritePDF(&b, "vi"); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(in, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	pages := strings.Count(string(out), "\f")
	text := strings.Join(strings.Fields(string(out)), " ")
	if pages < 3 || !strings.Contains(text, fmt.Sprintf("Trang %d/%d", pages, pages)) {
		t.Errorf("%d pages; the last is not numbered %d/%d", pages, pages, pages)
	}
	if n := strings.Count(text, "Hệ thống Cơ quan Cấp độ Đáp ứng"); n != pages-1 && n != pages {
		t.Errorf("the header appears %d times over %d pages", n, pages)
	}
	for _, want := range []string{"Hệ thống quản lý văn bản điều hành số 150", "Sở Tài nguyên và Môi trường", "Một phần", "15/12/2025 – 14/12/2026"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
	var c bytes.Buffer
	if err := rep.WriteCSV(&c, "vi"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.String(), `"'=HYPERLINK(""x"")"`) {
		t.Errorf("formula not guarded: %s", c.String()[:200])
	}
}
