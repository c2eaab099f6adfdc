"""GET /footage/files/<upload id>: a received clip, handed to a detective or supervisor.

Behind the login gate (not a public path). A thin adapter over `footage.release_upload`, which
checks the role, re-hashes the file against the SHA-256 recorded at receipt and commits the
`footage_request_download` audit event before anything is sent. Always an attachment, served as
opaque bytes with `nosniff`: an owner's upload is never rendered by the browser.
"""

from __future__ import annotations

from flask import Blueprint, current_app, send_file
from flask_login import current_user

from auth.permissions import PermissionDenied
from auth.views import client_addr
from dashboard import footage

bp = Blueprint("footage_files", __name__, url_prefix="/footage/files")


def _plain(message: str, status: int):
    return message, status, {"Content-Type": "text/plain; charset=utf-8"}


@bp.after_request
def _private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/<upload_id>")
def download(upload_id: str):
    svc = current_app.extensions["connect_dallas"]
    try:
        released = footage.release_upload(svc.db, current_user, upload_id, client_addr=client_addr())
    except PermissionDenied:
        return _plain("Your role may not receive footage.", 403)
    except footage.FootageUnavailable as exc:
        return _plain(exc.message, exc.status)
    response = send_file(released.path, mimetype="application/octet-stream", as_attachment=True,
                         download_name=released.download_name, max_age=0, conditional=False, etag=False)
    response.headers["X-Content-SHA256"] = released.sha256  # what the chain of custody recorded at receipt
    return response


@bp.get("/<upload_id>/play")
def play(upload_id: str):
    """The same checked file for the dashboard's <video> (inline, its video type), audited as a
    play. Only mp4/webm clips (PLAYABLE_TYPES); a <video> asks with Range requests, and each
    request is one audited, hash-checked release."""
    svc = current_app.extensions["connect_dallas"]
    try:
        released = footage.release_upload(svc.db, current_user, upload_id, client_addr=client_addr(), use="play")
    except PermissionDenied:
        return _plain("Your role may not receive footage.", 403)
    except footage.FootageUnavailable as exc:
        return _plain(exc.message, exc.status)
    response = send_file(released.path, mimetype=released.content_type, as_attachment=False,
                         download_name=released.download_name, max_age=0, conditional=True, etag=False)
    response.headers["X-Content-SHA256"] = released.sha256
    return response
