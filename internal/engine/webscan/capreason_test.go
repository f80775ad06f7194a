package webscan

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCapReason: a grade a check's finding lowered says which check and
// why, in both languages; a grade the score gave needs no reason, except
// F, which always says why.
func TestCapReason(t *testing.T) {
	caps := []GradeCap{{Grade: "B", Reason: "TLS 1.0/1.1", Check: TLSProtocols}, {Grade: "F", Reason: "certificate expired", Check: TLSCertificate},
		{Grade: "F", Reason: "exposed /.git/HEAD", Check: ExposedFiles}, {Grade: "F", Reason: "certificate expired", Check: TLSCertificate}}
	rep := Report{Score: 100, Grade: applyCaps("A+", caps)}
	rep.capReason("A+", caps)
	if rep.Grade != "F" || !slices.Equal(rep.CappedBy, []string{"tls.certificate", "exposed.files"}) ||
		!strings.Contains(rep.CapReasonEN, "capped at F: certificate expired (tls.certificate); exposed /.git/HEAD (exposed.files)") ||
		!strings.Contains(rep.CapReason, "chứng thư đã hết hạn (kiểm tra tls.certificate); lộ tệp /.git/HEAD") || strings.Contains(rep.CapReasonEN, "TLS 1.0") {
		t.Errorf("F by two checks: %+v", rep)
	}
	rep = Report{Score: 100, Grade: applyCaps("A+", caps[:1])}
	rep.capReason("A+", caps[:1])
	if rep.Grade != "B" || !strings.Contains(rep.CapReasonEN, "capped at B: TLS 1.0/1.1") || !strings.Contains(rep.CapReason, "TLS 1.0/1.1 (kiểm tra tls.protocols)") {
		t.Errorf("B by one check: %+v", rep)
	}
	rep = Report{Score: 60, Grade: applyCaps("C", caps[:1])} // the score is worse than the cap
	rep.capReason("C", caps[:1])
	if rep.CapReason != "" || rep.CapReasonEN != "" || rep.CappedBy != nil {
		t.Errorf("a cap that did not bind is given as the reason: %+v", rep)
	}
	rep = Report{Score: 10, Grade: "F"}
	rep.capReason("F", nil)
	if !strings.Contains(rep.CapReasonEN, "score 10/100") || !strings.Contains(rep.CapReason, "10/100") {
		t.Errorf("F by score: %+v", rep)
	}

	// Live: httptest's self-signed certificate gives F and says so.
	ts := httptest.NewTLSServer(http.HandlerFunc(strictHandler))
	defer ts.Close()
	live, err := Assess(context.Background(), ts.URL+"/", Options{AllowPrivate: true, Timeout: 10 * time.Second, HTTPPort: ts.Listener.Addr().(*net.TCPAddr).Port})
	if err != nil {
		t.Fatal(err)
	}
	if live.Grade != "F" || !slices.Contains(live.CappedBy, string(TLSCertificate)) || !strings.Contains(live.CapReasonEN, "self-signed certificate") {
		t.Errorf("untrusted certificate: grade %s, %q %v", live.Grade, live.CapReasonEN, live.CappedBy)
	}
}
