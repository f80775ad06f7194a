package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/khien-project/khien/internal/platform/logstream"
)

// Serve stores what the log stream carries (issue 11): records published
// on an external NATS reach the storage counts and the search; serve
// killed (SIGKILL) while it consumes, then started again, has stored every
// record once.
func TestServeStoresTheLogStreamAcrossAKill(t *testing.T) {
	nodes := startNATSCluster(t, 1)
	data := t.TempDir()
	s := startServe(t, data, "--nats", nodes[0].url)
	tok := token(t, data, "admin")
	nc, err := nats.Connect(nodes[0].url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const n = 20000
	now := time.Now().UTC()
	recs := make([]logstream.Record, n)
	for i := range recs {
		recs[i] = logstream.Record{ID: fmt.Sprintf("e2e-%d", i), AgencyID: 1, Receiver: logstream.ReceiverSyslogTCP, Sender: "10.0.0.9",
			Received: now.Add(-time.Duration(n-i) * time.Millisecond), Source: "sshd",
			Fields: map[string]any{"user.name": fmt.Sprint("user", i)}, Original: fmt.Sprintf("Failed password for user%d from 203.0.113.9", i)}
	}
	for i := 0; i < n; i += 200 {
		if err := logstream.Publish(ctx, js, recs[i:i+200]); err != nil {
			t.Fatal(err)
		}
	}
	stored := func(s *server) int64 {
		code, body := s.request("GET", "/api/v1/logs/storage", tok, "", nil)
		var u struct{ Events int64 }
		if code != 200 || json.Unmarshal([]byte(body), &u) != nil {
			t.Fatalf("storage: %d %s", code, body)
		}
		return u.Events
	}
	var before int64
	for before == 0 {
		time.Sleep(20 * time.Millisecond)
		before = stored(s)
	}
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = s.wait(30 * time.Second)
	if before >= n {
		t.Fatalf("serve had stored everything before it was killed: the test must kill it mid-way")
	}
	s = startServe(t, data, "--nats", nodes[0].url)
	deadline := time.Now().Add(2 * time.Minute)
	for stored(s) < n && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second) // anything more would be a duplicate
	if got := stored(s); got != n {
		t.Fatalf("stored %d events, want %d (at least %d before the kill)\n%s", got, n, before, s.output())
	}
	t.Logf("serve killed after storing at least %d events; %d stored after the restart (a redelivery waits for the ack timeout, 60 s)", before, n)
	code, body := s.request("GET", "/api/v1/logs/events?q=user4242", tok, "", nil)
	var res struct{ Events []struct{ ID string } }
	if code != 200 || json.Unmarshal([]byte(body), &res) != nil || len(res.Events) != 1 || res.Events[0].ID != "e2e-4242" {
		t.Fatalf("search: %d %s", code, body)
	}
}
