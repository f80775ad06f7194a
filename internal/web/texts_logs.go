package web

// The texts of the stored log events' pages (ui_logs.go), merged into
// webTexts.
var logTexts = map[string][2]string{
	"nav.logs":            {"Tìm sự kiện nhật ký", "Log event search"},
	"nav.logs_storage":    {"Dung lượng nhật ký", "Log storage"},
	"logs.title":          {"Tìm sự kiện nhật ký", "Log event search"},
	"logs.help":           {"Các sự kiện nhật ký đã nhận và lưu, mới nhất trước, trong phạm vi của bạn. Thời gian theo giờ UTC (giờ Việt Nam trừ 7). Điều kiện theo trường: mỗi dòng một điều kiện tên=giá trị; dấu * thay cho mọi chuỗi ký tự (không phân biệt hoa thường); chỉ * nghĩa là trường có mặt. Ví dụ:", "The log events received and stored, newest first, in your scope. Times are UTC (Vietnam time minus 7 hours). Field conditions: one name=value per line; * stands for any run of characters (case ignored); * alone means the field is present. For example:"},
	"logs.from":           {"Từ (UTC)", "From (UTC)"},
	"logs.to":             {"Đến (UTC)", "To (UTC)"},
	"logs.system":         {"Số hệ thống", "System number"},
	"logs.source":         {"Nguồn (bộ đọc)", "Source (parser)"},
	"logs.text":           {"Chứa các từ", "Containing the words"},
	"logs.fields":         {"Điều kiện theo trường", "Field conditions"},
	"logs.search":         {"Tìm", "Search"},
	"logs.received":       {"Nhận lúc (UTC)", "Received (UTC)"},
	"logs.event_time":     {"Thời điểm sự kiện (UTC)", "Event time (UTC)"},
	"logs.original":       {"Bản gốc", "Original"},
	"logs.none":           {"Không có sự kiện nào khớp trong khoảng thời gian này.", "No event matches in this time range."},
	"logs.page":           {"Trang", "Page"},
	"logs.days":           {"Các ngày đã đọc", "Days read"},
	"logs.event":          {"Sự kiện nhật ký", "Log event"},
	"logs.normalized":     {"Các trường đã chuẩn hóa", "Normalized fields"},
	"logs.field":          {"Trường", "Field"},
	"logs.value":          {"Giá trị", "Value"},
	"logs.receiver":       {"Kênh nhận", "Received by"},
	"logs.sender":         {"Bên gửi", "Sender"},
	"logs.logsource":      {"Nguồn nhật ký (sản phẩm, loại, dịch vụ)", "Log source (product, category, service)"},
	"logs.id":             {"Mã sự kiện", "Event id"},
	"logs.back":           {"Quay lại tìm kiếm", "Back to the search"},
	"logs.storage":        {"Dung lượng nhật ký", "Log storage"},
	"logs.storage_help":   {"Sự kiện được lưu theo ngày (giờ UTC của lúc nhận); ngày cũ hơn thời hạn lưu bị xóa nguyên ngày, mỗi giờ một lần. Dung lượng dữ liệu là các sự kiện (bản gốc và các trường đã chuẩn hóa) ở dạng lưu gọn; dung lượng trên đĩa gồm cả bộ lọc tìm kiếm và chỉ mục.", "Events are stored by day (the UTC day they were received); days older than the retention are dropped whole, hourly. Data is the events (originals and normalized fields) in their compact stored form; disk also counts the search filters and indexes."},
	"logs.retention":      {"Thời hạn lưu (ngày)", "Retention (days)"},
	"logs.per_day":        {"Theo ngày", "Per day"},
	"logs.per_agency":     {"Theo cơ quan", "Per agency"},
	"logs.day":            {"Ngày (UTC)", "Day (UTC)"},
	"logs.events":         {"Số sự kiện", "Events"},
	"logs.bytes":          {"Dữ liệu", "Data"},
	"logs.disk":           {"Trên đĩa", "On disk"},
	"logs.total":          {"Tổng", "Total"},
	"logs.no_days":        {"Chưa lưu sự kiện nào.", "No event stored yet."},
	"logs.to_storage":     {"Xem dung lượng đã dùng", "See the storage used"},
	"logs.more":           {"Còn nữa", "More"},
	"logs.agency_subtree": {"Cơ quan (gồm cả đơn vị trực thuộc)", "Agency (with its sub-agencies)"},
}

func init() {
	for k, v := range logTexts {
		webTexts[k] = v
	}
}
