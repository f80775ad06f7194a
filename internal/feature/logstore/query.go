package logstore

import (
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/khien-project/khien/internal/platform/valid"
)

// Search limits, documented in docs/logs.md.
const (
	// DefaultWindow is the time range of a search that gives none.
	DefaultWindow = 24 * time.Hour
	// MaxRange is the longest time range one search may cover.
	MaxRange = 31 * 24 * time.Hour
	// PageSize is the default number of events per page; MaxPageSize the
	// most a caller may ask for.
	PageSize    = 50
	MaxPageSize = 500
	// MaxDepth bounds how far paging goes (page × size): past it, narrow
	// the filters or the time range.
	MaxDepth = 10000
	// MaxFieldConditions bounds the field.NAME=VALUE conditions of a search.
	MaxFieldConditions = 10
	// MaxTextTerms bounds the words of a full-text search.
	MaxTextTerms = 10
)

// FieldCondition is "the normalized field Name has Value"; a '*' in
// Value stands for any run of characters (and then case is ignored).
type FieldCondition struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Wildcard reports whether the condition's value has a '*'.
func (c FieldCondition) Wildcard() bool { return strings.Contains(c.Value, "*") }

// Query is one search: a time range of received times [From, To) and
// filters, all of which must hold.
type Query struct {
	From, To time.Time
	// AgencyID narrows to an agency and its sub-agencies (0: the whole
	// scope).
	AgencyID int64
	SystemID int64
	Source   string
	// Text is a full-text search over the originals: every word must
	// appear (as a word, not a part of one).
	Text   string
	Fields []FieldCondition
	Page   int // from 1
	Limit  int
}

// fieldName is what a normalized field's name may look like.
var fieldName = regexp.MustCompile(`^[A-Za-z0-9_@][A-Za-z0-9_@.\-]{0,127}$`)

// queryKeys are the parameters a search takes, beside field.NAME.
var queryKeys = []string{"from", "to", "agency", "system", "source", "q", "page", "limit"}

// ParseQuery reads a search from URL parameters (the API's and the UI's):
// from, to (RFC 3339, "YYYY-MM-DDTHH:MM" or "YYYY-MM-DD", in UTC when no
// zone is given; a bare "to" date includes its whole day), agency, system,
// source, q, page, limit and field.NAME=VALUE. Without from and to it
// searches the DefaultWindow up to now. Every mistake is a field error.
func ParseQuery(v url.Values, now time.Time) (Query, error) {
	var errs valid.Errors
	q := Query{Page: 1, Limit: PageSize, Source: strings.TrimSpace(v.Get("source")), Text: strings.TrimSpace(v.Get("q"))}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name, isField := strings.CutPrefix(k, "field.")
		switch {
		case isField:
			if !fieldName.MatchString(name) {
				errs.Add(k, "is not a field name (letters, digits, '.', '_', '-', '@')", "không phải tên trường (chữ, số, '.', '_', '-', '@')")
				continue
			}
			for _, val := range v[k] {
				if val == "" {
					continue
				}
				if len(val) > 1000 {
					errs.Add(k, "is longer than 1000 characters", "dài quá 1000 ký tự")
					continue
				}
				q.Fields = append(q.Fields, FieldCondition{Name: name, Value: val})
			}
		case !contains(queryKeys, k):
			errs.Add(k, "is not a search parameter (from, to, agency, system, source, q, page, limit, field.NAME)",
				"không phải tham số tìm kiếm (from, to, agency, system, source, q, page, limit, field.TÊN)")
		}
	}
	if len(q.Fields) > MaxFieldConditions {
		errs.Add("field", "at most "+strconv.Itoa(MaxFieldConditions)+" field conditions", "tối đa "+strconv.Itoa(MaxFieldConditions)+" điều kiện theo trường")
	}
	if len(q.Text) > 500 || len(strings.Fields(q.Text)) > MaxTextTerms {
		errs.Add("q", "at most "+strconv.Itoa(MaxTextTerms)+" words and 500 characters", "tối đa "+strconv.Itoa(MaxTextTerms)+" từ và 500 ký tự")
	}
	if len(q.Source) > 100 {
		errs.Add("source", "is longer than 100 characters", "dài quá 100 ký tự")
	}
	q.AgencyID = positiveInt(&errs, v, "agency", "choose an agency from the list", "hãy chọn một cơ quan, đơn vị trong danh sách")
	q.SystemID = positiveInt(&errs, v, "system", "is not a system number", "không phải số của một hệ thống")
	if p := positiveInt(&errs, v, "page", "is not a page number (1, 2, …)", "không phải số trang (1, 2, …)"); p > 0 {
		q.Page = int(min(p, MaxDepth+1))
	}
	if l := positiveInt(&errs, v, "limit", "is not a number of events", "không phải số sự kiện"); l > 0 {
		if l > MaxPageSize {
			errs.Add("limit", "at most "+strconv.Itoa(MaxPageSize)+" events per page", "tối đa "+strconv.Itoa(MaxPageSize)+" sự kiện mỗi trang")
		}
		q.Limit = int(min(l, MaxPageSize))
	}
	if q.Page*q.Limit > MaxDepth {
		errs.Add("page", "is too deep: narrow the filters or the time range", "quá sâu: hãy thu hẹp bộ lọc hoặc khoảng thời gian")
	}
	q.From, q.To = parseRange(&errs, v.Get("from"), v.Get("to"), now)
	return q, errs.Err()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func positiveInt(errs *valid.Errors, v url.Values, key, en, vi string) int64 {
	s := v.Get(key)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		errs.Add(key, en, vi)
		return 0
	}
	return n
}

// parseRange reads the time range; see ParseQuery.
func parseRange(errs *valid.Errors, fromText, toText string, now time.Time) (from, to time.Time) {
	now = now.UTC()
	var fromOK, toOK bool
	if fromText != "" {
		from, fromOK = parseInstant(fromText, false)
		if !fromOK {
			errs.Add("from", "is not a date and time (2026-12-01T08:00:00Z, 2026-12-01T08:00 or 2026-12-01, UTC)", "không phải ngày giờ (2026-12-01T08:00:00Z, 2026-12-01T08:00 hoặc 2026-12-01, giờ UTC)")
		}
	}
	if toText != "" {
		to, toOK = parseInstant(toText, true)
		if !toOK {
			errs.Add("to", "is not a date and time (2026-12-01T08:00:00Z, 2026-12-01T08:00 or 2026-12-01, UTC)", "không phải ngày giờ (2026-12-01T08:00:00Z, 2026-12-01T08:00 hoặc 2026-12-01, giờ UTC)")
		}
	}
	if (fromText != "" && !fromOK) || (toText != "" && !toOK) {
		return from, to
	}
	switch {
	case fromText == "" && toText == "":
		from, to = now.Add(-DefaultWindow), now
	case toText == "":
		to = now
		if from.After(to) {
			to = from.Add(DefaultWindow)
		}
	case fromText == "":
		from = to.Add(-DefaultWindow)
	}
	if !from.Before(to) {
		errs.Add("to", "must come after from", "phải sau thời điểm bắt đầu")
	} else if to.Sub(from) > MaxRange {
		errs.Add("from", "the range is longer than 31 days: search a shorter one", "khoảng thời gian dài quá 31 ngày: hãy tìm trong khoảng ngắn hơn")
	}
	return from, to
}

// parseInstant reads one end of the range; a bare date that ends the
// range stands for the end of that day.
func parseInstant(s string, end bool) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if t.Year() < 2000 || t.Year() > 2200 {
			return time.Time{}, false
		}
		if layout == "2006-01-02" && end {
			t = t.AddDate(0, 0, 1)
		}
		return t.UTC(), true
	}
	return time.Time{}, false
}

// Values renders q back as URL parameters (for links to other pages).
func (q Query) Values() url.Values {
	v := url.Values{}
	v.Set("from", q.From.UTC().Format(time.RFC3339))
	v.Set("to", q.To.UTC().Format(time.RFC3339))
	if q.AgencyID > 0 {
		v.Set("agency", strconv.FormatInt(q.AgencyID, 10))
	}
	if q.SystemID > 0 {
		v.Set("system", strconv.FormatInt(q.SystemID, 10))
	}
	if q.Source != "" {
		v.Set("source", q.Source)
	}
	if q.Text != "" {
		v.Set("q", q.Text)
	}
	for _, f := range q.Fields {
		v.Add("field."+f.Name, f.Value)
	}
	if q.Limit != PageSize {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}
