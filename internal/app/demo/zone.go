package demo

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/miekg/dns"
)

// zone is the demo province's DNS zone, served on a loopback port while
// the demo records its assessments, so that the engine's own DNS and mail
// checks judge it (CAA, DNSSEC, SPF, DMARC). Nothing outside the process
// is asked: the names under .example do not exist.
type zone struct {
	srv  *dns.Server
	addr string
}

// zoneDomain is the registered domain of every demo host.
const zoneDomain = "songlam.example."

// serveZone starts the zone on 127.0.0.1 (UDP).
func serveZone(ctx context.Context) (*zone, error) {
	pc, err := (&net.ListenConfig{}).ListenPacket(ctx, "udp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: DNS zone: %w", err)
	}
	z := &zone{addr: pc.LocalAddr().String()}
	started := make(chan struct{})
	z.srv = &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(answer), NotifyStartedFunc: func() { close(started) }}
	go func() { _ = z.srv.ActivateAndServe() }() // ends when stopped
	<-started
	return z, nil
}

func (z *zone) stop() { _ = z.srv.Shutdown() }

// answer serves the zone: a CAA set, DNSKEY and DS (a signed zone), SPF
// and DMARC at the registered domain; every other name under it exists
// with no record of the type asked.
func answer(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	for _, q := range req.Question {
		name := strings.ToLower(q.Name)
		if name != zoneDomain && !strings.HasSuffix(name, "."+zoneDomain) {
			m.Rcode = dns.RcodeNameError
			continue
		}
		var rr []string
		switch {
		case name == zoneDomain && q.Qtype == dns.TypeCAA:
			rr = []string{`0 issue "letsencrypt.org"`, `0 iodef "mailto:attt@songlam.example"`}
		case name == zoneDomain && q.Qtype == dns.TypeDNSKEY:
			rr = []string{"257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="}
		case name == zoneDomain && q.Qtype == dns.TypeDS:
			rr = []string{"2371 13 2 1F987CC6583E92DF0890718C42B4D4E9F8A6D1E0F7C1A0F24A7E9D2F0C6B3A91"}
		case name == zoneDomain && q.Qtype == dns.TypeTXT:
			rr = []string{`"v=spf1 mx ip4:203.0.113.0/24 -all"`}
		case name == "_dmarc."+zoneDomain && q.Qtype == dns.TypeTXT:
			rr = []string{`"v=DMARC1; p=quarantine; rua=mailto:dmarc@songlam.example"`}
		}
		for _, data := range rr {
			r, err := dns.NewRR(fmt.Sprintf("%s 3600 IN %s %s", q.Name, dns.TypeToString[q.Qtype], data))
			if err == nil {
				m.Answer = append(m.Answer, r)
			}
		}
	}
	_ = w.WriteMsg(m)
}
