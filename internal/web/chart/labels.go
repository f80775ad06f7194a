package chart

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Labels holds every word the charts show, already in the reader's
// language. The caller fills it (from internal/platform/i18n, say) or
// starts from LabelsFor and changes what it needs. Formats are fmt
// formats whose arguments are documented on each field; they may reorder
// the arguments with %[n]s.
type Labels struct {
	NoData      string // the empty state: "Chưa có dữ liệu"
	NotAssessed string // the grade bar of sites never assessed
	ShowTable   string // the summary of the <details> that holds the table
	Total       string // "Tổng: %s"

	Decimal   string // the decimal separator: "," in Vietnamese
	Thousands string // the thousands separator: "." in Vietnamese
	Percent   string // how a percentage is written: "%s %%"
	Millis    string // the unit of latency: "ms"
	DateShort string // time layout of axis dates (Go layout): "02/01"
	DateLong  string // time layout of dates in tables: "02/01/2006"
	Time      string // time layout of axis times when a chart spans hours: "15:04"
	Range     string // a run of days: "%[1]s – %[2]s"

	GradesTitle  string // default title of the grade distribution
	HistoryTitle string // default title of a grade history
	UptimeTitle  string // default title of the daily uptime bars
	LatencyTitle string // default title of the latency chart

	Grade   string // column: grade
	Count   string // column: number of sites
	Date    string // column: date
	Score   string // column and axis: score
	Uptime  string // column: uptime
	Samples string // column: number of probes
	Latency string // column: latency
	Value   string // column: value (of a statistic)

	Day, Days string // singular and plural of "day"

	Below   string // legend and table: "dưới %s" (a percentage)
	AtLeast string // legend and table: "từ %s trở lên"
	Failed  string // a probe that got no answer: "Không phản hồi"
	Median  string // "Trung vị"
	P95     string // "p95"
	Highest string // "Cao nhất"
	Lowest  string // "Thấp nhất"
	Probes  string // "Số lần đo"

	HistorySummary string // %[1]d assessments, %[2]s first date, %[3]s last date, %[4]s last score, %[5]s last grade
	UptimeSummary  string // %[1]s uptime, %[2]s window ("90 ngày"), %[3]s days below ("2 ngày"), %[4]s threshold
	NoDataDays     string // %s days without data ("3 ngày"): appended to the uptime summary
	LatencySummary string // %[1]d probes answered, %[2]s median, %[3]s p95, %[4]s highest (all with their unit)
	FailedSummary  string // %d probes without answer: appended to the latency summary
}

// LabelsFor returns the labels of lang ("vi" or "en"); anything else gets
// Vietnamese, Khiên's default language.
func LabelsFor(lang string) Labels {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(lang)), "en") {
		return english
	}
	return vietnamese
}

var vietnamese = Labels{
	NoData: "Chưa có dữ liệu", NotAssessed: "Chưa đánh giá", ShowTable: "Xem số liệu dạng bảng", Total: "Tổng: %s",
	Decimal: ",", Thousands: ".", Percent: "%s %%", Millis: "ms", DateShort: "02/01", DateLong: "02/01/2006", Time: "15:04", Range: "%[1]s – %[2]s",
	GradesTitle: "Phân bố xếp hạng các trang", HistoryTitle: "Lịch sử điểm và xếp hạng",
	UptimeTitle: "Thời gian hoạt động theo ngày", LatencyTitle: "Độ trễ phản hồi",
	Grade: "Xếp hạng", Count: "Số trang", Date: "Ngày", Score: "Điểm", Uptime: "Hoạt động", Samples: "Số lần đo", Latency: "Độ trễ", Value: "Giá trị",
	Day: "ngày", Days: "ngày",
	Below: "Dưới %s", AtLeast: "Từ %s trở lên", Failed: "Không phản hồi", Median: "Trung vị", P95: "p95", Highest: "Cao nhất", Lowest: "Thấp nhất", Probes: "Số lần đo",
	HistorySummary: "%[1]d lần đánh giá từ %[2]s đến %[3]s; gần nhất: %[4]s điểm, hạng %[5]s",
	UptimeSummary:  "Hoạt động %[1]s trong %[2]s; %[3]s dưới %[4]s",
	NoDataDays:     "%s không có dữ liệu",
	LatencySummary: "%[1]d lần đo có phản hồi; trung vị %[2]s, p95 %[3]s, cao nhất %[4]s",
	FailedSummary:  "%d lần không phản hồi",
}

var english = Labels{
	NoData: "No data yet", NotAssessed: "Not yet assessed", ShowTable: "Show the figures as a table", Total: "Total: %s",
	Decimal: ".", Thousands: ",", Percent: "%s %%", Millis: "ms", DateShort: "2 Jan", DateLong: "2 Jan 2006", Time: "15:04", Range: "%[1]s – %[2]s",
	GradesTitle: "Sites by grade", HistoryTitle: "Score and grade history",
	UptimeTitle: "Uptime per day", LatencyTitle: "Response time",
	Grade: "Grade", Count: "Sites", Date: "Date", Score: "Score", Uptime: "Uptime", Samples: "Probes", Latency: "Latency", Value: "Value",
	Day: "day", Days: "days",
	Below: "Below %s", AtLeast: "%s or more", Failed: "No answer", Median: "Median", P95: "p95", Highest: "Highest", Lowest: "Lowest", Probes: "Probes",
	HistorySummary: "Assessments: %[1]d, from %[2]s to %[3]s; latest: score %[4]s, grade %[5]s",
	UptimeSummary:  "%[1]s up over %[2]s; %[3]s below %[4]s",
	NoDataDays:     "%s without data",
	LatencySummary: "Probes answered: %[1]d; median %[2]s, p95 %[3]s, highest %[4]s",
	FailedSummary:  "probes without answer: %d",
}

// number writes v with the given number of decimals in the reader's way
// (1.234,5 in Vietnamese, 1,234.5 in English).
func (l Labels) number(v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', decimals, 64)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if v < 0 && strings.Trim(s, "0.") != "" {
		b.WriteByte('-')
	}
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(l.Thousands)
		}
		b.WriteRune(d)
	}
	if frac != "" {
		b.WriteString(l.Decimal)
		b.WriteString(frac)
	}
	return b.String()
}

// percent writes an uptime percentage rounded down to one decimal, so that
// 99.96 % never reads as 100 %: only a day with no failure does.
func (l Labels) percent(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf(l.Percent, "100")
	case v <= 0:
		return fmt.Sprintf(l.Percent, "0")
	}
	f := math.Floor(v*10) / 10
	if f == math.Trunc(f) {
		return fmt.Sprintf(l.Percent, l.number(f, 0))
	}
	return fmt.Sprintf(l.Percent, l.number(f, 1))
}

// millis writes a latency with its unit.
func (l Labels) millis(v float64) string {
	return l.number(math.Round(v), 0) + " " + l.Millis
}

// days writes a count of days with the right noun.
func (l Labels) days(n int) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, l.Day)
	}
	return fmt.Sprintf("%d %s", n, l.Days)
}

// date writes t with layout, or "–" for the zero time.
func date(t time.Time, layout string) string {
	if t.IsZero() {
		return "–"
	}
	return t.Format(layout)
}
