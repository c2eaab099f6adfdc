"""The REST API blueprint (/api/v1). Thin: validation and shaping; services do the work.

Every answer is JSON, errors included: 401 comes from the login gate (auth/gate.py), 403 when
the caller may not do the thing, 413 for oversized bodies, 422 for bad input with a message
per field or parameter, and a bare 500 (no traceback, no details) for our own bugs.
"""

from __future__ import annotations

import json
import logging
import math
import re
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException, NotFound

from auth.permissions import PermissionDenied, require
from dashboard.api.openapi import build_openapi
from dashboard.geo.geocoding import make_geocoder
from dashboard.incidents.ingest import incidents_changed_since, iso, parse_timestamp, store_incidents

bp = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)

MAX_BATCH = 1000          # incidents per POST; a CAD backlog beyond this is sent in several requests
DEFAULT_PAGE = 500        # CONTRACT.md: limit default 500
DEFAULT_K, MAX_K = 10, 100


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


# --- parameters ---------------------------------------------------------------------------------
def _arg(name: str) -> str | None:
    value = request.args.get(name)
    return value.strip() if value is not None and value.strip() else None


def _int_arg(errors: dict[str, str], name: str, default: int | None, lo: int, hi: int) -> int | None:
    text = _arg(name)
    if text is None:
        return default
    if not re.fullmatch(r"[+-]?\d{1,18}", text):
        errors[name] = f"must be a whole number from {lo} to {hi} (got {text[:40]!r})"
        return None
    value = int(text)
    if not lo <= value <= hi:
        errors[name] = f"must be from {lo} to {hi} (got {value})"
        return None
    return value


def _float_arg(errors: dict[str, str], name: str, *, required: bool, lo: float, hi: float,
               lo_inclusive: bool = True) -> float | None:
    text = _arg(name)
    if text is None:
        if required:
            errors[name] = "is required"
        return None
    try:
        value = float(text)
    except ValueError:
        errors[name] = f"must be a number (got {text[:40]!r})"
        return None
    too_low = value < lo if lo_inclusive else value <= lo
    if not math.isfinite(value) or too_low or value > hi:
        low = f"from {lo:g}" if lo_inclusive else f"greater than {lo:g}"
        errors[name] = f"must be a number {low} up to {hi:g} (got {text[:40]})"
        return None
    return value


def _since_arg(errors: dict[str, str]):
    text = _arg("since")
    if text is None:
        return None
    # An unencoded "+01:00" arrives as " 01:00" (a + in a query string is a space): repair it.
    text = re.sub(r"(\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d(?::?\d\d)?)$", r"\1+\2", text)
    try:
        return parse_timestamp(text)
    except ValueError as exc:
        errors["since"] = str(exc)
        return None


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
@bp.post("/incidents")
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


@bp.get("/incidents")
def list_incidents():
    _require_reader()
    settings = _services().settings
    errors: dict[str, str] = {}
    limit = _int_arg(errors, "limit", min(DEFAULT_PAGE, settings.max_page_size), 1, settings.max_page_size)
    since = _since_arg(errors)
    after = _int_arg(errors, "after", None, 0, 2**62)
    if after is not None and since is None and "since" not in errors:
        errors["after"] = "needs since: pass both, as the next link does"
    if errors:
        raise _invalid(errors)
    with _services().db.session() as session:
        incidents, cursor = incidents_changed_since(session, since, after, limit)
    next_url = (url_for(".list_incidents", since=iso(cursor.since), after=cursor.after, limit=limit,
                        _external=True) if cursor else None)
    return jsonify({"incidents": incidents, "next": next_url})


@bp.get("/cameras/nearest")
def nearest_cameras():
    _require_reader()
    errors: dict[str, str] = {}
    lat = _float_arg(errors, "lat", required=True, lo=-90, hi=90)
    lon = _float_arg(errors, "lon", required=True, lo=-180, hi=180)
    k = _int_arg(errors, "k", DEFAULT_K, 1, MAX_K)
    radius_m = _float_arg(errors, "radius_m", required=False, lo=0, hi=20_037_509, lo_inclusive=False)
    if errors:
        raise _invalid(errors)
    snapshot = _services().registry.get()
    # records() carries only camera id, position, distance, bearing and facing: no owner data
    return jsonify({"cameras": snapshot.nearest(lat, lon, k=k, radius_m=radius_m).records()})


@bp.get("/openapi.json")
def openapi():
    _require_reader()
    settings = _services().settings
    return jsonify(build_openapi(max_page_size=settings.max_page_size, max_batch=MAX_BATCH,
                                 session_cookie=current_app.config.get("SESSION_COOKIE_NAME", "session")))


@bp.get("/<path:rest>")
def unknown(rest: str):
    """Dash's catch-all GET /<path:path> would answer any other /api/v1 path with the dashboard's
    HTML page; this more specific rule answers a JSON 404 instead. Not part of the API."""
    raise NotFound(f"there is no API route /api/v1/{rest[:100]}; see /api/v1/openapi.json")


# --- errors: JSON, never HTML, never a traceback ------------------------------------------------------
@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return jsonify(exc.body), exc.status


@bp.errorhandler(PermissionDenied)
def _forbidden(exc: PermissionDenied):
    return jsonify({"error": "forbidden", "message": str(exc)}), 403


def _http_error_json(exc: HTTPException):
    name = re.sub(r"\W+", "_", (exc.name or "error").lower()).strip("_")
    body: dict[str, Any] = {"error": name, "message": exc.description or exc.name}
    if exc.code == 413:
        body["errors"] = {"body": f"is too large: at most {current_app.config.get('MAX_CONTENT_LENGTH')} bytes"}
    response = jsonify(body)
    response.status_code = exc.code or 500
    if exc.code == 405 and (valid := getattr(exc, "valid_methods", None)):
        response.headers["Allow"] = ", ".join(valid)
    return response


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return _http_error_json(exc)


@bp.app_errorhandler(HTTPException)
def _http_error_app(exc: HTTPException):
    """404/405 under /api/ are raised while routing, before the blueprint is known, so they
    need an app-level handler; every other path keeps Flask's own response."""
    if request.path.startswith("/api/"):
        return _http_error_json(exc)
    return exc


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):
    log.exception("unhandled error in %s %s", request.method, request.path)
    return jsonify({"error": "internal_error", "message": "the server could not complete the request"}), 500


# --- canvass: the ranked cameras around an incident and its audited CSV export ---------------------------
# (imported here, after the error handlers, so this section stays self-contained)
from flask import Response  # noqa: E402

from dashboard.incidents import canvass as _canvass  # noqa: E402
from dashboard.incidents.ingest import incident_to_dict  # noqa: E402
from dashboard.models import utcnow  # noqa: E402

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _canvass_args(errors: dict[str, str]) -> tuple[float | None, int | None]:
    radius_m = _float_arg(errors, "radius_m", required=False, lo=0, hi=_canvass.MAX_RADIUS_M, lo_inclusive=False)
    k = _int_arg(errors, "k", _canvass.DEFAULT_K, 1, _canvass.MAX_K)
    return (_canvass.DEFAULT_RADIUS_M if radius_m is None else radius_m), k


def _bool_arg(errors: dict[str, str], name: str) -> bool:
    text = _arg(name)
    if text is None or text.lower() in _FALSE:
        return False
    if text.lower() in _TRUE:
        return True
    errors[name] = f"must be 1 or 0 (got {text[:40]!r})"
    return False


def _canvass_input_error(exc: _canvass.CanvassInputError) -> ApiError:
    return _invalid({exc.field or "input": str(exc)})


def _incident_not_found(incident_number: str) -> ApiError:
    return ApiError(404, {"error": "not_found", "message": f"no incident {incident_number[:40]!r}"})


@bp.get("/incidents/<incident_number>/cameras")
def incident_cameras(incident_number: str):
    """The cameras around an incident, ranked for investigators (dashboard.canvass): no owner data."""
    _require_reader()
    errors: dict[str, str] = {}
    radius_m, k = _canvass_args(errors)
    if errors:
        raise _invalid(errors)
    svc = _services()
    with svc.db.session() as session:
        try:
            row = _canvass.find_incident(session, incident_number)
        except _canvass.IncidentNotFound:
            raise _incident_not_found(incident_number) from None
        incident = incident_to_dict(row)
    now = utcnow()
    try:
        ranked = _canvass.rank_for_incident(svc.registry.get(), incident, now, radius_m=radius_m, k=k)
    except _canvass.CanvassInputError as exc:
        raise _canvass_input_error(exc) from None
    return jsonify({"incident": incident, "radius_m": radius_m, "k": k, "as_of": iso(now),
                    "auto_dock": _canvass.AUTO_DOCK, "cameras": [c.to_dict() for c in ranked]})


@bp.get("/incidents/<incident_number>/canvass.csv")
def incident_canvass_csv(incident_number: str):
    """The ranked list as a CSV download for the case file; every export is an audit event.
    Signed-in users only (an export is a person's act, not CAD's); owner columns only with
    include_owner=1, a role allowed to see owners, a case number and a reason."""
    if g.get("api_client") == "cad" or not current_user.is_authenticated:
        raise ApiError(403, {"error": "forbidden",
                             "message": "the canvass export needs a signed-in user; a bearer token may not export"})
    errors: dict[str, str] = {}
    radius_m, k = _canvass_args(errors)
    include_owner = _bool_arg(errors, "include_owner")
    if errors:
        raise _invalid(errors)
    svc = _services()
    try:
        text = _canvass.canvass_csv(svc.db, svc.registry.get(), current_user, incident_number, radius_m=radius_m,
                                    k=k, case_number=_arg("case"), reason=_arg("reason"),
                                    client_addr=request.remote_addr, include_owner=include_owner)
    except _canvass.IncidentNotFound:
        raise _incident_not_found(incident_number) from None
    except _canvass.CanvassInputError as exc:
        raise _canvass_input_error(exc) from None
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{_canvass.safe_filename(incident_number)}"'})
