package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/engine/normalize"
	"github.com/khien-project/khien/internal/feature/ingest"
	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/platform/store"
	"github.com/khien-project/khien/internal/platform/store/storetest"
	"github.com/khien-project/khien/internal/testkit/need"
)

// TestLoggerOverUDPAndTCP sends sshd messages with util-linux's logger in
// both RFC formats, over UDP, TCP with newline framing and TCP with
// octet counting; each arrives once, normalized, with the agency and
// system that list 127.0.0.1, the receiver, the sender, and both times.
func TestLoggerOverUDPAndTCP(t *testing.T) {
	if _, err := exec.LookPath("logger"); err != nil {
		need.Skip(t, "logger (util-linux/bsdutils) is not installed")
	}
	r := newRig(t, rigOptions{})
	cases := []struct {
		name     string
		args     []string
		receiver string
	}{
		{"udp-rfc5424", []string{"--udp", "--rfc5424"}, logstream.ReceiverSyslogUDP},
		{"udp-rfc3164", []string{"--udp", "--rfc3164"}, logstream.ReceiverSyslogUDP},
		{"tcp-rfc5424", []string{"--tcp", "--rfc5424"}, logstream.ReceiverSyslogTCP},
		{"tcp-rfc3164", []string{"--tcp", "--rfc3164"}, logstream.ReceiverSyslogTCP},
		{"tcp-octets-rfc5424", []string{"--tcp", "--rfc5424", "--octet-count"}, logstream.ReceiverSyslogTCP},
		{"tcp-octets-rfc3164", []string{"--tcp", "--rfc3164", "--octet-count"}, logstream.ReceiverSyslogTCP},
	}
	marks := map[string]string{}
	before := time.Now().Add(-time.Minute)
	for _, c := range cases {
		marks[c.name] = marker(t, c.name)
		_, port, _ := net.SplitHostPort(r.addr(c.receiver))
		msg := "Failed password for invalid user admin from 10.9.8.7 port 52211 ssh2 " + marks[c.name]
		args := append([]string{"-n", "127.0.0.1", "-P", port, "-t", "sshd", "-p", "authpriv.notice"}, c.args...)
		out, err := exec.Command("logger", append(args, msg)...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: logger: %v %s", c.name, err, out)
		}
	}
	recs := r.collect(len(cases), 20*time.Second)
	for _, c := range cases {
		got := withMessage(recs, marks[c.name])
		if len(got) != 1 {
			t.Errorf("%s: %d records carry the marker, want 1", c.name, len(got))
			continue
		}
		rec := got[0]
		if rec.Receiver != c.receiver || rec.Sender != "127.0.0.1" || rec.AgencyID != r.a.ID || rec.SystemID != r.sysA.ID {
			t.Errorf("%s: receiver %q sender %q agency %d system %d; want %s, 127.0.0.1, %d, %d", c.name, rec.Receiver, rec.Sender, rec.AgencyID, rec.SystemID, c.receiver, r.a.ID, r.sysA.ID)
		}
		if rec.Source != normalize.SourceSSHD || rec.Fields["source.ip"] != "10.9.8.7" || rec.Fields["user.name"] != "admin" {
			t.Errorf("%s: not read as sshd: source %q fields %v", c.name, rec.Source, rec.Fields)
		}
		if rec.Received.Before(before) || rec.Time.IsZero() || rec.Time.Sub(rec.Received).Abs() > time.Hour {
			t.Errorf("%s: received %v, event time %v", c.name, rec.Received, rec.Time)
		}
		if rec.Fields["log.syslog.facility.code"] != int64(10) { // kept as normalize gives it
			t.Errorf("%s: facility %v, want 10 (authpriv)", c.name, rec.Fields["log.syslog.facility.code"])
		}
	}
}

// TestGarbageIsCountedNeverFatal throws what a broken or hostile sender
// may send at the TCP and UDP ports: oversized frames of both framings,
// absurd octet counts, frames without a priority, invalid UTF-8, binary
// noise, a connection cut mid-frame. Each is counted; the receivers keep
// working; the good message sent after them arrives.
func TestGarbageIsCountedNeverFatal(t *testing.T) {
	r := newRig(t, rigOptions{cfg: ingest.Config{MaxMessage: 1024}})
	tcp := r.addr(logstream.ReceiverSyslogTCP)
	send := func(data []byte) {
		c, err := net.Dial("tcp", tcp)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(data); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	big := bytes.Repeat([]byte("x"), 5000)
	send(append(append([]byte("<13>"), big...), '\n'))                             // oversized line
	send([]byte(fmt.Sprintf("5000 <13>%s", big)))                                  // oversized octet-counted
	send([]byte("99999999999999999999 <13>absurd count\n"))                        // a count past any limit
	send([]byte("no priority here " + marker(t, "nopri") + "\n"))                  // kept as a line
	send([]byte("<13>Dec  1 10:00:00 host app: bad \xff\xfe utf8\n"))              // repaired
	send([]byte{0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03}) // a TLS hello on the plain port
	send([]byte("12 <13>cut"))                                                     // cut mid-frame
	u, err := net.Dial("udp", r.addr(logstream.ReceiverSyslogUDP))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = u.Write(append([]byte("<13>"), big...)) // oversized datagram
	_, _ = u.Write([]byte{0, 0, 0})                // empty after trimming
	u.Close()
	good := marker(t, "good")
	send([]byte("<13>1 2026-12-01T10:00:00Z host app 1 - - " + good + "\n"))

	if got := r.waitCount("khien_ingest_rejected_total", map[string]string{"reason": ingest.ReasonOversized}, 3); got < 3 {
		t.Errorf("oversized: %v counted, want 3 (line, octet-counted, datagram)", got)
	}
	if got := r.waitCount("khien_ingest_repaired_total", map[string]string{"reason": ingest.RepairInvalidUTF8}, 1); got < 1 {
		t.Errorf("invalid UTF-8 repaired: %v", got)
	}
	if got := r.waitCount("khien_ingest_repaired_total", map[string]string{"reason": ingest.RepairNoPriority}, 2); got < 2 {
		t.Errorf("frames without priority: %v, want at least 2 (the line and the TLS hello)", got)
	}
	recs := r.collect(1<<20, 5*time.Second)
	if len(withMessage(recs, good)) != 1 {
		t.Fatalf("the good message after the garbage did not arrive (of %d records)", len(recs))
	}
	for _, rec := range recs {
		if strings.Contains(rec.Original, "bad") && !strings.Contains(rec.Original, "\uFFFD") {
			t.Errorf("invalid UTF-8 kept as is: %q", rec.Original)
		}
		if strings.Contains(rec.Original, "xxxxxxxx") {
			t.Errorf("an oversized message was kept (%d bytes)", len(rec.Original))
		}
	}
}

// TestUnknownSendersAreKeptUnassignedAndListed: a sender no system lists
// is kept, unassigned, counted and listed; once the registry lists its
// address, its next messages go to that system.
func TestUnknownSendersAreKeptUnassignedAndListed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, rigOptions{db: db})
		from := func(local, text string) {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
			c, err := d.Dial("tcp", r.addr(logstream.ReceiverSyslogTCP))
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(c, "<14>1 2026-12-01T10:00:00Z web nginx - - - %s\n", text)
			c.Close()
		}
		m1, m2, m3 := marker(t, "unknown"), marker(t, "cidr"), marker(t, "later")
		from("127.0.0.9", m1)
		from("127.0.1.5", m2)
		recs := r.collect(2, 10*time.Second)
		u := withMessage(recs, m1)
		if len(u) != 1 || u[0].AgencyID != 0 || u[0].SystemID != 0 || u[0].Fields["khien.unassigned"] != true || u[0].Sender != "127.0.0.9" {
			t.Fatalf("unknown sender's record: %+v", u)
		}
		c := withMessage(recs, m2)
		if len(c) != 1 || c[0].AgencyID != r.b.ID || c[0].SystemID != r.sysB.ID {
			t.Fatalf("a sender inside B's CIDR: %+v", c)
		}
		if got := r.count("khien_ingest_unknown_senders_total", nil); got != 1 {
			t.Errorf("unknown senders counted %v, want 1", got)
		}
		ctx := context.Background()
		list, err := r.svc.Senders(ctx, access.Actor{Username: "analyst", Role: access.Analyst})
		if err != nil || len(list) != 2 || list[0].Address != "127.0.0.9" || list[0].Known || !list[1].Known {
			t.Fatalf("senders %+v %v", list, err)
		}
		officerB := access.Actor{Username: "b", Role: access.Agency, AgencyID: r.b.ID, AgencyPath: r.b.Path}
		if list, _ := r.svc.Senders(ctx, officerB); len(list) != 1 || list[0].Address != "127.0.1.5" {
			t.Errorf("agency B's officer sees %+v, want B's sender only", list)
		}
		// The registry lists the address: the map follows.
		r.system(r.a, "Máy chủ web A", []string{"127.0.0.9"}, nil)
		time.Sleep(1500 * time.Millisecond)
		from("127.0.0.9", m3)
		recs = r.collect(3, 10*time.Second)
		if l := withMessage(recs, m3); len(l) != 1 || l[0].AgencyID != r.a.ID || l[0].Fields["khien.unassigned"] != nil {
			t.Fatalf("after the registry lists the sender: %+v", l)
		}
	})
}

// TestRefusedUnknownSenders: with ingest.unknown_senders=refuse their
// events are dropped and counted, and the others still pass.
func TestRefusedUnknownSenders(t *testing.T) {
	r := newRig(t, rigOptions{cfg: ingest.Config{RefuseUnknown: true}})
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.9")}}
	c, err := d.Dial("tcp", r.addr(logstream.ReceiverSyslogTCP))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "<14>1 2026-12-01T10:00:00Z web app - - - refused\n")
	c.Close()
	if got := r.waitCount("khien_ingest_rejected_total", map[string]string{"reason": ingest.ReasonUnknownSender}, 1); got != 1 {
		t.Fatalf("refused unknown sender counted %v", got)
	}
	known := marker(t, "known")
	c, err = net.Dial("tcp", r.addr(logstream.ReceiverSyslogTCP))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "<14>1 2026-12-01T10:00:00Z web app - - - %s\n", known)
	c.Close()
	recs := r.collect(1, 10*time.Second)
	if len(recs) != 1 || len(withMessage(recs, known)) != 1 {
		t.Fatalf("got %d records", len(recs))
	}
}
