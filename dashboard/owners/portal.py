"""The public camera-registration portal (/register, no login, English and Spanish) and the
admins' moderation queue (/admin/registrations) and bulk CSV import (/admin/import), both behind
the login gate.

Plain server-rendered Flask + Jinja (autoescaped): nothing here reaches a Dash callback, and no
public page returns registry data; the one page that shows cameras (/register/manage/<token>)
shows only the owner's own, to the holder of the emailed sign-in link.

Form posts are rate limited per client address with Flask-Limiter, counted where
`registration.rate_limit_storage` says: `memory://` (the default) is right for one process; with
several workers or servers point it at a shared store (redis://...). Behind a reverse proxy, wrap the app in
werkzeug's ProxyFix so `request.remote_addr` is the client's address, not the proxy's.

`init_portal(server)` registers everything on the Flask server.
"""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from auth.permissions import can
from dashboard.audit import chain as audit
from dashboard.owners import registration as reg
from dashboard.owners.i18n import LANGUAGES, pick_language, translator
from dashboard.owners.registration import DIRECTIONS, PORTAL_OWNER_TYPES, RegistrationError
from dashboard.registry.importer import IMPORT_COLUMNS, import_cameras_stream
from dashboard.vocabulary import CAMERA_TYPES

bp = Blueprint("portal", __name__, url_prefix="/register", template_folder="templates",
               static_folder="static/portal", static_url_path="/static")
admin_bp = Blueprint("registration_admin", __name__, url_prefix="/admin/registrations",
                     template_folder="templates")

DIRECTION_CHOICES = tuple(DIRECTIONS)
CAMERA_FIELDS = ("label", "type", "placement", "direction", "retention", "live")


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
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
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
                owner_types=PORTAL_OWNER_TYPES, camera_types=CAMERA_TYPES, directions=DIRECTION_CHOICES,
                camera_fields=CAMERA_FIELDS)


def _selected_direction(value: str) -> str:
    """Degrees typed or stored -> the compass choice the select shows."""
    value = (value or "").strip().upper()
    if value in DIRECTIONS or not value:
        return value
    try:
        degrees = float(value) % 360
    except ValueError:
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
    count = reg.camera_count_of(request.form, max_cameras)
    if action in ("add", "remove"):  # the JS-free way to change the number of cameras
        count = min(max_cameras, count + 1) if action == "add" else max(1, count - 1)
        values["camera_count"] = str(count)
        return _render("form.html", **_form_context(values, count))
    lang = _lang()
    if (request.form.get("website") or "").strip():
        # honeypot: a bot filled the invisible field. Answer as if it worked, store nothing.
        return _render("check_email.html", email=(request.form.get("email") or "")[:254],
                       hours=f"{settings.registration_confirm_link_hours:g}")
    payload, errors = reg.validate_form(request.form, max_cameras=max_cameras, geo=_services().geo)
    if errors:
        return _render("form.html", 422, errors=errors, **_form_context(values, count))
    reg.submit(_services().db, settings, payload, language=lang)
    return _render("check_email.html", email=payload["email"],
                   hours=f"{settings.registration_confirm_link_hours:g}")


@bp.get("/confirm/<token>")
def confirm(token: str):
    result = reg.confirm(_services().db, _settings(), token, geo=_services().geo)
    if result is None:
        return _render("message.html", 404, title_key="link_invalid_title", body_key="link_invalid_body")
    body_key = "confirmed_active" if result.status == "approved" else "confirmed_review"
    return _render("message.html", title_key="confirmed_title", body_key=body_key, show_manage=True)


@bp.get("/reconfirm/<token>")
def reconfirm(token: str):
    if not reg.reconfirm(_services().db, token):
        return _render("message.html", 404, title_key="link_invalid_title", body_key="link_invalid_body")
    return _render("message.html", title_key="reconfirmed_title", show_manage=True)


# ----------------------------------------------------------------------------- owner self-service

@bp.get("/manage")
def manage_form():
    return _render("manage_request.html")


@bp.post("/manage")
def manage_request():
    settings = _settings()
    # the same answer whether or not the email is registered
    reg.request_manage_link(_services().db, settings, request.form.get("email", ""), language=_lang())
    return _render("message.html", title_key="manage_title", body_key="manage_sent",
                   body_params={"hours": f"{settings.registration_manage_link_hours:g}"})


def _manage_page(token: str, owner_id: int, status: int = 200, errors=None, saved: bool = False):
    registrations = reg.owner_registrations(_services().db, owner_id)
    return _render("manage.html", status, token=token, registrations=registrations, errors=errors or {},
                   values=request.form if errors else {}, saved=saved, camera_types=CAMERA_TYPES,
                   directions=DIRECTION_CHOICES)


@bp.get("/manage/<token>")
def manage(token: str):
    owner_id = reg.manage_owner(_services().db, token)
    if owner_id is None:
        return _render("message.html", 404, title_key="link_invalid_title", body_key="link_invalid_body")
    return _manage_page(token, owner_id)


@bp.post("/manage/<token>")
def manage_post(token: str):
    db = _services().db
    owner_id = reg.manage_owner(db, token)
    if owner_id is None:
        return _render("message.html", 404, title_key="link_invalid_title", body_key="link_invalid_body")
    if request.form.get("action") == "withdraw":
        if not reg.is_checked(request.form.get("confirm_withdraw")):
            return _manage_page(token, owner_id, 422, errors={"confirm_withdraw": ("err_required", {})})
        reg.withdraw(db, owner_id)
        return _render("message.html", title_key="withdrawn_title", body_key="withdrawn_body")
    errors = reg.update_cameras(db, owner_id, request.form)
    if errors:
        return _manage_page(token, owner_id, 422, errors=errors)
    return _manage_page(token, owner_id, saved=True)


# ----------------------------------------------------------------------------- moderation (admins)

@admin_bp.before_request
def _admins_only():
    # the login gate already sent anonymous callers to /login
    if not can(current_user, "moderate_registrations"):
        abort(403)


@admin_bp.after_request
def _admin_no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@admin_bp.get("")
def queue():
    notice = request.args.get("done", "")
    error = request.args.get("error", "")
    items = reg.moderation_queue(_services().db, current_user)
    return render_template("portal/admin.html", items=items, notice=notice[:40], error=error[:200],
                           directions=DIRECTION_CHOICES)


@admin_bp.post("/<int:registration_id>/approve")
def approve(registration_id: int):
    try:
        reg.approve(_services().db, registration_id, current_user)
    except RegistrationError as exc:
        return redirect(url_for("registration_admin.queue", error=str(exc)))
    return redirect(url_for("registration_admin.queue", done="approved"))


@admin_bp.post("/<int:registration_id>/reject")
def reject(registration_id: int):
    try:
        reg.reject(_services().db, _settings(), registration_id, current_user, request.form.get("reason", ""))
    except RegistrationError as exc:
        return redirect(url_for("registration_admin.queue", error=str(exc)))
    return redirect(url_for("registration_admin.queue", done="rejected"))


@admin_bp.post("/cameras/<int:camera_id>/edit")
def edit_camera(camera_id: int):
    raw_retention = (request.form.get("retention") or "").strip()
    try:
        retention = int(raw_retention) if raw_retention else None
    except ValueError:
        return redirect(url_for("registration_admin.queue", error="retention must be a whole number"))
    try:
        reg.edit_camera(_services().db, camera_id, current_user, label=request.form.get("label"),
                        retention_days=retention)
    except RegistrationError as exc:
        return redirect(url_for("registration_admin.queue", error=str(exc)))
    return redirect(url_for("registration_admin.queue", done="edited"))


# ----------------------------------------------------------------------------- bulk CSV import (admins)

import_bp = Blueprint("admin_import", __name__, url_prefix="/admin/import", template_folder="templates")
import_bp.before_request(_admins_only)
import_bp.after_request(_admin_no_store)

IMPORT_MAX_BYTES = 5 * 1024 * 1024
# browsers label .csv files differently (Windows with Excel: application/vnd.ms-excel)
CSV_MIMETYPES = frozenset({"text/csv", "application/csv", "text/x-csv", "application/vnd.ms-excel", "text/plain",
                           "application/octet-stream", ""})


def _import_page(status: int = 200, *, error: str = "", report=None, filename: str = ""):
    return make_response(render_template("portal/admin_import.html", error=error, report=report,
                                         filename=filename, max_mb=IMPORT_MAX_BYTES // (1024 * 1024),
                                         columns=IMPORT_COLUMNS), status)


@import_bp.errorhandler(RequestEntityTooLarge)
def _upload_too_large(_exc):
    # larger than the app-wide request limit: refused while the form was being read
    if not can(current_user, "moderate_registrations"):
        abort(403)
    return _import_page(413, error=f"The file is too large: at most {IMPORT_MAX_BYTES // (1024 * 1024)} MB.")


@import_bp.get("")
def upload_form():
    return _import_page()


@import_bp.post("")
def upload():
    """One CSV -> dashboard.importer (each bad row reported, the rest imported) -> an audit event."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_page(400, error="Choose a CSV file to upload.")
    filename = upload.filename[:200]
    if not filename.lower().endswith(".csv") or (upload.mimetype or "").lower() not in CSV_MIMETYPES:
        return _import_page(415, error="Only CSV files (.csv, text/csv) can be imported.", filename=filename)
    data = upload.stream.read(IMPORT_MAX_BYTES + 1)
    if len(data) > IMPORT_MAX_BYTES:
        return _import_page(413, error=f"The file is too large: at most {IMPORT_MAX_BYTES // (1024 * 1024)} MB.",
                            filename=filename)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _import_page(415, error="The file is not UTF-8 text: save it from the spreadsheet as "
                            "\u201cCSV UTF-8\u201d and upload it again.", filename=filename)
    if "\x00" in text:
        return _import_page(415, error="The file is not a text CSV file.", filename=filename)
    db = _services().db
    # parsed from memory: the owners' details in the upload are never written to a temp file
    report = import_cameras_stream(db, io.StringIO(text, newline=""))
    with db.session() as s:
        audit.record(s, "bulk_import", user_id=current_user.id, username=current_user.username,
                     object_type="cameras", client_addr=request.remote_addr,
                     outcome="ok" if report.imported else "rejected",
                     detail={"imported": report.imported, "rejected": len(report.rejected), "bytes": len(data),
                             "filename": filename})
    return _import_page(report=report, filename=filename)


def init_portal(server: Flask) -> Limiter:
    """Register the portal and the moderation queue; rate-limit the portal's form posts."""
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
