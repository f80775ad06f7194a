package api

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/khien-project/khien/internal/feature/vuln"
	"github.com/khien-project/khien/internal/platform/httpx"
	"github.com/khien-project/khien/internal/platform/store"
)

// maxCSVFindings bounds one CSV export of findings.
const maxCSVFindings = 100_000

// exportVulnFindings writes the findings in the caller's scope, with the
// list's filters, as CSV (UTF-8 with a byte-order mark, for spreadsheets).
func (a *API) exportVulnFindings(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := vuln.FindingFilter{Priority: q.Get("priority"), Status: q.Get("status"), Overdue: q.Get("overdue") == "true" || q.Get("overdue") == "1"}
	for name, dst := range map[string]*int64{"agency_id": &f.AgencyID, "system_id": &f.SystemID} {
		id, err := optionalID(r, name)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		if id != nil {
			*dst = *id
		}
	}
	actor := httpx.Actor(r.Context())
	f.Page = store.Page{Limit: store.MaxLimit}
	first, total, err := a.Vuln.Findings(r.Context(), actor, f)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="vulnerabilities.csv"`)
	_, _ = w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "priority", "vuln_id", "cves", "system_id", "system", "agency", "component", "version", "origin", "cvss", "epss", "kev", "due", "overdue", "status", "status_reason", "approver", "accepted_until", "created_at", "closed_at"})
	page := first
	for written := 0; len(page) > 0 && written < min(total, maxCSVFindings); {
		for _, x := range page {
			epss, closed := "", ""
			if x.EPSS != nil {
				epss = strconv.FormatFloat(*x.EPSS, 'f', 5, 64)
			}
			if x.ClosedAt != nil {
				closed = x.ClosedAt.Format("2006-01-02T15:04:05Z")
			}
			_ = cw.Write([]string{strconv.FormatInt(x.ID, 10), x.Priority, x.VulnID, strings.Join(x.CVEs, " "), strconv.FormatInt(x.SystemID, 10), csvSafe(x.SystemName), csvSafe(x.AgencyName),
				csvSafe(x.Component), csvSafe(x.Version), x.Origin, fmt.Sprintf("%.1f", x.CVSSScore), epss, strconv.FormatBool(x.KEV), x.DueAt.Format("2006-01-02"), strconv.FormatBool(x.Overdue),
				x.Status, csvSafe(x.StatusReason), csvSafe(x.Approver), x.AcceptedUntil, x.CreatedAt.Format("2006-01-02T15:04:05Z"), closed})
		}
		written += len(page)
		f.Page.Offset = written
		if page, _, err = a.Vuln.Findings(r.Context(), actor, f); err != nil {
			break // the header is sent: the file ends here
		}
	}
	cw.Flush()
}

// csvSafe keeps a spreadsheet from reading a value as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
