"""The OpenAPI 3.1 description of /api/v1, generated from the pydantic models that validate the
API's input (dashboard.incidents.schema, dashboard.api.params) and describe its answers
(dashboard.api.schemas): a length or range is written once, in the model, and both enforced
and documented from there. Tests check that every route of the blueprint appears here and
that a sample of the documented limits is what the API enforces.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from dashboard.api import params, schemas
from dashboard.incidents.schema import IncidentInput

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"


def _version() -> str:
    try:
        return metadata.version("connect-dallas-ops")
    except metadata.PackageNotFoundError:
        return "0"


def _ref(name: str) -> dict:
    return {"$ref": REF.format(model=name)}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    texts = {
        401: ("Not signed in, or a missing or invalid bearer token", "Error"),
        403: ("Signed in, but this role or client may not do this", "Error"),
        404: ("No incident with that number", "Error"),
        413: ("The body is too large (bytes or number of incidents)", "Error"),
        422: ("Bad input: a message per field or parameter", "ValidationErrors"),
    }
    return {str(code): _json(_ref(texts[code][1]), texts[code][0]) for code in codes}


def _without_null(schema: dict) -> dict:
    """A parameter that is absent is omitted, never null: keep the non-null branch of an Optional."""
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    if len(branches) != 1:
        return schema
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    if rest.get("default", 0) is None:
        del rest["default"]
    return {**branches[0], **rest}


def parameters(model: type[BaseModel], where: str = "query") -> list[dict]:
    """The OpenAPI parameters of a params model, from its JSON schema."""
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    out = []
    for name, prop in schema["properties"].items():
        prop = _without_null({key: value for key, value in prop.items() if key != "title"})
        description = prop.pop("description", None)
        item = {"name": name, "in": where, "required": where == "path" or name in required, "schema": prop}
        out.append({**item, "description": description} if description else item)
    return out


def _schemas(max_batch: int) -> dict[str, Any]:
    models = [(IncidentInput, "validation"), *((answer, "serialization") for answer in schemas.ANSWERS)]
    _keys, top = models_json_schema(models, ref_template=REF)
    found = top["$defs"]
    found["IncidentBatch"] = {"type": "array", "minItems": 1, "maxItems": max_batch, "items": _ref("IncidentInput")}
    return found


def _paths(max_page_size: int) -> dict[str, Any]:
    readers = [{"bearerAuth": []}, {"sessionCookie": []}]
    incident = parameters(params.IncidentPath, "path")
    return {
        f"{PREFIX}/incidents": {
            "get": {
                "operationId": "listIncidents",
                "summary": "Incidents changed since a time, oldest change first",
                "security": readers,
                "parameters": parameters(params.incident_list_query(max_page_size)),
                "responses": {"200": _json(_ref("IncidentPage"), "A page of incidents and the next link"),
                              **_errors(401, 403, 422)},
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
                    **_errors(401, 403, 413),
                },
            },
        },
        f"{PREFIX}/cameras/nearest": {
            "get": {
                "operationId": "nearestCameras",
                "summary": "The k nearest active cameras to a point, nearest first (no owner details)",
                "security": readers,
                "parameters": parameters(params.NearestQuery),
                "responses": {"200": _json(_ref("NearestCameras"), "Cameras, nearest first"),
                              **_errors(401, 403, 422)},
            },
        },
        f"{PREFIX}/incidents/{{incident_number}}/cameras": {
            "get": {
                "operationId": "incidentCameras",
                "summary": "The active cameras around an incident, ranked for investigators (no owner details)",
                "security": readers,
                "parameters": [*incident, *parameters(params.CanvassQuery)],
                "responses": {
                    "200": _json(_ref("IncidentCameras"), "The ranked cameras"),
                    **_errors(401, 403, 404),
                    "422": _json(_ref("ValidationErrors"), "Bad incident number, radius_m or k, or the incident "
                                                           "has no location"),
                },
            },
        },
        f"{PREFIX}/incidents/{{incident_number}}/canvass.csv": {
            "post": {
                "operationId": "incidentCanvassCsv",
                "summary": "The ranked cameras around an incident as a CSV download for the case file (audited)",
                "description": "Signed-in users only (a bearer token gets 403). Every export is an audit event "
                               "`canvass_export`. Owner columns (owner_type, owner_name, contact_person, phone, "
                               "email, owner_address) are added only with include_owner=1, for a role allowed "
                               "to see owner details, with a case number and a reason; a role that may not is "
                               "refused with 403 and the refusal is audited. A POST of form fields with the "
                               "session's CSRF token (csrf_token field or X-CSRFToken header): an export writes "
                               "an audit event, so a link on another site must not be able to trigger one.",
                "security": [{"sessionCookie": []}],
                "parameters": incident,
                "requestBody": {"required": False, "content": {"application/x-www-form-urlencoded": {
                    "schema": params.CanvassExportQuery.model_json_schema(ref_template=REF)}}},
                "responses": {
                    "200": {"description": "CSV attachment canvass-<incident_number>.csv: rank, camera_id, "
                                           "latitude, longitude, distance_m, bearing_deg, faces_incident, "
                                           "live_access, retention_days, hours_left, urgent, overwritten "
                                           "[, owner columns]",
                            "content": {"text/csv": {"schema": {"type": "string"}}}},
                    **_errors(401, 403, 404),
                    "422": _json(_ref("ValidationErrors"), "Bad incident number, radius_m, k, include_owner, case "
                                                           "or reason, or the incident has no location"),
                },
            },
        },
        f"{PREFIX}/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "security": readers,
                "responses": {"200": _json({"type": "object"}, "The OpenAPI description"),
                              **_errors(401, 403)},
            },
        },
    }


def build_openapi(*, max_page_size: int = 5000, max_batch: int = 1000, session_cookie: str = "session") -> dict:
    """The whole document; limits that the configuration sets come from the running configuration."""
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
        "paths": _paths(max_page_size),
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
