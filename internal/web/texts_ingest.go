package web

// The texts of the log sources page (ui_ingest.go), merged into webTexts.
var ingestTexts = map[string][2]string{
	"nav.ingest":                  {"Nguồn gửi nhật ký", "Log sources"},
	"ingest.title":                {"Nguồn gửi nhật ký", "Log sources"},
	"ingest.help":                 {"Các chương trình gửi nhật ký (Beats, Fluent Bit, tập lệnh) xác thực bằng mã nạp nhật ký; mỗi mã thuộc một cơ quan (và có thể một hệ thống), các sự kiện gửi bằng mã đó thuộc về cơ quan và hệ thống ấy. Máy gửi syslog được nhận ra qua địa chỉ IP khai báo trong hệ thống.", "Log shippers (Beats, Fluent Bit, scripts) authenticate with ingest tokens; each token belongs to an agency (and optionally a system), and the events sent with it belong to that agency and system. Syslog senders are recognised by the IP addresses listed on their systems."},
	"ingest.tokens":               {"Mã nạp nhật ký", "Ingest tokens"},
	"ingest.name":                 {"Tên", "Name"},
	"ingest.system":               {"Hệ thống", "System"},
	"ingest.whole_agency":         {"Cả cơ quan", "Whole agency"},
	"ingest.created_by":           {"Người tạo", "Created by"},
	"ingest.never":                {"Chưa dùng", "Never"},
	"ingest.no_tokens":            {"Chưa có mã nạp nhật ký nào.", "No ingest token yet."},
	"ingest.new":                  {"Tạo mã nạp nhật ký", "Create an ingest token"},
	"ingest.system_id":            {"Hệ thống (không bắt buộc)", "System (optional)"},
	"ingest.system_id_help":       {"Tên hệ thống của cơ quan đã chọn (hoặc một phần tên chỉ hệ thống ấy có); để trống nếu mã dùng cho cả cơ quan.", "The name of a system of the chosen agency (or a part only it has); leave empty for the whole agency."},
	"ingest.choose_agency":        {"Chọn cơ quan", "Choose an agency"},
	"ingest.shown_once":           {"Mã nạp nhật ký mới (chỉ hiển thị một lần, hãy lưu lại ngay rồi đặt vào cấu hình của chương trình gửi):", "Your new ingest token (shown only once; copy it now into the shipper's configuration):"},
	"ingest.read_only":            {"Chỉ quản trị viên và chuyên viên phân tích được tạo hoặc thu hồi mã nạp nhật ký.", "Only admins and analysts create or revoke ingest tokens."},
	"ingest.revoke_confirm":       {"Thu hồi mã này? Chương trình đang dùng nó sẽ không gửi được nữa.", "Revoke this token? A shipper using it will no longer be able to send."},
	"ingest.senders":              {"Máy gửi syslog", "Syslog senders"},
	"ingest.senders_help":         {"Các địa chỉ đã gửi syslog đến máy chủ này từ lúc khởi động, máy chưa biết trước. Máy chưa biết là địa chỉ chưa khai báo trong hệ thống nào: hãy thêm địa chỉ vào hệ thống của nó.", "The addresses that sent syslog to this server since it started, unknown ones first. An unknown sender is an address no system lists: add it to its system."},
	"ingest.address":              {"Địa chỉ", "Address"},
	"ingest.receiver":             {"Kênh nhận", "Received by"},
	"ingest.known":                {"Đã biết", "Known"},
	"ingest.unknown":              {"Chưa biết", "Unknown"},
	"ingest.events":               {"Số sự kiện", "Events"},
	"ingest.first_seen":           {"Lần đầu (UTC)", "First seen (UTC)"},
	"ingest.last_seen":            {"Lần cuối (UTC)", "Last seen (UTC)"},
	"ingest.no_senders":           {"Chưa có máy nào gửi syslog từ lúc khởi động.", "No syslog sender since start-up."},
	"audit.o.ingest-token":        {"Mã nạp nhật ký", "Ingest token"},
	"audit.v.ingest_token_create": {"tạo mã nạp nhật ký", "created the ingest token"},
	"audit.v.ingest_token_revoke": {"thu hồi mã nạp nhật ký", "revoked an ingest token"},
}

func init() {
	for k, v := range ingestTexts {
		webTexts[k] = v
	}
	auditVerbs["create ingest-token"] = "audit.v.ingest_token_create"
	auditVerbs["update ingest-token"] = "audit.v.ingest_token_revoke"
}
