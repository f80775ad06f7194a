package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestReport: failures show their output, skips are listed with their
// reason, and a clean run says "skipped: none".
func TestReport(t *testing.T) {
	run := func(lines ...string) (string, bool) {
		var out bytes.Buffer
		r := &report{out: &out, logs: map[string][]string{}}
		if err := r.read(strings.NewReader(strings.Join(lines, "\n"))); err != nil {
			t.Fatal(err)
		}
		r.summary()
		return out.String(), r.failed
	}
	out, failed := run(
		`{"Action":"run","Package":"p","Test":"TestA"}`,
		`{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}`,
		`{"Action":"pass","Package":"p","Test":"TestA"}`,
		`{"Action":"output","Package":"p","Output":"ok  \tp\t0.1s\n"}`,
		`{"Action":"pass","Package":"p"}`,
	)
	if failed || !strings.Contains(out, "ok  \tp") || !strings.HasSuffix(out, "skipped: none\n") {
		t.Errorf("clean run: failed=%v\n%s", failed, out)
	}
	out, failed = run(
		`{"Action":"output","Package":"q","Test":"TestB","Output":"    b_test.go:9: nginx is not installed\n"}`,
		`{"Action":"output","Package":"q","Test":"TestB","Output":"--- SKIP: TestB (0.00s)\n"}`,
		`{"Action":"skip","Package":"q","Test":"TestB"}`,
		`{"Action":"output","Package":"q","Test":"TestC","Output":"    c_test.go:3: want 2, got 3\n"}`,
		`{"Action":"fail","Package":"q","Test":"TestC"}`,
		`{"Action":"output","Package":"q","Output":"FAIL\tq\t0.2s\n"}`,
		`{"Action":"fail","Package":"q"}`,
		`# a line go test printed itself`,
	)
	if !failed || !strings.Contains(out, "--- FAIL: TestC (q)\n    c_test.go:3: want 2, got 3") ||
		!strings.Contains(out, "skipped: 1\n  q TestB: b_test.go:9: nginx is not installed") || !strings.Contains(out, "# a line go test printed itself") {
		t.Errorf("failing run: failed=%v\n%s", failed, out)
	}
	if _, failed := run(`{"Action":"build-output","ImportPath":"r","Output":"r.go:1: syntax error\n"}`, `{"Action":"build-fail","ImportPath":"r"}`); !failed {
		t.Error("a build failure passed")
	}
}

// A package stopped by its timeout shows the tests it was running, with
// their output, so that the log says which one hung.
func TestTimedOutPackageNamesItsRunningTests(t *testing.T) {
	var out strings.Builder
	r := &report{out: &out, logs: map[string][]string{}}
	for _, line := range []string{
		`{"Action":"run","Package":"p","Test":"TestHangs"}`,
		`{"Action":"output","Package":"p","Test":"TestHangs","Output":"=== RUN   TestHangs\n"}`,
		`{"Action":"output","Package":"p","Test":"TestHangs","Output":"waiting for the server\n"}`,
		`{"Action":"run","Package":"p","Test":"TestQuick"}`,
		`{"Action":"pass","Package":"p","Test":"TestQuick"}`,
		`{"Action":"output","Package":"p","Output":"FAIL\tp\t1200.0s\n"}`,
		`{"Action":"fail","Package":"p"}`,
	} {
		var e event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		r.add(e)
	}
	if !r.failed || !strings.Contains(out.String(), "--- UNFINISHED: TestHangs (p)") || !strings.Contains(out.String(), "waiting for the server") || strings.Contains(out.String(), "TestQuick") {
		t.Fatalf("report:\n%s", out.String())
	}
}
