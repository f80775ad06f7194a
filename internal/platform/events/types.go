package events

import (
	"time"

	"github.com/khien-project/khien/internal/engine/webscan"
	"github.com/khien-project/khien/internal/platform/access"
)

// The kinds of event features publish. A new event is a type here with
// its kind, so that publisher and subscribers share it without importing
// each other.
const (
	KindSystemsChanged     Kind = "registry.systems-changed"
	KindScanFinished       Kind = "sitescan.scan-finished"
	KindProbeFinished      Kind = "monitor.probe-finished"
	KindAlertRaised        Kind = "monitor.alert-raised"
	KindSitesArchived      Kind = "sitescan.sites-archived"
	KindSystemPurge        Kind = "registry.system-purge"
	KindSitesPurge         Kind = "sitescan.sites-purge"
	KindDetectionRaised    Kind = "alert.detection-raised"
	KindDetectionEscalated Kind = "alert.detection-escalated"
)

// SystemsChanged: information systems were created, changed, imported,
// archived or restored (their ids), by By. URLs added by an agency
// officer, or by no known role, wait for verification before they are
// scanned.
type SystemsChanged struct {
	SystemIDs []int64      `json:"system_ids"`
	By        access.Actor `json:"by"`
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
	ErrorVI      string            `json:"error_vi"` // the error as a sentence for people
	ErrorEN      string            `json:"error_en"`
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

// SitesArchived: sites left the live registry, by By: their system was
// archived (SystemArchived), or their URL was removed from it. They are no
// longer scanned or probed; their history stays.
type SitesArchived struct {
	SiteIDs        []int64      `json:"site_ids"`
	SystemArchived bool         `json:"system_archived"`
	By             access.Actor `json:"by"`
}

// EventKind implements Event.
func (SitesArchived) EventKind() Kind { return KindSitesArchived }

// Tally counts the rows a purge removed, by kind ("scans", "labels", …).
type Tally map[string]int64

// Add counts n more rows of kind; a kind with 0 rows is kept, so that the
// audit shows what was looked for as well as what was removed.
func (t Tally) Add(kind string, n int64) { t[kind] += n }

// SystemPurge: an admin (By) is purging archived system SystemID, in the
// publisher's transaction. For inline subscribers only: each feature
// deletes its own rows of the system and adds to Removed what it deleted.
type SystemPurge struct {
	SystemID int64        `json:"system_id"`
	By       access.Actor `json:"by"`
	Removed  Tally        `json:"-"`
}

// EventKind implements Event.
func (SystemPurge) EventKind() Kind { return KindSystemPurge }

// SitesPurge: the sites of a purged system are about to be deleted, in the
// publisher's transaction. For inline subscribers only: each feature
// deletes its own rows of those sites (labels, alerts, samples…) and adds
// to Removed what it deleted.
type SitesPurge struct {
	SystemID int64        `json:"system_id"`
	SiteIDs  []int64      `json:"site_ids"`
	By       access.Actor `json:"by"`
	Removed  Tally        `json:"-"`
}

// EventKind implements Event.
func (SitesPurge) EventKind() Kind { return KindSitesPurge }

// DetectionRaised: a Sigma rule raised a new alert (a detection) for an
// agency's system; repeats grouped into it raise nothing more. Muted ones
// (a maintenance window) too: subscribers decide.
type DetectionRaised struct {
	Detection Ref       `json:"detection"`
	RuleUID   string    `json:"rule_uid"`
	RuleTitle string    `json:"rule_title"`
	Level     string    `json:"level"`
	AgencyID  int64     `json:"agency_id"`
	SystemID  int64     `json:"system_id,omitempty"`
	Muted     bool      `json:"muted"`
	At        time.Time `json:"at"`
}

// EventKind implements Event.
func (DetectionRaised) EventKind() Kind { return KindDetectionRaised }

// DetectionEscalated: an analyst (By) escalated a detection, for the
// incident feature to open a case.
type DetectionEscalated struct {
	Detection Ref          `json:"detection"`
	RuleUID   string       `json:"rule_uid"`
	RuleTitle string       `json:"rule_title"`
	Level     string       `json:"level"`
	AgencyID  int64        `json:"agency_id"`
	SystemID  int64        `json:"system_id,omitempty"`
	Note      string       `json:"note,omitempty"`
	By        access.Actor `json:"by"`
}

// EventKind implements Event.
func (DetectionEscalated) EventKind() Kind { return KindDetectionEscalated }
