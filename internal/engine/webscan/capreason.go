package webscan

import (
	"fmt"
	"strings"
)

// capReasonsVI are the Vietnamese words of the caps' reasons. A reason
// not listed here fails registry_test; "exposed <path>" is built below.
var capReasonsVI = map[string]string{
	"no HTTPS":                         "trang không chạy HTTPS",
	"SSLv3":                            "máy chủ còn bật SSLv3",
	"no TLS 1.2":                       "máy chủ không hỗ trợ TLS 1.2",
	"TLS 1.0/1.1":                      "máy chủ còn bật TLS 1.0/1.1",
	"no TLS 1.3":                       "máy chủ chưa hỗ trợ TLS 1.3",
	"NULL, EXPORT or anonymous suites": "máy chủ còn bộ mã NULL, EXPORT hoặc ẩn danh",
	"RC4 or 3DES":                      "máy chủ còn bộ mã RC4 hoặc 3DES",
	"no forward secrecy or no AEAD":    "máy chủ thiếu bí mật chuyển tiếp hoặc bộ mã AEAD",
	"certificate name mismatch":        "chứng thư không cấp cho tên miền này",
	"certificate expired":              "chứng thư đã hết hạn",
	"untrusted certificate":            "chứng thư không được tin cậy",
	"self-signed certificate":          "chứng thư tự ký",
	"incomplete certificate chain":     "chuỗi chứng thư thiếu chứng thư trung gian",
	"weak key":                         "khóa của chứng thư quá yếu",
	"weak certificate signature":       "chữ ký của chứng thư dùng thuật toán yếu",
	"injected gambling links":          "trang bị chèn liên kết cờ bạc ẩn",
	"gambling links":                   "trang có liên kết tới trang cờ bạc",
	"defacement":                       "trang bị thay đổi giao diện trái phép",
	"exposed source tree, secret file or backup": "lộ mã nguồn, tệp bí mật hoặc bản sao lưu",

	// The server's DH group (tls.ciphers) and a page that could not be
	// fetched over HTTPS although the server speaks TLS (https.available).
	"DH group under 1024 bits":           "nhóm DH của trao đổi khóa DHE dưới 1024 bit",
	"DH group under 2048 bits":           "nhóm DH của trao đổi khóa DHE dưới 2048 bit",
	"HTTPS unusable by current browsers": "trình duyệt hiện nay không kết nối HTTPS được vì máy chủ chỉ dùng bộ mã chúng không còn hỗ trợ",
	"HTTPS page not fetched":             "không tải được trang qua HTTPS",
}

// reasonVI is the Vietnamese of one cap's reason.
func reasonVI(en string) string {
	if vi, ok := capReasonsVI[en]; ok {
		return vi
	}
	if path, ok := strings.CutPrefix(en, "exposed "); ok {
		return "lộ tệp " + path
	}
	return en
}

// capReason says why rep's grade is what it is when a check's finding,
// not the header score, decided it: the worst cap, with every distinct
// reason at that grade and the checks that gave them. An F from the
// score alone says so too. It fills CapReason, CapReasonEN and CappedBy.
func (rep *Report) capReason(scoreGrade string, caps []GradeCap) {
	if gradeRank(rep.Grade) <= gradeRank(scoreGrade) {
		if rep.Grade == "F" {
			rep.CapReason = fmt.Sprintf("Điểm tiêu đề bảo mật %d/100 thuộc hạng F.", rep.Score)
			rep.CapReasonEN = fmt.Sprintf("The security-header score %d/100 is in the F band.", rep.Score)
		}
		return
	}
	var vi, en, by []string
	for _, c := range caps {
		if c.Grade != rep.Grade {
			continue
		}
		r := c.Reason + " (" + string(c.Check) + ")"
		if contains(en, r) {
			continue
		}
		en = append(en, r)
		vi = append(vi, reasonVI(c.Reason)+" (kiểm tra "+string(c.Check)+")")
		if !contains(by, string(c.Check)) {
			by = append(by, string(c.Check))
		}
	}
	rep.CapReason = fmt.Sprintf("Xếp loại bị giới hạn ở %s vì %s.", rep.Grade, strings.Join(vi, "; "))
	rep.CapReasonEN = fmt.Sprintf("The grade is capped at %s: %s.", rep.Grade, strings.Join(en, "; "))
	rep.CappedBy = by
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
