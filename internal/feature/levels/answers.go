package levels

import (
	"fmt"
	"slices"
	"strings"
)

// The questionnaire: the answers about a system that the level criteria
// read. Its JSON names are a contract relied on from outside (issue 12):
// never rename them.

// Answers are a system's answers to the questionnaire. A nil answer was
// not given; the regime's criteria say which are needed.
type Answers struct {
	// Regime is the id of the regime to evaluate against (nd85-2016 or
	// nd331-2026); in a part it may be left out (the system's is used).
	Regime                          string  `json:"regime"`
	InfoClass                       *string `json:"info_class"`
	SystemType                      *string `json:"system_type"`
	DataSubjects                    *int64  `json:"data_subjects"`
	SensitivePersonalData           *bool   `json:"sensitive_personal_data"`
	HandlesAdministrativeProcedures *bool   `json:"handles_administrative_procedures"`
	OnlinePublicServiceLevel        *int64  `json:"online_public_service_level"`
	ConditionalBusiness             *bool   `json:"conditional_business"`
	InfrastructureScope             *string `json:"infrastructure_scope"`
	Needs24x7                       *bool   `json:"needs_24_7"`
	NationalSecurityHarm            *string `json:"national_security_harm"`
	// Parts are the answers of each part of a system made of parts; the
	// system takes the highest level of itself and its parts.
	Parts []Answers `json:"parts,omitempty"`
}

// Question is one answer the criteria may read: its JSON name, its type
// and the values it may take.
type Question struct {
	Name   string   `json:"name"`
	Type   string   `json:"type"` // enum, bool, int
	Values []string `json:"values,omitempty"`
	Min    int64    `json:"min,omitempty"`
	Max    int64    `json:"max,omitempty"`
	VI     string   `json:"vi"`
	EN     string   `json:"en"`
}

// Questions lists every answer, in the questionnaire's order.
var Questions = []Question{
	{Name: "info_class", Type: "enum", Values: []string{"public", "private", "personal", "state_secret"},
		VI: "Loại thông tin hệ thống xử lý", EN: "Class of information the system processes"},
	{Name: "system_type", Type: "enum", Values: []string{"internal", "public_service", "infrastructure", "industrial_control", "other"},
		VI: "Loại hệ thống", EN: "Type of system"},
	{Name: "data_subjects", Type: "int", Min: 0, Max: 1_000_000_000,
		VI: "Số người có dữ liệu trong hệ thống", EN: "Number of people whose data the system holds"},
	{Name: "sensitive_personal_data", Type: "bool", VI: "Có xử lý dữ liệu cá nhân nhạy cảm", EN: "Processes sensitive personal data"},
	{Name: "handles_administrative_procedures", Type: "bool", VI: "Có giải quyết thủ tục hành chính", EN: "Handles administrative procedures"},
	{Name: "online_public_service_level", Type: "int", Min: 0, Max: 4,
		VI: "Mức độ dịch vụ công trực tuyến (0-4, thang cũ)", EN: "Online public service level (0-4, the old scale)"},
	{Name: "conditional_business", Type: "bool", VI: "Cung cấp dịch vụ thuộc ngành nghề kinh doanh có điều kiện", EN: "Serves a conditional business line"},
	{Name: "infrastructure_scope", Type: "enum", Values: []string{"none", "one_agency", "sector_or_province", "national"},
		VI: "Phạm vi phục vụ của hạ tầng", EN: "Scope the infrastructure serves"},
	{Name: "needs_24_7", Type: "bool", VI: "Cần vận hành 24/7", EN: "Needs 24/7 operation"},
	{Name: "national_security_harm", Type: "enum", Values: []string{"none", "harm", "serious", "especially_serious"},
		VI: "Mức tổn hại tới an ninh quốc gia khi bị phá hoại", EN: "Harm to national security if breached"},
}

// question returns the question named name.
func question(name string) (Question, bool) {
	for _, q := range Questions {
		if q.Name == name {
			return q, true
		}
	}
	return Question{}, false
}

// values returns the given answers by name: string, bool or int64.
func (a Answers) values() map[string]any {
	out := map[string]any{}
	put := func(name string, v any, ok bool) {
		if ok {
			out[name] = v
		}
	}
	str := func(name string, p *string) {
		if p != nil {
			put(name, *p, true)
		}
	}
	boolean := func(name string, p *bool) {
		if p != nil {
			put(name, *p, true)
		}
	}
	num := func(name string, p *int64) {
		if p != nil {
			put(name, *p, true)
		}
	}
	str("info_class", a.InfoClass)
	str("system_type", a.SystemType)
	num("data_subjects", a.DataSubjects)
	boolean("sensitive_personal_data", a.SensitivePersonalData)
	boolean("handles_administrative_procedures", a.HandlesAdministrativeProcedures)
	num("online_public_service_level", a.OnlinePublicServiceLevel)
	boolean("conditional_business", a.ConditionalBusiness)
	str("infrastructure_scope", a.InfrastructureScope)
	boolean("needs_24_7", a.Needs24x7)
	str("national_security_harm", a.NationalSecurityHarm)
	return out
}

// checkValue says what is wrong with value v of question q ("" if
// nothing), in English and Vietnamese.
func checkValue(q Question, v any) (en, vi string) {
	switch q.Type {
	case "enum":
		s, _ := v.(string)
		if !slices.Contains(q.Values, s) {
			list := strings.Join(q.Values, ", ")
			return fmt.Sprintf("%q is not one of %s", s, list), fmt.Sprintf("%q không thuộc các giá trị %s", s, list)
		}
	case "int":
		n, _ := v.(int64)
		if n < q.Min || n > q.Max {
			return fmt.Sprintf("%d is out of range (%d to %d)", n, q.Min, q.Max), fmt.Sprintf("%d nằm ngoài khoảng cho phép (%d đến %d)", n, q.Min, q.Max)
		}
	}
	return "", ""
}
