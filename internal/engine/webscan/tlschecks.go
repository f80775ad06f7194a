package webscan

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The TLS checks read a probe of the HTTPS endpoint and cap the grade
// after the SSL Labs rating guide.
var (
	tlsProtocolsDef = CheckDef{ID: TLSProtocols, Severity: "critical", input: fromTLS, run: tlsProtocols,
		Title: "Phiên bản giao thức TLS", TitleEN: "TLS protocol versions",
		Remediation:   "Chỉ bật TLS 1.2 và TLS 1.3; tắt SSLv3, TLS 1.0 và TLS 1.1.",
		RemediationEN: "Enable TLS 1.2 and TLS 1.3 only; disable SSLv3, TLS 1.0 and TLS 1.1.",
		Caps:          []GradeCap{{Grade: "F", Reason: "SSLv3"}, {Grade: "C", Reason: "no TLS 1.2"}, {Grade: "B", Reason: "TLS 1.0/1.1"}, {Grade: "A-", Reason: "no TLS 1.3"}}}
	tlsCiphersDef = CheckDef{ID: TLSCiphers, Severity: "critical", input: fromTLS, run: tlsCiphers,
		Title: "Bộ mã hóa TLS", TitleEN: "TLS cipher suites",
		Remediation:   "Chỉ dùng bộ mã ECDHE với AES-GCM hoặc ChaCha20-Poly1305; tắt NULL, EXPORT, RC4, 3DES, ẩn danh và trao đổi khóa RSA tĩnh; nếu còn bật DHE, dùng nhóm DH từ 2048 bit (ví dụ ffdhe2048 của RFC 7919).",
		RemediationEN: "Use ECDHE suites with AES-GCM or ChaCha20-Poly1305 only; disable NULL, EXPORT, RC4, 3DES, anonymous and static-RSA key exchange; if DHE stays enabled, use a DH group of 2048 bits or more (RFC 7919's ffdhe2048, say).",
		Caps: []GradeCap{{Grade: "F", Reason: "NULL, EXPORT or anonymous suites"}, {Grade: "C", Reason: "RC4 or 3DES"}, {Grade: "B", Reason: "no forward secrecy or no AEAD"},
			{Grade: "F", Reason: capDHUnder1024}, {Grade: "B", Reason: capDHUnder2048}}}
	tlsCertificateDef = CheckDef{ID: TLSCertificate, Severity: "critical", input: fromTLS, run: tlsCertificate,
		Title: "Chứng thư số", TitleEN: "Certificate",
		Remediation:   "Dùng chứng thư do tổ chức chứng thực được tin cậy cấp, đúng tên miền, còn hạn, khóa RSA ≥ 2048 bit hoặc ECDSA ≥ 256 bit, ký bằng SHA-256 trở lên, kèm đủ chứng thư trung gian.",
		RemediationEN: "Use a certificate from a trusted authority, for the right name, in its validity period, with an RSA key of at least 2048 bits or ECDSA of at least 256, signed with SHA-256 or better, served with its intermediates.",
		Caps: []GradeCap{{Grade: "F", Reason: "certificate name mismatch"}, {Grade: "F", Reason: "certificate expired"}, {Grade: "F", Reason: "untrusted certificate"}, {Grade: "F", Reason: "self-signed certificate"}, {Grade: "F", Reason: "incomplete certificate chain"},
			{Grade: "F", Reason: "weak certificate signature"}, {Grade: "B", Reason: "weak key"}}}
	tlsCertificateExpiryDef = CheckDef{ID: TLSCertificateExpiry, Severity: "high", input: fromTLS, run: tlsCertificateExpiry,
		Title: "Thời hạn chứng thư", TitleEN: "Certificate expiry",
		Remediation: "Gia hạn chứng thư trước khi hết hạn; nên tự động hóa (ví dụ giao thức ACME).", RemediationEN: "Renew the certificate before it expires; automate it (ACME, for example)."}
)

// TLSChecks turns TLS facts into checks and grade caps (after the SSL
// Labs rating guide).
func TLSChecks(f *TLSFacts) ([]Check, []GradeCap) {
	a := &assessment{tls: f, tlsDone: true}
	return a.runIDs(TLSProtocols, TLSCiphers, TLSCertificate, TLSCertificateExpiry)
}

// tlsProtocols also reports a failed TLS probe, as an error; the other
// TLS checks are then left out.
func tlsProtocols(def CheckDef, a *assessment) (Check, []GradeCap, bool) {
	c := def.New()
	f, err := a.tlsFacts()
	switch {
	case err != nil:
		c.Result, c.Severity = Error, Info
		c.Remediation, c.RemediationEN = "", ""
		vi, en := Explain(err)
		c.Detail, c.DetailEN = "Không dò được TLS: "+vi+".", "TLS could not be probed: "+en+"."
		return c, nil, true
	case f == nil:
		return c, nil, false
	}
	var caps []GradeCap
	var on []string
	for _, v := range []string{"SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"} {
		if f.Versions[v] {
			on = append(on, v)
		}
	}
	c.Evidence = "accepted: " + strings.Join(on, ", ")
	switch {
	case f.Versions["SSLv3"]:
		c.Result, c.Severity = Fail, "critical"
		c.Detail, c.DetailEN = "Máy chủ chấp nhận SSLv3 (lỗ hổng POODLE).", "The server accepts SSLv3 (POODLE)."
		caps = append(caps, GradeCap{Grade: "F", Reason: "SSLv3"})
	case f.Versions["TLSv1.0"] || f.Versions["TLSv1.1"]:
		c.Result, c.Severity = Fail, "medium"
		c.Detail, c.DetailEN = "Máy chủ còn chấp nhận TLS 1.0/1.1 đã lỗi thời.", "The server still accepts obsolete TLS 1.0/1.1."
		caps = append(caps, GradeCap{Grade: "B", Reason: "TLS 1.0/1.1"})
	case !f.Versions["TLSv1.3"]:
		c.Result, c.Severity = Warn, "low"
		c.Detail, c.DetailEN = "Máy chủ chưa hỗ trợ TLS 1.3.", "The server does not support TLS 1.3."
		caps = append(caps, GradeCap{Grade: "A-", Reason: "no TLS 1.3"})
	default:
		c.Result, c.Severity = Pass, Info
		c.Detail, c.DetailEN = "Chỉ TLS 1.2 và TLS 1.3.", "TLS 1.2 and TLS 1.3 only."
	}
	if !f.Versions["TLSv1.2"] && !f.Versions["TLSv1.3"] {
		caps = append(caps, GradeCap{Grade: "C", Reason: "no TLS 1.2"})
	}
	return c, caps, true
}

func tlsCiphers(def CheckDef, a *assessment) (Check, []GradeCap, bool) {
	f, err := a.tlsFacts()
	if err != nil || f == nil {
		return Check{}, nil, false
	}
	c := def.New()
	var caps []GradeCap
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
	c.Evidence = "weak: " + strings.Join(weak, ", ")
	switch {
	case f.Weak["NULL"] || f.Weak["EXPORT"] || f.Weak["anon"]:
		c.Result, c.Severity = Fail, "critical"
		caps = append(caps, GradeCap{Grade: "F", Reason: "NULL, EXPORT or anonymous suites"})
	case f.Weak["RC4"] || f.Weak["3DES"]:
		c.Result, c.Severity = Fail, "high"
		caps = append(caps, GradeCap{Grade: "C", Reason: "RC4 or 3DES"})
	case !f.ForwardSecrecy || !f.AEAD:
		c.Result, c.Severity = Fail, "medium"
		caps = append(caps, GradeCap{Grade: "B", Reason: "no forward secrecy or no AEAD"})
	case f.Weak["RSA-kx"]:
		// Forward secrecy is offered, but a client can still land on a
		// suite without it: SSL Labs warns, without a cap.
		c.Result, c.Severity = Fail, "medium"
	case f.Weak["CBC"]:
		c.Result, c.Severity = Warn, "low"
	default:
		c.Result, c.Severity, c.Evidence = Pass, Info, "forward secrecy and AEAD; no weak suite accepted"
	}
	if len(weak) > 0 {
		c.Detail, c.DetailEN = "Máy chủ chấp nhận bộ mã yếu: "+strings.Join(weak, ", ")+".", "The server accepts weak suites: "+strings.Join(weak, ", ")+"."
	} else {
		c.Detail, c.DetailEN = "Không bộ mã yếu nào được chấp nhận.", "No weak suite is accepted."
	}
	if f.DHE && f.DHBits > 0 {
		c.Evidence += fmt.Sprintf("; DH group %d bits", f.DHBits)
	}
	if dhCap, ok := dhGroupCap(f); ok {
		caps = append(caps, dhCap)
		vi := fmt.Sprintf("Máy chủ chấp nhận trao đổi khóa DHE với nhóm DH chỉ %d bit (tấn công Logjam; cần từ 2048 bit).", f.DHBits)
		en := fmt.Sprintf("The server accepts DHE key exchange with a DH group of only %d bits (Logjam; 2048 bits are needed).", f.DHBits)
		if len(weak) == 0 {
			c.Detail, c.DetailEN = vi, en
		} else {
			c.Detail, c.DetailEN = c.Detail+" "+vi, c.DetailEN+" "+en
		}
		c.Result, c.Severity = Fail, worseSeverity(c.Severity, capSeverity(dhCap.Grade))
	}
	return c, caps, true
}

func tlsCertificate(def CheckDef, a *assessment) (Check, []GradeCap, bool) {
	f, err := a.tlsFacts()
	if err != nil || f == nil {
		return Check{}, nil, false
	}
	c := def.New()
	leaf := f.Chain[0]
	var caps []GradeCap
	c.Evidence = fmt.Sprintf("subject %s; issuer %s; valid %s – %s; names %s", leaf.Subject.CommonName, leaf.Issuer.CommonName,
		leaf.NotBefore.Format("2006-01-02"), leaf.NotAfter.Format("2006-01-02"), strings.Join(certNames(leaf), ", "))
	var problems, problemsVI []string
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case f.VerifyErr == nil:
	case errors.As(f.VerifyErr, &hostErr):
		problems, problemsVI = append(problems, "it does not match the host name"), append(problemsVI, "không khớp tên miền")
		caps = append(caps, GradeCap{Grade: "F", Reason: "certificate name mismatch"})
	case errors.As(f.VerifyErr, &invalid) && invalid.Reason == x509.Expired:
		problems, problemsVI = append(problems, "it is expired or not yet valid"), append(problemsVI, "đã hết hạn hoặc chưa có hiệu lực")
		caps = append(caps, GradeCap{Grade: "F", Reason: "certificate expired"})
	default:
		en, vi, reason := untrustedWhy(f.Chain)
		problems, problemsVI = append(problems, en), append(problemsVI, vi)
		caps = append(caps, GradeCap{Grade: "F", Reason: reason})
	}
	switch k := leaf.PublicKey.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			problems, problemsVI = append(problems, fmt.Sprintf("its RSA key has only %d bits", k.N.BitLen())), append(problemsVI, fmt.Sprintf("khóa RSA chỉ có %d bit", k.N.BitLen()))
			caps = append(caps, GradeCap{Grade: "B", Reason: "weak key"})
		}
	case *ecdsa.PublicKey:
		if k.Curve.Params().BitSize < 256 {
			problems, problemsVI = append(problems, "its EC key is under 256 bits"), append(problemsVI, "khóa EC dưới 256 bit")
			caps = append(caps, GradeCap{Grade: "B", Reason: "weak key"})
		}
	}
	switch leaf.SignatureAlgorithm {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1:
		problems, problemsVI = append(problems, "it is signed with "+leaf.SignatureAlgorithm.String()), append(problemsVI, "được ký bằng thuật toán yếu "+leaf.SignatureAlgorithm.String())
		caps = append(caps, GradeCap{Grade: "F", Reason: "weak certificate signature"})
	}
	if len(problems) == 0 {
		c.Result, c.Severity = Pass, Info
		c.Detail, c.DetailEN = "Chứng thư hợp lệ, đúng tên miền, khóa và chữ ký đủ mạnh.", "The certificate is valid for this name, with a strong key and signature."
	} else {
		// As severe as the worst cap it imposes: a 1,024-bit key caps
		// at B and is medium, an untrusted chain caps at F and is critical.
		c.Result, c.Severity = Fail, capSeverity(applyCaps("A+", caps))
		c.Detail, c.DetailEN = "Chứng thư có vấn đề: "+strings.Join(problemsVI, "; ")+".", "The certificate has problems: "+strings.Join(problems, "; ")+"."
	}
	return c, caps, true
}

// capSeverity is the severity of a finding that caps the grade at grade,
// as the TLS checks use it: F critical, C high, B medium, else low.
func capSeverity(grade string) string {
	switch grade {
	case "F":
		return "critical"
	case "C", "C+", "C-", "D", "D+", "D-":
		return "high"
	case "B", "B+", "B-":
		return "medium"
	}
	return "low"
}

// certNames are the names a certificate is valid for: DNS names, then IP
// addresses.
func certNames(c *x509.Certificate) []string {
	names := append([]string(nil), c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	return names
}

// selfSigned reports whether c is its own issuer.
func selfSigned(c *x509.Certificate) bool {
	// CheckSignatureFrom would demand a CA; a self-signed leaf is none.
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// untrustedWhy says why a chain that verifies against no trusted root
// fails, in English and Vietnamese: a self-signed certificate, a chain
// that ends in a root nobody trusts, or a chain the server sent without
// the certificate of the last certificate's issuer (an incomplete chain
// when that issuer says where its certificate is published, as public
// intermediates do).
func untrustedWhy(chain []*x509.Certificate) (en, vi, capReason string) {
	leaf, last := chain[0], chain[len(chain)-1]
	issuer := last.Issuer.CommonName
	if issuer == "" {
		issuer = last.Issuer.String()
	}
	switch {
	case len(chain) == 1 && selfSigned(leaf):
		return "it is self-signed (issued by the site to itself, not by a certificate authority)",
			"đây là chứng thư tự ký (trang tự cấp cho mình, không do tổ chức chứng thực nào cấp)", "self-signed certificate"
	case selfSigned(last):
		return fmt.Sprintf("its chain ends in the root %q, which is not a trusted authority", last.Subject.CommonName),
			fmt.Sprintf("chuỗi chứng thư kết thúc ở gốc %q, không phải tổ chức chứng thực được tin cậy", last.Subject.CommonName), "untrusted certificate"
	case len(last.IssuingCertificateURL) > 0:
		return fmt.Sprintf("its chain is incomplete: the server does not send the intermediate certificate of %q", issuer),
			fmt.Sprintf("chuỗi chứng thư không đầy đủ: máy chủ không gửi chứng thư trung gian của %q", issuer), "incomplete certificate chain"
	}
	return fmt.Sprintf("it is issued by %q, whose certificate the server does not send and which is not a trusted authority (an incomplete chain, or a private authority)", issuer),
		fmt.Sprintf("chứng thư do %q cấp, máy chủ không gửi chứng thư của bên cấp này và đây không phải tổ chức chứng thực được tin cậy (chuỗi thiếu chứng thư trung gian, hoặc tổ chức chứng thực nội bộ)", issuer), "untrusted certificate"
}

func tlsCertificateExpiry(def CheckDef, a *assessment) (Check, []GradeCap, bool) {
	f, err := a.tlsFacts()
	if err != nil || f == nil {
		return Check{}, nil, false
	}
	return certExpiryCheck(def.New(), f.Chain[0].NotAfter, f.Now), nil, true
}

// certExpiryCheck says how long the certificate has left at now: a
// failure under a week, a warning under a month.
func certExpiryCheck(c Check, notAfter, now time.Time) Check {
	left := notAfter.Sub(now)
	days := int(left.Hours() / 24)
	c.Evidence = "notAfter " + notAfter.UTC().Format(time.RFC3339)
	switch {
	case left < 7*24*time.Hour:
		c.Result, c.Severity = Fail, "high"
	case left < 30*24*time.Hour:
		c.Result, c.Severity = Warn, "medium"
	default:
		c.Result, c.Severity = Pass, Info
	}
	c.Detail, c.DetailEN = fmt.Sprintf("Chứng thư còn %d ngày.", days), fmt.Sprintf("The certificate has %d days left.", days)
	if left < 0 {
		c.Detail, c.DetailEN = fmt.Sprintf("Chứng thư đã hết hạn %d ngày.", -days), fmt.Sprintf("The certificate expired %d days ago.", -days)
	}
	return c
}
