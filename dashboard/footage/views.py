"""The owner's answer page for a footage request: public (under /register, docs/interfaces.md), no account.

GET  /register/requests/<token>            the request, the accept/decline form, the upload form
POST /register/requests/<token>/decision   accept or decline (once), with an optional note
POST /register/requests/<token>/upload     one or more clips (multipart, field `files`)

A thin adapter over `dashboard.footage`: every rule lives there. The page speaks the owner's
language (`owners.language`); `?lang=en|es` (the switch link, carried by the forms) overrides it. Forms carry Flask-WTF's CSRF
token. The upload route checks that token itself (after raising this request's body limit to
`footage.upload_max_mb`, which the app-wide 8 MB limit would otherwise refuse while the global
CSRF hook parses the form). A bad, expired or used link answers 404/410/409 with a plain page:
never a 500, never registry data. Pages are `no-store` and `noindex`, and the token never
leaves in a Referer (the app sends `Referrer-Policy: same-origin`).
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, render_template, request
from flask_wtf.csrf import ValidationError, validate_csrf
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from dashboard import footage
from dashboard.extensions import csrf
from dashboard.footage import OwnerPageError
from dashboard.footage.page_text import language, t

log = logging.getLogger(__name__)
bp = Blueprint("footage", __name__, url_prefix="/register/requests", template_folder="templates")
FORM_OVERHEAD = 1024 * 1024   # the note, the token and multipart boundaries around the files
MAX_FILES = 20


def _services():
    return current_app.extensions["connect_dallas"]


def _chosen() -> str | None:
    """The language the switch link chose, if any (else the owner's language applies). Read from
    the query string only (the forms post to ?lang=): parsing the body here could trip the
    upload's size limit inside an error handler."""
    return language(request.args.get("lang"))


def _page(view, *, message: str | None = None, error: str | None = None, status: int = 200, token: str = ""):
    lang = view.lang
    return render_template("footage/request.html", view=view, message=message, error=error, token=token,
                           settings=_services().settings, lang=lang, other="es" if lang == "en" else "en",
                           t=lambda key, **kw: t(lang, key, **kw)), status


def _refused(exc: OwnerPageError):
    lang = exc.lang or _chosen() or "en"
    return render_template("footage/refused.html", message=exc.message, status=exc.status, lang=lang,
                           t=lambda key, **kw: t(lang, key, **kw)), exc.status


@bp.after_request
def _private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"  # Referrer-Policy: dashboard/security_headers.py
    return response


@bp.get("/<token>")
def show(token: str):
    svc = _services()
    try:
        view = footage.open_request(svc.db, token, svc.settings, lang=_chosen())
    except OwnerPageError as exc:
        return _refused(exc)
    return _page(view, token=token)


@bp.post("/<token>/decision")
def decision(token: str):
    svc = _services()
    choice = request.form.get("decision", "")
    if choice not in ("accept", "decline"):
        return _refused(OwnerPageError(422, t(_chosen(), "err_choose")))
    try:
        view = footage.decide(svc.db, token, choice == "accept", request.form.get("note"), svc.settings,
                              lang=_chosen())
    except OwnerPageError as exc:
        return _refused(exc)
    message = t(view.lang, "thanks_accepted" if choice == "accept" else "thanks_declined")
    return _page(view, message=message, token=token)


@csrf.exempt
@bp.post("/<token>/upload")
def upload_files(token: str):
    svc = _services()
    settings = svc.settings
    # per-request limit (Flask >= 3.1) on the whole body, so nothing larger is even spooled to disk;
    # the service enforces the same limit per file while it reads
    request.max_content_length = settings.footage_upload_max_mb * 1024 * 1024 + FORM_OVERHEAD
    try:
        validate_csrf(request.form.get("csrf_token"))
        files = [f for f in request.files.getlist("files") if f and f.filename]
    except RequestEntityTooLarge:
        return _refused(OwnerPageError(413, t(_chosen(), "err_upload_large", mb=settings.footage_upload_max_mb)))
    except ValidationError:
        return _refused(OwnerPageError(400, t(_chosen(), "err_form_expired")))
    if not files:
        return _refused(OwnerPageError(422, t(_chosen(), "err_no_files")))
    if len(files) > MAX_FILES:
        return _refused(OwnerPageError(422, t(_chosen(), "err_many_files", limit=MAX_FILES)))
    received: list[footage.UploadView] = []
    error: OwnerPageError | None = None
    lang = _chosen()
    for item in files:
        try:
            got = footage.upload(svc.db, token, item.filename, item.mimetype, item.stream, settings, lang=lang)
        except OwnerPageError as exc:
            error = OwnerPageError(exc.status, f"{footage.display_name(item.filename)}: {exc.message}", exc.lang)
            if exc.status in (404, 409, 410):
                break
            continue
        received.append(got)
    if error is not None and not received:
        return _refused(error)
    try:
        view = footage.open_request(svc.db, token, settings, lang=lang)
    except OwnerPageError as exc:
        return _refused(exc)
    said = [t(view.lang, "file_received", name=got.name, size=got.size_bytes) for got in received]
    return _page(view, message="; ".join(said) + ". " + t(view.lang, "thank_you") if said else None,
                 error=error.message if error else None, status=error.status if error else 200, token=token)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    if exc.code == 413:
        return _refused(OwnerPageError(413, t(_chosen(), "err_too_large")))
    if exc.code == 400:  # CSRF (flask_wtf.csrf.CSRFError) or a malformed form
        return _refused(OwnerPageError(400, t(_chosen(), "err_form_expired")))
    return _refused(OwnerPageError(exc.code or 500, exc.description or t(_chosen(), "err_unavailable")))


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):
    log.exception("footage owner page failed: %s %s", request.method, request.url_rule)
    return _refused(OwnerPageError(500, t(_chosen(), "err_ours", phone=_services().settings.footage_callback_phone)))
