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
		return nil, err
	}
	if in.Rcode != dns.RcodeSuccess && in.Rcode != dns.RcodeNameError {
		return nil, fmt.Errorf("%s %s: %s", name, dns.TypeToString[qtype], dns.RcodeToString[in.Rcode])
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

// DNSChecks look up the site's CAA, DNSSEC, SPF and DMARC records. server
// is the DNS server to ask ("" for the system's).
func DNSChecks(ctx context.Context, host, server string) []Check {
	caa := Check{ID: "dns.caa", Title: "Bản ghi CAA", TitleEN: "CAA record",
		Remediation:   "Thêm bản ghi CAA chỉ cho phép tổ chức chứng thực mà đơn vị dùng, ví dụ: example.gov.vn. CAA 0 issue \"letsencrypt.org\".",
		RemediationEN: "Add a CAA record naming the certificate authority you use, e.g. example.gov.vn. CAA 0 issue \"letsencrypt.org\"."}
	sec := Check{ID: "dns.dnssec", Title: "Ký số tên miền (DNSSEC)", TitleEN: "DNSSEC",
		Remediation: "Bật DNSSEC cho tên miền tại nhà cung cấp DNS và đăng ký bản ghi DS với cơ quan quản lý tên miền cấp trên.", RemediationEN: "Sign the zone with DNSSEC at your DNS provider and register its DS record with the parent zone."}
	spf := Check{ID: "email.spf", Title: "Bản ghi SPF", TitleEN: "SPF record",
		Remediation: "Công bố một bản ghi TXT v=spf1 liệt kê các máy chủ gửi thư và kết thúc bằng -all (hoặc ~all).", RemediationEN: "Publish one TXT v=spf1 record listing the mail senders and ending in -all (or ~all)."}
	dmarc := Check{ID: "email.dmarc", Title: "Bản ghi DMARC", TitleEN: "DMARC record",
		Remediation: "Công bố _dmarc TXT \"v=DMARC1; p=reject; rua=mailto:…\" (hoặc p=quarantine).", RemediationEN: "Publish _dmarc TXT \"v=DMARC1; p=reject; rua=mailto:…\" (or p=quarantine)."}
	all := []*Check{&caa, &sec, &spf, &dmarc}
	fail := func(err error) []Check {
		out := make([]Check, len(all))
		for i, c := range all {
			c.Result, c.Severity = Error, Info
			c.Detail, c.DetailEN = "Không tra cứu được DNS: "+err.Error(), "DNS lookup failed: "+err.Error()
			out[i] = *c
		}
		return out
	}
	if net.ParseIP(host) != nil {
		for _, c := range all {
			c.Result, c.Severity = Info, Info
			c.Detail, c.DetailEN = "Trang được truy cập bằng địa chỉ IP, không có tên miền để kiểm tra.", "The site was reached by IP address; there is no domain to check."
		}
		return []Check{caa, sec, spf, dmarc}
	}
	domain, err := publicsuffix.EffectiveTLDPlusOne(strings.TrimSuffix(host, "."))
	if err != nil {
		return fail(err)
	}
	r, err := newResolver(server)
	if err != nil {
		return fail(err)
	}
	if err := caaCheck(ctx, r, host, domain, &caa); err != nil {
		return fail(err)
	}
	if err := dnssecCheck(ctx, r, domain, &sec); err != nil {
		return fail(err)
	}
	if err := spfCheck(ctx, r, domain, &spf); err != nil {
		return fail(err)
	}
	if err := dmarcCheck(ctx, r, domain, &dmarc); err != nil {
		return fail(err)
	}
	return []Check{caa, sec, spf, dmarc}
}

// caaCheck climbs from the host to the registered domain (RFC 8659) and
// passes at the first CAA set with an issue property.
func caaCheck(ctx context.Context, r *resolver, host, domain string, c *Check) error {
	for name := host; ; {
		in, err := r.query(ctx, name, dns.TypeCAA)
		if err != nil {
			return err
		}
		var recs []string
		issue := false
		for _, rr := range in.Answer {
			if x, ok := rr.(*dns.CAA); ok {
				recs = append(recs, x.String())
				issue = issue || x.Tag == "issue" || x.Tag == "issuewild"
			}
		}
		if len(recs) > 0 {
			c.Evidence = strings.Join(recs, "\n")
			if issue {
				c.Result, c.Severity = Pass, Info
				c.Detail, c.DetailEN = "Tên miền giới hạn tổ chức được cấp chứng thư.", "The domain limits which authorities may issue certificates."
			} else {
				c.Result, c.Severity = Warn, "low"
				c.Detail, c.DetailEN = "Có bản ghi CAA nhưng không có thuộc tính issue.", "CAA records exist but none has an issue property."
			}
			return nil
		}
		if name == domain || !strings.Contains(name, ".") {
			break
		}
		_, name, _ = strings.Cut(name, ".")
	}
	c.Result, c.Severity = Warn, "low"
	c.Detail, c.DetailEN = "Không có bản ghi CAA: bất kỳ tổ chức chứng thực nào cũng có thể cấp chứng thư cho tên miền.", "No CAA record: any certificate authority may issue for the domain."
	return nil
}

// dnssecCheck passes when the registered domain has DNSKEY records and a
// DS record at its parent (the zone is signed and the chain is anchored).
func dnssecCheck(ctx context.Context, r *resolver, domain string, c *Check) error {
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
		return err
	}
	ds, err := count(dns.TypeDS)
	if err != nil {
		return err
	}
	c.Evidence = fmt.Sprintf("%s: %d DNSKEY, %d DS", domain, keys, ds)
	if keys > 0 && ds > 0 {
		c.Result, c.Severity = Pass, Info
		c.Detail, c.DetailEN = "Tên miền được ký DNSSEC và có bản ghi DS ở vùng cấp trên.", "The domain is signed with DNSSEC and has a DS record in its parent zone."
		return nil
	}
	c.Result, c.Severity = Warn, "medium"
	c.Detail, c.DetailEN = "Tên miền chưa được ký DNSSEC (hoặc chưa đăng ký DS).", "The domain is not signed with DNSSEC (or has no DS record)."
	return nil
}

func spfCheck(ctx context.Context, r *resolver, domain string, c *Check) error {
	txts, err := r.txt(ctx, domain)
	if err != nil {
		return err
	}
	var spf []string
	for _, t := range txts {
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
	return nil
}

func dmarcCheck(ctx context.Context, r *resolver, domain string, c *Check) error {
	txts, err := r.txt(ctx, "_dmarc."+domain)
	if err != nil {
		return err
	}
	policy := ""
	for _, t := range txts {
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
	return nil
}
