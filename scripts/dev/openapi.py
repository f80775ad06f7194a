#!/usr/bin/env python3
"""Writes internal/api/openapi.json, Khiên's OpenAPI 3 document.

The document is kept by hand in this script (easier to read than JSON);
internal/api's test checks that it lists exactly the routes the server
registers. Run: python3 scripts/dev/openapi.py
"""
import json, pathlib

def ref(name): return {"$ref": f"#/components/schemas/{name}"}
def arr(item): return {"type": "array", "items": item}
S = {"type": "string"}
I = {"type": "integer", "format": "int64"}
B = {"type": "boolean"}
T = {"type": "string", "format": "date-time"}
NI = {"type": ["integer", "null"], "format": "int64"}

def obj(props, required=(), extra=False):
    o = {"type": "object", "properties": props, "additionalProperties": extra}
    if required: o["required"] = list(required)
    return o

schemas = {
  "Error": obj({"error": obj({"code": S, "message": S, "fields": arr(ref("FieldError"))}, ["code", "message"])}, ["error"]),
  "FieldError": obj({"field": S, "message": S, "message_vi": S}, ["field", "message"]),
  "Agency": obj({"id": I, "code": S, "name": S, "parent_id": NI, "kind": {"type": "string", "enum": ["", "province", "department", "district", "commune", "unit"]},
                 "email": S, "phone": S, "security_officer": S, "public_status": {**B, "description": "the agency publishes its status page at /status/{code} (no login)"}, "created_at": T, "updated_at": T}, ["id", "code", "name", "parent_id"]),
  "AgencyInput": obj({"code": S, "name": S, "parent_id": NI, "kind": S, "email": S, "phone": S, "security_officer": S, "public_status": {**B, "description": "publish the status page at /status/{code}"}}),
  "Software": obj({"name": S, "version": S, "cpe": S, "purl": S}, ["name"]),
  "System": obj({"id": I, "agency_id": I, "agency_code": S, "agency_name": S, "name": S, "purpose": S, "info_kind": S, "audience": S,
                 "hosting": {"type": "string", "enum": ["", "on-premise", "provincial-dc", "cloud"]},
                 "operator": S, "status": {"type": "string", "enum": ["planned", "active", "suspended", "retired"]},
                 "urls": arr(S), "domains": arr(S), "ips": arr(S), "cidrs": arr(S), "software": arr(ref("Software")),
                 "created_at": T, "updated_at": T,
                 "archived_at": {"type": ["string", "null"], "format": "date-time", "description": "when the system was archived (null: live); archived systems are read-only and keep their history"},
                 "archived_by": S}, ["id", "agency_id", "name", "urls", "domains", "archived_at"]),
  "SystemInput": obj({"agency_id": I, "name": S, "purpose": S, "info_kind": S, "audience": S, "hosting": S, "operator": S, "status": S,
                      "urls": arr(S), "domains": arr(S), "ips": arr(S), "cidrs": arr(S), "software": arr(ref("Software"))}),
  "User": obj({"id": I, "username": S, "display_name": S, "role": {"type": "string", "enum": ["admin", "analyst", "agency", "auditor"]},
               "agency_id": NI, "disabled": B, "created_at": T, "updated_at": T, "last_login_at": S}, ["id", "username", "role", "agency_id"]),
  "UserInput": obj({"username": S, "password": S, "display_name": S, "role": S, "agency_id": NI, "disabled": B}),
  "PasswordChange": obj({"current_password": S, "new_password": {"type": "string", "description": "8 to 256 characters"},
                         "keep_tokens": {"type": "boolean", "description": "keep your API tokens working; default false: a new password revokes every one of them, this request's included"}},
                        ["current_password", "new_password"]),
  "PasswordChanged": obj({"sessions_ended": I, "tokens_revoked": I}, ["sessions_ended", "tokens_revoked"]),
  "Token": obj({"id": I, "user_id": I, "username": S, "label": S, "prefix": S, "created_at": T, "last_used_at": S, "revoked_at": S}),
  "NewToken": obj({"id": I, "user_id": I, "username": S, "label": S, "prefix": S, "created_at": T, "last_used_at": S, "revoked_at": S,
                   "token": {"type": "string", "description": "the secret, shown only in this answer"}}, ["token"]),
  "TokenInput": obj({"label": S, "user_id": {"type": "integer", "format": "int64", "description": "admins only; default: yourself"}}),
  "AuditEntry": obj({"id": I, "at": T, "actor_id": NI, "actor": S, "action": S, "object_type": S, "object_id": S,
                     "before": {}, "after": {}, "prev_hash": S, "hash": S}),
  "AuditVerify": obj({"checked": {"type": "integer"}, "intact": B, "broken_id": I, "reason": S}, ["checked", "intact"]),
  "RowError": obj({"line": {"type": "integer"}, "field": S, "message": S, "message_vi": S}),
  "ImportReport": obj({"kind": S, "dry_run": B, "rows": {"type": "integer"}, "created": {"type": "integer"}, "updated": {"type": "integer"},
                       "committed": B, "columns": {"type": "object", "additionalProperties": S}, "ignored_columns": arr(S), "errors": arr(ref("RowError"))}),
}
def listof(name):
    return obj({"items": arr(ref(name)), "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"}}, ["items", "total"])

def resp(desc, schema=None, ctype="application/json"):
    r = {"description": desc}
    if schema is not None: r["content"] = {ctype: {"schema": schema}}
    return r
E = lambda d: resp(d, ref("Error"))
def body(name): return {"required": True, "content": {"application/json": {"schema": ref(name)}}}
ID = {"name": "id", "in": "path", "required": True, "schema": I}
KIND = {"name": "kind", "in": "path", "required": True, "schema": {"type": "string", "enum": ["agencies", "systems"]}}
def q(name, desc, schema=S): return {"name": name, "in": "query", "required": False, "description": desc, "schema": schema}
PAGING = [q("limit", "page size (1–1000, default 50)", {"type": "integer"}), q("offset", "rows to skip", {"type": "integer"}),
          q("page", "1-based page number (with limit or per_page)", {"type": "integer"}), q("per_page", "page size, like limit", {"type": "integer"})]
common = {"400": E("malformed request or invalid fields"), "401": E("not authenticated"), "403": E("role does not allow this"), "413": E("body larger than 1 MiB")}

def op(summary, tag, responses, params=None, reqbody=None, public=False):
    o = {"summary": summary, "tags": [tag], "responses": responses}
    if params: o["parameters"] = params
    if reqbody: o["requestBody"] = reqbody
    if public: o["security"] = []
    return o

def crud(tag, name, plural, filters, base):
    paths = {}
    paths[f"/api/v1/{base}"] = {
        "get": op(f"List {plural} in your scope", tag, {"200": resp("a page of " + plural, listof(name)), **{k: common[k] for k in ("400", "401")}}, filters + PAGING),
        "post": op(f"Create a {tag.lower()}", tag, {"201": resp("created", ref(name)), "409": E("code or name already taken"), **common}, reqbody=body(name + "Input")),
    }
    paths[f"/api/v1/{base}/{{id}}"] = {
        "get": op(f"Get one {tag.lower()} (404 outside your scope)", tag, {"200": resp(tag.lower(), ref(name)), "404": E("not found or outside your scope"), "401": common["401"]}, [ID]),
        "patch": op(f"Change the fields present", tag, {"200": resp("updated", ref(name)), "404": E("not found or outside your scope"), "409": E("conflict"), **common}, [ID], body(name + "Input")),
        "delete": op(f"Delete", tag, {"204": resp("deleted"), "404": E("not found or outside your scope"), "409": E("still in use"), "401": common["401"], "403": common["403"]}, [ID]),
    }
    return paths

paths = {}
paths["/api/v1/openapi.json"] = {"get": op("This document", "Meta", {"200": resp("OpenAPI 3 document", {"type": "object"})}, public=True)}
paths["/api/v1/me"] = {"get": op("The authenticated user", "Accounts", {"200": resp("you", ref("User")), "401": common["401"]})}
paths["/api/v1/me/password"] = {"post": op("Change your own password: every session ends, and every API token unless keep_tokens", "Accounts", {
    "200": resp("changed", ref("PasswordChanged")), "400": E("wrong current password (field current_password) or invalid new password"), "401": common["401"],
    "429": E("too many wrong passwords for this account or address; see Retry-After"), "413": common["413"]}, reqbody=body("PasswordChange"))}
paths.update(crud("Agency", "Agency", "agencies", [q("q", "search code and name (diacritics ignored)"), q("parent_id", "direct children of this agency", I), q("kind", "province, department, district, commune or unit"), q("sort", "code, name, id, created_at, updated_at or tree; '-' for descending")], "agencies"))
paths.update(crud("System", "System", "information systems", [q("q", "search name, purpose, operator, agency code, URLs, domains, IPs, software (diacritics ignored)"), q("agency_id", "this agency and its units", I), q("hosting", "on-premise, provincial-dc or cloud"), q("status", "planned, active, suspended or retired"), q("domain", "systems listing exactly this domain"), q("archived", "false (default): live systems; true: archived ones only; all: both"), q("sort", "name, id, created_at, updated_at, agency, status or hosting; '-' for descending")], "systems"))
paths["/api/v1/systems/{id}"]["delete"] = op("Archive (the system and its sites leave the live registry and are no longer scanned or probed; every scan, finding, label and alert stays readable)", "System",
    {"204": resp("archived"), "404": E("not found or outside your scope"), "409": E("already archived"), "401": common["401"], "403": common["403"]}, [ID])
paths["/api/v1/systems/{id}/restore"] = {"post": op("Restore an archived system (admins)", "System",
    {"200": resp("restored", ref("System")), "404": E("not found"), "409": E("not archived"), "401": common["401"], "403": common["403"]}, [ID])}
paths["/api/v1/systems/{id}/purge"] = {"post": op("Delete an archived system and everything recorded about it, for good (admins); answers the rows removed by kind", "System",
    {"200": resp("purged", obj({"system_id": I, "removed": {"type": "object", "additionalProperties": {"type": "integer"}}}, ["system_id", "removed"])),
     "404": E("not found"), "409": E("the system is live: archive it first"), "401": common["401"], "403": common["403"]}, [ID])}
paths["/api/v1/import/{kind}"] = {"post": op("Import a CSV of agencies or systems, all or nothing", "Import/export", {
    "200": resp("imported (or checked, with dry_run)", ref("ImportReport")),
    "400": resp("the file has errors; nothing was written", obj({"error": obj({"code": S, "message": S}), "report": ref("ImportReport")})),
    "401": common["401"], "403": common["403"], "413": E("file larger than 10 MiB")},
    [KIND, q("dry_run", "check only, write nothing", B), q("map", "HEADER=FIELD column mapping (repeatable); FIELD '-' ignores the column")],
    {"required": True, "content": {"text/csv": {"schema": S}, "multipart/form-data": {"schema": obj({"file": {"type": "string", "format": "binary"}}, ["file"])}}})}
paths["/api/v1/export/{kind}"] = {"get": op("Export agencies or systems in your scope as CSV (UTF-8 with BOM)", "Import/export", {"200": resp("CSV", S, "text/csv"), "401": common["401"], "404": E("unknown kind")}, [KIND])}
paths["/api/v1/users"] = {
    "get": op("List users (admins)", "Accounts", {"200": resp("users", listof("User")), "401": common["401"], "403": common["403"]}),
    "post": op("Create a user (admins)", "Accounts", {"201": resp("created", ref("User")), "409": E("user name taken (user names do not depend on case)"), **common}, reqbody=body("UserInput")),
}
paths["/api/v1/users/{id}"] = {
    "get": op("Get a user (admins; others only themselves)", "Accounts", {"200": resp("user", ref("User")), "404": E("not found"), "401": common["401"]}, [ID]),
    "patch": op("Change a user (admins); a new password ends their sessions and API tokens, disabling or a new role their sessions; the last active admin cannot be disabled or demoted", "Accounts", {"200": resp("updated", ref("User")), "404": E("not found"), "409": E("user name taken (in any case), or the last active admin"), **common}, [ID], body("UserInput")),
    "delete": op("Delete a user (admins; not yourself, not the last active admin)", "Accounts", {"204": resp("deleted"), "404": E("not found"), "409": E("cannot delete yourself or the last active admin"), "401": common["401"], "403": common["403"]}, [ID]),
}
paths["/api/v1/tokens"] = {
    "get": op("List API tokens (admins: all; others: their own)", "Accounts", {"200": resp("tokens", listof("Token")), "401": common["401"]}),
    "post": op("Create an API token; the secret is in this answer only", "Accounts", {"201": resp("created", ref("NewToken")), **common}, reqbody=body("TokenInput")),
}
paths["/api/v1/tokens/{id}"] = {"delete": op("Revoke a token", "Accounts", {"204": resp("revoked"), "404": E("not found"), "401": common["401"]}, [ID])}
paths["/api/v1/audit"] = {"get": op("Browse the audit log (admins, auditors)", "Audit", {"200": resp("entries, newest first", listof("AuditEntry")), "400": common["400"], "401": common["401"], "403": common["403"]},
    [q("actor", "user name"), q("action", "create, update, delete or login"), q("object_type", "agency, system, user, token, session"), q("object_id", "object id"), q("since", "date or RFC 3339 time"), q("until", "date or RFC 3339 time")] + PAGING)}
paths["/api/v1/audit/verify"] = {"get": op("Check the audit log's hash chain (admins, auditors)", "Audit", {"200": resp("result", ref("AuditVerify")), "401": common["401"], "403": common["403"]})}

# Web assessment, monitoring and trust labels (issue 3).
N = {"type": "number"}
NT = {"type": ["string", "null"], "format": "date-time"}
CHECK = obj({"id": S, "result": {"type": "string", "enum": ["pass", "fail", "warn", "info", "error"]}, "severity": S, "title": S, "detail": S, "evidence": S,
             "remediation": S, "title_en": S, "detail_en": S, "remediation_en": S, "observatory_result": S, "score_modifier": {"type": "integer"}},
            ["id", "result", "severity", "title", "detail", "evidence", "remediation"])
schemas.update({
  "Check": CHECK,
  "Report": obj({"url": S, "score": {"type": "integer"}, "grade": S, "started_at": T, "duration_ms": {"type": "integer"}, "checks": arr(ref("Check"))},
                ["url", "score", "grade", "started_at", "duration_ms", "checks"]),
  "Site": obj({"id": I, "system_id": I, "system_name": S, "agency_id": I, "agency_name": S, "url": S, "active": B, "scan_every_hours": {"type": "integer"},
               "next_scan_at": T, "last_scan_id": NI, "grade": S, "score": {"type": "integer"}, "last_scanned_at": NT, "monitor_enabled": B,
               "check_every_minutes": {"type": "integer"}, "next_check_at": T, "state": {"type": "string", "enum": ["up", "down", "unknown"]},
               "consecutive_failures": {"type": "integer"}, "last_checked_at": NT, "last_status": {"type": "integer"}, "last_latency_ms": {"type": "integer"},
               "last_error": {"type": "string", "description": "technical reason of the last failed probe (no internal addresses), for details"},
               "last_error_vi": {"type": "string", "description": "the same as a sentence in Vietnamese (empty on older rows: show last_error)"}, "last_error_en": S,
               "no_live_checks": obj({"vi": S, "en": S}), "cert_expires_at": NT, "baseline_at": NT, "ignore_rule": S, "change_threshold": N, "last_change": N, "trend": arr(S),
               "archived_at": {"type": ["string", "null"], "format": "date-time", "description": "when the site was archived (its system archived or its URL removed; null: live)"}, "archived_by": S,
               "verification": {"type": "string", "enum": ["approved", "verified", "pending", "rejected"], "description": "only approved and verified sites are scanned and probed"},
               "verification_request": ref("HostProof")},
              ["id", "system_id", "url", "grade", "state", "archived_at", "verification"]),
  "HostProof": obj({"host": S, "token": S, "dns_name": {"type": "string", "description": "_khien-verify.<host>: where the TXT record goes"},
                    "dns_value": {"type": "string", "description": "khien-verify=<token>: the TXT value, or a line of the file"},
                    "file_url": {"type": "string", "description": "where the file may be published instead"}, "instructions": S, "instructions_en": S,
                    "checked_at": NT, "next_check_at": NT, "attempts": {"type": "integer"}, "last_error": S}, ["host", "token", "dns_name", "dns_value", "file_url"]),
  "SiteSettings": obj({"scan_every_hours": {"type": "integer", "description": "0: the default (scan.every)"}, "check_every_minutes": {"type": "integer", "description": "0: the default (monitor.every)"},
                       "monitor_enabled": B, "ignore_rule": {"type": "string", "description": "#id, .class, tag or re:EXPR per line"}, "change_threshold": N, "reset_baseline": B}),
  "Scan": obj({"id": I, "site_id": NI, "url": S, "status": {"type": "string", "enum": ["queued", "running", "done", "error"]}, "origin": {"type": "string", "enum": ["schedule", "manual", "import"], "description": "import: a recorded assessment (the demo's history, or one imported from another tool)"},
               "requested_by": S, "created_at": T, "started_at": NT, "finished_at": NT, "score": {"type": "integer"}, "grade": S, "failed_checks": {"type": "integer"}, "error": S,
               "error_vi": {"type": "string", "description": "why the scan failed, as a sentence in Vietnamese (empty on older rows: show error)"}, "error_en": S,
               "report": ref("Report")}, ["id", "site_id", "url", "status"]),
  "ScanInput": obj({"site_id": I, "url": {"type": "string", "description": "instead of site_id: a registered site's URL, or (admins, analysts) any URL for an ad-hoc scan outside the registry"}}),
  "CheckChange": obj({"id": S, "title": S, "title_en": S, "before": S, "after": S, "change": {"type": "string", "enum": ["worse", "better", "changed"]}}),
  "Diff": obj({"scan_id": I, "previous_id": NI, "grade_before": S, "grade_after": S, "score_before": {"type": "integer"}, "score_after": {"type": "integer"}, "changes": arr(ref("CheckChange"))},
              ["scan_id", "previous_id", "changes"]),
  "Finding": obj({"id": I, "site_id": I, "url": S, "agency_id": I, "agency_name": S, "scan_id": NI, "kind": {"type": "string", "enum": ["grade-drop", "check-failed"]}, "check_id": S,
                  "severity": S, "title": S, "title_en": S, "detail": S, "detail_en": S, "status": {"type": "string", "enum": ["open", "resolved"]}, "created_at": T, "resolved_at": NT}),
  "Sample": obj({"at": T, "ok": B, "status": {"type": "integer"}, "latency_ms": {"type": "integer"}, "change": N, "error": S, "error_vi": S, "error_en": S}),
  "Stats": obj({"samples": {"type": "integer"}, "uptime_percent": N, "avg_latency_ms": {"type": "integer"}, "p95_latency_ms": {"type": "integer"}, "since": S, "series": arr(ref("Sample"))}),
  "Monitor": {"allOf": [ref("Site"), obj({"stats_24h": ref("Stats"), "stats_30d": ref("Stats")}, extra=True)]},
  "Alert": obj({"id": I, "site_id": I, "url": S, "agency_name": S, "kind": {"type": "string", "enum": ["down", "recovered", "cert-expiring", "content-changed", "defacement", "injected-links", "exposed-files"]},
                "severity": S, "message": S, "message_en": S, "muted": B, "created_at": T, "notified_at": {"type": ["string", "null"]}, "notify_error": S,
                "acknowledged_at": {**NT, "description": "null while the alert waits"}, "acknowledged_by": S}),
  "AckInput": obj({"ids": {"type": "array", "items": I, "minItems": 1, "maxItems": 500}}, ["ids"]),
  "Outcome": obj({"Sample": ref("Sample"), "Alerts": {"type": ["array", "null"], "items": ref("Alert")}, "LabelState": S}),
  "Window": obj({"id": I, "site_id": NI, "starts_at": T, "ends_at": T, "reason": S, "created_by": S}),
  "WindowInput": obj({"site_id": NI, "starts_at": T, "ends_at": T, "reason": S}, ["starts_at", "ends_at"]),
  "Target": obj({"id": I, "kind": {"type": "string", "enum": ["email", "webhook"]}, "address": S, "has_secret": B, "enabled": B, "created_at": T}),
  "TargetInput": obj({"kind": {"type": "string", "enum": ["email", "webhook"]}, "address": S, "secret": {"type": "string", "description": "webhook signing key (HMAC-SHA256, header X-Khien-Signature)"}}, ["kind", "address"]),
  "LabelEvent": obj({"state": S, "reason": S, "reason_en": S, "actor": S, "at": T}),
  "Label": obj({"id": {"type": "string", "description": "public, unguessable id (32 base32 characters)"}, "site_id": I, "url": S, "system_name": S, "agency_id": I, "agency_name": S,
                "policy_id": I, "state": {"type": "string", "enum": ["granted", "suspended", "revoked", "expired"]}, "reason": S, "reason_en": S, "privacy_url": S, "contact": S,
                "granted_by": S, "granted_at": NT, "expires_at": NT, "verified_at": NT, "grade": S, "updated_at": T, "events": arr(ref("LabelEvent"))}, ["id", "site_id", "state"]),
  "GrantInput": obj({"site_id": I, "url": {"type": "string", "description": "instead of site_id: the site's URL"}, "policy_id": I, "privacy_url": S, "contact": S}),
  "MonitorInput": obj({"site_id": I, "url": S, "check_every_minutes": {"type": "integer"}, "ignore_rule": S, "change_threshold": N}),
  "ReasonInput": obj({"reason": S}, ["reason"]),
  "RestoreInput": obj({"privacy_url": S, "contact": S}),
  "Policy": obj({"id": I, "name": S, "min_grade": S, "required_checks": arr(S), "critical_checks": arr(S), "require_privacy_policy": B, "require_contact": B, "valid_days": {"type": "integer"}, "updated_at": T}),
  "PolicyInput": obj({"min_grade": S, "required_checks": arr(S), "critical_checks": arr(S), "require_privacy_policy": B, "require_contact": B, "valid_days": {"type": "integer"}}),
})
NF = E("not found or outside your scope")
LID = {"name": "id", "in": "path", "required": True, "schema": S, "description": "the label's public id"}
auth = {"401": common["401"]}
paths["/api/v1/sites"] = {"get": op("List sites (one per URL of every system) in your scope, worst grade first", "Sites", {"200": resp("sites", listof("Site")), **auth, "400": common["400"]},
    [q("q", "part of the URL, system or agency name"), q("grade", "exact grade, or none"), q("state", "up, down or unknown"), q("system_id", "one system's sites", I), q("inactive", "true: include archived sites (as archived=all)", B), q("archived", "false (default): live sites; true: archived ones only (their system archived or their URL removed); all: both"),
     q("verification", "approved, verified, pending or rejected")] + PAGING)}
paths["/api/v1/sites/{id}"] = {
    "get": op("Get a site", "Sites", {"200": resp("site", ref("Site")), "404": NF, **auth}, [ID]),
    "patch": op("Change a site's schedule and monitoring rules (admins, analysts)", "Sites", {"200": resp("updated", ref("Site")), "404": NF, **common}, [ID], body("SiteSettings"))}
paths["/api/v1/sites/{id}/verify"] = {"post": op("Check now whether the site's agency published its verification token (DNS TXT or /.well-known/khien-verify.txt); a failed check answers 200 with the site still pending and the reason (agency officers, analysts, admins)", "Sites",
    {"200": resp("the site after the check", ref("Site")), "404": NF, "429": E("the host was checked a moment ago (Retry-After)"), "401": common["401"], "403": common["403"]}, [ID])}
paths["/api/v1/sites/{id}/approve"] = {"post": op("Approve a site for scanning and monitoring without a domain proof (admins, analysts; audited)", "Sites",
    {"200": resp("approved", ref("Site")), "404": NF, "401": common["401"], "403": common["403"]}, [ID])}
paths["/api/v1/sites/{id}/reject"] = {"post": op("Reject a site: it is never scanned nor probed (admins, analysts; audited)", "Sites",
    {"200": resp("rejected", ref("Site")), "404": NF, "401": common["401"], "403": common["403"]}, [ID])}
paths["/api/v1/scans"] = {
    "get": op("List scans, newest first (without reports)", "Scans", {"200": resp("scans", listof("Scan")), **auth, "400": common["400"]}, [q("site_id", "one site's scans", I), q("status", "queued, running, done or error")] + PAGING),
    "post": op("Start a scan of a registered site now (admins and analysts; agency officers for their own sites); a scan already queued is returned", "Scans", {"202": resp("queued", ref("Scan")), "404": NF, **common}, reqbody=body("ScanInput"))}
paths["/api/v1/scans/{id}"] = {"get": op("Get a scan with its report", "Scans", {"200": resp("scan", ref("Scan")), "404": NF, **auth}, [ID])}
paths["/api/v1/scans/{id}/report"] = {"get": op("The scan's report alone: the same JSON object `khien scan --json` prints", "Scans", {"200": resp("report", ref("Report")), "404": NF, **auth}, [ID])}
paths["/api/v1/scans/{id}/diff"] = {"get": op("Compare a scan with the site's previous finished scan", "Scans", {"200": resp("differences", ref("Diff")), "404": NF, **auth}, [ID])}
paths["/api/v1/findings"] = {"get": op("Regressions found by scans (grade drops, new critical failures) on sites in your scope", "Scans", {"200": resp("findings", listof("Finding")), **auth, "400": common["400"]},
    [q("site_id", "one site's findings", I), q("status", "open or resolved"), q("severity", "critical, high, medium, low or info"), q("q", "part of the URL or the agency's name")] + PAGING)}
paths["/api/v1/findings/{id}/resolve"] = {"post": op("Mark a finding resolved (admins, analysts)", "Scans", {"204": resp("resolved"), "404": NF, **auth, "403": common["403"]}, [ID])}
paths["/api/v1/monitors"] = {"get": op("Monitoring state of every site in your scope", "Monitoring", {"200": resp("sites", listof("Site")), **auth, "400": common["400"]},
    [q("q", "part of the URL, system or agency name"), q("state", "up, down or unknown")] + PAGING),
    "post": op("Turn monitoring on for a registered site (by site_id or url), with optional settings (admins, analysts); every site is monitored by default", "Monitoring",
    {"200": resp("the site", ref("Site")), "404": NF, **common}, reqbody=body("MonitorInput"))}
paths["/api/v1/monitors/{id}"] = {
    "get": op("A site's monitoring state with uptime and latency over 24 hours and 30 days", "Monitoring", {"200": resp("monitor", ref("Monitor")), "404": NF, **auth}, [ID]),
    "patch": op("Change a site's monitoring rules (same as PATCH /sites/{id})", "Monitoring", {"200": resp("updated", ref("Site")), "404": NF, **common}, [ID], body("SiteSettings")),
    "delete": op("Turn a site's monitoring off (its history stays) (admins, analysts)", "Monitoring", {"204": resp("off"), "404": NF, **auth, "403": common["403"]}, [ID])}
paths["/api/v1/monitors/{id}/check"] = {"post": op("Probe a site now (admins, analysts)", "Monitoring", {"200": resp("what the probe saw and raised", ref("Outcome")), "404": NF, **auth, "403": common["403"]}, [ID])}
paths["/api/v1/monitors/{id}/chart.svg"] = {"get": op("Latency and availability chart (SVG)", "Monitoring", {"200": resp("chart", S, "image/svg+xml"), "404": NF, **auth},
    [ID, q("range", "24h (default) or 30d"), q("lang", "vi or en")])}
DAYS = q("days", "how many days back, 1 to 366 (default 90)", I)
schemas["GradePoint"] = obj({"scan_id": I, "at": {**T, "description": "when the assessment finished"}, "grade": S, "score": {"type": "integer"}}, ["scan_id", "at", "grade", "score"])
schemas["UptimeDay"] = obj({"date": {"type": "string", "format": "date"}, "samples": {"type": "integer"}, "up": {"type": "integer"},
    "uptime_percent": {"type": ["number", "null"], "description": "null on a day without probes: no data, not 0 %"}, "avg_latency_ms": {"type": "integer", "description": "of the probes that answered"}},
    ["date", "samples", "up", "uptime_percent", "avg_latency_ms"])
paths["/api/v1/sites/{id}/grades"] = {"get": op("A site's grade and score after each finished assessment of the last days, oldest first (the grade history)", "Sites",
    {"200": resp("grade points", obj({"items": arr(ref("GradePoint"))}, ["items"])), "404": NF, **auth, "400": common["400"]}, [ID, DAYS])}
paths["/api/v1/monitors/{id}/uptime"] = {"get": op("A site's uptime per day (UTC) of the last days, oldest first, days without probes included", "Monitoring",
    {"200": resp("days", obj({"items": arr(ref("UptimeDay"))}, ["items"])), "404": NF, **auth, "400": common["400"]}, [ID, DAYS])}
NNUM = {"type": ["number", "null"]}
schemas["OverviewRow"] = obj({"site_id": I, "url": S, "agency_id": I, "agency_name": S, "system_name": S,
    "state": {"type": "string", "enum": ["up", "down", "unknown"]}, "monitored": {**B, "description": "false when monitoring is off or the site is not approved for probes"},
    "last_checked_at": NT, "last_latency_ms": {"type": "integer"},
    "uptime_24h": {**NNUM, "description": "percent; null without probes in the last 24 hours (no data, not 0 %)"},
    "uptime_30d": {**NNUM, "description": "percent; null without probes in the last 30 days"},
    "samples_24h": {"type": "integer"}, "samples_30d": {"type": "integer"}, "avg_latency_24h_ms": {"type": "integer"},
    "cert_days_left": {"type": ["integer", "null"], "description": "null over plain HTTP or before the first probe"}, "cert_expires_at": NT,
    "last_change_at": {**NT, "description": "the last probe that saw the page's content change"}, "grade": S,
    "label_state": {"type": "string", "description": "the trust label's state, empty without one"}},
    ["site_id", "url", "state", "monitored", "uptime_24h", "uptime_30d", "cert_days_left", "label_state"])
paths["/api/v1/monitoring/overview"] = {"get": op("Every live site in your scope with its state, uptime over 24 hours and 30 days, latency, certificate days left, last change and label state, worst first", "Monitoring",
    {"200": resp("sites", listof("OverviewRow")), **auth, "400": common["400"], "404": E("agency_id names no agency in your scope")},
    [q("q", "part of the URL, system or agency name"), q("agency_id", "this agency and the ones below it", I), q("state", "up, down or unknown"),
     q("sort", "worst (default), url, agency, uptime_24h, uptime_30d, latency, cert or checked; a leading - reverses")] + PAGING)}
paths["/api/v1/alerts"] = {"get": op("Monitoring alerts on sites in your scope, newest first unless sorted otherwise", "Monitoring", {"200": resp("alerts", listof("Alert")), **auth, "400": common["400"], "404": E("agency_id names no agency in your scope")},
    [q("site_id", "one site's alerts", I), q("kind", "down, recovered, cert-expiring, content-changed, defacement, injected-links or exposed-files"),
     q("state", "new (not acknowledged) or acknowledged"), q("severity", "critical, high, medium, low or info"), q("agency_id", "this agency and the ones below it", I),
     q("from", "raised at or after: an RFC 3339 time, or a date (YYYY-MM-DD, from the start of that day in Vietnam)"),
     q("to", "raised before: an RFC 3339 time, or a date (its whole day included)"), q("sort", "newest (default), oldest or severity (worst first)")] + PAGING)}
paths["/api/v1/alerts/acknowledge"] = {"post": op("Acknowledge monitoring alerts, all or none (admins, analysts, agency officers for their own sites; at most 500); ones acknowledged before keep their first acknowledgement", "Monitoring",
    {"200": resp("how many changed", obj({"acknowledged": I}, ["acknowledged"])), "404": E("an id names no alert in your scope: nothing was acknowledged"), **common}, reqbody=body("AckInput"))}
paths["/api/v1/maintenance"] = {
    "get": op("Maintenance windows not yet ended", "Monitoring", {"200": resp("windows", listof("Window")), **auth}),
    "post": op("Add a maintenance window: alerts inside it are recorded but not sent (admins, analysts; all sites: admins)", "Monitoring", {"201": resp("created", ref("Window")), "404": NF, **common}, reqbody=body("WindowInput"))}
paths["/api/v1/maintenance/{id}"] = {"delete": op("End a maintenance window", "Monitoring", {"204": resp("deleted"), "404": NF, **auth, "403": common["403"]}, [ID])}
paths["/api/v1/notify-targets"] = {
    "get": op("Where alerts are sent (admins)", "Monitoring", {"200": resp("targets", listof("Target")), **auth, "403": common["403"]}),
    "post": op("Add an e-mail address or webhook URL (admins)", "Monitoring", {"201": resp("created", ref("Target")), **common}, reqbody=body("TargetInput"))}
paths["/api/v1/notify-targets/{id}"] = {"delete": op("Remove a notification target (admins)", "Monitoring", {"204": resp("deleted"), "404": E("not found"), **auth, "403": common["403"]}, [ID])}
paths["/api/v1/labels"] = {
    "get": op("Trust labels of sites in your scope", "Trust labels", {"200": resp("labels", listof("Label")), **auth, "400": common["400"]}, [q("state", "granted, suspended, revoked or expired"), q("site_id", "one site's label", I)] + PAGING),
    "post": op("Grant a label to a site that meets the policy (admins)", "Trust labels", {"201": resp("granted", ref("Label")), "404": NF, "409": E("the site does not meet the policy (the message says why)"), **common}, reqbody=body("GrantInput"))}
paths["/api/v1/labels/{id}"] = {"get": op("Get a label with its history", "Trust labels", {"200": resp("label", ref("Label")), "404": NF, **auth}, [LID])}
paths["/api/v1/labels/{id}/suspend"] = {"post": op("Suspend a label, with a reason (admins)", "Trust labels", {"200": resp("suspended", ref("Label")), "404": NF, "409": E("revoked"), **common}, [LID], body("ReasonInput"))}
paths["/api/v1/labels/{id}/revoke"] = {"post": op("Revoke a label, with a reason (admins)", "Trust labels", {"200": resp("revoked", ref("Label")), "404": NF, "409": E("already revoked"), **common}, [LID], body("ReasonInput"))}
paths["/api/v1/labels/{id}/restore"] = {"post": op("Restore a label when the site meets the policy again (admins)", "Trust labels", {"200": resp("granted", ref("Label")), "404": NF, "409": E("policy not met"), **common}, [LID], body("RestoreInput"))}
paths["/api/v1/label-policies"] = {"get": op("Label policies (which checks must pass, minimum grade, owner information)", "Trust labels", {"200": resp("policies", listof("Policy")), **auth})}
paths["/api/v1/label-policies/{id}"] = {"patch": op("Change a label policy (admins)", "Trust labels", {"200": resp("updated", ref("Policy")), "404": E("not found"), **common}, [ID], body("PolicyInput"))}

# Security by level (issue 12): regimes, level proposals, the four layers.
LEVELS = {"type": "object", "description": "per level, keys \"1\" to \"5\"", "properties": {str(l): {"type": "integer"} for l in range(1, 6)}, "required": [str(l) for l in range(1, 6)], "additionalProperties": False}
ENUM = lambda *v: {"type": "string", "enum": list(v)}
ANSWERS = {"regime": {"type": "string", "description": "nd85-2016 or nd331-2026 (a part may leave it out)"},
           "info_class": ENUM("public", "private", "personal", "state_secret"),
           "system_type": ENUM("internal", "public_service", "infrastructure", "industrial_control", "other"),
           "data_subjects": {"type": "integer", "minimum": 0, "description": "number of people whose data the system holds"},
           "sensitive_personal_data": B, "handles_administrative_procedures": B,
           "online_public_service_level": {"type": "integer", "minimum": 0, "maximum": 4, "description": "the old 0-4 scale of online public services"},
           "conditional_business": B, "infrastructure_scope": ENUM("none", "one_agency", "sector_or_province", "national"),
           "needs_24_7": B, "national_security_harm": ENUM("none", "harm", "serious", "especially_serious")}
schemas.update({
  "RegimeSummary": obj({"id": S, "name": S, "name_en": S, "version": S, "in_force": S, "counted_as": ENUM("line_items", "groups"),
                        "requirements_per_level": {**LEVELS, "description": "requirement line items of each level, as the reference's table counts them (Circular 12: the table's Total row; TCVN 14423: one line per group)"},
                        "groups_per_level": {**LEVELS, "description": "requirement groups of each level, for regimes organised in groups (TCVN 14423)"},
                        "answers": {"type": "array", "items": S, "description": "the questionnaire answers this regime's criteria need"}},
                       ["id", "name", "requirements_per_level", "answers"]),
  "Regime": {"type": "object", "description": "the whole regime data file: criteria, fallback, approval matrix, dossier sections and rules, catalogue, duties, annual-report calendar, incident clocks", "additionalProperties": True},
  "Answers": obj({**ANSWERS, "parts": arr(ref("Answers"))}),
  "LevelProposalInput": obj({**ANSWERS, "parts": {"type": "array", "items": ref("Answers"), "description": "the answers of each part; the system takes the highest level of itself and its parts"},
                             "proposed_level": {"type": "integer", "minimum": 1, "maximum": 5, "description": "the owner's level: refused (400) below the level the answers imply, recorded with the owner's reason above it"}}, ["regime"]),
  "Reason": obj({"criterion": S, "text_vi": S, "text_en": S}, ["criterion", "text_vi", "text_en"]),
  "LevelProposal": obj({"id": I, "system_id": I, "regime": S, "regime_version": S, "level": {"type": "integer"}, "implied_level": {"type": "integer"},
                        "reasons": arr(ref("Reason")), "proposed_by": S, "created_at": T}, ["level", "reasons", "regime"]),
  "SystemLevel": obj({"system_id": I, "regime": S, "proposed_level": {"type": "integer"}, "proposal": ref("LevelProposal"),
                      "approved_level": {"type": ["integer", "null"]}, "approved_regime": S, "approved_at": S, "updated_at": T}, ["system_id", "regime", "proposed_level"]),
  "LayerDetails": obj({"people": arr(obj({"name": S, "role": S, "phone": S, "email": S}, ["name"])),
                       "provider": S, "contract_start": {"type": "string", "format": "date"}, "contract_end": {"type": "string", "format": "date"}, "connection": S, "live_data": B,
                       "organisation": {"type": "string", "description": "must differ from layer 2's provider"}, "last_date": {"type": "string", "format": "date"}, "result": S, "next_due": {"type": "string", "format": "date"},
                       "connected": B, "connected_on": {"type": "string", "format": "date"}}),
  "Layer": obj({"layer": {"type": "integer", "minimum": 1, "maximum": 4}, "name": S, "name_en": S,
                "status": ENUM("missing", "incomplete", "in_place", "expiring", "expired", "overdue", "not_connected"),
                "details": ref("LayerDetails"), "updated_by": S, "updated_at": S}, ["layer", "status", "details"]),
})
def itemsof(name): return obj({"items": arr(ref(name))}, ["items"])
LAYER = {"name": "layer", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": 4}}
RID = {"name": "id", "in": "path", "required": True, "schema": S, "description": "the regime's id (nd85-2016, nd331-2026)"}
paths["/api/v1/regimes"] = {"get": op("The legal regimes of security levels, with their requirement counts per level", "Levels", {"200": resp("regimes", itemsof("RegimeSummary")), **auth})}
paths["/api/v1/regimes/{id}"] = {"get": op("One regime's whole data", "Levels", {"200": resp("regime", ref("Regime")), "404": E("unknown regime"), **auth}, [RID])}
paths["/api/v1/systems/{id}/level-proposal"] = {"post": op("Answer the level questionnaire: the proposed level with the criteria that set it, recorded with its regime (agency officers for their systems, admins; audited)", "Levels",
    {"200": resp("the proposed level and its reasons", ref("LevelProposal")),
     "400": E("answers the regime's criteria need are missing (each named in fields), out of range, an unknown regime, or proposed_level below the implied level (the reason is in the message)"),
     "404": NF, "409": E("the system is archived"), "401": common["401"], "403": common["403"], "413": common["413"]}, [ID], body("LevelProposalInput"))}
paths["/api/v1/systems/{id}/level"] = {"get": op("A system's level: the regime and level last proposed, and the approved ones", "Levels", {"200": resp("level", ref("SystemLevel")), "404": E("not found, outside your scope, or no proposal yet"), **auth}, [ID])}
paths["/api/v1/systems/{id}/layers"] = {"get": op("The four protection layers of a system, in order, with their status", "Levels", {"200": resp("four layers", itemsof("Layer")), "404": NF, **auth}, [ID])}
paths["/api/v1/systems/{id}/layers/{layer}"] = {"put": op("Record one protection layer (agency officers for their systems, admins; audited)", "Levels",
    {"200": resp("the layer", ref("Layer")), "404": NF, "409": E("the system is archived"), **common}, [ID, LAYER], body("LayerDetails"))}

# Stored log events (issue 11): search, one event, storage used.
NS = {"type": ["string", "null"], "format": "date-time"}
schemas.update({
  "LogEvent": obj({"day": {"type": "string", "format": "date", "description": "the UTC day of the received time: the event's partition"},
                   "id": S, "agency_id": I, "system_id": I, "receiver": S, "sender": S, "source": S, "received": T,
                   "time": {"type": "string", "format": "date-time", "description": "the event's own time, when it said"},
                   "product": S, "categories": arr(S), "services": arr(S),
                   "fields": {"type": "object", "description": "normalized fields, flat ECS-style names"}, "original": S},
                  ["day", "id", "agency_id", "received", "fields", "original"]),
  "LogSearch": obj({"events": arr(ref("LogEvent")), "page": {"type": "integer"}, "limit": {"type": "integer"},
                    "more": {**B, "description": "a next page has events"}, "from": T, "to": T,
                    "days": {"type": "array", "items": S, "description": "the days the range covers; only these are read"}},
                   ["events", "page", "more", "from", "to", "days"]),
  "LogUsage": obj({"retention_days": {"type": "integer"},
                   "days": arr(obj({"day": S, "events": I, "bytes": I, "disk_bytes": {**I, "description": "on disk with indexes; only for callers who see every agency"}}, ["day", "events", "bytes"])),
                   "agencies": arr(obj({"agency_id": I, "agency": S, "events": I, "bytes": I}, ["agency_id", "events", "bytes"])),
                   "events": I, "bytes": I, "disk_bytes": I}, ["retention_days", "days", "agencies", "events", "bytes"]),
})
paths["/api/v1/logs/events"] = {"get": op("Search stored log events in your scope, newest first; only the UTC days of the range are read", "Logs",
    {"200": resp("one page", ref("LogSearch")), "400": E("a bad date, a range over 31 days or empty, an unknown parameter, a bad field name, an agency outside your scope, or a page too deep (the field says which)"), "401": common["401"]},
    [q("from", "received at or after: RFC 3339, YYYY-MM-DDTHH:MM or YYYY-MM-DD (UTC without a zone); default: 24 hours before to"),
     q("to", "received before (a bare date includes its whole day); default: now"),
     q("agency", "this agency and the ones below it", I), q("system", "one system's events", I), q("source", "the parser that read the event (sshd, nginx, json, …)"),
     q("q", "full text over the originals: every word must appear as a word (at most 10 words)"),
     {"name": "field.NAME", "in": "query", "required": False, "description": "a normalized field equals the value (exact); a * in the value stands for any characters and ignores case; * alone: the field is present. Up to 10; NAME is letters, digits, '.', '_', '-', '@'", "schema": S},
     q("page", "1-based page (page × limit at most 10,000)", {"type": "integer"}), q("limit", "events per page (1–500, default 50)", {"type": "integer"})])}
paths["/api/v1/logs/events/{day}/{id}"] = {"get": op("One stored event, with its original and normalized fields (404 outside your scope)", "Logs",
    {"200": resp("event", ref("LogEvent")), "400": E("day is not a date"), "404": E("not found or outside your scope"), "401": common["401"]},
    [{"name": "day", "in": "path", "required": True, "schema": {"type": "string", "format": "date"}, "description": "the event's day (UTC, of its received time)"},
     {"name": "id", "in": "path", "required": True, "schema": S}])}
paths["/api/v1/logs/storage"] = {"get": op("Storage used by stored log events per day and per agency, in your scope", "Logs", {"200": resp("usage", ref("LogUsage")), "401": common["401"]})}

doc = {
  "openapi": "3.1.0",
  "info": {"title": "Khiên API", "version": "1", "description": "JSON API of Khiên, the provincial security operations platform. Authenticate with `Authorization: Bearer <token>` (create tokens with `khien token create` or in the UI) or a browser session. Agency officers see only their agency and its units: anything else answers 404. Request bodies over 1 MiB answer 413; unknown JSON fields answer 400."},
  "servers": [{"url": "/"}],
  "security": [{"bearer": []}, {"session": []}],
  "paths": paths,
  "components": {"schemas": schemas, "securitySchemes": {
    "bearer": {"type": "http", "scheme": "bearer", "description": "an API token (khien_…)"},
    "session": {"type": "apiKey", "in": "cookie", "name": "khien_session"}}},
}
out = pathlib.Path(__file__).resolve().parents[2] / "internal/api/openapi.json"
out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
print("wrote", out)
