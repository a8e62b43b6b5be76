"""`GET /api/v1/openapi.json`: the agent API's core described in OpenAPI 3.0, for integrators and client
generators. Kept true by tests/inbox/api/test_openapi.py, which runs schemathesis against a running server: every
documented operation, generated inputs, no 500s, every response matching its documented status and schema.

Hand-written (no framework here derives it from aiohttp handlers); shapes come from inbox.views.
"""
from __future__ import annotations

from typing import Any

from aiohttp import web

from inbox.api.access import access

routes = web.RouteTableDef()


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "nullable": True, **extra}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {str(code): _json(_ref("Error"), text) for code, text in (
    (400, "bad input"), (401, "missing or invalid token"), (403, "not allowed for this role"),
    (404, "no such conversation (or another team's)"))}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
_STRING_ARRAY = {"type": "array", "items": {"type": "string"}}

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
    "Agent": {"type": "object", "required": ["id", "email", "name", "role"], "properties": {
        "id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"},
        "role": {"type": "string", "enum": ["admin", "agent"]}, "team_id": _nullable("integer")}},
    "Identity": {"type": "object", "required": ["kind", "value"], "properties": {
        "kind": {"type": "string"}, "value": {"type": "string"}, "display_name": _nullable("string"),
        "handle": _nullable("string")}},
    "Contact": {"type": "object", "nullable": True, "required": ["id", "identities"], "properties": {
        "id": {"type": "integer"}, "name": _nullable("string"), "language": _nullable("string"),
        "unreachable": {"type": "boolean"}, "attributes": {"type": "object"},
        "identities": {"type": "array", "items": _ref("Identity")}}},
    "Conversation": {"type": "object", "required": [
        "id", "ticket", "channel", "connector", "visibility", "status", "tags", "priority", "last_message_at"],
        "properties": {
            "id": {"type": "integer"}, "ticket": {"type": "string"}, "channel": {"type": "string"},
            "connector": {"type": "string"}, "visibility": {"type": "string", "enum": ["public", "private"]},
            "status": {"type": "string", "enum": ["open", "pending", "snoozed", "resolved"]},
            "type": _nullable("string"), "type_confidence": _nullable("number"), "type_reasons": _STRING_ARRAY,
            "tags": _STRING_ARRAY, "priority": {"type": "string"}, "team_id": _nullable("integer"),
            "team": _nullable("string"), "assignee_id": _nullable("integer"),
            "assignee": {"type": "object", "nullable": True}, "contact_id": {"type": "integer"},
            "contact": _ref("Contact"), "subject": _nullable("string"), "language": _nullable("string"),
            "message_count": {"type": "integer"}, "preview": _nullable("string"),
            "created_at": _nullable("string", format="date-time"), "updated_at": _nullable("string", format="date-time"),
            "last_message_at": {"type": "string", "format": "date-time"}}},
    "Message": {"type": "object", "required": ["id", "conversation_id", "direction", "text", "visibility", "status",
                                               "created_at"], "properties": {
        "id": {"type": "integer"}, "conversation_id": {"type": "integer"},
        "direction": {"type": "string", "enum": ["inbound", "outbound", "note"]}, "text": {"type": "string"},
        "html": _nullable("string"), "subject": _nullable("string"),
        "visibility": {"type": "string", "enum": ["public", "private"]}, "status": {"type": "string"},
        "error": _nullable("string"), "connector": {"type": "string"}, "provider_id": _nullable("string"),
        "agent_id": _nullable("integer"), "reason": _nullable("string"),
        "attachments": {"type": "array", "items": {"type": "object"}},
        "findings": {"type": "array", "items": {"type": "object"}}, "flags": _STRING_ARRAY,
        "created_at": {"type": "string", "format": "date-time"}, "sent_at": _nullable("string", format="date-time"),
        "edited_at": _nullable("string", format="date-time")}},
}

_LIST_PARAMS = [
    {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["open", "pending", "snoozed", "resolved"]}},
    {"name": "type", "in": "query", "schema": {"type": "string"}},
    {"name": "tag", "in": "query", "schema": {"type": "string"}},
    {"name": "assignee", "in": "query", "schema": {"type": "string"}, "description": "me, none, an id or an email"},
    {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "text or ticket number"},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
]

DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Omni Inbox agent API", "version": "1"},
    "components": {"schemas": SCHEMAS,
                   "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/api/v1/auth/login": {"post": {
            "security": [], "summary": "sign in; the token is a bearer credential",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["email", "password"],
                "properties": {"email": {"type": "string"}, "password": {"type": "string"}}}}}},
            "responses": {"200": _json({"type": "object", "required": ["token"], "properties": {
                "token": {"type": "string"}, "agent": _ref("Agent")}}, "signed in"),
                "400": _ERRORS["400"], "401": _json(_ref("Error"), "wrong email or password"),
                "429": _json(_ref("Error"), "too many failed sign-ins; see Retry-After")}}},
        "/api/v1/me": {"get": {"summary": "the signed-in agent", "responses": {
            "200": _json({"type": "object", "required": ["agent"], "properties": {"agent": _ref("Agent")}}, "agent"),
            "401": _ERRORS["401"]}}},
        "/api/v1/conversations": {"get": {"summary": "conversations the agent may see", "parameters": _LIST_PARAMS,
            "responses": {"200": _json({"type": "object", "required": ["conversations", "total"], "properties": {
                "conversations": {"type": "array", "items": _ref("Conversation")}, "total": {"type": "integer"}}},
                "a page, newest first"), "400": _ERRORS["400"], "401": _ERRORS["401"]}}},
        "/api/v1/conversations/counts": {"get": {"summary": "open conversations per view", "parameters": [
            {"name": "status", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": _json({"type": "object", "required": ["counts"], "properties": {"counts": {
                "type": "object", "additionalProperties": {"type": "integer"}}}}, "counts"), "401": _ERRORS["401"]}}},
        "/api/v1/conversations/{id}": {"get": {"summary": "one conversation", "parameters": [_ID], "responses": {
            "200": _json({"type": "object", "required": ["conversation"], "properties": {
                "conversation": _ref("Conversation")}}, "the conversation"),
            "401": _ERRORS["401"], "404": _ERRORS["404"]}}},
        "/api/v1/conversations/{id}/messages": {"get": {"summary": "a conversation's messages", "parameters": [
            _ID, {"name": "reveal", "in": "query", "schema": {"type": "string", "enum": ["1", "true"]},
                  "description": "admins: personal data unmasked (audited)"}],
            "responses": {"200": _json({"type": "object", "required": ["messages"], "properties": {
                "messages": {"type": "array", "items": _ref("Message")}}}, "oldest first"),
                "401": _ERRORS["401"], "403": _ERRORS["403"], "404": _ERRORS["404"]}}},
    },
}


# Any request may be refused as bad input (a NUL character anywhere is refused before routing: inbox.api.hygiene).
for _item in DOCUMENT["paths"].values():
    for _operation in _item.values():
        _operation["responses"].setdefault("400", _ERRORS["400"])


@routes.get("/api/v1/openapi.json")
@access("public")  # describes the API; holds no data
async def openapi_document(request: web.Request) -> web.Response:
    return web.json_response(DOCUMENT)
