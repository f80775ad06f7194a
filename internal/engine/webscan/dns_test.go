package webscan

import (
	"context"
	"net"
	"testing"

	"github.com/miekg/dns"
)

// dnsServer answers from a small table on loopback (UDP), like a real
// resolver would for the test domains.
func dnsServer(t *testing.T, records map[string][]string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := dns.NewServeMux()
	mux.HandleFunc(".", func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		q := req.Question[0]
		for _, line := range records[dns.TypeToString[q.Qtype]+" "+q.Name] {
			rr, err := dns.NewRR(q.Name + " 300 IN " + dns.TypeToString[q.Qtype] + " " + line)
			if err != nil {
				t.Errorf("record %q: %v", line, err)
				continue
			}
			m.Answer = append(m.Answer, rr)
		}
		w.WriteMsg(m)
	})
	srv := &dns.Server{PacketConn: pc, Handler: mux}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

func TestDNSChecks(t *testing.T) {
	good := dnsServer(t, map[string][]string{
		"CAA example.gov.vn.":        {`0 issue "letsencrypt.org"`},
		"DNSKEY example.gov.vn.":     {"257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="},
		"DS example.gov.vn.":         {"2371 13 2 1F987CC6583E92DF0890718C42C9C4E8B9F6A3E6D3F3E6B1B2A7F0B3D8C1E2F4"},
		"TXT example.gov.vn.":        {`"v=spf1 mx -all"`},
		"TXT _dmarc.example.gov.vn.": {`"v=DMARC1; p=reject; rua=mailto:dmarc@example.gov.vn"`},
	})
	weak := dnsServer(t, map[string][]string{
		"TXT example.gov.vn.":        {`"v=spf1 +all"`},
		"TXT _dmarc.example.gov.vn.": {`"v=DMARC1; p=none"`},
	})
	for _, c := range []struct {
		name, server string
		want         map[string]string
	}{
		{"well configured", good, map[string]string{"dns.caa": Pass, "dns.dnssec": Pass, "email.spf": Pass, "email.dmarc": Pass}},
		{"weak", weak, map[string]string{"dns.caa": Warn, "dns.dnssec": Warn, "email.spf": Fail, "email.dmarc": Warn}},
	} {
		got := map[string]Check{}
		for _, ch := range DNSChecks(context.Background(), "portal.example.gov.vn", c.server) {
			got[ch.ID] = ch
		}
		for id, want := range c.want {
			if got[id].Result != want {
				t.Errorf("%s: %s = %s (%s; %s), want %s", c.name, id, got[id].Result, got[id].DetailEN, got[id].Evidence, want)
			}
		}
	}
	// No DNS server answering: the checks say so instead of failing the scan.
	dead, _ := net.ListenPacket("udp", "127.0.0.1:0")
	addr := dead.LocalAddr().String()
	dead.Close()
	for _, ch := range DNSChecks(context.Background(), "portal.example.gov.vn", addr) {
		if ch.Result != Error || ch.DetailEN == "" {
			t.Errorf("unreachable DNS: %s = %s", ch.ID, ch.Result)
		}
	}
	for _, ch := range DNSChecks(context.Background(), "203.0.113.7", good) {
		if ch.Result != Info {
			t.Errorf("IP host: %s = %s", ch.ID, ch.Result)
		}
	}
}
