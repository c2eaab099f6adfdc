"""The public camera-registration portal (/register, no login, English and Spanish); the admins'
pages behind the login gate are in admin_views.py.

Plain server-rendered Flask + Jinja (autoescaped): nothing here reaches a Dash callback, and no
public page returns registry data; the one page that shows cameras (/register/manage/<token>)
shows only the owner's own, to the holder of the emailed sign-in link.

Form posts are rate limited per client address with Flask-Limiter, counted where
`registration.rate_limit_storage` says: `memory://` (the default) is right for one process; with
several workers or servers point it at a shared store (redis://...). Behind a reverse proxy, wrap the app in
werkzeug's ProxyFix so `request.remote_addr` is the client's address, not the proxy's.

`init_portal(server)` registers the portal and the admin pages on the Flask server.
"""

from __future__ import annotations

import math

from flask import Blueprint, Flask, current_app, make_response, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError

from dashboard.models.base import utcnow
from dashboard.owners import links, maintenance, owner_control, submission
from dashboard.owners.admin_views import admin_bp, import_bp
from dashboard.owners.details import wanted_value
from dashboard.owners.i18n import LANGUAGES, pick_language, translator
from dashboard.owners.validation import (
    DIRECTIONS,
    PORTAL_OWNER_TYPES,
    camera_count_of,
    is_checked,
    validate_email_field,
    validate_form,
)
from dashboard.transparency import i18n as labels
from dashboard.transparency.options import options_from
from dashboard.transparency.owner_history import FOOTAGE_REQUESTED, owner_history
from dashboard.vocabulary import CAMERA_TYPES, LIVE_SHARING, PLACEMENTS

bp = Blueprint("portal", __name__, url_prefix="/register", template_folder="templates",
               static_folder="static/portal", static_url_path="/static")
DIRECTION_CHOICES = tuple(DIRECTIONS)
CAMERA_FIELDS = ("label", "type", "placement", "direction", "retention", "live", "sharing", "stream")


def _services():
    return current_app.extensions["connect_dallas"]


def _settings():
    return current_app.config["SETTINGS"]


def _lang() -> str:
    return pick_language(request.values.get("lang"), request.accept_languages)


def _render(template: str, status: int = 200, **context):
    lang = context.pop("lang", None) or _lang()
    context.setdefault("errors", {})
    response = make_response(render_template(
        f"portal/{template}", lang=lang, tr=translator(lang),
        other_lang=next(code for code in LANGUAGES if code != lang), **context), status)
    return response


@bp.after_request
def _no_store(response):
    # owner-typed data and emailed tokens must not linger in shared caches or Referer headers
    response.headers["Cache-Control"] = "no-store"  # CSP and Referrer-Policy: dashboard/security_headers.py
    return response


@bp.errorhandler(CSRFError)
def _csrf_expired(_exc):
    return _render("message.html", 400, title_key="link_invalid_title", body="The form expired. Please reload "
                   "the page and try again. / El formulario venció. Recargue la página e inténtelo de nuevo.")


def _rate_limited(_limit):
    return _render("message.html", 429, title_key="rate_limited", body_key="rate_limited")


# ----------------------------------------------------------------------------- public form

def _form_values(form) -> dict:
    return {k: v for k, v in form.items() if k not in ("csrf_token",)}


def _form_context(values: dict, count: int) -> dict:
    settings = _settings()
    return dict(values=values, count=count, max_cameras=settings.registration_max_cameras,
                map_center=settings.map_center, map_zoom=settings.map_zoom, tile_url=settings.tile_url,
                tile_attribution=settings.tile_attribution,
                owner_types=PORTAL_OWNER_TYPES, camera_types=CAMERA_TYPES, placements=PLACEMENTS, directions=DIRECTION_CHOICES,
                sharing_choices=LIVE_SHARING, camera_fields=CAMERA_FIELDS)


def _selected_direction(value: str) -> str:
    """Degrees typed or stored -> the compass choice the select shows."""
    value = (value or "").strip().upper()
    if value in DIRECTIONS or not value:
        return value
    try:
        degrees = float(value) % 360
    except ValueError:
        return ""
    if not math.isfinite(degrees):  # "nan", "1e309": the form answers with a message, shows no choice
        return ""
    return DIRECTION_CHOICES[int((degrees + 22.5) // 45) % 8]


@bp.app_template_filter("compass")
def _compass(value) -> str:
    return _selected_direction("" if value is None else str(value))


@bp.get("")
def form():
    return _render("form.html", **_form_context({}, 1))


@bp.post("")
def submit():
    settings = _settings()
    values = _form_values(request.form)
    max_cameras = settings.registration_max_cameras
    action = request.form.get("action", "submit")
    count = camera_count_of(request.form, max_cameras)
    if action in ("add", "remove"):  # the JS-free way to change the number of cameras
        count = min(max_cameras, count + 1) if action == "add" else max(1, count - 1)
        values["camera_count"] = str(count)
        return _render("form.html", **_form_context(values, count))
    lang = _lang()
    if (request.form.get("website") or "").strip():
        # honeypot: a bot filled the invisible field. Answer as if it worked, store nothing.
        return _render("check_email.html", email=(request.form.get("email") or "")[:254],
                       hours=f"{settings.registration_confirm_link_hours:g}")
    payload, errors = validate_form(request.form, max_cameras=max_cameras, geo=_services().geo)
    if errors:
        return _render("form.html", 422, errors=errors, **_form_context(values, count))
    submission.submit(_services().db, settings, payload, language=lang)
    return _render("check_email.html", email=payload["email"],
                   hours=f"{settings.registration_confirm_link_hours:g}")


# A link in an email only shows a button: mail scanners and link previews fetch (GET) every
# link they see, and must not confirm a registration or renew one on the owner's behalf.
def _link_page(token: str, purpose: str, title_key: str, button_key: str):
    if not links.is_open(_services().db, token, purpose, utcnow()):
        return _render("message.html", 404, title_key="link_invalid_title", body_key="link_invalid_body")
    return _render("confirm_link.html", title_key=title_key, button_key=button_key)


@bp.get("/confirm/<token>")
def confirm_page(token: str):
    return _link_page(token, "confirm", "confirm_page_title", "confirm_button")


@bp.post("/confirm/<token>")
def confirm(token: str):
    result = submission.confirm(_services().db, _settings(), token, geo=_services().geo)
    if result is None:
        return _render("message.html", 404, title_key="link_invalid_title", body_key="link_invalid_body")
    body_key = "confirmed_active" if result.status == "approved" else "confirmed_review"
    return _render("message.html", title_key="confirmed_title", body_key=body_key, show_manage=True)


@bp.get("/reconfirm/<token>")
def reconfirm_page(token: str):
    return _link_page(token, "reconfirm", "reconfirm_page_title", "reconfirm_button")


@bp.post("/reconfirm/<token>")
def reconfirm(token: str):
    if not maintenance.reconfirm(_services().db, token):
        return _render("message.html", 404, title_key="link_invalid_title", body_key="link_invalid_body")
    return _render("message.html", title_key="reconfirmed_title", show_manage=True)


# ----------------------------------------------------------------------------- owner self-service

@bp.get("/manage")
def manage_form():
    return _render("manage_request.html")


@bp.post("/manage")
def manage_request():
    settings = _settings()
    errors = {}
    email = validate_email_field(request.form, errors)
    if errors:  # a malformed address: say so (this reveals nothing about who is registered)
        return _render("manage_request.html", 422, errors=errors, email=(request.form.get("email") or "")[:254])
    # the same answer whether or not the address is registered
    owner_control.request_manage_link(_services().db, settings, email)
    return _render("message.html", title_key="manage_title", body_key="manage_sent",
                   body_params={"hours": f"{settings.registration_manage_link_hours:g}"})


def _history(owner_id: int, lang: str, delay_days: int) -> list[dict]:
    """The owner's own access history as rows of plain labels: date, kind, category, the camera's
    own label, and for footage requests their answer and the outcome. Never a case number or an
    officer: the service does not return them."""
    rows = []
    for e in owner_history(_services().db, owner_id, delay_days=delay_days):
        outcome = []
        if e.kind == FOOTAGE_REQUESTED:
            outcome.append(labels.t(lang, f"answer_{e.answer or 'none'}"))
            if e.footage_sent and e.outcome in ("used", "not_needed"):
                outcome.append(labels.t(lang, f"outcome_{e.outcome}"))
        rows.append({"date": e.local_date, "kind": e.kind, "kind_label": labels.t(lang, f"kind_{e.kind}"),
                     "category": labels.category_label(lang, e.category or "unspecified"),
                     "camera": e.camera_label or "", "outcome": " · ".join(outcome)})
    return rows


def _manage_page(token: str, owner_id: int, status: int = 200, errors=None, saved: bool = False,
                 for_review: bool = False):
    registrations = owner_control.owner_registrations(_services().db, owner_id)
    lang, delay_days = _lang(), options_from(_settings()).owner_history_delay_days
    return _render("manage.html", status, lang=lang, token=token, registrations=registrations, errors=errors or {},
                   history=_history(owner_id, lang, delay_days), history_delay_days=delay_days,
                   values=request.form if errors else {}, saved=saved, for_review=for_review,
                   camera_types=CAMERA_TYPES, placements=PLACEMENTS, directions=DIRECTION_CHOICES,
                   sharing_choices=LIVE_SHARING, wanted=wanted_value)


@bp.get("/manage/<token>")
def manage(token: str):
    owner_id = owner_control.manage_owner(_services().db, token)
    if owner_id is None:
        return _render("message.html", 404, title_key="link_invalid_title", body_key="link_invalid_body")
    return _manage_page(token, owner_id)


@bp.post("/manage/<token>")
def manage_post(token: str):
    db = _services().db
    owner_id = owner_control.manage_owner(db, token)
    if owner_id is None:
        return _render("message.html", 404, title_key="link_invalid_title", body_key="link_invalid_body")
    if request.form.get("action") == "withdraw":
        if not is_checked(request.form.get("confirm_withdraw")):
            return _manage_page(token, owner_id, 422, errors={"confirm_withdraw": ("err_required", {})})
        owner_control.withdraw(db, owner_id, settings=_settings())
        return _render("message.html", title_key="withdrawn_title", body_key="withdrawn_body")
    result = owner_control.update_cameras(db, _settings(), owner_id, request.form)
    if result.errors:
        return _manage_page(token, owner_id, 422, errors=result.errors)
    return _manage_page(token, owner_id, saved=True, for_review=result.for_review)


def init_portal(server: Flask) -> Limiter:
    """Register the portal and the admins' pages; rate-limit the portal's form posts."""
    settings = server.config["SETTINGS"]
    limiter = Limiter(get_remote_address, app=server, storage_uri=settings.registration_rate_limit_storage,
                      default_limits=[], headers_enabled=False)
    # one budget per client address shared by every form post of the portal
    limiter.shared_limit(lambda: settings.registration_rate_limit, scope="register-posts", methods=["POST"],
                         on_breach=_rate_limited)(bp)
    server.register_blueprint(bp)
    server.register_blueprint(admin_bp)
    server.register_blueprint(import_bp)
    server.extensions["portal_limiter"] = limiter
    return limiter
