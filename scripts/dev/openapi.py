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
    "get": op("List scans, newest first unless sorted otherwise (without reports)", "Scans", {"200": resp("scans", listof("Scan")), **auth, "400": common["400"], "404": E("agency_id names no agency in your scope")},
        [q("site_id", "one site's scans", I), q("status", "queued, running, done or error"), q("grade", "A+ … F"), q("q", "part of the address"),
         q("agency_id", "this agency and the ones below it", I), q("from", "asked for at or after: an RFC 3339 time, or a date (YYYY-MM-DD, Vietnam)"),
         q("to", "asked for before: an RFC 3339 time, or a date (its whole day included)"), q("sort", "newest (default), oldest, score (lowest first) or -score")] + PAGING),
    "post": op("Start a scan of a registered site now (admins and analysts; agency officers for their own sites); a scan already queued is returned", "Scans", {"202": resp("queued", ref("Scan")), "404": NF, **common}, reqbody=body("ScanInput"))}
paths["/api/v1/scans/{id}"] = {"get": op("Get a scan with its report", "Scans", {"200": resp("scan", ref("Scan")), "404": NF, **auth}, [ID])}
paths["/api/v1/scans/{id}/report"] = {"get": op("The scan's report alone: the same JSON object `khien scan --json` prints", "Scans", {"200": resp("report", ref("Report")), "404": NF, **auth}, [ID])}
paths["/api/v1/scans/{id}/diff"] = {"get": op("Compare a scan with the site's previous finished scan", "Scans", {"200": resp("differences", ref("Diff")), "404": NF, **auth}, [ID])}
paths["/api/v1/findings"] = {"get": op("Regressions found by scans (grade drops, new critical failures) on sites in your scope", "Scans", {"200": resp("findings", listof("Finding")), **auth, "400": common["400"], "404": E("agency_id names no agency in your scope")},
    [q("site_id", "one site's findings", I), q("status", "open or resolved"), q("severity", "critical, high, medium, low or info"), q("q", "part of the URL or the agency's name"),
     q("kind", "check-failed or grade-drop"), q("agency_id", "this agency and the ones below it", I), q("from", "raised at or after: an RFC 3339 time, or a date (YYYY-MM-DD, Vietnam)"),
     q("to", "raised before: an RFC 3339 time, or a date (its whole day included)"), q("sort", "newest (default), oldest or severity (worst first)")] + PAGING)}
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

# Sigma detection (issue 11): alerts (detections), rule packs, rules, exceptions, rule test.
schemas.update({
  "Detection": obj({"id": I, "rule_uid": S, "rule_title": S, "level": S, "tags": arr(S), "agency_id": I, "agency_name": S, "system_id": I, "system_name": S,
                    "group": {"type": "string", "description": "a correlation's group-by values"},
                    "status": ENUM("new", "acknowledged", "escalated", "false_positive", "closed"), "assignee": S,
                    "count": {"type": "integer", "description": "matched events grouped into this alert"}, "first_seen": T, "last_seen": T, "muted": B, "created_at": T, "updated_at": T,
                    "events": arr(obj({"record_id": S, "day": S, "at": T, "fields": {"type": "object"}, "original": S}, ["record_id"])),
                    "history": arr(obj({"at": T, "actor": S, "action": S, "from": S, "to": S, "assignee": S, "note": S}, ["at", "actor", "action"]))},
                   ["id", "rule_uid", "level", "agency_id", "status", "count"]),
  "StatusInput": obj({"status": ENUM("new", "acknowledged", "escalated", "false_positive", "closed"), "note": S}, ["status"]),
  "BulkInput": obj({"ids": arr(I), "action": ENUM("acknowledge", "false_positive", "close", "escalate", "assign"), "status": S,
                    "assignee": {"type": "string", "description": "with assign: an active admin or analyst, empty to unassign"}, "note": S}, ["ids", "action"]),
  "Rule": obj({"id": I, "pack_id": I, "uid": S, "kind": ENUM("detection", "correlation", "filter", "invalid"), "title": S, "level": S, "tags": arr(S),
               "logsource": S, "file": S, "enabled": B, "lint_error": S, "yaml": S}, ["id", "uid", "kind", "enabled"]),
  "Pack": obj({"id": I, "name": S, "source": S, "rules": {"type": "integer"}, "errors": {"type": "integer"}, "imported_by": S, "imported_at": T}, ["id", "name", "rules", "errors"]),
  "ImportResult": obj({"pack": ref("Pack"), "errors": arr(S)}, ["pack", "errors"]),
  "Exception": obj({"id": I, "rule_uid": S, "agency_id": I, "agency_name": S, "field": S, "value": S, "reason": S, "created_by": S, "created_at": T}, ["id", "rule_uid", "agency_id", "reason"]),
  "ExceptionInput": obj({"rule_uid": S, "agency_id": I, "field": S, "value": S, "reason": S}, ["rule_uid", "agency_id", "reason"]),
  "RuleTestInput": obj({"rule": {"type": "string", "description": "Sigma YAML (one or more documents)"}, "events": {"type": "string", "description": "NDJSON, a JSON array, or Windows events exported as JSON; not needed with stored"},
                         "stored": {"type": "boolean", "description": "run over the events stored in the last hour in your scope (oldest first, at most 10,000) instead"}}, ["rule"]),
  "RuleTestResult": obj({"rules": {"type": "integer"}, "rule_errors": arr(S), "events": {"type": "integer"}, "event_errors": arr(S),
                         "matches": arr(obj({"rule_id": S, "rule_title": S, "event": {"type": "integer"}}, ["rule_id", "event"]))}, ["rules", "events", "matches"]),
})
DNF = E("not found or outside your scope")
paths["/api/v1/detections"] = {"get": op("Detections (Sigma alerts) in your scope", "Detection", {"200": resp("detections", listof("Detection")), **auth, "400": common["400"], "404": E("agency_id names no agency in your scope")},
    [q("status", "new, acknowledged, escalated, false_positive or closed"), q("level", "critical, high, medium, low or informational"), q("agency_id", "this agency and the ones below it", I),
     q("system_id", "one system", I), q("rule", "a rule's id"), q("assignee", "a user name"), q("from", "last seen at or after (RFC 3339 or YYYY-MM-DD)"), q("to", "first seen before (RFC 3339 or YYYY-MM-DD, its day included)"),
     q("sort", "newest (default), oldest, level, count or last_seen")] + PAGING)}
paths["/api/v1/detections/{id}"] = {"get": op("One detection with its events and history", "Detection", {"200": resp("detection", ref("Detection")), "404": DNF, **auth}, [ID])}
paths["/api/v1/detections/{id}/status"] = {"post": op("Change a detection's status (admins, analysts; audited)", "Detection",
    {"200": resp("detection", ref("Detection")), "404": DNF, "409": E("not a valid transition"), **common}, [ID], body("StatusInput"))}
paths["/api/v1/detections/bulk"] = {"post": op("Acknowledge, mark false positive, close, escalate or assign several detections, all or none (admins, analysts; at most 500)", "Detection",
    {"200": resp("how many changed", obj({"changed": I}, ["changed"])), "404": E("an id names no detection in your scope: nothing changed"), "409": E("a transition is not valid: nothing changed"), **common}, reqbody=body("BulkInput"))}
paths["/api/v1/rules"] = {"get": op("Stored Sigma rules", "Detection", {"200": resp("rules", listof("Rule")), **auth, "400": common["400"]},
    [q("pack_id", "one pack", I), q("q", "part of the title or id"), q("enabled", "yes or no"), q("errors", "1: only rules that failed to load or compile")] + PAGING)}
paths["/api/v1/rules/{id}"] = {"get": op("One rule with its YAML", "Detection", {"200": resp("rule", ref("Rule")), "404": E("not found"), **auth}, [ID])}
paths["/api/v1/rules/{id}/enable"] = {"post": op("Turn a rule on (admins, analysts; audited)", "Detection", {"200": resp("rule", ref("Rule")), "404": E("not found"), **auth, "403": common["403"]}, [ID])}
paths["/api/v1/rules/{id}/disable"] = {"post": op("Turn a rule off (admins, analysts; audited)", "Detection", {"200": resp("rule", ref("Rule")), "404": E("not found"), **auth, "403": common["403"]}, [ID])}
paths["/api/v1/rules/packs"] = {
    "get": op("Imported rule packs", "Detection", {"200": resp("packs", listof("Pack")), **auth}),
    "post": op("Import a rule pack: a zip or tar.gz of Sigma YAML, or one YAML file, as multipart (file, name) or as the body (?name=, ?filename=); a pack of the same name is replaced (admins, analysts; audited)", "Detection",
        {"200": resp("imported; rules that failed are listed and kept, not run", ref("ImportResult")), **common, "413": E("larger than 64 MiB")},
        [q("name", "the pack's name"), q("filename", "the uploaded file's name")],
        {"required": True, "content": {"multipart/form-data": {"schema": obj({"file": {"type": "string", "format": "binary"}, "name": S}, ["file"])},
                                       "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}})}
paths["/api/v1/rules/packs/{id}"] = {"delete": op("Remove a pack and its rules (admins, analysts; audited)", "Detection", {"200": resp("deleted", obj({"deleted": B})), "404": E("not found"), **auth, "403": common["403"]}, [ID])}
paths["/api/v1/rules/exceptions"] = {
    "get": op("Exceptions: a rule silenced for an agency, optionally when a field has a value", "Detection", {"200": resp("exceptions", listof("Exception")), **auth}, [q("rule", "one rule's id")]),
    "post": op("Add an exception with its reason (admins, analysts; audited)", "Detection", {"201": resp("created", ref("Exception")), **common}, reqbody=body("ExceptionInput"))}
paths["/api/v1/rules/exceptions/{id}"] = {"delete": op("Remove an exception (admins, analysts; audited)", "Detection", {"200": resp("deleted", obj({"deleted": B})), "404": E("not found"), **auth, "403": common["403"]}, [ID])}
paths["/api/v1/rules/test"] = {"post": op("Run a rule over pasted events (nothing is stored); matches as khien rules test prints them", "Detection",
    {"200": resp("matches", ref("RuleTestResult")), **common, "413": E("rule over 256 KiB or events over 4 MiB")}, reqbody=body("RuleTestInput"))}
# Level dossiers (issue 12 item 3): draft → submitted → under_appraisal → approved | returned.
DSTATE = ENUM("draft", "submitted", "under_appraisal", "approved", "returned")
DATE = {"type": "string", "format": "date"}
schemas.update({
  "DossierSection": obj({"id": S, "title_vi": S, "title_en": S, "guidance_vi": S, "guidance_en": S, "text": S}, ["id", "text"]),
  "DossierStep": obj({"from": S, "to": DSTATE, "actor": S, "note": S, "due_on": S, "at": T}, ["to", "actor", "at"]),
  "Comment": obj({"id": I, "author": S, "body": S, "created_at": T}, ["id", "author", "body"]),
  "Attachment": obj({"id": I, "name": S, "kind": ENUM("pdf", "docx", "odt"), "size": I, "sha256": {"type": "string", "description": "hex SHA-256 of the content"},
                     "uploaded_by": S, "created_at": T}, ["id", "name", "kind", "size", "sha256"]),
  "Dossier": obj({"id": I, "system_id": I, "system_name": S, "agency_name": S, "regime": S, "level": {"type": "integer"}, "proposal_id": I, "state": DSTATE,
                  "due_on": {"type": "string", "description": "the current step's deadline (YYYY-MM-DD) from the regime's approval matrix; empty when it gives none"},
                  "overdue": B, "submitted_at": S, "decision_number": S, "decision_date": S, "signer": S,
                  "appraiser": obj({"vi": S, "en": S}), "approver": obj({"vi": S, "en": S}),
                  "sections": arr(ref("DossierSection")), "next": {"type": "array", "items": DSTATE, "description": "the states you may move the dossier to now"},
                  "steps": arr(ref("DossierStep")), "comments": arr(ref("Comment")), "attachments": arr(ref("Attachment")),
                  "created_by": S, "created_at": T, "updated_at": T}, ["id", "system_id", "regime", "level", "state", "sections", "next"]),
  "SectionsInput": obj({"sections": {"type": "object", "additionalProperties": S, "description": "section id → text; ids from the regime's dossier_sections"}}, ["sections"]),
  "Transition": obj({"to": ENUM("submitted", "under_appraisal", "approved", "returned"), "note": {"type": "string", "description": "required to return a dossier"},
                     "decision_number": {"type": "string", "description": "approval: the decision's number"}, "decision_date": {**DATE, "description": "approval: the decision's date, not in the future"},
                     "signer": {"type": "string", "description": "approval: who signed the decision"}}, ["to"]),
  "CommentInput": obj({"body": S}, ["body"]),
})
DID = ID
AID = {"name": "aid", "in": "path", "required": True, "schema": I}
paths["/api/v1/systems/{id}/dossiers"] = {"post": op("Open a draft level dossier for a system at its proposed level (agency officers for their systems, admins; audited): the overview is pre-filled from the registry and the rationale from the proposal", "Levels",
    {"201": resp("the draft", ref("Dossier")), "404": NF, "409": E("no level proposal yet, an open dossier already, or the system is archived"), **auth, "403": common["403"]}, [ID])}
paths["/api/v1/dossiers"] = {"get": op("Level dossiers in your scope, newest first", "Levels", {"200": resp("dossiers (without steps, comments, attachments)", itemsof("Dossier")), **auth},
    [q("system_id", "one system's", I), q("state", "in this state", DSTATE), q("overdue", "true: only those past their step's deadline", B)])}
paths["/api/v1/dossiers/{id}"] = {
  "get": op("A level dossier with its sections, steps, comments and attachments", "Levels", {"200": resp("dossier", ref("Dossier")), "404": NF, **auth}, [DID]),
  "patch": op("Change sections of a draft or returned dossier (its agency's officers, admins; audited)", "Levels",
    {"200": resp("dossier", ref("Dossier")), "404": NF, "409": E("the dossier is not a draft or returned, or the system is archived"), **common}, [DID], body("SectionsInput"))}
paths["/api/v1/dossiers/{id}/transitions"] = {"post": op("Move a dossier: submitted (agency), under_appraisal or returned (province office: analysts, admins), approved (admins only, with the decision); audited", "Levels",
    {"200": resp("dossier", ref("Dossier")), "400": E("unknown state, an empty section on submission, no reason to return, or the decision's number, date or signer missing"),
     "403": E("your role may not make this step"), "404": NF, "409": E("the dossier's state does not allow this step, or it changed meanwhile"), "401": common["401"], "413": common["413"]}, [DID], body("Transition"))}
paths["/api/v1/dossiers/{id}/comments"] = {"post": op("Comment on a dossier (officers of its agency, analysts, admins; audited)", "Levels",
    {"201": resp("comment", ref("Comment")), "404": NF, **common}, [DID], body("CommentInput"))}
paths["/api/v1/dossiers/{id}/attachments"] = {"post": op("Attach a PDF, DOCX or ODT document (told by content, at most 10 MiB; by the agency while draft or returned, by the office while submitted or under appraisal; audited with its SHA-256)", "Levels",
    {"201": resp("attachment", ref("Attachment")), "400": E("not a PDF, DOCX or ODT by content, a name that does not match the content, empty or over 10 MiB"), "404": NF,
     "409": E("the dossier is approved or the system archived"), "401": common["401"], "403": common["403"], "413": E("body much larger than 10 MiB")}, [DID],
    {"required": True, "content": {"multipart/form-data": {"schema": obj({"file": {"type": "string", "format": "binary"}}, ["file"])},
                                   "application/octet-stream": {"schema": {"type": "string", "format": "binary", "description": "the raw document, its name in ?name="}}}})}
paths["/api/v1/dossiers/{id}/attachments/{aid}"] = {"get": op("Download an attachment (always as a download: application/octet-stream, Content-Disposition attachment, sandboxed)", "Levels",
    {"200": resp("the document", {"type": "string", "format": "binary"}, "application/octet-stream"), "404": NF, **auth}, [DID, AID])}

# Assessments (issue 12 item 4).
STATUS = ENUM("implemented", "partial", "not_implemented", "not_applicable")
COUNTS = {"applicable": {"type": "integer"}, "implemented": {"type": "integer"}, "partial": {"type": "integer"}, "not_implemented": {"type": "integer"},
          "not_applicable": {"type": "integer"}, "not_assessed": {"type": "integer"},
          "score": {"type": "number", "description": "percent: (implemented + ½ partial) / (applicable − not_applicable); not assessed counts as not implemented"}}
schemas.update({
  "RequirementStatus": obj({"id": S, "kind": S, "group": S, "from": {"type": "integer"}, "clause": S, "vi": S, "en": S,
                            "status": {"type": "string", "enum": ["", "implemented", "partial", "not_implemented", "not_applicable"], "description": "empty: not assessed yet"},
                            "justification": S, "evidence": S, "assessor": S, "assessed_on": S}, ["id", "group", "status"]),
  "GroupScore": obj({"id": S, "vi": S, "en": S, **COUNTS}, ["id", "score"]),
  "Assessment": obj({"system_id": I, "regime": S, "level": {"type": "integer"}, **COUNTS, "groups": arr(ref("GroupScore")), "requirements": arr(ref("RequirementStatus"))},
                    ["system_id", "regime", "level", "score", "groups", "requirements"]),
  "StatusInput": obj({"requirement": S, "status": STATUS, "justification": {"type": "string", "description": "required for not_applicable"}, "evidence": S,
                      "assessed_on": {**DATE, "description": "default today; not in the future"}}, ["requirement", "status"]),
  "AssessmentInput": obj({"items": arr(ref("StatusInput"))}, ["items"]),
  "Snapshot": obj({"regime": S, "level": {"type": "integer"}, **COUNTS, "assessor": S, "at": T}, ["score", "at"]),
  "SystemScore": obj({"system_id": I, "name": S, "agency_id": I, "agency_name": S, "regime": S, "level": {"type": "integer", "description": "approved level; 0: none yet"},
                      "proposed_level": {"type": "integer"}, **COUNTS}, ["system_id", "level"]),
  "AgencyScore": obj({"agency_id": I, "code": S, "name": S, "systems": {"type": "integer"}, "approved": {"type": "integer"}, **COUNTS}, ["agency_id", "systems", "approved"]),
  "Scores": obj({"agency_id": I, "systems": {"type": "integer", "description": "live systems"}, "approved": {"type": "integer", "description": "of which with an approved level"},
                 "total": obj(COUNTS), "agencies": arr(ref("AgencyScore")), "systems_detail": arr(ref("SystemScore"))}, ["systems", "approved", "total", "agencies"]),
  "Gap": obj({"system_id": I, "system_name": S, "agency_name": S, "level": {"type": "integer"}, "regime": S, "requirement": S, "group": S, "group_vi": S, "group_en": S,
              "text_vi": S, "text_en": S, "status": ENUM("partial", "not_implemented")}, ["system_id", "requirement", "status"]),
})
AGENCY_Q = q("agency_id", "only this agency and its units", I)
NOLEVEL = E("the system has no approved level yet")
paths["/api/v1/systems/{id}/assessment"] = {
  "get": op("A system's assessment at its approved level: each requirement's status, scores per group and for the system", "Levels", {"200": resp("assessment", ref("Assessment")), "404": NF, "409": NOLEVEL, **auth}, [ID]),
  "put": op("Record requirement statuses, all or none (officers of the system's agency, analysts, admins; audited; a snapshot of the scores is kept)", "Levels",
    {"200": resp("assessment", ref("Assessment")), "404": NF, "409": E("no approved level yet, or the system is archived"), **common}, [ID], body("AssessmentInput"))}
paths["/api/v1/systems/{id}/assessment/history"] = {"get": op("A system's score after each change of its assessment, oldest first", "Levels", {"200": resp("snapshots", itemsof("Snapshot")), "404": NF, **auth}, [ID])}
# Evidence files of an assessment (issue 12 item 4): documents per requirement, as dossier attachments are.
REQ = {"name": "req", "in": "path", "required": True, "schema": S, "description": "a requirement id of the regime's catalogue that applies at the system's approved level"}
FID = {"name": "file", "in": "path", "required": True, "schema": I}
paths["/api/v1/systems/{id}/requirements/{req}/evidence"] = {
  "get": op("The evidence files of one requirement of a system's assessment, oldest first (under the regime of its approved level)", "Levels",
    {"200": resp("files", itemsof("Attachment")), "404": E("system not found or outside your scope, or not a requirement at its level"), "409": NOLEVEL, **auth}, [ID, REQ]),
  "post": op("Attach an evidence file: a PDF, DOCX or ODT document (told by content, at most 10 MiB; officers of the system's agency, analysts, admins; audited with its SHA-256)", "Levels",
    {"201": resp("file", ref("Attachment")), "400": E("not a PDF, DOCX or ODT by content, a name that does not match the content, empty or over 10 MiB"),
     "404": E("system not found or outside your scope, or not a requirement at its level"), "409": E("no approved level yet, or the system is archived"),
     "401": common["401"], "403": common["403"], "413": E("body much larger than 10 MiB")}, [ID, REQ],
    {"required": True, "content": {"multipart/form-data": {"schema": obj({"file": {"type": "string", "format": "binary"}}, ["file"])},
                                   "application/octet-stream": {"schema": {"type": "string", "format": "binary", "description": "the raw document, its name in ?name="}}}})}
paths["/api/v1/systems/{id}/requirements/{req}/evidence/{file}"] = {
  "get": op("Download an evidence file (always as a download: application/octet-stream, Content-Disposition attachment, nosniff, sandboxed)", "Levels",
    {"200": resp("the document", {"type": "string", "format": "binary"}, "application/octet-stream"), "404": NF, "409": NOLEVEL, **auth}, [ID, REQ, FID]),
  "delete": op("Delete an evidence file (officers of the system's agency, analysts, admins; audited with its name and SHA-256)", "Levels",
    {"204": resp("deleted"), "404": NF, "409": E("no approved level yet, or the system is archived"), **auth, "403": common["403"]}, [ID, REQ, FID])}
schemas.update({
  "DutyDue": obj({"id": S, "title_vi": S, "title_en": S, "confidence": S,
                  "every_months": {"type": "integer", "description": "how often, at the system's level; absent: not periodic"},
                  "critical_every_months": {"type": "integer", "description": "how often on critical assets, when the regime says"},
                  "keep_months": {"type": "integer", "description": "retention duties: how long logs are kept"},
                  "last_done": DATE, "due_on": {**DATE, "description": "last done (for the inspection also layer 3's last date), or the approval, plus the frequency"},
                  "overdue": {"type": "boolean"}, "note": S}, ["id", "overdue"]),
  "DutyInput": obj({"duty": {"type": "string", "description": "a periodic duty of the system's level"}, "done_on": {**DATE, "description": "not in the future"},
                    "note": S}, ["duty", "done_on"]),
})
paths["/api/v1/systems/{id}/duties"] = {
  "get": op("The periodic duties of a system's approved level (inspection, vulnerability scans, penetration tests, log retention) with due dates and overdue flags", "Levels",
    {"200": resp("duties", itemsof("DutyDue")), "404": NF, "409": NOLEVEL, **auth}, [ID]),
  "post": op("Record that a periodic duty was done (officers of the system's agency, analysts, admins; audited)", "Levels",
    {"200": resp("duties", itemsof("DutyDue")), "404": NF, "409": E("no approved level yet, or the system is archived"), **common}, [ID], body("DutyInput"))}
paths["/api/v1/assessments/scores"] = {"get": op("Scores per system, agency and in total for your scope or one agency's subtree", "Levels", {"200": resp("scores", ref("Scores")), "404": NF, **auth}, [AGENCY_Q])}
paths["/api/v1/assessments/gaps"] = {"get": op("Requirements not or partly implemented, highest level first, then by group (?format=csv: as a CSV file)", "Levels",
  {"200": {"description": "gaps", "content": {"application/json": {"schema": itemsof("Gap")}, "text/csv": {"schema": S}}}, "400": E("unknown format"), "404": NF, **auth}, [AGENCY_Q,
   q("format", "json (default) or csv (UTF-8 with BOM)", ENUM("json", "csv")), q("lang", "the CSV's headings: vi (default) or en", ENUM("vi", "en"))])}

# Risk register (issue 12 item 6).
STEP = obj({"value": {"type": "integer"}, "vi": S, "en": S}, ["value", "vi", "en"])
BAND = obj({"id": ENUM("low", "medium", "high", "critical"), "from": {"type": "integer"}, "vi": S, "en": S}, ["id", "from"])
ONE5 = {"type": "integer", "minimum": 1, "maximum": 5}
RISK_IN = {"title": S, "threat": S, "vulnerability": S, "likelihood": ONE5, "impact": ONE5, "treatment": ENUM("accept", "mitigate", "transfer", "avoid"),
           "owner": S, "due_on": DATE, "status": ENUM("open", "in_progress", "closed"),
           "accepted_until": {**DATE, "description": "required with treatment accept (within three years), refused otherwise"}}
schemas.update({
  "RiskScales": obj({"likelihood": arr(STEP), "impact": arr(STEP), "bands": arr(BAND)}, ["likelihood", "impact", "bands"]),
  "RiskInput": obj(RISK_IN, ["title", "threat", "vulnerability", "likelihood", "impact", "treatment", "status"]),
  "Risk": obj({"id": I, "system_id": I, "system_name": S, **RISK_IN, "score": {"type": "integer", "description": "likelihood × impact"}, "rating": BAND,
               "accepted_by": S, "acceptance_expired": B, "overdue": B, "created_by": S, "created_at": T, "updated_at": T}, ["id", "system_id", "score", "rating"]),
  "HeatMap": obj({"cells": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}, "description": "cells[likelihood-1][impact-1]: open risks"},
                  "total": {"type": "integer"}}, ["cells", "total"]),
})
RFILTER = [q("system_id", "one system's", I), AGENCY_Q, q("status", "in this status", ENUM("open", "in_progress", "closed"))]
paths["/api/v1/risk-scales"] = {"get": op("The likelihood and impact scales and the score bands", "Levels", {"200": resp("scales", ref("RiskScales")), **auth})}
paths["/api/v1/systems/{id}/risks"] = {"post": op("Record a risk of a system (officers of its agency, analysts, admins; audited)", "Levels",
    {"201": resp("risk", ref("Risk")), "404": NF, "409": E("the system is archived"), **common}, [ID], body("RiskInput"))}
LIST_FORMAT = [q("format", "json (default) or csv (UTF-8 with BOM; cells a spreadsheet would run as formulas start with an apostrophe)", ENUM("json", "csv")),
               q("lang", "the CSV's headings: vi (default) or en", ENUM("vi", "en"))]
def json_or_csv(desc, schema):
    r = resp(desc, schema)
    r["content"]["text/csv"] = {"schema": S}
    return r
paths["/api/v1/risks"] = {"get": op("The risk register of your scope, highest score first (?format=csv: as a CSV file)", "Levels",
  {"200": json_or_csv("risks", itemsof("Risk")), "400": E("unknown format or filter"), "404": NF, **auth}, RFILTER + LIST_FORMAT)}
paths["/api/v1/risks/heatmap"] = {"get": op("Open risks counted by likelihood and impact", "Levels", {"200": resp("heat map", ref("HeatMap")), "404": NF, **auth}, RFILTER)}
paths["/api/v1/risks/{id}"] = {
  "get": op("One risk", "Levels", {"200": resp("risk", ref("Risk")), "404": NF, **auth}, [ID]),
  "put": op("Change a risk (officers of its system's agency, analysts, admins; audited)", "Levels", {"200": resp("risk", ref("Risk")), "404": NF, "409": E("the system is archived"), **common}, [ID], body("RiskInput"))}

# Reports (issue 12 item 7).
FORMAT = q("format", "json (default), pdf (A4, Vietnamese text in an embedded Unicode font) or csv (UTF-8 with BOM)", ENUM("json", "pdf", "csv"))
LANG = q("lang", "vi (default) or en", ENUM("vi", "en"))
REPORT_FILES = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}, "text/csv": {"schema": S}}
schemas.update({
  "ReportSystem": obj({"system_id": I, "name": S, "agency_id": I, "agency_name": S, "regime": S, "level": {"type": "integer"}, "proposed_level": {"type": "integer"}, **COUNTS,
                       "plan": {"type": "string", "enum": ["", "full", "partial", "none"], "description": "the plan's implementation; empty without an approved level"},
                       "inspected": {"type": "string", "description": "the independent inspection (layer 3) in the period"},
                       "duties_overdue": {"type": "integer", "description": "periodic duties past their due date today"}}, ["system_id", "name", "level"]),
  "AnnualReport": obj({"year": {"type": "integer"}, "period_start": DATE, "period_end": DATE, "unit_due": DATE, "owner_due": DATE, "recipient": obj({"vi": S, "en": S}), "regime": S,
                       "agency_id": I, "agency_name": S, "systems": {"type": "integer"}, "approved": {"type": "integer"}, "approved_share": {"type": "number"},
                       "by_level": LEVELS, "plan_full": {"type": "integer"}, "plan_partial": {"type": "integer"}, "plan_none": {"type": "integer"},
                       "approved_in_period": {"type": "integer"}, "inspections": {"type": "integer"}, "score": {"type": "number"},
                       "duties_overdue": {"type": "integer", "description": "periodic duties past their due date today"},
                       "systems_detail": arr(ref("ReportSystem")), "generated_at": T}, ["year", "period_start", "period_end", "systems", "approved", "systems_detail"]),
  "ComplianceReport": obj({"system_id": I, "system_name": S, "agency_name": S, "level": ref("SystemLevel"), "decision": ref("Dossier"), "layers": arr(ref("Layer")),
                           "assessment": ref("Assessment"), "risks": arr(ref("Risk")), "generated_at": T}, ["system_id", "layers", "risks"]),
})
def report_resp(name):
    r = resp("the report", ref(name))
    r["content"].update(REPORT_FILES)
    return r
paths["/api/v1/reports/annual"] = {"get": op("The annual report (period 15 Dec – 14 Dec, due dates from the regime) of your scope or one agency's subtree", "Levels",
    {"200": report_resp("AnnualReport"), "400": E("bad format, lang or year"), "404": NF, **auth},
    [AGENCY_Q, q("year", "the year the period ends in (default: this year)", {"type": "integer"}), FORMAT, LANG])}
paths["/api/v1/systems/{id}/compliance-report"] = {"get": op("A system's compliance report: level and decision, the four layers, the assessment, open risks", "Levels",
    {"200": report_resp("ComplianceReport"), "400": E("bad format or lang"), "404": NF, **auth}, [ID, FORMAT, LANG])}

# Dashboard (issue 12 item 8).
schemas_layer_cov = {"systems": {"type": "integer", "description": "the agency's own live systems (not its units')"}, "full": {"type": "integer"},
                     "missing": {"type": "array", "items": {"type": "integer"}}, "inspections_overdue": {"type": "integer"}, "contracts_expiring": {"type": "integer"}}
schemas.update({
  "LayerCoverage": obj({"systems": {"type": "integer"}, "full": {"type": "integer", "description": "systems with all four layers in place"},
                        "missing": {"type": "array", "items": {"type": "integer"}, "description": "per layer 1-4: live systems without it in place"},
                        "inspections_overdue": {"type": "integer"}, "contracts_expiring": {"type": "integer"}}),
  "LevelsDashboard": obj({"annual": ref("AnnualReport"),
                          "coverage": ref("LayerCoverage"),
                          "agencies": arr(obj({"agency_id": I, **schemas_layer_cov}, ["agency_id", "systems", "full"])),
                          "overdue_dossiers": {"type": "integer"}, "open_dossiers": {"type": "integer"},
                          "top_gaps": arr(obj({"regime": S, "requirement": S, "text_vi": S, "text_en": S, "systems": {"type": "integer"}})),
                          "risks": ref("HeatMap")}, ["annual", "coverage", "overdue_dossiers", "top_gaps", "risks"]),
})
paths["/api/v1/levels/dashboard"] = {"get": op("The security-by-level dashboard of your scope or one agency's subtree: approved share, plans, layer coverage, overdue dossiers and inspections, top gaps, open risks", "Levels",
    {"200": resp("dashboard", ref("LevelsDashboard")), "404": NF, **auth}, [AGENCY_Q])}
# Vulnerabilities (issue 13): feeds, findings, discovered components.
schemas.update({
  "FeedStatus": obj({"source": ENUM("nvd", "cve5", "osv", "kev", "epss"), "records": {"type": "integer"}, "imports": {"type": "integer"},
                     "last_import_at": {"type": ["string", "null"], "format": "date-time"}, "newest_modified": {"type": "string", "description": "newest modified date of the records (KEV: newest date added; EPSS: model version)"},
                     "stale": {**B, "description": "no import, or the last one is older than the configured number of days (7)"}}, ["source", "records", "stale"]),
  "MatchSummary": obj({"systems": {"type": "integer"}, "opened": {"type": "integer"}, "reopened": {"type": "integer"}, "fixed": {"type": "integer"}}),
  "FeedImport": obj({"id": I, "source": S, "kind": ENUM("nvd", "cve5", "osv", "osv-zip", "kev", "kev-csv", "epss"), "file_name": S,
                     "added": {"type": "integer"}, "replaced": {"type": "integer"}, "unchanged": {"type": "integer"}, "newest_modified": S, "findings": ref("MatchSummary")},
                    ["id", "source", "kind", "added", "replaced", "unchanged"]),
  "VulnReason": obj({"vi": S, "en": S}, ["vi", "en"]),
  "VulnFinding": obj({"id": I, "system_id": I, "system_name": S, "agency_id": I, "agency_name": S, "component": S, "version": S, "origin": ENUM("registry", "discovered"),
                      "vuln_id": {"type": "string", "description": "CVE id (NVD) or OSV/GHSA id"}, "source": S, "cves": arr(S),
                      "priority": ENUM("P1", "P2", "P3", "P4"), "reasons": arr(ref("VulnReason")), "cvss_score": {"type": "number"}, "cvss_vector": S,
                      "epss": {"type": ["number", "null"]}, "kev": B, "kev_due": S, "due_at": T, "overdue": B,
                      "status": ENUM("open", "in_progress", "fixed", "risk_accepted", "false_positive"), "status_reason": S, "approver": S, "accepted_until": S,
                      "created_at": T, "updated_at": T, "closed_at": {"type": ["string", "null"], "format": "date-time"}},
                     ["id", "system_id", "component", "vuln_id", "priority", "reasons", "due_at", "status"]),
  "VulnStatusInput": obj({"status": ENUM("open", "in_progress", "fixed", "risk_accepted", "false_positive"), "reason": {"type": "string", "description": "required for risk_accepted and false_positive"},
                          "approver": {"type": "string", "description": "required for risk_accepted"}, "until": {"type": "string", "format": "date", "description": "risk_accepted: expiry, after today and within a year"}}, ["status"]),
  "DiscoveredComponent": obj({"id": I, "system_id": I, "system_name": S, "site_id": I, "name": S, "version": S, "evidence": S,
                              "status": {**ENUM("proposed", "confirmed", "rejected", "gone"), "description": "gone: a later scan of the site no longer disclosed it (its findings closed)"}, "decided_by": S, "seen_at": T}, ["id", "system_id", "name", "version", "status"]),
  "VulnProduct": obj({"name": S, "version": S, "version_start_including": S, "version_end_including": S, "version_end_excluding": S}, ["name"]),
  "VulnAdvisoryInput": obj({"title": S, "title_en": S, "cves": arr(S), "products": arr(ref("VulnProduct")), "action": S, "action_en": S, "deadline": {"type": "string", "format": "date"}}, ["title", "action", "deadline"]),
  "AgencyProgress": obj({"agency_id": I, "agency_name": S, "status": ENUM("notified", "acknowledged", "patched", "verified"), "evidence": S, "updated_by": S, "notified_at": T, "updated_at": T}, ["agency_id", "status"]),
  "AffectedSystem": obj({"system_id": I, "system_name": S, "agency_id": I, "agency_name": S, "why": {"type": "string", "description": "the CVE or component@version that makes it affected"}}, ["system_id", "why"]),
  "VulnAdvisory": obj({"id": I, "title": S, "title_en": S, "cves": arr(S), "products": arr(ref("VulnProduct")), "action": S, "action_en": S, "deadline": S, "created_by": S, "created_at": T,
                       "agencies": arr(ref("AgencyProgress")), "systems": arr(ref("AffectedSystem"))}, ["id", "title", "cves", "products", "action", "deadline"]),
  "ProgressInput": obj({"status": ENUM("acknowledged", "patched", "verified"), "evidence": S}, ["status"]),
  "DiscoveredDecision": obj({"status": ENUM("confirmed", "rejected")}, ["status"]),
})
paths["/api/v1/vuln/feeds"] = {
  "get": op("Freshness of each advisory feed: records held, last import, newest record, stale flag", "Vulnerabilities", {"200": resp("feeds", itemsof("FeedStatus")), **auth}),
  "post": op("Import one feed file (admins; audited): NVD CVE API 2.0 or CVE JSON 5 JSON, OSV JSON or zip, CISA KEV JSON or CSV, FIRST EPSS CSV, gzipped or not; the kind is told from the content. "
             "The body is the file (its name in ?name=) or the 'file' part of a multipart form, at most 1 GiB, read as a stream. One transaction: a truncated or malformed file stores nothing. "
             "A record is replaced only by a newer modified date. Every system is matched again.", "Vulnerabilities",
             {"200": resp("what the file changed", ref("FeedImport")), "400": E("not a feed file, or truncated or malformed (the message says where); nothing was imported"),
              "401": common["401"], "403": common["403"], "413": E("file larger than 1 GiB")},
             [q("name", "the file's name, kept with the import")],
             {"required": True, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}, "multipart/form-data": {"schema": obj({"file": {"type": "string", "format": "binary"}}, ["file"])}}})}
paths["/api/v1/vuln/findings"] = {"get": op("Vulnerability findings of systems in your scope, most urgent first", "Vulnerabilities", {"200": resp("a page of findings", listof("VulnFinding")), **{k: common[k] for k in ("400", "401")}},
    [q("priority", "P1, P2, P3 or P4"), q("status", "open, in_progress, fixed, risk_accepted or false_positive"), q("agency_id", "systems of this agency", I), q("system_id", "one system", I), q("overdue", "true: open or in progress past their deadline", B)] + PAGING)}
paths["/api/v1/vuln/findings.csv"] = {"get": op("The findings in your scope as CSV (UTF-8 with BOM; same filters as the list; at most 100,000 rows)", "Vulnerabilities",
    {"200": resp("CSV file", {"type": "string"}, "text/csv"), **{k: common[k] for k in ("400", "401")}},
    [q("priority", "P1, P2, P3 or P4"), q("status", "open, in_progress, fixed, risk_accepted or false_positive"), q("agency_id", "systems of this agency", I), q("system_id", "one system", I), q("overdue", "true: open or in progress past their deadline", B)])}
paths["/api/v1/vuln/findings/{id}"] = {"get": op("One finding (404 outside your scope)", "Vulnerabilities", {"200": resp("finding", ref("VulnFinding")), "404": NF, **auth}, [ID])}
paths["/api/v1/vuln/findings/{id}/status"] = {"post": op("Move a finding: open → in_progress → fixed, risk_accepted (reason, approver, until) or false_positive (reason); admins, analysts and the system's agency officers; audited", "Vulnerabilities",
    {"200": resp("the finding", ref("VulnFinding")), "404": NF, **common}, [ID], body("VulnStatusInput"))}
paths["/api/v1/vuln/discovered"] = {"get": op("Components the web scanner discovered on systems in your scope (kept apart until confirmed)", "Vulnerabilities", {"200": resp("components", itemsof("DiscoveredComponent")), **auth},
    [q("system_id", "one system", I), q("status", "proposed, confirmed or rejected")])}
paths["/api/v1/vuln/discovered/{id}"] = {"post": op("Confirm (then it is matched like registered software) or reject a discovered component; audited", "Vulnerabilities",
    {"200": resp("the component", ref("DiscoveredComponent")), "404": NF, **common}, [ID], body("DiscoveredDecision"))}

paths["/api/v1/vuln/advisories"] = {
  "get": op("Advisories: all for the security office and auditors; for an agency officer, those that reached an agency in their scope", "Vulnerabilities", {"200": resp("advisories", itemsof("VulnAdvisory")), **auth}),
  "post": op("Issue an advisory (admins; audited): it reaches every agency with an affected system now, and later ones as inventories change", "Vulnerabilities",
             {"201": resp("the advisory with the agencies reached and the systems affected", ref("VulnAdvisory")), **common}, reqbody=body("VulnAdvisoryInput"))}
paths["/api/v1/vuln/advisories/{id}"] = {"get": op("One advisory with the agencies and affected systems in your scope (404 when it did not reach your agency)", "Vulnerabilities",
    {"200": resp("advisory", ref("VulnAdvisory")), "404": NF, **auth}, [ID])}
paths["/api/v1/vuln/advisories/{id}/agencies/{agency}"] = {"post": op("Record an agency's progress: acknowledged, then patched (evidence required; its officers or admins), then verified (admins, analysts); audited", "Vulnerabilities",
    {"200": resp("the agency's progress", ref("AgencyProgress")), "404": NF, **common}, [ID, {"name": "agency", "in": "path", "required": True, "schema": I}], body("ProgressInput"))}

schemas["VulnNoticeSystem"] = obj({"system_id": I, "system_name": S, "why": arr(S)}, ["system_id", "system_name", "why"])
schemas["VulnAgencyNotice"] = obj({"advisory": ref("VulnAdvisory"), "agency_id": I, "agency_code": S, "agency_name": S, "security_officer": S,
                                   "progress": ref("AgencyProgress"), "systems": arr(ref("VulnNoticeSystem")), "issued_on": T},
                                  ["advisory", "agency_id", "agency_name", "progress", "systems"])
paths["/api/v1/vuln/advisories/{id}/agencies/{agency}/notice"] = {"get": op("The advisory addressed to one agency it reached: the agency, its progress and its systems affected now with every reason (the content of the printable A4 notice, /vuln/advisories/{id}/agencies/{agency}/notice); 404 outside your scope or for an agency it did not reach", "Vulnerabilities",
    {"200": resp("notice", ref("VulnAgencyNotice")), "404": NF, **auth}, [ID, {"name": "agency", "in": "path", "required": True, "schema": I}])}

schemas["VulnAlias"] = obj({"name": {"type": "string", "description": "component name, lower-cased and trimmed"}, "cpe": {"type": "string", "description": "part:vendor:product (part a, o or h), e.g. a:f5:nginx"},
                            "created_by": S, "created_at": T}, ["name", "cpe"])
schemas["VulnAliasChange"] = obj({"alias": ref("VulnAlias"), "matched": ref("MatchSummary")}, ["alias", "matched"])
schemas["VulnRules"] = obj({"level_raise": {"type": "integer", "minimum": 0, "maximum": 5, "description": "a system whose security level (approved, else proposed) is at least this has its findings raised one priority step; 0: off"}}, ["level_raise"])
paths["/api/v1/vuln/aliases"] = {
  "get": op("The alias table: how a component without CPE or purl is matched (name → part:vendor:product)", "Vulnerabilities", {"200": resp("aliases", itemsof("VulnAlias")), **auth}),
  "post": op("Add an alias line (admins; audited); the live systems with a component of that name are matched again", "Vulnerabilities",
             {"201": resp("the line and what the re-match changed", ref("VulnAliasChange")), "409": E("the line exists"), **common}, reqbody=body("VulnAlias")),
  "delete": op("Remove an alias line (admins; audited); the live systems with a component of that name are matched again", "Vulnerabilities",
               {"200": resp("the line removed and what the re-match changed", ref("VulnAliasChange")), "404": NF, **common},
               [q("name", "component name"), q("cpe", "part:vendor:product")])}
paths["/api/v1/vuln/rules"] = {
  "get": op("The platform's priority rules kept as data", "Vulnerabilities", {"200": resp("rules", ref("VulnRules")), **auth}),
  "put": op("Change the priority rules (admins; audited); every live system is matched again", "Vulnerabilities",
            {"200": resp("the rules and what the re-match changed", obj({"rules": ref("VulnRules"), "matched": ref("MatchSummary")})), **common}, reqbody=body("VulnRules"))}

schemas["VulnFigureRow"] = obj({"agency_id": {"type": "integer", "description": "0: the whole scope"}, "agency_name": S,
                                "open": obj({"P1": {"type": "integer"}, "P2": {"type": "integer"}, "P3": {"type": "integer"}, "P4": {"type": "integer"}}),
                                "open_total": {"type": "integer"}, "overdue": {"type": "integer"}, "fixed": {"type": "integer"}, "fixed_in_time": {"type": "integer"},
                                "compliance": {"type": ["number", "null"], "description": "percent of the fixed findings closed by their deadline"},
                                "mttr_days": {"type": ["number", "null"], "description": "mean days from detection to fix"}}, ["agency_id", "open", "open_total", "overdue", "fixed"])
schemas["VulnFigures"] = obj({"total": ref("VulnFigureRow"), "agencies": arr(ref("VulnFigureRow"))}, ["total", "agencies"])
schemas["RunningComponent"] = obj({"system_id": I, "system_name": S, "agency_id": I, "agency_name": S, "component": S, "version": S, "cpe": S, "origin": ENUM("registry", "discovered")},
                                  ["system_id", "component", "version", "origin"])
RUN_Q = [q("product", "component name, product or vendor:product (the alias table and CPEs are followed); required"), q("version", "exact version"),
         q("version_start_including", "at least"), q("version_end_including", "at most"), q("version_end_excluding", "below")]
CSV_OK = {"200": resp("CSV file (UTF-8 with BOM, formulas quoted)", {"type": "string"}, "text/csv"), **auth}
paths["/api/v1/vuln/figures"] = {"get": op("Figures of live systems' findings in your scope and per agency: open by priority, overdue, patch compliance (% fixed by the deadline), mean time to remediate", "Vulnerabilities",
    {"200": resp("figures", ref("VulnFigures")), **{k: common[k] for k in ("400", "401")}}, [q("agency_id", "one agency's systems", I)])}
paths["/api/v1/vuln/figures.csv"] = {"get": op("The figures as CSV (one line per agency, then the total with agency_id 0)", "Vulnerabilities", CSV_OK, [q("agency_id", "one agency's systems", I)])}
paths["/api/v1/vuln/running"] = {"get": op("Which systems run a product: registry software and confirmed discovered components of live systems in your scope, within the versions given", "Vulnerabilities",
    {"200": resp("components", itemsof("RunningComponent")), **{k: common[k] for k in ("400", "401")}}, RUN_Q)}
paths["/api/v1/vuln/running.csv"] = {"get": op("The same search as CSV", "Vulnerabilities", {**CSV_OK, "400": common["400"]}, RUN_Q)}
paths["/api/v1/vuln/advisories.csv"] = {"get": op("Advisories as CSV, one line per advisory and agency reached (in your scope)", "Vulnerabilities", CSV_OK)}
paths["/api/v1/vuln/discovered.csv"] = {"get": op("Discovered components as CSV (same filters as the list)", "Vulnerabilities", CSV_OK, [q("system_id", "one system", I), q("status", "proposed, confirmed or rejected")])}
paths["/api/v1/vuln/feeds.csv"] = {"get": op("Feed freshness as CSV", "Vulnerabilities", CSV_OK)}
paths["/api/v1/vuln/aliases.csv"] = {"get": op("The alias table as CSV", "Vulnerabilities", CSV_OK)}

schemas["FeedURL"] = obj({"url": {"type": "string", "format": "uri"}}, ["url"])
paths["/api/v1/vuln/feeds/url"] = {"post": op("Download a feed file from an http(s) URL and import it as an upload (admins; audited): at most vuln.feeds_max_bytes, within vuln.feeds_timeout, at most 3 redirects; "
    "loopback, private, link-local and reserved addresses are refused (vuln.feeds_allow_private admits private and loopback ones); the URL without its query is kept as the file name", "Vulnerabilities",
    {"200": resp("what the file changed", ref("FeedImport")), "400": E("not an http(s) URL, an address refused, no answer, an HTTP error, too large, too slow, or not a feed file (field url or file); nothing was imported"),
     "401": common["401"], "403": common["403"]}, reqbody=body("FeedURL"))}

# Log ingestion (issue 11)
schemas["IngestToken"] = obj({"id": I, "agency_id": I, "agency_code": S, "system_id": I, "label": S, "prefix": S, "created_by": S, "created_at": T, "last_used_at": S, "revoked_at": S})
schemas["NewIngestToken"] = obj({**schemas["IngestToken"]["properties"], "token": {"type": "string", "description": "the secret (khien-ingest_…), shown only in this answer"}}, ["token"])
schemas["IngestTokenInput"] = obj({"agency_id": I, "agency_code": {"type": "string", "description": "the agency by code, when agency_id is not given"},
                                   "system_id": {"type": "integer", "format": "int64", "description": "one of the agency's live systems (optional)"}, "label": S})
schemas["IngestSender"] = obj({"address": S, "receiver": {"type": "string", "enum": ["syslog-udp", "syslog-tcp", "syslog-tls"]},
                               "known": {**B, "description": "a registry system lists the address (or a CIDR holding it), or the default system took it; unknown senders' events are kept unassigned (or refused with ingest.unknown_senders=refuse)"},
                               "agency_id": I, "system_id": I, "events": I, "first_seen": T, "last_seen": T})
schemas["IngestResult"] = obj({"accepted": {"type": "integer"}, "rejected": {"type": "integer"},
                               "errors": arr(obj({"index": {"type": "integer", "description": "0-based position of the document in the body"},
                                                  "reason": {"type": "string", "enum": ["empty", "oversized", "invalid_json"]}}))}, ["accepted", "rejected"])
paths["/api/v1/ingest"] = {"post": {**op("Send log events: NDJSON (one JSON object a line) or a JSON array of objects. Authenticate with an ingest token (Authorization: Bearer khien-ingest_…, ApiKey base64(id:token), or basic authentication with the token as password); the events belong to the token's agency and system. "
    "The same listener serves an Elasticsearch-compatible API under /api/v1/ingest/es/ (POST _bulk, {index}/_bulk, and the start-up calls of Beats): set Beats' output.elasticsearch.path to /api/v1/ingest/es, or use the ingest.http listener at its root.", "Ingest",
    {"200": resp("counts of accepted and refused documents", ref("IngestResult")), "400": E("the body is neither NDJSON nor a JSON array"), "401": E("missing, invalid or revoked ingest token"),
     "413": E("body larger than ingest.max_body"), "429": E("the event queue is at its disk quota: retry after Retry-After seconds; nothing of the request was kept"), "503": E("the event queue is unavailable")},
    reqbody={"required": True, "content": {"application/x-ndjson": {"schema": S}, "application/json": {"schema": arr({"type": "object"})}}}), "security": [{"ingest": []}]}}
paths["/api/v1/ingest/tokens"] = {
    "get": op("List ingest tokens (agency officers: their agencies')", "Ingest", {"200": resp("tokens", listof("IngestToken")), "401": common["401"]}),
    "post": op("Create an ingest token for an agency and optionally one of its systems (admins, analysts; audited); the secret is in this answer only", "Ingest", {"201": resp("created", ref("NewIngestToken")), **common}, reqbody=body("IngestTokenInput")),
}
paths["/api/v1/ingest/tokens/{id}"] = {"delete": op("Revoke an ingest token (admins, analysts; audited)", "Ingest", {"204": resp("revoked"), "404": E("not found"), "401": common["401"], "403": common["403"]}, [ID])}
paths["/api/v1/ingest/senders"] = {"get": op("Syslog sender addresses this server has seen since it started, unknown ones first (agency officers: their agencies' only)", "Ingest", {"200": resp("senders", listof("IngestSender")), "401": common["401"]})}
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
    "session": {"type": "apiKey", "in": "cookie", "name": "khien_session"},
    "ingest": {"type": "http", "scheme": "bearer", "description": "an ingest token (khien-ingest_…), for the log receivers only"}}},
}
out = pathlib.Path(__file__).resolve().parents[2] / "internal/api/openapi.json"
out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
print("wrote", out)
