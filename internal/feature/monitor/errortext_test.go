package monitor_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/feature/monitor"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/testkit/sitetest"
)

// TestProbeErrorsAreSentencesInBothLanguages: a failed probe stores the
// technical text and a sentence per language on its sample and on the
// site, the down alert quotes the sentence, and a server that refuses
// every TLS suite current browsers offer is told apart from one that is
// down. On both engines.
func TestProbeErrorsAreSentencesInBothLanguages(t *testing.T) {
	// A server that speaks only suites Go's client does not offer (DHE)
	// answers its ClientHello with a handshake_failure alert.
	legacy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer legacy.Close()
	go func() {
		for {
			c, err := legacy.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 4096)
			c.SetDeadline(time.Now().Add(2 * time.Second))
			c.Read(buf)
			c.Write([]byte{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28})
			c.Close()
		}
	}()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := sitetest.NewWorld(t, db, monitor.Config{FailThreshold: 1, Probe: webscan.Options{AllowPrivate: true, Timeout: 5 * time.Second}})
		for _, tc := range []struct {
			url, vi, en string
		}{
			{"https://127.0.0.1:1/", "từ chối kết nối", "refused the connection"},
			{"https://" + legacy.Addr().String() + "/", "trình duyệt", "browsers"},
		} {
			site := w.AddSite(t, w.A, tc.url)
			out, err := w.Monitor.Check(ctx, site.ID)
			if err != nil {
				t.Fatal(err)
			}
			smp := out.Sample
			if smp.OK || smp.Error == "" || !strings.Contains(smp.ErrorVI, tc.vi) || !strings.Contains(smp.ErrorEN, tc.en) {
				t.Errorf("%s: sample %+v", tc.url, smp)
			}
			if len(out.Alerts) != 1 || !strings.Contains(out.Alerts[0].Message, smp.ErrorVI) || !strings.Contains(out.Alerts[0].MessageEN, smp.ErrorEN) {
				t.Errorf("%s: down alert %+v", tc.url, out.Alerts)
			}
			stats, _ := w.Monitor.SiteStats(ctx, access.System, site.ID, time.Now().Add(-time.Hour))
			if len(stats.Series) != 1 || stats.Series[0].ErrorEN != smp.ErrorEN || stats.Series[0].ErrorVI != smp.ErrorVI {
				t.Errorf("%s: stored samples %+v", tc.url, stats.Series)
			}
			got, _ := w.Sites.Site(ctx, access.System, site.ID)
			if got.LastErrorVI != smp.ErrorVI || got.LastErrorEN != smp.ErrorEN || got.LastError != smp.Error {
				t.Errorf("%s: site %q %q %q", tc.url, got.LastError, got.LastErrorVI, got.LastErrorEN)
			}
		}
	})
}
