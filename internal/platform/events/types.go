package events

import (
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
)

// The kinds of event features publish. A new event is a type here with
// its kind, so that publisher and subscribers share it without importing
// each other.
const (
	KindSystemsChanged Kind = "registry.systems-changed"
	KindScanFinished   Kind = "sitescan.scan-finished"
	KindProbeFinished  Kind = "monitor.probe-finished"
	KindAlertRaised    Kind = "monitor.alert-raised"
)

// SystemsChanged: information systems were created, changed, imported or
// deleted (their ids), by a user of role ByRole ("admin", "agency"…; ""
// when unknown). URLs added by an agency officer, or by no known role,
// wait for verification before they are scanned.
type SystemsChanged struct {
	SystemIDs []int64 `json:"system_ids"`
	ByRole    string  `json:"by_role"`
}

// EventKind implements Event.
func (SystemsChanged) EventKind() Kind { return KindSystemsChanged }

// ScanFinished: a registered site's assessment finished and was stored.
type ScanFinished struct {
	Scan     Ref             `json:"scan"`
	SiteID   int64           `json:"site_id"`
	URL      string          `json:"url"`
	Report   *webscan.Report `json:"report"`
	Findings []Ref           `json:"findings,omitempty"` // raised by this scan
}

// EventKind implements Event.
func (ScanFinished) EventKind() Kind { return KindScanFinished }

// ProbeFinished: the monitor probed a site. It carries what the site's
// record keeps of the probe and the checks the probe could evaluate;
// Failing lists the failed ones (check id → reason).
type ProbeFinished struct {
	SiteID       int64             `json:"site_id"`
	At           time.Time         `json:"at"`
	OK           bool              `json:"ok"`
	Status       int               `json:"status"`
	LatencyMS    int               `json:"latency_ms"`
	Error        string            `json:"error"`
	CertNotAfter *time.Time        `json:"cert_not_after"`
	Change       float64           `json:"change"`
	State        string            `json:"state"` // up, down
	Failures     int               `json:"failures"`
	Raised       []string          `json:"raised"`       // alert kinds still raised
	NewBaseline  string            `json:"new_baseline"` // a first clean page's fingerprint
	Checks       []webscan.Check   `json:"checks"`
	Failing      map[string]string `json:"failing"`
}

// EventKind implements Event.
func (ProbeFinished) EventKind() Kind { return KindProbeFinished }

// AlertRaised: the monitor raised an alert (muted ones too: subscribers
// decide).
type AlertRaised struct {
	Alert      Ref       `json:"alert"`
	SiteID     int64     `json:"site_id"`
	URL        string    `json:"url"`
	AgencyName string    `json:"agency_name"`
	Kind       string    `json:"kind"`
	Severity   string    `json:"severity"`
	Message    string    `json:"message"`
	MessageEN  string    `json:"message_en"`
	Muted      bool      `json:"muted"`
	At         time.Time `json:"at"`
}

// EventKind implements Event.
func (AlertRaised) EventKind() Kind { return KindAlertRaised }
