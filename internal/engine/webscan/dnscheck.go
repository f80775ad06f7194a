package webscan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/net/publicsuffix"
)

// resolver asks one DNS server (host:port).
type resolver struct {
	server string
	client *dns.Client
}

func newResolver(server string) (*resolver, error) {
	if server == "" {
		conf, err := dns.ClientConfigFromFile("/etc/resolv.conf")
		if err != nil || len(conf.Servers) == 0 {
			return nil, errors.New("no DNS server configured (/etc/resolv.conf)")
		}
		server = net.JoinHostPort(conf.Servers[0], conf.Port)
	}
	return &resolver{server: server, client: &dns.Client{Timeout: 5 * time.Second}}, nil
}

// query asks for name/qtype (with the DNSSEC OK bit) and returns the answer.
func (r *resolver) query(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.SetEdns0(4096, true)
	in, _, err := r.client.ExchangeContext(ctx, m, r.server)
	if err != nil {
		// Said of the name asked, not of the resolver (whose address
		// the transport error holds).
		return nil, &net.DNSError{Name: name, Err: "no answer from the DNS server", IsTimeout: isTimeout(err)}
	}
	if in.Rcode != dns.RcodeSuccess && in.Rcode != dns.RcodeNameError {
		return nil, &net.DNSError{Name: name, Err: dns.TypeToString[qtype] + " " + dns.RcodeToString[in.Rcode]}
	}
	return in, nil
}

func (r *resolver) txt(ctx context.Context, name string) ([]string, error) {
	in, err := r.query(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, rr := range in.Answer {
		if t, ok := rr.(*dns.TXT); ok {
			out = append(out, strings.Join(t.Txt, ""))
		}
	}
	return out, nil
}

// The DNS and mail checks read the site's CAA, DNSSEC, SPF and DMARC
// records, looked up once for all four (dnsFacts).
var (
	dnsCAADef = CheckDef{ID: DNSCAA, Severity: "low", input: fromDNS, run: dnsCheck(caaResult),
		Title: "Bản ghi CAA", TitleEN: "CAA record",
		Remediation:   "Thêm bản ghi CAA chỉ cho phép tổ chức chứng thực mà đơn vị dùng, ví dụ: example.gov.vn. CAA 0 issue \"letsencrypt.org\".",
		RemediationEN: "Add a CAA record naming the certificate authority you use, e.g. example.gov.vn. CAA 0 issue \"letsencrypt.org\"."}
	dnsDNSSECDef = CheckDef{ID: DNSDNSSEC, Severity: "medium", input: fromDNS, run: dnsCheck(dnssecResult),
		Title: "Ký số tên miền (DNSSEC)", TitleEN: "DNSSEC",
		Remediation: "Bật DNSSEC cho tên miền tại nhà cung cấp DNS và đăng ký bản ghi DS với cơ quan quản lý tên miền cấp trên.", RemediationEN: "Sign the zone with DNSSEC at your DNS provider and register its DS record with the parent zone."}
	emailSPFDef = CheckDef{ID: EmailSPF, Severity: "high", input: fromDNS, run: dnsCheck(spfResult),
		Title: "Bản ghi SPF", TitleEN: "SPF record",
		Remediation: "Công bố một bản ghi TXT v=spf1 liệt kê các máy chủ gửi thư và kết thúc bằng -all (hoặc ~all).", RemediationEN: "Publish one TXT v=spf1 record listing the mail senders and ending in -all (or ~all)."}
	emailDMARCDef = CheckDef{ID: EmailDMARC, Severity: "medium", input: fromDNS, run: dnsCheck(dmarcResult),
		Title: "Bản ghi DMARC", TitleEN: "DMARC record",
		Remediation: "Công bố _dmarc TXT \"v=DMARC1; p=reject; rua=mailto:…\" (hoặc p=quarantine).", RemediationEN: "Publish _dmarc TXT \"v=DMARC1; p=reject; rua=mailto:…\" (or p=quarantine)."}
)

// DNSChecks look up the site's CAA, DNSSEC, SPF and DMARC records. server
// is the DNS server to ask ("" for the system's).
func DNSChecks(ctx context.Context, host, server string) []Check {
	a := &assessment{ctx: ctx, opts: Options{DNSServer: server}, host: host, hasHost: true}
	checks, _ := a.runIDs(DNSCAA, DNSDNSSEC, EmailSPF, EmailDMARC)
	return checks
}

// dnsFacts is what the DNS lookups found, in the order they are made;
// a nil part was not looked up because an earlier lookup failed.
type dnsFacts struct {
	ip      bool  // the host is an IP address: there is no domain to check
	err     error // the lookup that failed: every DNS check reports it
	domain  string
	caa     *caaFacts
	dnssec  *dnssecFacts
	spf     []string // the domain's TXT records
	dmarc   []string // _dmarc's TXT records
	spfOK   bool
	dmarcOK bool
}

type caaFacts struct {
	records []string // the first CAA set found climbing from the host
	issue   bool     // one of them has an issue or issuewild property
}

type dnssecFacts struct{ keys, ds int }

// dnsFacts looks the site's records up once, stopping at the first
// failed lookup.
func (a *assessment) dnsFacts() *dnsFacts {
	if a.dns != nil {
		return a.dns
	}
	f := &dnsFacts{}
	a.dns = f
	if net.ParseIP(a.host) != nil {
		f.ip = true
		return f
	}
	if f.domain, f.err = publicsuffix.EffectiveTLDPlusOne(strings.TrimSuffix(a.host, ".")); f.err != nil {
		return f
	}
	r, err := newResolver(a.opts.DNSServer)
	if err != nil {
		f.err = err
		return f
	}
	if f.caa, f.err = lookupCAA(a.ctx, r, a.host, f.domain); f.err != nil {
		return f
	}
	if f.dnssec, f.err = lookupDNSSEC(a.ctx, r, f.domain); f.err != nil {
		return f
	}
	if f.spf, f.err = r.txt(a.ctx, f.domain); f.err != nil {
		return f
	}
	f.spfOK = true
	if f.dmarc, f.err = r.txt(a.ctx, "_dmarc."+f.domain); f.err != nil {
		return f
	}
	f.dmarcOK = true
	return f
}

// dnsCheck is the run function of a DNS check whose result result reads
// from the records; a failed lookup turns every DNS check into an error.
func dnsCheck(result func(c *Check, f *dnsFacts)) checkFunc {
	return func(def CheckDef, a *assessment) (Check, []GradeCap, bool) {
		if !a.hasHost {
			return Check{}, nil, false
		}
		c := def.New()
		f := a.dnsFacts()
		if f.ip {
			c.Result, c.Severity = Info, Info
			c.Detail, c.DetailEN = "Trang được truy cập bằng địa chỉ IP, không có tên miền để kiểm tra.", "The site was reached by IP address; there is no domain to check."
			return c, nil, true
		}
		result(&c, f)
		if f.err != nil {
			c.Result, c.Severity = Error, Info
			vi, en := Explain(f.err)
			c.Detail, c.DetailEN = "Không tra cứu được DNS: "+vi+".", "DNS lookup failed: "+en+"."
		}
		return c, nil, true
	}
}

// lookupCAA climbs from the host to the registered domain (RFC 8659) and
// returns the first CAA set found.
func lookupCAA(ctx context.Context, r *resolver, host, domain string) (*caaFacts, error) {
	for name := host; ; {
		in, err := r.query(ctx, name, dns.TypeCAA)
		if err != nil {
			return nil, err
		}
		f := &caaFacts{}
		for _, rr := range in.Answer {
			if x, ok := rr.(*dns.CAA); ok {
				f.records = append(f.records, x.String())
				f.issue = f.issue || x.Tag == "issue" || x.Tag == "issuewild"
			}
		}
		if len(f.records) > 0 {
			return f, nil
		}
		if name == domain || !strings.Contains(name, ".") {
			return f, nil
		}
		_, name, _ = strings.Cut(name, ".")
	}
}

// caaResult passes at a CAA set with an issue property.
func caaResult(c *Check, f *dnsFacts) {
	if f.caa == nil {
		return
	}
	if len(f.caa.records) > 0 {
		c.Evidence = strings.Join(f.caa.records, "\n")
		if f.caa.issue {
			c.Result, c.Severity = Pass, Info
			c.Detail, c.DetailEN = "Tên miền giới hạn tổ chức được cấp chứng thư.", "The domain limits which authorities may issue certificates."
		} else {
			c.Result, c.Severity = Warn, "low"
			c.Detail, c.DetailEN = "Có bản ghi CAA nhưng không có thuộc tính issue.", "CAA records exist but none has an issue property."
		}
		return
	}
	c.Result, c.Severity = Warn, "low"
	c.Detail, c.DetailEN = "Không có bản ghi CAA: bất kỳ tổ chức chứng thực nào cũng có thể cấp chứng thư cho tên miền.", "No CAA record: any certificate authority may issue for the domain."
}

// lookupDNSSEC counts the registered domain's DNSKEY and DS records.
func lookupDNSSEC(ctx context.Context, r *resolver, domain string) (*dnssecFacts, error) {
	count := func(qtype uint16) (int, error) {
		in, err := r.query(ctx, domain, qtype)
		if err != nil {
			return 0, err
		}
		n := 0
		for _, rr := range in.Answer {
			if rr.Header().Rrtype == qtype {
				n++
			}
		}
		return n, nil
	}
	keys, err := count(dns.TypeDNSKEY)
	if err != nil {
		return nil, err
	}
	ds, err := count(dns.TypeDS)
	if err != nil {
		return nil, err
	}
	return &dnssecFacts{keys: keys, ds: ds}, nil
}

// dnssecResult passes when the registered domain has DNSKEY records and a
// DS record at its parent (the zone is signed and the chain is anchored).
func dnssecResult(c *Check, f *dnsFacts) {
	if f.dnssec == nil {
		return
	}
	c.Evidence = fmt.Sprintf("%s: %d DNSKEY, %d DS", f.domain, f.dnssec.keys, f.dnssec.ds)
	if f.dnssec.keys > 0 && f.dnssec.ds > 0 {
		c.Result, c.Severity = Pass, Info
		c.Detail, c.DetailEN = "Tên miền được ký DNSSEC và có bản ghi DS ở vùng cấp trên.", "The domain is signed with DNSSEC and has a DS record in its parent zone."
		return
	}
	c.Result, c.Severity = Warn, "medium"
	c.Detail, c.DetailEN = "Tên miền chưa được ký DNSSEC (hoặc chưa đăng ký DS).", "The domain is not signed with DNSSEC (or has no DS record)."
}

func spfResult(c *Check, f *dnsFacts) {
	if !f.spfOK {
		return
	}
	var spf []string
	for _, t := range f.spf {
		if strings.HasPrefix(strings.ToLower(t), "v=spf1") {
			spf = append(spf, t)
		}
	}
	c.Evidence = strings.Join(spf, "\n")
	switch {
	case len(spf) == 0:
		c.Result, c.Severity = Fail, "medium"
		c.Detail, c.DetailEN = "Không có bản ghi SPF: kẻ gian dễ giả mạo thư của đơn vị.", "No SPF record: mail from the domain is easy to forge."
	case len(spf) > 1:
		c.Result, c.Severity = Fail, "medium"
		c.Detail, c.DetailEN = "Có nhiều bản ghi SPF; máy nhận thư sẽ coi là lỗi.", "More than one SPF record; receivers treat that as an error."
	default:
		fields := strings.Fields(strings.ToLower(spf[0]))
		last := fields[len(fields)-1]
		switch last {
		case "-all", "~all":
			c.Result, c.Severity = Pass, Info
			c.Detail, c.DetailEN = "SPF từ chối máy chủ gửi thư không được liệt kê.", "SPF rejects senders it does not list."
		case "+all", "all":
			c.Result, c.Severity = Fail, "high"
			c.Detail, c.DetailEN = "SPF kết thúc bằng +all: cho phép mọi máy chủ gửi thư.", "SPF ends in +all: every server may send as the domain."
		default:
			c.Result, c.Severity = Warn, "medium"
			c.Detail, c.DetailEN = "SPF không kết thúc bằng -all hay ~all.", "SPF does not end in -all or ~all."
		}
	}
}

func dmarcResult(c *Check, f *dnsFacts) {
	if !f.dmarcOK {
		return
	}
	policy := ""
	for _, t := range f.dmarc {
		if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(t)), "v=dmarc1") {
			continue
		}
		c.Evidence = t
		for _, tag := range strings.Split(t, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(tag), "=")
			if strings.EqualFold(strings.TrimSpace(k), "p") {
				policy = strings.ToLower(strings.TrimSpace(v))
			}
		}
	}
	switch policy {
	case "reject", "quarantine":
		c.Result, c.Severity = Pass, Info
		c.Detail, c.DetailEN = "DMARC yêu cầu máy nhận chặn thư giả mạo (p="+policy+").", "DMARC tells receivers to block forged mail (p="+policy+")."
	case "none":
		c.Result, c.Severity = Warn, "medium"
		c.Detail, c.DetailEN = "DMARC chỉ theo dõi (p=none), chưa chặn thư giả mạo.", "DMARC only monitors (p=none); forged mail is not blocked."
	default:
		c.Result, c.Severity = Fail, "medium"
		c.Detail, c.DetailEN = "Không có bản ghi DMARC hợp lệ.", "No valid DMARC record."
	}
}
