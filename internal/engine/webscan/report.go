package webscan

import "time"

// Check results and severities.
const (
	Pass  = "pass"
	Fail  = "fail"
	Warn  = "warn"
	Info  = "info"
	Error = "error"
)

// Check is one finding of an assessment, explained in Vietnamese (the
// default) and English.
type Check struct {
	ID                string `json:"id"`
	Result            string `json:"result"`
	Severity          string `json:"severity"`
	Title             string `json:"title"`
	Detail            string `json:"detail"`
	Evidence          string `json:"evidence"`
	Remediation       string `json:"remediation"`
	TitleEN           string `json:"title_en"`
	DetailEN          string `json:"detail_en"`
	RemediationEN     string `json:"remediation_en"`
	ObservatoryResult string `json:"observatory_result,omitempty"`
	ScoreModifier     *int   `json:"score_modifier,omitempty"`
}

// Report is one assessment of one site.
type Report struct {
	URL        string    `json:"url"`
	Score      int       `json:"score"`
	Grade      string    `json:"grade"`
	StartedAt  time.Time `json:"started_at"`
	DurationMS int64     `json:"duration_ms"`
	Checks     []Check   `json:"checks"`
	// CapReason and CapReasonEN say why the grade is what it is when a
	// check's finding capped it (or the score alone gave F); CappedBy
	// lists those checks.
	CapReason   string   `json:"cap_reason,omitempty"`
	CapReasonEN string   `json:"cap_reason_en,omitempty"`
	CappedBy    []string `json:"capped_by,omitempty"`
	// Fingerprint is the page's text fingerprint, to keep as a baseline
	// (not part of the JSON report).
	Fingerprint Fingerprint `json:"-"`
}
