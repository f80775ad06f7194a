// Package i18n holds the Vietnamese and English texts of Khiên's UI.
// Vietnamese is the default language.
package i18n

import "strings"

// Languages Khiên speaks; the first is the default.
var Languages = []string{"vi", "en"}

// Lang returns a supported language for v, else the default.
func Lang(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if strings.HasPrefix(v, "en") {
		return "en"
	}
	return "vi"
}

// T returns the text of key in lang; an unknown key is returned as is, so
// a missing translation shows up instead of disappearing.
func T(lang, key string) string {
	pair, ok := catalog[key]
	if !ok {
		return key
	}
	if lang == "en" {
		return pair[1]
	}
	return pair[0]
}

// Has reports whether key has a translation (for tests).
func Has(key string) bool { _, ok := catalog[key]; return ok }

// catalog maps keys to {Vietnamese, English}.
var catalog = map[string][2]string{
	"app.tagline":           {"Nền tảng vận hành an toàn thông tin", "Security operations platform"},
	"nav.dashboard":         {"Tổng quan", "Dashboard"},
	"nav.agencies":          {"Cơ quan, đơn vị", "Agencies"},
	"nav.systems":           {"Hệ thống thông tin", "Information systems"},
	"nav.import":            {"Nhập CSV", "CSV import"},
	"nav.users":             {"Người dùng", "Users"},
	"nav.tokens":            {"Mã truy cập API", "API tokens"},
	"nav.audit":             {"Nhật ký kiểm toán", "Audit log"},
	"nav.logout":            {"Đăng xuất", "Log out"},
	"nav.menu":              {"Danh mục", "Menu"},
	"login.title":           {"Đăng nhập", "Log in"},
	"login.username":        {"Tên đăng nhập", "User name"},
	"login.password":        {"Mật khẩu", "Password"},
	"login.submit":          {"Đăng nhập", "Log in"},
	"login.failed":          {"Sai tên đăng nhập hoặc mật khẩu.", "Wrong user name or password."},
	"login.throttled":       {"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau.", "Too many failed logins. Please try again later."},
	"role.admin":            {"Quản trị (Sở)", "Administrator"},
	"role.analyst":          {"Chuyên viên an toàn thông tin", "Security analyst"},
	"role.agency":           {"Cán bộ đơn vị", "Agency officer"},
	"role.auditor":          {"Kiểm tra, giám sát", "Auditor"},
	"dash.title":            {"Tổng quan", "Dashboard"},
	"dash.agencies":         {"Cơ quan, đơn vị", "Agencies"},
	"dash.systems":          {"Hệ thống thông tin", "Information systems"},
	"dash.urls":             {"Địa chỉ web", "Web addresses"},
	"dash.by_agency":        {"Theo cơ quan, đơn vị", "By agency"},
	"dash.recent":           {"Thay đổi gần đây", "Recent changes"},
	"dash.no_recent":        {"Chưa có thay đổi.", "No changes yet."},
	"field.code":            {"Mã", "Code"},
	"field.name":            {"Tên", "Name"},
	"field.parent":          {"Đơn vị cấp trên", "Parent agency"},
	"field.kind":            {"Cấp", "Level"},
	"field.email":           {"Thư điện tử", "E-mail"},
	"field.phone":           {"Điện thoại", "Phone"},
	"field.officer":         {"Cán bộ phụ trách an toàn thông tin", "Security officer"},
	"field.agency":          {"Cơ quan, đơn vị", "Agency"},
	"field.purpose":         {"Mục đích", "Purpose"},
	"field.info_kind":       {"Loại thông tin xử lý", "Information processed"},
	"field.audience":        {"Đối tượng phục vụ", "Serves"},
	"field.hosting":         {"Hạ tầng", "Hosting"},
	"field.operator":        {"Đơn vị vận hành", "Operator"},
	"field.status":          {"Trạng thái", "Status"},
	"field.urls":            {"Địa chỉ web (mỗi dòng một địa chỉ)", "URLs (one per line)"},
	"field.domains":         {"Tên miền (mỗi dòng một tên)", "Domain names (one per line)"},
	"field.ips":             {"Địa chỉ IP (mỗi dòng một địa chỉ)", "IP addresses (one per line)"},
	"field.cidrs":           {"Dải địa chỉ CIDR (mỗi dòng một dải)", "CIDR ranges (one per line)"},
	"field.software":        {"Phần mềm (mỗi dòng: tên@phiên-bản, có thể thêm (cpe:…))", "Software (one per line: name@version, optionally (cpe:…))"},
	"field.domain_list":     {"Tên miền", "Domain names"},
	"field.software_list":   {"Phần mềm", "Software"},
	"field.updated":         {"Cập nhật", "Updated"},
	"field.username":        {"Tên đăng nhập", "User name"},
	"field.display_name":    {"Họ tên", "Full name"},
	"field.role":            {"Vai trò", "Role"},
	"field.password":        {"Mật khẩu", "Password"},
	"field.disabled":        {"Khóa tài khoản", "Disabled"},
	"field.label":           {"Ghi chú", "Label"},
	"field.created":         {"Tạo lúc", "Created"},
	"field.last_used":       {"Dùng lần cuối", "Last used"},
	"field.none":            {"(không có)", "(none)"},
	"hosting.on-premise":    {"Tại đơn vị", "On premise"},
	"hosting.provincial-dc": {"Trung tâm dữ liệu tỉnh", "Provincial data centre"},
	"hosting.cloud":         {"Điện toán đám mây", "Cloud"},
	"status.planned":        {"Đang xây dựng", "Planned"},
	"status.active":         {"Đang vận hành", "Active"},
	"status.suspended":      {"Tạm dừng", "Suspended"},
	"status.retired":        {"Ngừng sử dụng", "Retired"},
	"kind.province":         {"Tỉnh", "Province"},
	"kind.department":       {"Sở, ban, ngành", "Department"},
	"kind.district":         {"Huyện, thị xã, thành phố", "District"},
	"kind.commune":          {"Xã, phường", "Commune"},
	"kind.unit":             {"Đơn vị trực thuộc", "Unit"},
	"action.search":         {"Tìm", "Search"},
	"action.save":           {"Lưu", "Save"},
	"action.create":         {"Thêm mới", "Add"},
	"action.edit":           {"Sửa", "Edit"},
	"action.delete":         {"Xóa", "Delete"},
	"action.cancel":         {"Hủy", "Cancel"},
	"action.export":         {"Xuất CSV", "Export CSV"},
	"action.revoke":         {"Thu hồi", "Revoke"},
	"action.filter":         {"Lọc", "Filter"},
	"action.prev":           {"Trang trước", "Previous"},
	"action.next":           {"Trang sau", "Next"},
	"action.confirm_delete": {"Xóa mục này? Thao tác được ghi nhật ký.", "Delete this? The change is logged."},
	"agencies.title":        {"Cơ quan, đơn vị", "Agencies"},
	"agencies.new":          {"Thêm cơ quan, đơn vị", "Add an agency"},
	"agencies.edit":         {"Sửa cơ quan, đơn vị", "Edit agency"},
	"agencies.units":        {"Đơn vị trực thuộc", "Sub-units"},
	"systems.title":         {"Hệ thống thông tin", "Information systems"},
	"systems.new":           {"Thêm hệ thống thông tin", "Register a system"},
	"systems.edit":          {"Sửa hệ thống thông tin", "Edit system"},
	"systems.search":        {"Tên, địa chỉ, tên miền, phần mềm…", "Name, URL, domain, software…"},
	"systems.count":         {"hệ thống", "systems"},
	"systems.any":           {"Tất cả", "Any"},
	"systems.assets":        {"Tài sản", "Assets"},
	"systems.none":          {"Không có hệ thống nào khớp.", "No system matches."},
	"import.title":          {"Nhập dữ liệu từ CSV", "Import from CSV"},
	"import.help":           {"Tệp CSV (UTF-8, có hoặc không có BOM; phân cách bằng dấu phẩy, chấm phẩy hoặc tab). Dòng đầu là tiêu đề cột, tiếng Việt hoặc tiếng Anh. Nếu có lỗi, không dòng nào được ghi.", "A CSV file (UTF-8 with or without BOM; comma, semicolon or tab separated). The first line names the columns, in Vietnamese or English. If any row has an error, nothing is written."},
	"import.kind":           {"Loại dữ liệu", "Data"},
	"import.file":           {"Tệp CSV", "CSV file"},
	"import.dry_run":        {"Chỉ kiểm tra, không ghi", "Check only, write nothing"},
	"import.submit":         {"Nhập", "Import"},
	"import.mapping":        {"Ánh xạ cột (tùy chọn, mỗi dòng: Tiêu đề cột=trường)", "Column mapping (optional, one per line: Header=field)"},
	"import.result_ok":      {"Đã nhập xong.", "Import complete."},
	"import.result_dry":     {"Kiểm tra xong: tệp hợp lệ, chưa ghi gì.", "Check complete: the file is valid; nothing was written."},
	"import.result_bad":     {"Tệp có lỗi; không dòng nào được ghi.", "The file has errors; nothing was written."},
	"import.rows":           {"Số dòng", "Rows"},
	"import.created":        {"Thêm mới", "Created"},
	"import.updated":        {"Cập nhật", "Updated"},
	"import.line":           {"Dòng", "Line"},
	"import.field":          {"Trường", "Field"},
	"import.error":          {"Lỗi", "Problem"},
	"import.ignored":        {"Cột bỏ qua", "Ignored columns"},
	"users.title":           {"Người dùng", "Users"},
	"users.new":             {"Thêm người dùng", "Add a user"},
	"users.update":          {"Cập nhật", "Update"},
	"users.new_password":    {"Mật khẩu mới (để trống nếu không đổi)", "New password (empty: unchanged)"},
	"tokens.title":          {"Mã truy cập API", "API tokens"},
	"tokens.new":            {"Tạo mã truy cập", "Create a token"},
	"tokens.shown_once":     {"Mã truy cập mới (chỉ hiển thị một lần, hãy lưu lại ngay):", "Your new token (shown only once; copy it now):"},
	"tokens.owner":          {"Người dùng", "User"},
	"tokens.revoked":        {"Đã thu hồi", "Revoked"},
	"tokens.active":         {"Đang dùng", "Active"},
	"audit.title":           {"Nhật ký kiểm toán", "Audit log"},
	"audit.at":              {"Thời điểm", "When"},
	"audit.actor":           {"Người thực hiện", "Who"},
	"audit.action":          {"Thao tác", "Action"},
	"audit.object":          {"Đối tượng", "Object"},
	"audit.changes":         {"Trước / sau", "Before / after"},
	"audit.chain_ok":        {"Chuỗi băm toàn vẹn", "Hash chain intact"},
	"audit.chain_broken":    {"Chuỗi băm bị phá vỡ tại bản ghi", "Hash chain broken at entry"},
	"audit.since":           {"Từ ngày", "From"},
	"audit.until":           {"Trước ngày", "Before"},
	"audit.verify":          {"Kiểm tra chuỗi băm", "Verify hash chain"},
	"error.title":           {"Có lỗi", "Something went wrong"},
	"error.not_found":       {"Không tìm thấy trang hoặc đối tượng này.", "This page or object was not found."},
	"error.forbidden":       {"Vai trò của bạn không được phép thực hiện thao tác này.", "Your role does not allow this."},
	"error.internal":        {"Lỗi hệ thống. Đã ghi nhật ký.", "Internal error. It has been logged."},
	"error.csrf":            {"Phiên biểu mẫu đã hết hạn; vui lòng thử lại.", "The form expired; please try again."},
	"error.invalid":         {"Dữ liệu chưa hợp lệ:", "Please correct:"},
	"saved":                 {"Đã lưu.", "Saved."},
	"deleted":               {"Đã xóa.", "Deleted."},
	"lang.switch":           {"English", "Tiếng Việt"},
}
