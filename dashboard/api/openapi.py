"""The OpenAPI 3.1 description of /api/v1, built as a plain dict (served by dashboard.api).

Kept beside the code it describes; tests check that every /api/v1 route of the blueprint
appears here, so a route added without documentation fails the build.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

from dashboard.vocabulary import DIVISIONS

PREFIX = "/api/v1"


def _version() -> str:
    try:
        return metadata.version("connect-dallas-ops")
    except metadata.PackageNotFoundError:
        return "0"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _nullable(schema: dict) -> dict:
    kind = schema["type"]
    return {**schema, "type": [kind, "null"]}


def _error_responses(*codes: int) -> dict:
    texts = {
        401: ("Not signed in, or a missing or invalid bearer token", "Error"),
        403: ("Signed in, but this role or client may not do this", "Error"),
        413: ("The body is too large (bytes or number of incidents)", "Error"),
        422: ("Bad input: a message per field or parameter", "ValidationErrors"),
    }
    return {str(code): _json(_ref(texts[code][1]), texts[code][0]) for code in codes}


def _schemas(max_batch: int) -> dict[str, Any]:
    text = {"type": "string"}
    incident_props = {
        "incident_number": {**text, "minLength": 1, "maxLength": 40, "example": "25-0282622"},
        "nature_of_call": {**text, "maxLength": 200, "example": "41/11R - Burg Res in Progress"},
        "priority": {"type": "integer", "minimum": 1, "maximum": 4, "description": "1 most urgent"},
        "status": {**text, "maxLength": 60, "example": "At Scene"},
        "received_at": {**text, "format": "date-time", "description": "ISO-8601 with a UTC offset"},
        "latitude": {"type": "number", "minimum": -90, "maximum": 90, "description": "WGS84 decimal degrees"},
        "longitude": {"type": "number", "minimum": -180, "maximum": 180, "description": "WGS84 decimal degrees"},
        "block": {**text, "maxLength": 40, "example": "2700"},
        "location": {**text, "maxLength": 200, "example": "Hector St"},
        "beat": {**text, "pattern": "^[1-7][0-9][0-9]$", "example": "312"},
        "division": {**text, "enum": list(DIVISIONS)},
    }
    stored_props = {
        "id": {"type": "integer"},
        **{name: (_nullable(schema) if name not in ("incident_number", "nature_of_call", "priority",
                                                    "received_at") else schema)
           for name, schema in incident_props.items()},
        "updated_at": {**text, "format": "date-time", "description": "last change; the `since` cursor"},
        "source": {**text, "enum": ["api", "replay", "demo"]},
    }
    return {
        "IncidentInput": {
            "type": "object",
            "description": "Unknown fields are ignored. latitude/longitude are required unless a geocoder is "
                           "configured; beat and division are computed from them when absent (division from "
                           "the beat's first digit when only the beat is given). A point farther than the "
                           "service-area margin outside the city limits is refused. priority, latitude and "
                           "longitude may also be sent as strings holding the number.",
            "required": ["incident_number", "nature_of_call", "priority"],
            "properties": incident_props,
        },
        "Incident": {
            "type": "object",
            "required": list(stored_props),
            "properties": stored_props,
        },
        "IncidentBatch": {"type": "array", "minItems": 1, "maxItems": max_batch, "items": _ref("IncidentInput")},
        "BatchResult": {
            "type": "object",
            "required": ["stored", "rejected"],
            "properties": {
                "stored": {"type": "array", "items": _ref("Incident")},
                "rejected": {"type": "array", "items": {
                    "type": "object", "required": ["index", "errors"],
                    "properties": {"index": {"type": "integer", "description": "position in the posted array"},
                                   "errors": _ref("FieldErrors")}}},
            },
        },
        "IncidentPage": {
            "type": "object",
            "required": ["incidents", "next"],
            "properties": {
                "incidents": {"type": "array", "items": _ref("Incident")},
                "next": {"type": ["string", "null"], "format": "uri",
                         "description": "the next page; null on the last one"},
            },
        },
        "NearestCamera": {
            "type": "object",
            "required": ["camera_id", "latitude", "longitude", "distance_m", "bearing_deg", "faces_point"],
            "properties": {
                "camera_id": {"type": "integer"},
                "latitude": {"type": "number"},
                "longitude": {"type": "number"},
                "distance_m": {"type": "number", "description": "great-circle distance in metres"},
                "bearing_deg": {"type": "number", "description": "from the camera to the point, clockwise "
                                                                 "from north"},
                "faces_point": {"type": ["boolean", "null"], "description": "null when the camera's direction "
                                                                            "is unknown"},
            },
        },
        "NearestCameras": {
            "type": "object",
            "required": ["cameras"],
            "properties": {"cameras": {"type": "array", "items": _ref("NearestCamera")}},
        },
        "RankedCamera": {
            "type": "object",
            "description": "A camera around an incident, ranked for investigators: score 3 faces the incident and "
                           "urgent, 2 faces it, 1 urgent, 0 neither, -1 footage already overwritten; then "
                           "nearest first, then lowest camera_id. No owner details.",
            "required": ["camera_id", "latitude", "longitude", "distance_m", "bearing_deg", "faces",
                         "live_access", "retention_days", "hours_left", "urgent", "overwritten", "score", "rank"],
            "properties": {
                "camera_id": {"type": "integer"},
                "latitude": {"type": "number"},
                "longitude": {"type": "number"},
                "distance_m": {"type": "number", "description": "great-circle distance in metres"},
                "bearing_deg": {"type": "number", "description": "from the camera to the incident, clockwise "
                                                                 "from north"},
                "faces": {"type": ["boolean", "null"], "description": "the incident lies inside the camera's "
                                                                      "field-of-view cone and range; null when "
                                                                      "its direction is unknown"},
                "live_access": {"type": "boolean"},
                "retention_days": {"type": "integer"},
                "hours_left": {"type": "number", "description": "hours before footage of the incident's time is "
                                                                "overwritten; negative: already gone"},
                "urgent": {"type": "boolean", "description": "0 < hours_left <= 48"},
                "overwritten": {"type": "boolean", "description": "hours_left <= 0 (ranked last)"},
                "score": {"type": "integer", "minimum": -1, "maximum": 3},
                "rank": {"type": "integer", "minimum": 1},
            },
        },
        "IncidentCameras": {
            "type": "object",
            "required": ["incident", "radius_m", "k", "as_of", "auto_dock", "cameras"],
            "properties": {
                "incident": _ref("Incident"),
                "radius_m": {"type": "number"},
                "k": {"type": "integer"},
                "as_of": {**text, "format": "date-time", "description": "the time hours_left was computed at"},
                "auto_dock": {"type": "integer", "description": "how many of the first cameras the dashboard "
                                                                "docks automatically"},
                "cameras": {"type": "array", "items": _ref("RankedCamera")},
            },
        },
        "FieldErrors": {"type": "object", "additionalProperties": {"type": "string"},
                        "example": {"priority": "must be from 1 (most urgent) to 4 (got 7)"}},
        "ValidationErrors": {"type": "object", "required": ["errors"],
                             "properties": {"errors": _ref("FieldErrors")}},
        "Error": {"type": "object", "required": ["error", "message"],
                  "properties": {"error": text, "message": text}},
    }


def _query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _canvass_parameters() -> list[dict]:
    return [
        _query("radius_m", {"type": "number", "exclusiveMinimum": 0, "maximum": 2000, "default": 150},
               "cameras within this many metres of the incident"),
        _query("k", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
               "at most this many cameras, after ranking"),
    ]


def _paths(max_page_size: int, max_batch: int) -> dict[str, Any]:
    readers = [{"bearerAuth": []}, {"sessionCookie": []}]
    return {
        f"{PREFIX}/incidents": {
            "get": {
                "operationId": "listIncidents",
                "summary": "Incidents changed since a time, oldest change first",
                "security": readers,
                "parameters": [
                    _query("since", {"type": "string", "format": "date-time"},
                           "ISO-8601 with offset; incidents changed at or after it (all when absent)"),
                    _query("after", {"type": "integer", "minimum": 0},
                           "with since: only incidents strictly after (since, this id); set by `next`"),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": max_page_size, "default": 500},
                           "page size"),
                ],
                "responses": {"200": _json(_ref("IncidentPage"), "A page of incidents and the next link"),
                              **_error_responses(401, 403, 422)},
            },
            "post": {
                "operationId": "postIncidents",
                "summary": "Create or update incidents (upsert on incident_number)",
                "security": [{"bearerAuth": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "oneOf": [_ref("IncidentInput"), _ref("IncidentBatch")]}}}},
                "responses": {
                    "201": _json(_ref("Incident"), "One object: created"),
                    "200": _json({"oneOf": [_ref("Incident"), _ref("BatchResult")]},
                                 "One object: updated (or unchanged). An array: at least one stored"),
                    "422": _json({"oneOf": [_ref("ValidationErrors"), _ref("BatchResult")]},
                                 "One object: invalid, nothing stored. An array: none valid. Or the body is "
                                 "not JSON, not an object or array, or an empty array"),
                    **_error_responses(401, 403, 413),
                },
            },
        },
        f"{PREFIX}/cameras/nearest": {
            "get": {
                "operationId": "nearestCameras",
                "summary": "The k nearest active cameras to a point, nearest first (no owner details)",
                "security": readers,
                "parameters": [
                    _query("lat", {"type": "number", "minimum": -90, "maximum": 90}, "latitude", required=True),
                    _query("lon", {"type": "number", "minimum": -180, "maximum": 180}, "longitude", required=True),
                    _query("k", {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
                           "how many cameras"),
                    _query("radius_m", {"type": "number", "exclusiveMinimum": 0},
                           "only cameras within this many metres"),
                ],
                "responses": {"200": _json(_ref("NearestCameras"), "Cameras, nearest first"),
                              **_error_responses(401, 403, 422)},
            },
        },
        f"{PREFIX}/incidents/{{incident_number}}/cameras": {
            "get": {
                "operationId": "incidentCameras",
                "summary": "The active cameras around an incident, ranked for investigators (no owner details)",
                "security": readers,
                "parameters": [
                    {"name": "incident_number", "in": "path", "required": True, "schema": {"type": "string"}},
                    *_canvass_parameters(),
                ],
                "responses": {
                    "200": _json(_ref("IncidentCameras"), "The ranked cameras"),
                    "404": _json(_ref("Error"), "No incident with that number"),
                    **_error_responses(401, 403),
                    "422": _json(_ref("ValidationErrors"), "Bad radius_m or k, or the incident has no location"),
                },
            },
        },
        f"{PREFIX}/incidents/{{incident_number}}/canvass.csv": {
            "get": {
                "operationId": "incidentCanvassCsv",
                "summary": "The ranked cameras around an incident as a CSV download for the case file (audited)",
                "description": "Signed-in users only (a bearer token gets 403). Every export is an audit event "
                               "`canvass_export`. Owner columns (owner_type, owner_name, contact_person, phone, "
                               "email, owner_address) are added only with include_owner=1, for a role allowed "
                               "to see owner details, with a case number and a reason; a role that may not is "
                               "refused with 403 and the refusal is audited.",
                "security": [{"sessionCookie": []}],
                "parameters": [
                    {"name": "incident_number", "in": "path", "required": True, "schema": {"type": "string"}},
                    *_canvass_parameters(),
                    _query("include_owner", {"type": "string", "enum": ["0", "1"], "default": "0"},
                           "1: add the owner columns (needs case and reason)"),
                    _query("case", {"type": "string", "pattern": "^[0-9]{2}-[0-9]{7}$", "example": "25-0280079"},
                           "Dallas case number; required with include_owner=1, recorded in the audit event"),
                    _query("reason", {"type": "string", "minLength": 10, "maxLength": 500},
                           "why the owners' contacts are needed; required with include_owner=1"),
                ],
                "responses": {
                    "200": {"description": "CSV attachment canvass-<incident_number>.csv: rank, camera_id, "
                                           "latitude, longitude, distance_m, bearing_deg, faces_incident, "
                                           "live_access, retention_days, hours_left, urgent, overwritten "
                                           "[, owner columns]",
                            "content": {"text/csv": {"schema": {"type": "string"}}}},
                    "404": _json(_ref("Error"), "No incident with that number"),
                    **_error_responses(401, 403),
                    "422": _json(_ref("ValidationErrors"), "Bad radius_m, k, include_owner, case or reason, or "
                                                           "the incident has no location"),
                },
            },
        },
        f"{PREFIX}/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "security": readers,
                "responses": {"200": _json({"type": "object"}, "The OpenAPI description"),
                              **_error_responses(401, 403)},
            },
        },
    }


def build_openapi(*, max_page_size: int = 5000, max_batch: int = 1000, session_cookie: str = "session") -> dict:
    """The whole document; limits come from the running configuration."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "CONNECT DALLAS Ops API",
            "version": _version(),
            "description": "Incidents from CAD and the registered cameras around them. Every error is JSON: "
                           "401 not signed in or bad token, 403 not allowed, 413 too large, 422 bad input "
                           "with a message per field.",
        },
        "servers": [{"url": "/"}],
        "paths": _paths(max_page_size, max_batch),
        "components": {
            "schemas": _schemas(max_batch),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "a CAD token (config api.tokens or CAD_API_TOKENS)"},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": session_cookie,
                                  "description": "a signed-in dashboard session (read-only)"},
            },
        },
    }
