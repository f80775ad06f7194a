package alert_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/khien-project/khien/internal/feature/alert"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/events"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/testkit/need"
)

// BenchmarkDetectorHandle: the detection stage (routing, every SigmaHQ
// Windows rule, de-duplication, the rules' version check per batch) over
// batches of 1,000 Sysmon process creations, on SQLite, with no match
// written.
func BenchmarkDetectorHandle(b *testing.B) {
	const dir = "../../../../shared/reference/sigma/rules/windows"
	if _, err := os.Stat(dir); err != nil {
		need.Skip(b, "../shared/reference/sigma is absent: %v", err)
	}
	ctx := context.Background()
	db := storetest.Open(b, store.SQLite)
	svc := alert.New(db, audit.New(db), events.New(db, nil), alert.Config{})
	files, err := alert.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	res, err := svc.ImportPack(ctx, access.System, "windows", dir, files)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d rules, %d failed", res.Pack.Rules, res.Pack.Errors)
	batch := make([]logstream.Record, 1000)
	det := svc.NewDetector(nil)
	if err := det.Handle(ctx, logstream.Batch{Records: []logstream.Record{sysmon(1, 1, "warm-up")}}); err != nil { // compiles the rules
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range batch {
			batch[j] = sysmon(1, 1, fmt.Sprintf(`"C:\Program Files\App\app.exe" --sync --job %d`, i*1000+j))
			batch[j].Fields["Image"] = `C:\Program Files\App\app.exe`
		}
		if err := det.Handle(ctx, logstream.Batch{Records: batch}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "events/s")
	b.StopTimer()
	if got, _, _ := svc.Detections(ctx, access.System, alert.Filter{}); len(got) != 0 {
		b.Logf("alerts raised by the ordinary events: %+v", got[0])
	}
}
