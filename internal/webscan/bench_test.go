package webscan

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"
)

// BenchmarkAssessLoopback measures one full live assessment (HTTP and
// HTTPS chains, CORS probe, TLS probes, certificate, twelve header checks)
// of a site on loopback, and reports the median.
func BenchmarkAssessLoopback(b *testing.B) {
	ts := httptest.NewUnstartedServer(http.HandlerFunc(strictHandler))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	defer ts.Close()
	opts := Options{RootCAs: pool(ts), AllowPrivate: true, Timeout: 10 * time.Second}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		rep, err := Assess(context.Background(), ts.URL+"/", opts)
		if err != nil || rep.Grade != "A+" {
			b.Fatalf("%v %s", err, rep.Grade)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
}
