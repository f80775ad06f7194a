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
                 "email": S, "phone": S, "security_officer": S, "created_at": T, "updated_at": T}, ["id", "code", "name", "parent_id"]),
  "AgencyInput": obj({"code": S, "name": S, "parent_id": NI, "kind": S, "email": S, "phone": S, "security_officer": S}),
  "Software": obj({"name": S, "version": S, "cpe": S, "purl": S}, ["name"]),
  "System": obj({"id": I, "agency_id": I, "agency_code": S, "agency_name": S, "name": S, "purpose": S, "info_kind": S, "audience": S,
                 "hosting": {"type": "string", "enum": ["", "on-premise", "provincial-dc", "cloud"]},
                 "operator": S, "status": {"type": "string", "enum": ["planned", "active", "suspended", "retired"]},
                 "urls": arr(S), "domains": arr(S), "ips": arr(S), "cidrs": arr(S), "software": arr(ref("Software")),
                 "created_at": T, "updated_at": T}, ["id", "agency_id", "name", "urls", "domains"]),
  "SystemInput": obj({"agency_id": I, "name": S, "purpose": S, "info_kind": S, "audience": S, "hosting": S, "operator": S, "status": S,
                      "urls": arr(S), "domains": arr(S), "ips": arr(S), "cidrs": arr(S), "software": arr(ref("Software"))}),
  "User": obj({"id": I, "username": S, "display_name": S, "role": {"type": "string", "enum": ["admin", "analyst", "agency", "auditor"]},
               "agency_id": NI, "disabled": B, "created_at": T, "updated_at": T, "last_login_at": S}, ["id", "username", "role", "agency_id"]),
  "UserInput": obj({"username": S, "password": S, "display_name": S, "role": S, "agency_id": NI, "disabled": B}),
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
paths.update(crud("Agency", "Agency", "agencies", [q("q", "search code and name (diacritics ignored)"), q("parent_id", "direct children of this agency", I), q("kind", "province, department, district, commune or unit"), q("sort", "code, name, id, created_at, updated_at or tree; '-' for descending")], "agencies"))
paths.update(crud("System", "System", "information systems", [q("q", "search name, purpose, operator, agency code, URLs, domains, IPs, software (diacritics ignored)"), q("agency_id", "this agency and its units", I), q("hosting", "on-premise, provincial-dc or cloud"), q("status", "planned, active, suspended or retired"), q("domain", "systems listing exactly this domain"), q("sort", "name, id, created_at, updated_at, agency, status or hosting; '-' for descending")], "systems"))
paths["/api/v1/import/{kind}"] = {"post": op("Import a CSV of agencies or systems, all or nothing", "Import/export", {
    "200": resp("imported (or checked, with dry_run)", ref("ImportReport")),
    "400": resp("the file has errors; nothing was written", obj({"error": obj({"code": S, "message": S}), "report": ref("ImportReport")})),
    "401": common["401"], "403": common["403"], "413": E("file larger than 10 MiB")},
    [KIND, q("dry_run", "check only, write nothing", B), q("map", "HEADER=FIELD column mapping (repeatable); FIELD '-' ignores the column")],
    {"required": True, "content": {"text/csv": {"schema": S}, "multipart/form-data": {"schema": obj({"file": {"type": "string", "format": "binary"}}, ["file"])}}})}
paths["/api/v1/export/{kind}"] = {"get": op("Export agencies or systems in your scope as CSV (UTF-8 with BOM)", "Import/export", {"200": resp("CSV", S, "text/csv"), "401": common["401"], "404": E("unknown kind")}, [KIND])}
paths["/api/v1/users"] = {
    "get": op("List users (admins)", "Accounts", {"200": resp("users", listof("User")), "401": common["401"], "403": common["403"]}),
    "post": op("Create a user (admins)", "Accounts", {"201": resp("created", ref("User")), "409": E("user name taken"), **common}, reqbody=body("UserInput")),
}
paths["/api/v1/users/{id}"] = {
    "get": op("Get a user (admins; others only themselves)", "Accounts", {"200": resp("user", ref("User")), "404": E("not found"), "401": common["401"]}, [ID]),
    "patch": op("Change a user (admins); a new password or disabling ends their sessions", "Accounts", {"200": resp("updated", ref("User")), "404": E("not found"), **common}, [ID], body("UserInput")),
    "delete": op("Delete a user (admins; not yourself)", "Accounts", {"204": resp("deleted"), "404": E("not found"), "409": E("cannot delete yourself"), "401": common["401"], "403": common["403"]}, [ID]),
}
paths["/api/v1/tokens"] = {
    "get": op("List API tokens (admins: all; others: their own)", "Accounts", {"200": resp("tokens", listof("Token")), "401": common["401"]}),
    "post": op("Create an API token; the secret is in this answer only", "Accounts", {"201": resp("created", ref("NewToken")), **common}, reqbody=body("TokenInput")),
}
paths["/api/v1/tokens/{id}"] = {"delete": op("Revoke a token", "Accounts", {"204": resp("revoked"), "404": E("not found"), "401": common["401"]}, [ID])}
paths["/api/v1/audit"] = {"get": op("Browse the audit log (admins, auditors)", "Audit", {"200": resp("entries, newest first", listof("AuditEntry")), "400": common["400"], "401": common["401"], "403": common["403"]},
    [q("actor", "user name"), q("action", "create, update, delete or login"), q("object_type", "agency, system, user, token, session"), q("object_id", "object id"), q("since", "date or RFC 3339 time"), q("until", "date or RFC 3339 time")] + PAGING)}
paths["/api/v1/audit/verify"] = {"get": op("Check the audit log's hash chain (admins, auditors)", "Audit", {"200": resp("result", ref("AuditVerify")), "401": common["401"], "403": common["403"]})}

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
