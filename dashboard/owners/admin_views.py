"""The admins' pages behind the login gate: the moderation queue (/admin/registrations) and the
bulk CSV import (/admin/import).

Every request first passes `moderate_registrations`; a refusal is a 403 with a `denied` audit
event naming what was attempted. The services check again and audit the action itself in
their own transaction (owners/moderation.py, registry/importer.py).
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from auth.permissions import PermissionDenied, can
from dashboard.owners import moderation
from dashboard.owners.access import require_audited
from dashboard.owners.validation import DIRECTIONS
from dashboard.registry import importer

admin_bp = Blueprint("registration_admin", __name__, url_prefix="/admin/registrations",
                     template_folder="templates")
import_bp = Blueprint("admin_import", __name__, url_prefix="/admin/import", template_folder="templates")

# the audit action a refused request attempted, by endpoint
ATTEMPTED = {
    "registration_admin.queue": moderation.QUEUE_READ,
    "registration_admin.approve": moderation.APPROVED,
    "registration_admin.reject": moderation.REJECTED,
    "registration_admin.edit_camera": moderation.CAMERA_EDITED,
    "admin_import.upload_form": importer.AUDIT_ACTION,
    "admin_import.upload": importer.AUDIT_ACTION,
}
IMPORT_MAX_BYTES = 5 * 1024 * 1024
# browsers label .csv files differently (Windows with Excel: application/vnd.ms-excel)
CSV_MIMETYPES = frozenset({"text/csv", "application/csv", "text/x-csv", "application/vnd.ms-excel", "text/plain",
                           "application/octet-stream", ""})


def _db():
    return current_app.extensions["connect_dallas"].db


def _admins_only():
    # the login gate already sent anonymous callers to /login
    try:
        require_audited(_db(), current_user, moderation.PERMISSION, ATTEMPTED.get(request.endpoint, "admin_page"),
                        object_type="registration", client_addr=request.remote_addr)
    except PermissionDenied:
        abort(403)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


for blueprint in (admin_bp, import_bp):
    blueprint.before_request(_admins_only)
    blueprint.after_request(_no_store)


# ----------------------------------------------------------------------------- the shared admin layout
# dashboard/templates/admin_layout.html: every staff page's header links, each shown to whoever may
# open it (the pages check again), and the registrations waiting, for admins only.
ADMIN_NAV = (
    ("dashboard", "Dashboard", "/", "view_map"),
    ("registrations", "Registrations", "/admin/registrations", moderation.PERMISSION),
    ("import", "Import", "/admin/import", moderation.PERMISSION),
    ("users", "Users", "/admin/users", "manage_users"),
    ("audit", "Audit log", "/audit", "read_audit"),
    ("analytics", "Analytics", "/analytics", "view_analytics"),
    ("mailbox", "Demo mailbox", "/demo/mail", "manage_users"),
)


def admin_nav() -> list[dict]:
    settings = current_app.config["SETTINGS"]
    return [{"key": key, "label": label, "href": href,
             "current": request.path == href or (href != "/" and request.path.startswith(href + "/"))}
            for key, label, href, permission in ADMIN_NAV
            if can(current_user, permission) and (key != "mailbox" or settings.demo_mailbox)]


def pending_registrations() -> int | None:
    """The count for the header's badge; None for anyone but an admin (never computed for them)."""
    if not can(current_user, moderation.PERMISSION):
        return None
    return moderation.pending_count(_db(), current_user)


@admin_bp.app_context_processor
def _admin_layout() -> dict:
    return {"admin_nav": admin_nav, "pending_registrations": pending_registrations}


# ----------------------------------------------------------------------------- moderation

@admin_bp.get("")
def queue():
    notice = request.args.get("done", "")
    error = request.args.get("error", "")
    items = moderation.moderation_queue(_db(), current_user, client_addr=request.remote_addr)
    return render_template("admin/registrations.html", items=items, notice=notice[:40], error=error[:200],
                           directions=tuple(DIRECTIONS))


@admin_bp.post("/<int:registration_id>/approve")
def approve(registration_id: int):
    try:
        moderation.approve(_db(), registration_id, current_user, client_addr=request.remote_addr)
    except moderation.RegistrationError as exc:
        return redirect(url_for("registration_admin.queue", error=str(exc)))
    return redirect(url_for("registration_admin.queue", done="approved"))


@admin_bp.post("/<int:registration_id>/reject")
def reject(registration_id: int):
    try:
        moderation.reject(_db(), current_app.config["SETTINGS"], registration_id, current_user,
                          request.form.get("reason", ""), client_addr=request.remote_addr)
    except moderation.RegistrationError as exc:
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
        moderation.edit_camera(_db(), camera_id, current_user, label=request.form.get("label"),
                               retention_days=retention, client_addr=request.remote_addr)
    except moderation.RegistrationError as exc:
        return redirect(url_for("registration_admin.queue", error=str(exc)))
    return redirect(url_for("registration_admin.queue", done="edited"))


# ----------------------------------------------------------------------------- bulk CSV import

def _import_page(status: int = 200, *, error: str = "", report=None, filename: str = ""):
    return make_response(render_template("admin/import.html", error=error, report=report,
                                         filename=filename, max_mb=IMPORT_MAX_BYTES // (1024 * 1024),
                                         columns=importer.IMPORT_COLUMNS), status)


@import_bp.errorhandler(RequestEntityTooLarge)
def _upload_too_large(_exc):
    # larger than the app-wide request limit: refused while the form was being read
    if not can(current_user, moderation.PERMISSION):
        abort(403)
    return _import_page(413, error=f"The file is too large: at most {IMPORT_MAX_BYTES // (1024 * 1024)} MB.")


@import_bp.get("")
def upload_form():
    return _import_page()


def _upload_text(upload) -> tuple[str | None, int, tuple[int, str] | None]:
    """The uploaded CSV as text, its size, or (status, message) when it cannot be imported."""
    if not upload.filename.lower().endswith(".csv") or (upload.mimetype or "").lower() not in CSV_MIMETYPES:
        return None, 0, (415, "Only CSV files (.csv, text/csv) can be imported.")
    data = upload.stream.read(IMPORT_MAX_BYTES + 1)
    if len(data) > IMPORT_MAX_BYTES:
        return None, len(data), (413, f"The file is too large: at most {IMPORT_MAX_BYTES // (1024 * 1024)} MB.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, len(data), (415, "The file is not UTF-8 text: save it from the spreadsheet as "
                                      "\u201cCSV UTF-8\u201d and upload it again.")
    if "\x00" in text:
        return None, len(data), (415, "The file is not a text CSV file.")
    return text, len(data), None


@import_bp.post("")
def upload():
    """One CSV -> registry.importer (each bad row reported, the rest imported, audited)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_page(400, error="Choose a CSV file to upload.")
    filename = upload.filename[:200]
    text, size, refused = _upload_text(upload)
    if refused:
        return _import_page(refused[0], error=refused[1], filename=filename)
    # parsed from memory: the owners' details in the upload are never written to a temp file
    report = importer.import_cameras_stream(_db(), io.StringIO(text, newline=""), current_user,
                                            filename=filename, size_bytes=size, client_addr=request.remote_addr)
    return _import_page(report=report, filename=filename)
