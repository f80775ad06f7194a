package alert_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/feature/alert"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
)

const tinyRule = "title: t\nid: 7f3c-khien-tiny\nlogsource: {product: linux}\ndetection:\n    k: [evil]\n    condition: k\nlevel: low\n"

// Uploads: zip and tar.gz packs keep only their YAML files; one YAML file
// is a pack of one; a zip bomb stops at the limit.
func TestReadUpload(t *testing.T) {
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for name, text := range map[string]string{"a/rule.yml": tinyRule, "a/README.md": "no", "b/other.yaml": tinyRule} {
		f, _ := zw.Create(name)
		f.Write([]byte(text))
	}
	zw.Close()
	var tbuf bytes.Buffer
	gz := gzip.NewWriter(&tbuf)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "./rules/r.yml", Mode: 0o600, Size: int64(len(tinyRule)), Typeflag: tar.TypeReg})
	tw.Write([]byte(tinyRule))
	tw.Close()
	gz.Close()
	var bomb bytes.Buffer
	bw := zip.NewWriter(&bomb)
	f, _ := bw.Create("big.yml")
	f.Write(bytes.Repeat([]byte("#"), 5<<20))
	bw.Close()
	for _, c := range []struct {
		name  string
		data  []byte
		files int
		err   bool
	}{
		{"pack.zip", zbuf.Bytes(), 2, false},
		{"pack.tar.gz", tbuf.Bytes(), 1, false},
		{"rule.yml", []byte(tinyRule), 1, false},
		{"bomb.zip", bomb.Bytes(), 0, true},
		{"broken.zip", []byte("PK\x03\x04garbage"), 0, true},
	} {
		files, err := alert.ReadUpload(c.name, c.data)
		if (err != nil) != c.err || len(files) != c.files {
			t.Errorf("%s: %d files, %v", c.name, len(files), err)
		}
		if err != nil && !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: %v is not an invalid-input error", c.name, err)
		}
	}
}

// An alert raised during a maintenance window of one of the system's
// sites is kept but muted: not sent.
func TestMaintenanceMutes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, alert.Config{})
		now := time.Now()
		if _, err := db.Writer().ExecContext(ctx, `INSERT INTO maintenance_windows (site_id, starts_at, ends_at, reason, created_by, created_at) VALUES (NULL, $1, $2, 'upgrade', 'admin', $1)`,
			store.FormatTime(now.Add(-time.Hour)), store.FormatTime(now.Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.NewDetector(nil).Handle(ctx, logstream.Batch{Records: []logstream.Record{sysmon(w.a.ID, w.sysA.ID, attackCmd)}}); err != nil {
			t.Fatal(err)
		}
		got := list(t, w, access.System, alert.Filter{})
		if len(got) != 1 || !got[0].Muted || w.sent.count() != 0 {
			t.Fatalf("in maintenance: %+v, %d sent", got, w.sent.count())
		}
		if !strings.Contains(got[0].RuleTitle, "Encoded") {
			t.Fatalf("alert %+v", got[0])
		}
	})
}
