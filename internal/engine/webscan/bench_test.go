package webscan

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
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

// BenchmarkAssessLoopbackStyled is BenchmarkAssessLoopback for a page
// with a <style> block and a linked same-site stylesheet (one more
// request, and the page read with its rules).
func BenchmarkAssessLoopbackStyled(b *testing.B) {
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/site.css" {
			w.Header().Set("Content-Type", "text/css")
			io.WriteString(w, ordinaryPortal[strings.Index(ordinaryPortal, "<style>")+7:strings.Index(ordinaryPortal, "</style>")])
			return
		}
		strictHandler(w, r)
		if r.URL.Path == "/" {
			io.WriteString(w, `<link rel="stylesheet" href="/site.css"><style>.menu ul{display:none}</style><ul class="menu"><li><a href="/a">a</a><ul><li><a href="/b">b</a></li></ul></li></ul>`)
		}
	}))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	defer ts.Close()
	opts := Options{RootCAs: pool(ts), AllowPrivate: true, Timeout: 10 * time.Second}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		rep, err := Assess(context.Background(), ts.URL+"/", opts)
		if err != nil || rep.Grade != "A+" || !strings.Contains(checksByID(rep)[string(ContentInjectedLinks)].Evidence, "/site.css") {
			b.Fatalf("%v %s %+v", err, rep.Grade, checksByID(rep)[string(ContentInjectedLinks)])
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
}

// BenchmarkAssess200Hosts assesses 200 nginx virtual hosts on loopback
// (each its own address with ports 80 and 443, modern TLS, strict
// headers) with 32 assessments at a time, and reports the total time of
// one pass over all of them.
func BenchmarkAssess200Hosts(b *testing.B) {
	nginxBinary(b)
	ca := newTestCA(b)
	now := time.Now()
	sites := make([]nginxSite, 200)
	for i := range sites {
		ip := fmt.Sprintf("127.0.81.%d", i+1)
		c, k := pemCert(ca, b, ip, nil, now.Add(-time.Hour), now.Add(90*24*time.Hour), 0)
		sites[i] = nginxSite{name: fmt.Sprintf("site%03d", i), ip: ip, certPEM: c, keyPEM: k, tls: modernTLS, headers: strictHeaders, files: siteFiles(cleanIndex, nil)}
	}
	startNginx(b, sites)
	opts := Options{RootCAs: ca.pool, AllowPrivate: true, Timeout: 30 * time.Second}
	var total time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		sem := make(chan struct{}, 32)
		var wg sync.WaitGroup
		var mu sync.Mutex
		grades := map[string]int{}
		for _, s := range sites {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				rep, err := Assess(context.Background(), "https://"+s.ip+"/", opts)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					grades["error: "+err.Error()]++
					return
				}
				grades[rep.Grade]++
			}()
		}
		wg.Wait()
		total += time.Since(start)
		if grades["A+"] != len(sites) {
			b.Fatalf("grades %v", grades)
		}
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/200-sites")
}
