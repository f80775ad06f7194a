package ingest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/engine/normalize"
	"github.com/khien-project/khien/internal/feature/ingest"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/logstream"
)

var admin = access.Actor{UserID: 1, Username: "admin", Role: access.Admin}

func (r *rig) token(agency int64, system int64) ingest.NewToken {
	r.t.Helper()
	tok, err := r.svc.CreateToken(context.Background(), admin, ingest.TokenInput{AgencyID: agency, SystemID: system, Label: "beats"})
	if err != nil {
		r.t.Fatal(err)
	}
	return tok
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (r *rig) call(method, path, auth, ua string, body []byte) answer {
	r.t.Helper()
	req, err := http.NewRequest(method, "http://"+r.addr(logstream.ReceiverBulk)+path, bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if ua != "" {
		req.Header.Set("User-Agent", ua)
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, b}
}

// TestBulkAsFilebeatAndWinlogbeatSendIt plays a Beat's start-up and one
// bulk request as Beats 8 send them (api_key authentication, create
// actions, filter_path); the answer is Elasticsearch's per-item shape,
// and the stream gets the accepted documents, normalized (the Winlogbeat
// one as a Windows event), with the token's agency and system.
func TestBulkAsFilebeatAndWinlogbeatSendIt(t *testing.T) {
	r := newRig(t, rigOptions{})
	tok := r.token(r.a.ID, r.sysA.ID)
	apiKey := "ApiKey " + base64.StdEncoding.EncodeToString([]byte("ingest:"+tok.Secret))
	ua := "Filebeat/8.15.2 (linux; amd64; 4a8f4b6; 2024-09-20 17:14:24 +0000 UTC)"
	info := r.call("GET", "/", apiKey, ua, nil)
	var cluster struct {
		Version struct{ Number string } `json:"version"`
	}
	if info.status != 200 || json.Unmarshal(info.body, &cluster) != nil || cluster.Version.Number != "8.15.2" || info.header.Get("X-Elastic-Product") != "Elasticsearch" {
		t.Fatalf("GET /: %d %s", info.status, info.body)
	}
	for _, p := range []struct{ method, path string }{
		{"GET", "/_license?human=false"}, {"HEAD", "/_index_template/filebeat-8.15.2"}, {"GET", "/_ilm/policy/filebeat"},
		{"PUT", "/_index_template/filebeat-8.15.2"}, {"PUT", "/_ingest/pipeline/winlogbeat-8.15.2-routing"}, {"GET", "/_data_stream/filebeat-8.15.2"},
	} {
		if a := r.call(p.method, p.path, apiKey, ua, []byte("{}")); a.status != 200 {
			t.Errorf("%s %s: %d %s", p.method, p.path, a.status, a.body)
		}
	}
	if a := r.call("GET", "/", "", ua, nil); a.status != 401 {
		t.Errorf("GET / without a token: %d", a.status)
	}
	web := `{"@timestamp":"2026-12-01T03:04:05.000Z","message":"203.0.113.9 - - [01/Dec/2026:10:04:05 +0700] \"GET /wp-login.php HTTP/1.1\" 404 153 \"-\" \"curl/8\"","event":{"module":"nginx","dataset":"nginx.access"},"host":{"name":"web1"}}`
	win := `{"@timestamp":"2026-12-01T03:04:06.000Z","event":{"code":"4625","provider":"Microsoft-Windows-Security-Auditing"},"winlog":{"channel":"Security","event_id":"4625","computer_name":"dc1.soa.local","provider_name":"Microsoft-Windows-Security-Auditing","event_data":{"TargetUserName":"administrator","IpAddress":"198.51.100.7","LogonType":"3"}}}`
	body := strings.Join([]string{
		`{"create":{"_index":"filebeat-8.15.2"}}`, web,
		`{"create":{"_index":"winlogbeat-8.15.2","_id":"evt-1"}}`, win,
		`{"delete":{"_index":"x","_id":"1"}}`,
		`{"index":{}}`, `not json`,
	}, "\n") + "\n"
	a := r.call("POST", "/_bulk?filter_path=errors,items.*.error,items.*.status", apiKey, ua, []byte(body))
	var res struct {
		Errors bool                                    `json:"errors"`
		Items  []map[string]map[string]json.RawMessage `json:"items"`
	}
	if a.status != 200 || json.Unmarshal(a.body, &res) != nil {
		t.Fatalf("bulk: %d %s", a.status, a.body)
	}
	if !res.Errors || len(res.Items) != 4 {
		t.Fatalf("bulk answer %s", a.body)
	}
	want := []struct {
		action string
		status string
	}{{"create", "201"}, {"create", "201"}, {"delete", "400"}, {"index", "400"}}
	for i, w := range want {
		item, ok := res.Items[i][w.action]
		if !ok || string(item["status"]) != w.status {
			t.Errorf("item %d: %s, want %s with status %s", i, res.Items[i], w.action, w.status)
		}
	}
	recs := r.collect(2, 10*time.Second)
	if len(recs) != 2 {
		t.Fatalf("%d records in the stream, want 2", len(recs))
	}
	for _, rec := range recs {
		if rec.AgencyID != r.a.ID || rec.SystemID != r.sysA.ID || rec.Receiver != logstream.ReceiverBulk || rec.Sender != "beats" || rec.Received.IsZero() || rec.Time.IsZero() {
			t.Errorf("record %s: agency %d system %d receiver %s sender %s received %v time %v", rec.ID, rec.AgencyID, rec.SystemID, rec.Receiver, rec.Sender, rec.Received, rec.Time)
		}
		switch rec.Source {
		case normalize.SourceWinlogbeat:
			if rec.Fields["EventID"] != "4625" || rec.Product != "windows" || !strings.HasSuffix(rec.ID, "/evt-1") {
				t.Errorf("winlogbeat document: id %s fields %v", rec.ID, rec.Fields)
			}
		case normalize.SourceAccess:
			if rec.Fields["url.path"] != "/wp-login.php" {
				t.Errorf("nginx document: %v", rec.Fields)
			}
		default:
			t.Errorf("record read by %q", rec.Source)
		}
	}
	for _, reason := range []string{ingest.ReasonUnsupported, ingest.ReasonInvalidJSON, ingest.ReasonToken} {
		if got := r.count("khien_ingest_rejected_total", map[string]string{"receiver": "bulk", "reason": reason}); got != 1 {
			t.Errorf("bulk rejections for %s counted %v, want 1", reason, got)
		}
	}
}

// TestIngestEndpoint: NDJSON and JSON arrays, counts of accepted and
// refused documents, the token's agency, 401 without a valid token or
// after revocation, 413 past the body limit.
func TestIngestEndpoint(t *testing.T) {
	r := newRig(t, rigOptions{cfg: ingest.Config{MaxBody: 4096, MaxMessage: 512}})
	tok := r.token(r.b.ID, 0)
	bearer := "Bearer " + tok.Secret
	nd := "{\"message\":\"one\"}\n\n{\"message\":\"two\"}\n[1,2]\n{\"message\":\"" + strings.Repeat("y", 600) + "\"}\n"
	a := r.call("POST", "/api/v1/ingest", bearer, "", []byte(nd))
	if a.status != 200 || !strings.Contains(string(a.body), `"accepted":2`) || !strings.Contains(string(a.body), `"rejected":2`) {
		t.Fatalf("NDJSON: %d %s", a.status, a.body)
	}
	if !strings.Contains(string(a.body), `{"index":2,"reason":"invalid_json"}`) || !strings.Contains(string(a.body), `{"index":3,"reason":"oversized"}`) {
		t.Errorf("errors not told by position: %s", a.body)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("fluentbit:"+tok.Secret))
	a = r.call("POST", "/api/v1/ingest", basic, "", []byte(`[{"message":"three"},{"message":"four"}]`))
	if a.status != 200 || !strings.Contains(string(a.body), `"accepted":2`) {
		t.Fatalf("array: %d %s", a.status, a.body)
	}
	recs := r.collect(4, 10*time.Second)
	if len(recs) != 4 {
		t.Fatalf("%d records", len(recs))
	}
	for _, rec := range recs {
		if rec.AgencyID != r.b.ID || rec.SystemID != 0 || rec.Receiver != logstream.ReceiverHTTP {
			t.Errorf("record %+v", rec)
		}
	}
	if a := r.call("POST", "/api/v1/ingest", "Bearer khien-ingest_nope", "", []byte(`{"a":1}`)); a.status != 401 {
		t.Errorf("unknown token: %d", a.status)
	}
	if a := r.call("POST", "/api/v1/ingest", "", "", []byte(`{"a":1}`)); a.status != 401 {
		t.Errorf("no token: %d", a.status)
	}
	if a := r.call("POST", "/api/v1/ingest", bearer, "", bytes.Repeat([]byte(`{"a":1}`+"\n"), 1000)); a.status != 413 {
		t.Errorf("body past max_body: %d", a.status)
	}
	if a := r.call("POST", "/api/v1/ingest", bearer, "", []byte(`[{"a":1},`)); a.status != 400 {
		t.Errorf("broken array: %d %s", a.status, a.body)
	}
	if err := r.svc.RevokeToken(context.Background(), admin, tok.ID); err != nil {
		t.Fatal(err)
	}
	if a := r.call("POST", "/api/v1/ingest", bearer, "", []byte(`{"a":1}`)); a.status != 401 {
		t.Errorf("revoked token: %d", a.status)
	}
}

// TestFullQueuePushesBack fills a small stream with nobody consuming:
// HTTP answers 429 with Retry-After and keeps nothing of that request;
// a TCP sender is paused, not dropped: once storage consumes, every
// message it sent arrives (count sent = count in the stream); UDP drops
// and counts.
func TestFullQueuePushesBack(t *testing.T) {
	r := newRig(t, rigOptions{queueBytes: 2 << 20})
	tok := r.token(r.a.ID, 0)
	bearer := "Bearer " + tok.Secret
	line := fmt.Sprintf(`{"message":"%s"}`, strings.Repeat("z", 900))
	accepted, full := 0, false
	for i := 0; i < 40 && !full; i++ {
		// distinct bodies: a body sent again has the same ids and is
		// stored once
		body := []byte(fmt.Sprintf("{\"request\":%d}\n", i) + strings.Repeat(line+"\n", 499))
		a := r.call("POST", "/api/v1/ingest", bearer, "", body)
		switch a.status {
		case 200:
			accepted += 500
		case 429:
			full = true
			if a.header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		default:
			t.Fatalf("%d %s", a.status, a.body)
		}
	}
	if !full {
		t.Fatal("the stream never filled")
	}
	if got := r.count("khien_ingest_queue_full_total", map[string]string{"receiver": "http"}); got < 1 {
		t.Errorf("queue full counted %v", got)
	}
	// TCP: the connection waits while the stream is full.
	conn, err := netDial(r.addr(logstream.ReceiverSyslogTCP))
	if err != nil {
		t.Fatal(err)
	}
	const sent = 3000
	done := make(chan error, 1)
	go func() {
		var b bytes.Buffer
		for i := 0; i < sent; i++ {
			fmt.Fprintf(&b, "<13>1 2026-12-01T10:00:00Z h app - - - backpressure %06d %s\n", i, strings.Repeat("p", 200))
		}
		_, err := conn.Write(b.Bytes())
		conn.Close()
		done <- err
	}()
	time.Sleep(1500 * time.Millisecond)
	if got := r.count("khien_ingest_queue_full_total", map[string]string{"receiver": "syslog-tcp"}); got < 1 {
		t.Errorf("the TCP receiver did not find the stream full (%v)", got)
	}
	udp, _ := netDialUDP(r.addr(logstream.ReceiverSyslogUDP))
	for i := 0; i < 2000; i++ { // batches larger than the room left
		fmt.Fprintf(udp, "<13>1 2026-12-01T10:00:00Z h app - - - udp %d %s", i, strings.Repeat("u", 900))
	}
	udp.Close()
	if got := r.waitCount("khien_ingest_dropped_total", map[string]string{"receiver": "syslog-udp"}, 1); got < 1 {
		t.Errorf("UDP drops counted %v; received %v, queue full %v, rejected %v, repaired %v", got, r.count("khien_ingest_received_total", map[string]string{"receiver": "syslog-udp"}),
			r.count("khien_ingest_queue_full_total", map[string]string{"receiver": "syslog-udp"}), r.count("khien_ingest_rejected_total", map[string]string{"receiver": "syslog-udp"}), r.count("khien_ingest_repaired_total", map[string]string{"receiver": "syslog-udp"}))
	}
	r.detectDrains()
	recs := r.collect(accepted+sent, 60*time.Second)
	if err := <-done; err != nil {
		t.Fatalf("the TCP sender failed: %v", err)
	}
	n := 0
	for _, rec := range recs {
		if strings.Contains(rec.Original, "backpressure") {
			n++
		}
	}
	if n != sent {
		t.Fatalf("TCP: %d of %d messages in the stream", n, sent)
	}
	if len(recs) < accepted+sent {
		t.Fatalf("%d records, want at least %d (HTTP accepted %d, TCP sent %d)", len(recs), accepted+sent, accepted, sent)
	}
}
