package ingest

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// BenchmarkReceiverPipeline is the receiver's own work per event on one
// core, without the network and JetStream: framing a TCP stream of mixed
// sshd, nginx and sudo lines, parsing the syslog header, normalizing,
// and encoding the record as logstream.Publish does.
func BenchmarkReceiverPipeline(b *testing.B) {
	lines := []string{
		"<38>Dec  1 10:00:00 web1 sshd[4242]: Failed password for invalid user oracle from 203.0.113.%d port 51234 ssh2\n",
		"<190>1 2026-12-01T10:00:00.000Z web1 nginx 77 - - 198.51.100.%d - - [01/Dec/2026:10:00:00 +0700] \"GET /index.php?id=1 HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\"\n",
		"<86>Dec  1 10:00:00 db1 sudo:    alice : TTY=pts/%d ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx\n",
	}
	var sb strings.Builder
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&sb, lines[i%3], i%250)
	}
	stream := []byte(sb.String())
	s := New(nil, nil, nil)
	s.senders.deflt, s.senders.hasDflt = Target{AgencyID: 1, SystemID: 1}, true
	batch := &syslogBatch{s: s, parser: NewMessageParser(time.UTC), receiver: "syslog-tcp", addr: netip.MustParseAddr("127.0.0.1")}
	fr := Framer{Max: 64 << 10}
	b.SetBytes(int64(len(stream)) / 3000)
	b.ResetTimer()
	off, n := 0, 0
	for n < b.N {
		adv, frame, res := fr.Next(stream[off:], true)
		off += adv
		if res == Frame {
			batch.add(frame, time.Now())
			n++
		}
		if off >= len(stream) {
			off = 0
		}
		if len(batch.recs) == 500 || n == b.N {
			for _, r := range batch.take(time.Now()) {
				if _, err := json.Marshal(&r); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}
