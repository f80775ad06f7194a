package ingest_test

import (
	"net"
	"os/exec"
	"reflect"
	"testing"
	"time"

	"github.com/khien-project/khien/internal/engine/detect"
	"github.com/khien-project/khien/internal/platform/logstream"
	"github.com/khien-project/khien/internal/testkit/need"
)

// sdRule is a Sigma rule on structured-data fields as the receivers name
// them.
const sdRule = `title: Login by alice from the VPN pool
id: 5b1f3c52-7d0e-4c43-9a43-0c6e0b1f7a11
logsource: {product: linux}
detection:
  sel:
    log.syslog.structured_data.meta@32473.user: alice
    log.syslog.structured_data.origin.ip|cidr: 192.0.2.0/24
  condition: sel
level: medium
`

// TestLoggerStructuredData sends RFC 5424 messages with structured data
// (escaped characters included) with util-linux's logger over TCP, both
// framings: the parameters arrive as fields, unescaped, the message
// after them as the message, and a Sigma rule on those fields matches.
func TestLoggerStructuredData(t *testing.T) {
	if _, err := exec.LookPath("logger"); err != nil {
		need.Skip(t, "logger (util-linux/bsdutils) is not installed")
	}
	r := newRig(t, rigOptions{})
	_, port, _ := net.SplitHostPort(r.addr(logstream.ReceiverSyslogTCP))
	framings := map[string][]string{"newline": nil, "octets": {"--octet-count"}}
	marks := map[string]string{}
	for name, extra := range framings {
		marks[name] = marker(t, "sd-"+name)
		args := append([]string{"-n", "127.0.0.1", "-P", port, "--tcp", "--rfc5424", "-t", "vpnd", "--msgid", "LOGIN",
			"--sd-id", "meta@32473", "--sd-param", `user="alice"`, "--sd-param", `note="say \"hi\" [x\] C:\\tmp"`,
			"--sd-id", "origin", "--sd-param", `ip="192.0.2.10"`}, extra...)
		if out, err := exec.Command("logger", append(args, "session opened "+marks[name])...).CombinedOutput(); err != nil {
			t.Fatalf("logger: %v %s", err, out)
		}
	}
	rules, errs := detect.ParseRules("sd.yml", []byte(sdRule))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	engine, errs := detect.Compile(rules, detect.Config{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	recs := r.collect(len(framings), 20*time.Second)
	for name := range framings {
		got := withMessage(recs, marks[name])
		if len(got) != 1 {
			t.Errorf("%s: %d records carry the marker, want 1", name, len(got))
			continue
		}
		f := got[0].Fields
		want := map[string]any{
			"log.syslog.structured_data.meta@32473.user":     "alice",
			"log.syslog.structured_data.meta@32473.note":     `say "hi" [x] C:\tmp`,
			"log.syslog.structured_data.origin.ip":           "192.0.2.10",
			"log.syslog.structured_data.timeQuality.tzKnown": "1",
			"log.syslog.msgid":                               "LOGIN",
			"message":                                        "session opened " + marks[name],
		}
		for k, v := range want {
			if !reflect.DeepEqual(f[k], v) {
				t.Errorf("%s: %s = %#v, want %#v", name, k, f[k], v)
			}
		}
		ev := detect.NewEvent(f)
		if ms := engine.Match(ev); len(ms) != 1 {
			t.Errorf("%s: %d matches of the structured-data rule, want 1", name, len(ms))
		}
		f["log.syslog.structured_data.origin.ip"] = "198.51.100.1"
		if ms := engine.Match(detect.NewEvent(f)); len(ms) != 0 {
			t.Errorf("%s: the rule matches another address", name)
		}
	}
}
