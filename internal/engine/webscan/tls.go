package webscan

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// TLSFacts is what the probes learned about one TLS endpoint.
type TLSFacts struct {
	Versions       map[string]bool // SSLv3, TLSv1.0 … TLSv1.3 → accepted
	Weak           map[string]bool // NULL, EXPORT, RC4, 3DES, anon, RSA-kx, CBC → accepted
	ForwardSecrecy bool
	AEAD           bool
	Chain          []*x509.Certificate
	VerifyErr      error
	Now            time.Time
}

// ProbeTLS asks a TLS endpoint which versions and cipher families it
// accepts and fetches its certificate chain, through the same address
// guard as the HTTP fetches.
func ProbeTLS(ctx context.Context, target string, opts Options) (*TLSFacts, error) {
	opts.defaults()
	u, err := url.Parse(target)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("%q has no host", target)
	}
	port := u.Port()
	if port == "" {
		port = "443"
	}
	p := &prober{addr: net.JoinHostPort(u.Hostname(), port), serverName: u.Hostname(),
		dialer: guardedDialer(opts.AllowPrivate, &net.Dialer{Timeout: 5 * time.Second}), timeout: 5 * time.Second}
	f := &TLSFacts{Versions: map[string]bool{}, Weak: map[string]bool{}, Now: time.Now()}
	for name, v := range map[string]uint16{"SSLv3": versionSSL30, "TLSv1.0": versionTLS10, "TLSv1.1": versionTLS11, "TLSv1.2": versionTLS12} {
		ok, _, err := p.accepts(ctx, v, suitesCommon)
		if err != nil {
			return nil, err
		}
		f.Versions[name] = ok
	}
	for name, suites := range map[string][]uint16{"NULL": suitesNull, "EXPORT": suitesExport, "RC4": suitesRC4, "3DES": suites3DES, "anon": suitesAnon, "RSA-kx": suitesStaticRSA, "CBC": suitesCBC} {
		if f.Weak[name], _, err = p.accepts(ctx, versionTLS12, suites); err != nil {
			return nil, err
		}
	}
	if f.ForwardSecrecy, _, err = p.accepts(ctx, versionTLS12, suitesFS); err != nil {
		return nil, err
	}
	if f.AEAD, _, err = p.accepts(ctx, versionTLS12, suitesAEAD); err != nil {
		return nil, err
	}
	// TLS 1.3 and the certificate, with Go's own client.
	hs := func(min, max uint16) (*tls.ConnectionState, error) {
		dctx, cancel := context.WithTimeout(ctx, p.timeout)
		defer cancel()
		d := &tls.Dialer{NetDialer: p.dialer, Config: &tls.Config{ServerName: u.Hostname(), MinVersion: min, MaxVersion: max, InsecureSkipVerify: true, CipherSuites: allSuites()}} //nolint:gosec // verified below, by hand, to report why a chain fails
		c, err := d.DialContext(dctx, "tcp", p.addr)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		st := c.(*tls.Conn).ConnectionState()
		return &st, nil
	}
	if st, err := hs(tls.VersionTLS13, tls.VersionTLS13); err == nil {
		f.Versions["TLSv1.3"] = true
		f.ForwardSecrecy, f.AEAD, f.Chain = true, true, st.PeerCertificates
	} else if errors.Is(err, ErrForbiddenAddress) {
		return nil, err
	}
	if f.Chain == nil {
		st, err := hs(tls.VersionTLS10, tls.VersionTLS12)
		if err != nil {
			return nil, fmt.Errorf("TLS handshake with %s: %w", p.addr, err)
		}
		f.Chain = st.PeerCertificates
	}
	if len(f.Chain) == 0 {
		return nil, errors.New("the server sent no certificate")
	}
	f.VerifyErr = verifyChain(f.Chain, u.Hostname(), opts.RootCAs, f.Now)
	return f, nil
}

// gradeCap limits the grade for a reason.
type gradeCap struct {
	grade  string
	reason string
}

// TLSChecks turns TLS facts into checks and grade caps (after the SSL
// Labs rating guide).
func TLSChecks(f *TLSFacts) ([]Check, []gradeCap) {
	var caps []gradeCap
	var checks []Check

	proto := Check{ID: "tls.protocols", Title: "Phiên bản giao thức TLS", TitleEN: "TLS protocol versions",
		Remediation:   "Chỉ bật TLS 1.2 và TLS 1.3; tắt SSLv3, TLS 1.0 và TLS 1.1.",
		RemediationEN: "Enable TLS 1.2 and TLS 1.3 only; disable SSLv3, TLS 1.0 and TLS 1.1."}
	var on []string
	for _, v := range []string{"SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"} {
		if f.Versions[v] {
			on = append(on, v)
		}
	}
	proto.Evidence = "accepted: " + strings.Join(on, ", ")
	switch {
	case f.Versions["SSLv3"]:
		proto.Result, proto.Severity = Fail, "critical"
		proto.Detail, proto.DetailEN = "Máy chủ chấp nhận SSLv3 (lỗ hổng POODLE).", "The server accepts SSLv3 (POODLE)."
		caps = append(caps, gradeCap{"F", "SSLv3"})
	case f.Versions["TLSv1.0"] || f.Versions["TLSv1.1"]:
		proto.Result, proto.Severity = Fail, "medium"
		proto.Detail, proto.DetailEN = "Máy chủ còn chấp nhận TLS 1.0/1.1 đã lỗi thời.", "The server still accepts obsolete TLS 1.0/1.1."
		caps = append(caps, gradeCap{"B", "TLS 1.0/1.1"})
	case !f.Versions["TLSv1.3"]:
		proto.Result, proto.Severity = Warn, "low"
		proto.Detail, proto.DetailEN = "Máy chủ chưa hỗ trợ TLS 1.3.", "The server does not support TLS 1.3."
		caps = append(caps, gradeCap{"A-", "no TLS 1.3"})
	default:
		proto.Result, proto.Severity = Pass, Info
		proto.Detail, proto.DetailEN = "Chỉ TLS 1.2 và TLS 1.3.", "TLS 1.2 and TLS 1.3 only."
	}
	if !f.Versions["TLSv1.2"] && !f.Versions["TLSv1.3"] {
		caps = append(caps, gradeCap{"C", "no TLS 1.2"})
	}
	checks = append(checks, proto)

	ciph := Check{ID: "tls.ciphers", Title: "Bộ mã hóa TLS", TitleEN: "TLS cipher suites",
		Remediation:   "Chỉ dùng bộ mã ECDHE với AES-GCM hoặc ChaCha20-Poly1305; tắt NULL, EXPORT, RC4, 3DES, ẩn danh và trao đổi khóa RSA tĩnh.",
		RemediationEN: "Use ECDHE suites with AES-GCM or ChaCha20-Poly1305 only; disable NULL, EXPORT, RC4, 3DES, anonymous and static-RSA key exchange."}
	var weak []string
	for _, w := range []string{"NULL", "EXPORT", "anon", "RC4", "3DES"} {
		if f.Weak[w] {
			weak = append(weak, w)
		}
	}
	if f.Weak["RSA-kx"] {
		weak = append(weak, "RSA key exchange (no forward secrecy)")
	}
	if f.Weak["CBC"] {
		weak = append(weak, "CBC (no AEAD)")
	}
	if !f.ForwardSecrecy {
		weak = append(weak, "no forward secrecy")
	}
	if !f.AEAD {
		weak = append(weak, "no AEAD")
	}
	ciph.Evidence = "weak: " + strings.Join(weak, ", ")
	switch {
	case f.Weak["NULL"] || f.Weak["EXPORT"] || f.Weak["anon"]:
		ciph.Result, ciph.Severity = Fail, "critical"
		caps = append(caps, gradeCap{"F", "NULL, EXPORT or anonymous suites"})
	case f.Weak["RC4"] || f.Weak["3DES"]:
		ciph.Result, ciph.Severity = Fail, "high"
		caps = append(caps, gradeCap{"C", "RC4 or 3DES"})
	case !f.ForwardSecrecy || !f.AEAD:
		ciph.Result, ciph.Severity = Fail, "medium"
		caps = append(caps, gradeCap{"B", "no forward secrecy or no AEAD"})
	case f.Weak["RSA-kx"]:
		// Forward secrecy is offered, but a client can still land on a
		// suite without it: SSL Labs warns, without a cap.
		ciph.Result, ciph.Severity = Fail, "medium"
	case f.Weak["CBC"]:
		ciph.Result, ciph.Severity = Warn, "low"
	default:
		ciph.Result, ciph.Severity, ciph.Evidence = Pass, Info, "forward secrecy and AEAD; no weak suite accepted"
	}
	if len(weak) > 0 {
		ciph.Detail, ciph.DetailEN = "Máy chủ chấp nhận bộ mã yếu: "+strings.Join(weak, ", ")+".", "The server accepts weak suites: "+strings.Join(weak, ", ")+"."
	} else {
		ciph.Detail, ciph.DetailEN = "Không bộ mã yếu nào được chấp nhận.", "No weak suite is accepted."
	}
	checks = append(checks, ciph)
	cert, exp, certCaps := certificateChecks(f)
	return append(checks, cert, exp), append(caps, certCaps...)
}

func certificateChecks(f *TLSFacts) (Check, Check, []gradeCap) {
	leaf := f.Chain[0]
	var caps []gradeCap
	c := Check{ID: "tls.certificate", Title: "Chứng thư số", TitleEN: "Certificate",
		Remediation:   "Dùng chứng thư do tổ chức chứng thực được tin cậy cấp, đúng tên miền, còn hạn, khóa RSA ≥ 2048 bit hoặc ECDSA ≥ 256 bit, ký bằng SHA-256 trở lên, kèm đủ chứng thư trung gian.",
		RemediationEN: "Use a certificate from a trusted authority, for the right name, in its validity period, with an RSA key of at least 2048 bits or ECDSA of at least 256, signed with SHA-256 or better, served with its intermediates."}
	c.Evidence = fmt.Sprintf("subject %s; issuer %s; valid %s – %s; names %s", leaf.Subject.CommonName, leaf.Issuer.CommonName,
		leaf.NotBefore.Format("2006-01-02"), leaf.NotAfter.Format("2006-01-02"), strings.Join(leaf.DNSNames, ", "))
	var problems, problemsVI []string
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case f.VerifyErr == nil:
	case errors.As(f.VerifyErr, &hostErr):
		problems, problemsVI = append(problems, "it does not match the host name"), append(problemsVI, "không khớp tên miền")
		caps = append(caps, gradeCap{"F", "certificate name mismatch"})
	case errors.As(f.VerifyErr, &invalid) && invalid.Reason == x509.Expired:
		problems, problemsVI = append(problems, "it is expired or not yet valid"), append(problemsVI, "đã hết hạn hoặc chưa có hiệu lực")
		caps = append(caps, gradeCap{"F", "certificate expired"})
	default:
		problems, problemsVI = append(problems, "its chain is not trusted"), append(problemsVI, "chuỗi chứng thư không được tin cậy")
		caps = append(caps, gradeCap{"F", "untrusted certificate"})
	}
	switch k := leaf.PublicKey.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			problems, problemsVI = append(problems, fmt.Sprintf("its RSA key has only %d bits", k.N.BitLen())), append(problemsVI, fmt.Sprintf("khóa RSA chỉ có %d bit", k.N.BitLen()))
			caps = append(caps, gradeCap{"B", "weak key"})
		}
	case *ecdsa.PublicKey:
		if k.Curve.Params().BitSize < 256 {
			problems, problemsVI = append(problems, "its EC key is under 256 bits"), append(problemsVI, "khóa EC dưới 256 bit")
			caps = append(caps, gradeCap{"B", "weak key"})
		}
	}
	switch leaf.SignatureAlgorithm {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1:
		problems, problemsVI = append(problems, "it is signed with "+leaf.SignatureAlgorithm.String()), append(problemsVI, "được ký bằng thuật toán yếu "+leaf.SignatureAlgorithm.String())
		caps = append(caps, gradeCap{"F", "weak certificate signature"})
	}
	if len(problems) == 0 {
		c.Result, c.Severity = Pass, Info
		c.Detail, c.DetailEN = "Chứng thư hợp lệ, đúng tên miền, khóa và chữ ký đủ mạnh.", "The certificate is valid for this name, with a strong key and signature."
	} else {
		c.Result, c.Severity = Fail, "critical"
		c.Detail, c.DetailEN = "Chứng thư có vấn đề: "+strings.Join(problemsVI, "; ")+".", "The certificate has problems: "+strings.Join(problems, "; ")+"."
	}
	left := leaf.NotAfter.Sub(f.Now)
	days := int(left.Hours() / 24)
	e := Check{ID: "tls.certificate.expiry", Title: "Thời hạn chứng thư", TitleEN: "Certificate expiry",
		Evidence:    "notAfter " + leaf.NotAfter.UTC().Format(time.RFC3339),
		Remediation: "Gia hạn chứng thư trước khi hết hạn; nên tự động hóa (ví dụ giao thức ACME).", RemediationEN: "Renew the certificate before it expires; automate it (ACME, for example)."}
	switch {
	case left < 7*24*time.Hour:
		e.Result, e.Severity = Fail, "high"
	case left < 30*24*time.Hour:
		e.Result, e.Severity = Warn, "medium"
	default:
		e.Result, e.Severity = Pass, Info
	}
	e.Detail, e.DetailEN = fmt.Sprintf("Chứng thư còn %d ngày.", days), fmt.Sprintf("The certificate has %d days left.", days)
	if left < 0 {
		e.Detail, e.DetailEN = fmt.Sprintf("Chứng thư đã hết hạn %d ngày.", -days), fmt.Sprintf("The certificate expired %d days ago.", -days)
	}
	return c, e, caps
}

// gradeOrder ranks grades from best to worst.
var gradeOrder = []string{"A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F"}

// GradeRank orders grades: 0 for A+, higher is worse; unknown grades
// rank as F.
func GradeRank(g string) int { return gradeRank(g) }

func gradeRank(g string) int {
	for i, x := range gradeOrder {
		if x == g {
			return i
		}
	}
	return len(gradeOrder) - 1
}

// applyCaps returns the worse of grade and every cap.
func applyCaps(grade string, caps []gradeCap) string {
	for _, c := range caps {
		if gradeRank(c.grade) > gradeRank(grade) {
			grade = c.grade
		}
	}
	return grade
}
