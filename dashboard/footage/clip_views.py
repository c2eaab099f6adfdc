"""POST /footage/files/<upload id>: a received clip, handed to a detective or supervisor.

A POST with the CSRF token (the dashboard's clip button is a form): every download writes an
audit event, and a link on another site must not write one in a detective's name (docs/security.md).

Behind the login gate (not a public path). A thin adapter over `footage.release_upload`, which
checks the role, re-hashes the file against the SHA-256 recorded at receipt and commits the
`footage_request_download` audit event before anything is sent. Always an attachment, served as
opaque bytes with `nosniff`: an owner's upload is never rendered by the browser.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request, send_file
from flask_login import current_user

from auth.permissions import PermissionDenied
from auth.views import client_addr
from dashboard import footage
from dashboard.footage.common import require_footage
from dashboard.footage.storage import clip_storage

MAX_ID = 2**63 - 1  # a BIGINT: a larger id is no file, not a database error

bp = Blueprint("footage_files", __name__, url_prefix="/footage/files")


def _plain(message: str, status: int):
    return message, status, {"Content-Type": "text/plain; charset=utf-8"}


@bp.after_request
def _private(response):
    response.headers["Cache-Control"] = "no-store"  # nosniff: dashboard/security_headers.py
    return response


@bp.post("/<upload_id>")
def download(upload_id: str):
    svc = current_app.extensions["connect_dallas"]
    try:
        if not (upload_id.isascii() and upload_id.isdigit() and 0 < int(upload_id) <= MAX_ID):
            # the permission first, audited as for any id; then: no such file
            require_footage(svc.db, current_user, f"upload {upload_id[:60]}", None, client_addr(), "download")
            return _plain("No such file.", 404)
        released = footage.release_upload(svc.db, current_user, upload_id, clip_storage(svc.settings),
                                          client_addr=client_addr())
    except PermissionDenied:
        return _plain("Your role may not receive footage.", 403)
    except footage.FootageUnavailable as exc:
        return _plain(exc.message, exc.status)
    response = send_file(released.open(), mimetype="application/octet-stream", as_attachment=True,
                         download_name=released.download_name, max_age=0, conditional=False, etag=False)
    response.headers["X-Content-SHA256"] = released.sha256  # what the chain of custody recorded at receipt
    return response


@bp.get("/<upload_id>/play")
def play(upload_id: str):
    """The same checked file for the dashboard's <video> (inline, its video type), audited as a
    play. Only mp4/webm clips (PLAYABLE_TYPES); a <video> asks with Range requests, and each
    request is one audited, hash-checked release."""
    svc = current_app.extensions["connect_dallas"]
    # A play is audited, yet a <video> can only GET: Fetch Metadata tells the dashboard's own player
    # (same-origin) from a link or page elsewhere, which must not write an audit event in a user's name.
    if request.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
        return _plain("Clips play only inside the dashboard.", 403)
    try:
        if not (upload_id.isascii() and upload_id.isdigit() and 0 < int(upload_id) <= MAX_ID):
            require_footage(svc.db, current_user, f"upload {upload_id[:60]}", None, client_addr(), "play")
            return _plain("No such file.", 404)
        released = footage.release_upload(svc.db, current_user, upload_id, clip_storage(svc.settings),
                                          client_addr=client_addr(), use="play")
    except PermissionDenied:
        return _plain("Your role may not receive footage.", 403)
    except footage.FootageUnavailable as exc:
        return _plain(exc.message, exc.status)
    response = send_file(released.open(), mimetype=released.content_type, as_attachment=False,
                         download_name=released.download_name, max_age=0, conditional=False, etag=False)
    # a <video> seeks with Range requests; send_file knows no size for an opened stream, the custody record does
    response.content_length = released.size_bytes
    response = response.make_conditional(request.environ, accept_ranges=True, complete_length=released.size_bytes)
    response.headers["X-Content-SHA256"] = released.sha256
    return response
