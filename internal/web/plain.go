package web

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/khien-project/khien/internal/platform/access"
	"github.com/khien-project/khien/internal/platform/audit"
	"github.com/khien-project/khien/internal/platform/valid"
)

// fieldLabels names, for each input field's machine name (the JSON and
// form name services report in their validation errors), the key of the
// label people see next to it on the form.
var fieldLabels = map[string]string{
	"code": "field.code", "name": "field.name", "parent_id": "field.parent", "kind": "field.kind",
	"email": "field.email", "phone": "field.phone", "security_officer": "field.officer",
	"agency_id": "field.agency", "agency_code": "field.agency_code", "agency": "field.agency",
	"purpose": "field.purpose", "info_kind": "field.info_kind", "audience": "field.audience",
	"hosting": "field.hosting", "operator": "field.operator", "status": "field.status",
	"urls": "field.url_list", "url": "field.url_one", "domains": "field.domain_list", "ips": "field.ip_list",
	"cidrs": "field.cidr_list", "software": "field.software_list",
	"username": "field.username", "display_name": "field.display_name", "role": "field.role",
	"password": "field.password", "new_password": "account.new", "current_password": "account.current",
	"label": "field.label", "disabled": "field.disabled",
	"min_grade": "policy.min_grade", "required_checks": "policy.required", "critical_checks": "policy.critical",
	"valid_days": "policy.valid_days", "privacy_url": "labels.privacy_url", "contact": "labels.contact",
	"reason": "labels.reason", "state": "labels.new_state",
	"starts_at": "monitoring.from", "ends_at": "monitoring.to", "site_id": "monitoring.site", "site": "monitoring.site",
	"severity": "findings.severity", "from": "alerts.from", "to": "alerts.to", "sort": "alerts.sort", "page": "alerts.page", "q": "action.search",
	"address": "monitoring.address", "secret": "monitoring.secret",
	"scan_every_hours": "sites.scan_every", "check_every_minutes": "sites.check_every",
	"change_threshold_percent": "sites.threshold", "change_threshold": "sites.threshold",
	"ignore_rule": "sites.ignore_rule", "mapping": "import.mapping", "file": "import.file",
	"archived_at": "field.archived_at", "archived_by": "systems.archived_by", "policy_id": "labels.policy",
	"verification": "verification.title", "revoked_at": "tokens.revoked", "grade": "sites.grade",
	"monitor_enabled": "sites.monitor_enabled", "removed": "field.removed", "archived": "systems.archived",
	"parent": "field.parent", "user": "field.username", "created_at": "field.created", "expires_at": "labels.expires",
}

var indexed = regexp.MustCompile(`^([a-z_]+)\[(\d+)\](?:\.([a-z_]+))?$`)

// fieldName is the label of a field as people see it on the form: "urls[0]"
// becomes "Địa chỉ web, dòng 1". An unknown name is returned as it is.
func fieldName(lang, field string) string {
	if m := indexed.FindStringSubmatch(field); m != nil {
		n, _ := strconv.Atoi(m[2])
		line := fmt.Sprintf(tr(lang, "field.line_n"), n+1)
		return fieldName(lang, m[1]) + ", " + line
	}
	parts := strings.Split(field, ", ")
	if len(parts) > 1 {
		for i, p := range parts {
			parts[i] = fieldName(lang, p)
		}
		return strings.Join(parts, ", ")
	}
	if key, ok := fieldLabels[field]; ok {
		// Labels with a hint in brackets ("Địa chỉ web (mỗi dòng một
		// địa chỉ)") are named without it.
		l := tr(lang, key)
		if i := strings.Index(l, " ("); i > 0 {
			l = l[:i]
		}
		return l
	}
	return field
}

// fieldMessage is one refused field's message in lang, the field named
// by its visible label.
func fieldMessage(lang string, fe valid.FieldError) string {
	msg := fe.VI
	if lang == "en" || msg == "" {
		msg = fe.EN
	}
	return fieldName(lang, fe.Field) + ": " + explainValidation(lang, msg)
}

// idnaRune matches the IDNA library's refusal of one character.
var idnaRune = regexp.MustCompile(`idna: disallowed rune U\+([0-9A-Fa-f]{4,6})`)

// explainValidation rewrites library phrasing inside a validation message
// (Go's IDNA errors) as a sentence.
func explainValidation(lang, msg string) string {
	if m := idnaRune.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.ParseUint(m[1], 16, 32)
		ch := string(rune(n))
		if !unicode.IsPrint(rune(n)) {
			ch = "U+" + strings.ToUpper(m[1])
		}
		return fmt.Sprintf(tr(lang, "valid.idna_rune"), ch)
	}
	if strings.Contains(msg, "idna:") {
		return tr(lang, "valid.idna")
	}
	return msg
}

// fieldErr is a form field refused by the web layer itself (a number
// that is not one), reported like the services' validation errors.
func fieldErr(field, en, vi string) error {
	var e valid.Errors
	e.Add(field, en, vi)
	return e
}

// severityText names a severity in lang; an unknown one is shown as is.
func severityText(lang, s string) string {
	if hasText("sev." + s) {
		return tr(lang, "sev."+s)
	}
	return s
}

// resolverAddr matches where Go names the DNS server it asked (" on
// 10.0.0.2:53") and a UDP exchange's two ends: internal addresses that
// a page must not show.
var resolverAddr = regexp.MustCompile(`\s+on\s+\[?[0-9A-Fa-f:.]+\]?:\d+|\s*(?:read|write)\s+udp\s+\S+->\S+`)

// scrubError is a raw error text without internal addresses, for the
// analysts' fold.
func scrubError(raw string) string { return strings.TrimSpace(resolverAddr.ReplaceAllString(raw, "")) }

// explained is a technical error put into words: the sentence for
// everyone, and the raw text (without internal addresses) for analysts.
// Fold is the title of the analysts' fold.
type explained struct{ Text, Raw, Fold string }

var lookupHost = regexp.MustCompile(`(?:lookup|domain name|resolve)\s+([A-Za-z0-9.-]+\.[A-Za-z]{2,}|[A-Za-z0-9-]+)`)

// explainText puts a stored error text (a failed probe, scan or
// verification) into a sentence in lang. Text already in the reader's
// language (Vietnamese with its diacritics) is kept as it is.
func explainText(lang, raw string) explained {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return explained{}
	}
	clean := scrubError(raw)
	if lang != "en" && hasVietnamese(clean) {
		return explained{Text: clean}
	}
	low := strings.ToLower(clean)
	host := ""
	if m := lookupHost.FindStringSubmatch(clean); m != nil {
		host = m[1]
	}
	key := "err.generic"
	switch {
	case strings.Contains(low, "private or reserved") || strings.Contains(low, "forbidden address") || strings.Contains(low, "not allowed to reach"):
		key = "err.private"
	case strings.Contains(low, "no such host") || strings.Contains(low, "does not resolve") || strings.Contains(low, "nxdomain"):
		key = "err.no_such_host"
	case strings.Contains(low, "server misbehaving") || strings.Contains(low, "dns gave no answer"):
		key = "err.dns"
	case strings.Contains(low, "refused"):
		key = "err.refused"
	case strings.Contains(low, "no route") || strings.Contains(low, "unreachable"):
		key = "err.no_route"
	case strings.Contains(low, "timeout") || strings.Contains(low, "timed out") || strings.Contains(low, "deadline exceeded") || strings.Contains(low, "in time"):
		key = "err.timeout"
	case strings.Contains(low, "certificate") || strings.Contains(low, "x509"):
		key = "err.certificate"
	case strings.Contains(low, "tls") || strings.Contains(low, "handshake"):
		key = "err.tls"
	case strings.Contains(low, "reset") || strings.Contains(low, "eof") || strings.Contains(low, "hung up") || strings.Contains(low, "closed the connection"):
		key = "err.reset"
	case strings.Contains(low, "txt record") || strings.Contains(low, "verification file") || strings.Contains(low, "token not found"):
		key = "err.proof_missing"
	}
	text := tr(lang, key)
	if strings.Contains(text, "%s") {
		if host == "" {
			host = tr(lang, "err.the_site")
		}
		text = fmt.Sprintf(text, host)
	}
	return explained{Text: text, Raw: clean, Fold: tr(lang, "error.detail_fold")}
}

// hasVietnamese reports whether s holds a letter only Vietnamese uses
// here (a vowel with a tone or hat, or đ).
func hasVietnamese(s string) bool {
	return strings.ContainsFunc(s, isVietnameseLetter)
}

func isVietnameseLetter(r rune) bool {
	if r == 'đ' || r == 'Đ' {
		return true
	}
	return r >= 0xC0 && r <= 0x1EF9 && unicode.IsLetter(r) && r != 0xD7 && r != 0xF7
}

// auditLine is one audit entry told as a sentence: who, did what, to what.
type auditLine struct {
	audit.Entry
	Verb   string
	Object string
	// Ref says what the object is when it has no name (a number).
	Ref string
	// Changes are the fields an update changed, each named by its label,
	// each value cut to a readable length (the full record is in the API).
	Changes []change
}

// valuePrefixes name, for a field whose values are a fixed list, the key
// prefix of their names.
var valuePrefixes = map[string]string{"state": "label.", "verification": "verification.", "status": "status.", "hosting": "hosting.", "kind": "kind.", "role": "role."}

// valueText is a recorded value as people read it: a state or status by
// its name in lang, a time in Vietnam's time; anything else as it is.
func valueText(lang, field, v string) string {
	if p, ok := valuePrefixes[field]; ok && hasText(p+v) {
		return tr(lang, p+v)
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.In(vietnam).Format("02/01/2006 15:04")
	}
	return v
}

// change is one field an update changed.
type change struct{ Field, Before, After string }

// changes lists the fields whose values differ between before and after,
// named by their labels, in a stable order.
func changes(lang string, before, after map[string]any) []change {
	if before == nil || after == nil {
		return nil
	}
	keys := make([]string, 0, len(after))
	for k := range after {
		keys = append(keys, k)
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	show := func(k string, v any) string {
		if v == nil {
			return "—"
		}
		var t string
		if str, ok := v.(string); ok {
			t = valueText(lang, k, str)
		} else {
			raw, _ := json.Marshal(v)
			t = string(raw)
		}
		if r := []rune(t); len(r) > 80 {
			t = string(r[:79]) + "…"
		}
		if t == "" {
			return "—"
		}
		return t
	}
	var out []change
	for _, k := range keys {
		b, _ := json.Marshal(before[k])
		a, _ := json.Marshal(after[k])
		if string(a) == string(b) || k == "updated_at" {
			continue
		}
		out = append(out, change{Field: auditFieldName(lang, k), Before: show(k, before[k]), After: show(k, after[k])})
		if len(out) == 12 {
			break
		}
	}
	return out
}

// auditVerbs maps "action object_type" (or the action alone) to a key
// of the verb phrase.
var auditVerbs = map[string]string{
	"create agency": "audit.v.agency_create", "update agency": "audit.v.agency_update", "delete agency": "audit.v.agency_delete",
	"create system": "audit.v.system_create", "update system": "audit.v.system_update", "archive system": "audit.v.system_archive",
	"restore system": "audit.v.system_restore", "purge system": "audit.v.system_purge",
	"create user": "audit.v.user_create", "update user": "audit.v.user_update", "delete user": "audit.v.user_delete",
	"create token": "audit.v.token_create", "update token": "audit.v.token_revoke",
	"login session":   "audit.v.login",
	"finding.resolve": "audit.v.finding_resolve", "scan.import": "audit.v.scan_import", "scan.request": "audit.v.scan_request",
	"site.update": "audit.v.site_update", "site.verify": "audit.v.site_verify", "site.approve": "audit.v.site_approve",
	"site.reject": "audit.v.site_reject", "site.archive": "audit.v.site_archive", "site.restore": "audit.v.site_restore",
	"label.grant": "audit.v.label_grant", "label.suspend": "audit.v.label_suspend", "label.revoke": "audit.v.label_revoke",
	"label.expire": "audit.v.label_expire", "label_policy.update": "audit.v.policy_update",
	"maintenance.add": "audit.v.maintenance_add", "maintenance.delete": "audit.v.maintenance_delete",
	"notify_target.add": "audit.v.target_add", "notify_target.delete": "audit.v.target_delete",
	"alert.acknowledge": "audit.v.alert_acknowledge", "monitor.import": "audit.v.monitor_import",
}

// auditActionKey is the key naming an action (and object type) in words,
// or "" when there is none.
func auditActionKey(action, objectType string) string {
	if k, ok := auditVerbs[action+" "+objectType]; ok {
		return k
	}
	return auditVerbs[action]
}

// auditActionName names a filterable action in lang (the audit page's
// select).
func auditActionName(lang, action string) string {
	if hasText("audit.a." + action) {
		return tr(lang, "audit.a."+action)
	}
	if k, ok := auditVerbs[action]; ok {
		v := []rune(tr(lang, k))
		v[0] = unicode.ToUpper(v[0])
		return string(v)
	}
	return action
}

// auditObjectName names an object type in lang.
func auditObjectName(lang, objectType string) string {
	if hasText("audit.o." + objectType) {
		return tr(lang, "audit.o."+objectType)
	}
	return objectType
}

// describe tells entries as sentences in lang. Objects are named by what
// the entry recorded (a URL, a name, a code, a user name); a label or a
// scan, recorded by number, is named by its site's URL, looked up once per
// page through the caller's own scope.
func (s *Server) describe(ctx context.Context, actor access.Actor, lang string, entries []audit.Entry) []auditLine {
	siteURL := map[int64]string{}
	labelURL := map[string]string{}
	lookupSite := func(id int64) string {
		if u, ok := siteURL[id]; ok || s.deps.Sites == nil {
			return u
		}
		if x, err := s.deps.Sites.Site(ctx, actor, id); err == nil {
			siteURL[id] = x.URL
		} else {
			siteURL[id] = ""
		}
		return siteURL[id]
	}
	out := make([]auditLine, len(entries))
	for i, e := range entries {
		l := auditLine{Entry: e}
		l.Actor = whoText(lang, e.Actor)
		key := auditActionKey(e.Action, e.ObjectType)
		if key == "" {
			l.Verb = e.Action + " " + auditObjectName(lang, e.ObjectType)
		} else {
			l.Verb = tr(lang, key)
		}
		fields := map[string]any{}
		var sides [2]map[string]any
		for i, raw := range []json.RawMessage{e.Before, e.After} {
			var m map[string]any
			if json.Unmarshal(raw, &m) == nil {
				sides[i] = m
				for k, v := range m {
					if _, ok := fields[k]; !ok || v != nil {
						fields[k] = v
					}
				}
			}
		}
		l.Changes = changes(lang, sides[0], sides[1])
		str := func(k string) string {
			if v, ok := fields[k].(string); ok {
				return v
			}
			return ""
		}
		switch {
		case e.Action == audit.Login:
			// The object of a login is the user who logged in (its id is
			// the user's, not a session's): the sentence needs none.
		case e.ObjectType == "label":
			if u, ok := labelURL[e.ObjectID]; ok {
				l.Object = u
			} else if s.deps.Trust != nil {
				if lb, err := s.deps.Trust.Label(ctx, actor, e.ObjectID); err == nil {
					l.Object = lb.URL
				}
				labelURL[e.ObjectID] = l.Object
			}
		case str("url") != "":
			l.Object = str("url")
		case str("name") != "":
			l.Object = str("name")
		case str("username") != "":
			l.Object = str("username")
		case str("address") != "":
			l.Object = str("address")
		case str("label") != "":
			l.Object = str("label")
		}
		if l.Object == "" && e.Action != audit.Login {
			if id, ok := fields["site_id"].(float64); ok && id > 0 {
				l.Object = lookupSite(int64(id))
			} else if id, err := strconv.ParseInt(e.ObjectID, 10, 64); err == nil && e.ObjectType == "site" {
				l.Object = lookupSite(id)
			}
		}
		if l.Object == "" && e.Action != audit.Login && e.ObjectType != "label" && e.ObjectID != "" {
			l.Ref = "#" + e.ObjectID
		}
		out[i] = l
	}
	return out
}

// reasonShown is a label's reason as shown: Data when a person typed it
// (their words, in their language), else Khiên's words in lang.
type reasonShown struct {
	Text string
	Data bool
}

func reasonText(lang, vi, en string) reasonShown {
	if en == "" || en == vi {
		// A typed reason is stored as both (the trust package keeps
		// the words as they were typed).
		return reasonShown{Text: vi, Data: true}
	}
	if lang == "en" {
		return reasonShown{Text: en}
	}
	return reasonShown{Text: plainResults(vi)}
}

// whoText names who did something: a user's name, or Khiên itself (the
// "system" actor of scheduled and automatic work) in lang.
func whoText(lang, name string) string {
	if name == "system" || name == "" {
		return tr(lang, "actor.system")
	}
	return name
}
