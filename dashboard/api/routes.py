"""The REST API blueprint: /api/v1, and a JSON 404/405 for any other path under /api/.
Thin: parameters are validated by pydantic models (dashboard.api.params, which also feed the
OpenAPI document); services do the work.

Every answer is JSON, errors included: 401 comes from the login gate (auth/gate.py), 403 when
the caller may not do the thing, 413 for oversized bodies, 422 for bad input with a message
per field or parameter, and a bare 500 (no traceback, no details) for our own bugs. The error
handlers are the blueprint's own: the blueprint owns every path under /api/ (its catch-all
route answers the ones no API route serves), so the rest of the app keeps Flask's defaults.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_login import current_user
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from auth.permissions import PermissionDenied, require
from dashboard.api import params
from dashboard.api.openapi import build_openapi
from dashboard.extensions import csrf
from dashboard.geo.geocoding import make_geocoder
from dashboard.incidents import canvass as _canvass
from dashboard.incidents.feed import incident_to_dict, incidents_changed_since
from dashboard.incidents.ingest import store_incidents
from dashboard.incidents.schema import iso
from dashboard.models import utcnow
from dashboard.transparency.options import options_from
from dashboard.validation import field_errors

bp = Blueprint("api", __name__, url_prefix="/api")
log = logging.getLogger(__name__)

MAX_BATCH = 1000          # incidents per POST; a CAD backlog beyond this is sent in several requests
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
Params = TypeVar("Params", bound=BaseModel)


class ApiError(Exception):
    """Ends the request with `status` and the JSON `body`."""

    def __init__(self, status: int, body: dict):
        super().__init__(status)
        self.status = status
        self.body = body


def _invalid(errors: dict[str, str]) -> ApiError:
    return ApiError(422, {"errors": errors})


def _services():
    return current_app.extensions["connect_dallas"]


# --- who may call ------------------------------------------------------------------------------
def _require_reader() -> None:
    """CAD (bearer token) or a signed-in user whose role may see incidents and cameras."""
    if g.get("api_client") == "cad":
        return
    require(current_user, "view_map")


def _require_cad() -> None:
    if g.get("api_client") != "cad":
        raise ApiError(403, {"error": "forbidden",
                             "message": "posting incidents needs the CAD bearer token "
                                        "(Authorization: Bearer <token>); a signed-in session may only read"})


@bp.before_request
def _cookie_posts_need_csrf() -> None:
    """The blueprint is exempt from CSRFProtect because machines call it with a bearer token (no
    cookie, so nothing to forge). A browser's cookie-session POST is another matter: it must
    carry the CSRF token (form field or X-CSRFToken header), or another site could post it."""
    if request.endpoint == f"{bp.name}.post_incidents":
        return  # bearer-only: it refuses every session with its own 403, which says what to send instead
    if request.method not in ("GET", "HEAD", "OPTIONS") and g.get("api_client") is None:
        csrf.protect()


# --- input ---------------------------------------------------------------------------------------
def _validate(model: type[Params], values: dict[str, Any]) -> Params:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise _invalid(field_errors(exc, model)) from None


def _query(model: type[Params]) -> Params:
    return _validate(model, params.query_values(request.args))


def _json_body() -> Any:
    raw = request.get_data(cache=False)  # beyond MAX_CONTENT_LENGTH this raises 413
    if not raw.strip():
        raise _invalid({"body": "is empty: send one incident object or an array of them as JSON"})

    def no_constants(name: str):
        raise ValueError(f"{name} is not a JSON number")

    try:
        return json.loads(raw, parse_constant=no_constants)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise _invalid({"body": f"is not valid JSON: {str(exc)[:200]}"}) from None


# --- routes ----------------------------------------------------------------------------------------
@bp.post("/v1/incidents")
def post_incidents():
    _require_cad()
    body = _json_body()
    if isinstance(body, dict):
        return _post_one(body)
    if isinstance(body, list):
        return _post_many(body)
    raise _invalid({"body": f"must be one incident object or an array of them (got {type(body).__name__})"})


def _store(items: list) -> tuple[list, list[dict]]:
    svc = _services()
    with svc.db.session() as session:
        return store_incidents(session, items, geo=svc.geo, settings=svc.settings, source="api",
                               geocoder=make_geocoder(svc.settings))


def _post_one(obj: dict):
    stored, rejected = _store([obj])
    if rejected:
        raise _invalid(rejected[0]["errors"])
    return jsonify(stored[0].incident), 201 if stored[0].outcome == "created" else 200


def _post_many(items: list):
    if not items:
        raise _invalid({"body": "is an empty array: send at least one incident"})
    if len(items) > MAX_BATCH:
        message = f"holds {len(items)} incidents; at most {MAX_BATCH} per request: send them in several"
        raise ApiError(413, {"error": "too_large", "message": message, "errors": {"body": message}})
    stored, rejected = _store(items)
    body = {"stored": [s.incident for s in stored], "rejected": rejected}
    return jsonify(body), 200 if stored else 422


@bp.get("/v1/incidents")
def list_incidents():
    _require_reader()
    settings = _services().settings
    query = _query(params.incident_list_query(settings.max_page_size))
    with _services().db.session() as session:
        incidents, cursor = incidents_changed_since(session, query.since, query.after, query.limit)
    # the configured public address, never the Host header a caller may forge
    next_url = (f"{settings.public_base_url.rstrip('/')}{bp.url_prefix}/v1/incidents?"
                + urlencode({"since": iso(cursor.since), "after": cursor.after, "limit": query.limit})
                if cursor else None)
    return jsonify({"incidents": incidents, "next": next_url})


@bp.get("/v1/cameras/nearest")
def nearest_cameras():
    _require_reader()
    query = _query(params.NearestQuery)
    snapshot = _services().registry.get()
    # records() carries only camera id, position, distance, bearing and facing: no owner data
    return jsonify({"cameras": snapshot.nearest(query.lat, query.lon, k=query.k, radius_m=query.radius_m).records()})


@bp.get("/v1/openapi.json")
def openapi():
    _require_reader()
    settings = _services().settings
    return jsonify(build_openapi(max_page_size=settings.max_page_size, max_batch=MAX_BATCH,
                                 session_cookie=current_app.config.get("SESSION_COOKIE_NAME", "session")))


# --- canvass: the ranked cameras around an incident and its audited CSV export ---------------------------
def _incident_number(incident_number: str) -> str:
    return _validate(params.IncidentPath, {"incident_number": incident_number}).incident_number


def _incident_not_found(incident_number: str) -> ApiError:
    return ApiError(404, {"error": "not_found", "message": f"no incident {incident_number[:40]!r}"})


def _canvass_input_error(exc: _canvass.CanvassInputError) -> ApiError:
    return _invalid({exc.field or "input": str(exc)})


@bp.get("/v1/incidents/<incident_number>/cameras")
def incident_cameras(incident_number: str):
    """The cameras around an incident, ranked for investigators (dashboard.canvass): no owner data."""
    _require_reader()
    number, query = _incident_number(incident_number), _query(params.CanvassQuery)
    svc = _services()
    with svc.db.session() as session:
        try:
            row = _canvass.find_incident(session, number)
        except _canvass.IncidentNotFound:
            raise _incident_not_found(number) from None
        incident = incident_to_dict(row)
    now = utcnow()
    try:
        ranked = _canvass.rank_for_incident(svc.registry.get(), incident, now, radius_m=query.radius_m, k=query.k)
    except _canvass.CanvassInputError as exc:
        raise _canvass_input_error(exc) from None
    return jsonify({"incident": incident, "radius_m": query.radius_m, "k": query.k, "as_of": iso(now),
                    "auto_dock": _canvass.AUTO_DOCK, "cameras": [c.to_dict() for c in ranked]})


@bp.post("/v1/incidents/<incident_number>/canvass.csv")
def incident_canvass_csv(incident_number: str):
    """The ranked list as a CSV download for the case file; every export is an audit event, so it
    is a POST (form fields, with the CSRF token: see _cookie_posts_need_csrf), never a link.
    Signed-in users only (an export is a person's act, not CAD's); owner columns only with
    include_owner=1, a role allowed to see owners, a case number and a reason."""
    if g.get("api_client") == "cad" or not current_user.is_authenticated:
        raise ApiError(403, {"error": "forbidden",
                             "message": "the canvass export needs a signed-in user; a bearer token may not export"})
    number = _incident_number(incident_number)
    query = _validate(params.CanvassExportQuery, params.query_values(request.form))
    svc = _services()
    try:
        text = _canvass.canvass_csv(svc.db, svc.registry.get(), current_user, number, radius_m=query.radius_m,
                                    k=query.k, case_number=query.case, reason=query.reason,
                                    client_addr=request.remote_addr, include_owner=query.include_owner,
                                    category=query.category,
                                    categories=options_from(svc.settings).offense_categories)
    except _canvass.IncidentNotFound:
        raise _incident_not_found(number) from None
    except _canvass.CanvassInputError as exc:
        raise _canvass_input_error(exc) from None
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{_canvass.safe_filename(number)}"'})


# --- any other path under /api/ -----------------------------------------------------------------------
@bp.route("/<path:rest>", methods=_METHODS)
def unknown(rest: str):
    """Dash's catch-all GET /<path:path> would answer other /api/ paths with the dashboard's HTML
    page, and routing errors never reach a blueprint's handlers: this rule takes every path and
    method no API route serves and answers 405 (with Allow) or 404, as JSON. Not part of the API."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in _METHODS:
        try:
            endpoint, _args = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint != request.endpoint:
            allowed.append(method)
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed)
    raise NotFound(f"there is no API route /api/{rest[:100]}; see /api/v1/openapi.json")


# --- errors: JSON, never HTML, never a traceback ------------------------------------------------------
@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return jsonify(exc.body), exc.status


@bp.errorhandler(PermissionDenied)
def _forbidden(exc: PermissionDenied):
    return jsonify({"error": "forbidden", "message": str(exc)}), 403


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    name = re.sub(r"\W+", "_", (exc.name or "error").lower()).strip("_")
    body: dict[str, Any] = {"error": name, "message": exc.description or exc.name}
    if exc.code == 413:
        body["errors"] = {"body": f"is too large: at most {current_app.config.get('MAX_CONTENT_LENGTH')} bytes"}
    response = jsonify(body)
    response.status_code = exc.code or 500
    if exc.code == 405 and (valid := getattr(exc, "valid_methods", None)):
        response.headers["Allow"] = ", ".join(valid)
    return response


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):
    log.exception("unhandled error in %s %s", request.method, request.path)
    return jsonify({"error": "internal_error", "message": "the server could not complete the request"}), 500
