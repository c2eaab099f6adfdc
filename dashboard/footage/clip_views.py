"""POST /footage/files/<upload id>: a received clip, handed to a detective or supervisor.

A POST with the CSRF token (the dashboard's clip button is a form): every download writes an
audit event, and a link on another site must not write one in a detective's name (docs/security.md).

Behind the login gate (not a public path). A thin adapter over `footage.release_upload`, which
checks the role, re-hashes the file against the SHA-256 recorded at receipt and commits the
`footage_request_download` audit event before anything is sent. Always an attachment, served as
opaque bytes with `nosniff`: an owner's upload is never rendered by the browser.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from dataclasses import dataclass

from flask import Blueprint, current_app, request, send_file, session
from flask_login import current_user

from auth.permissions import PermissionDenied, can
from auth.views import client_addr
from dashboard import footage
from dashboard.footage.common import PERMISSION, require_footage
from dashboard.footage.storage import clip_storage

MAX_ID = 2**63 - 1  # a BIGINT: a larger id is no file, not a database error

bp = Blueprint("footage_files", __name__, url_prefix="/footage/files")

# One play of a clip is many requests: a <video> asks with Range requests as it buffers and seeks.
# The first request of a play re-hashes the file and writes the audit event; the following ones,
# from the same sign-in session within PLAY_IDLE_S of the previous one (and PLAY_MAX_S of the
# first), are served without either as long as the file's size and modification time are those
# hashed. A changed file, a new session, a pause longer than PLAY_IDLE_S or a role that no longer
# may receive footage starts over: hashed, audited (and refused if it no longer matches).
PLAY_IDLE_S = 120.0
PLAY_MAX_S = 1800.0
MAX_PLAYS = 10_000
EXTENSION = "connect_dallas_clip_plays"


@dataclass
class _Play:
    released: footage.ReleasedFile
    stat: tuple[int, int]   # (size, mtime_ns) of the file that was hashed
    started: float
    last: float


class PlayMemory:
    def __init__(self) -> None:
        self._plays: dict[tuple, _Play] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, now: float) -> _Play | None:
        with self._lock:
            play = self._plays.get(key)
            if play is None or now - play.last > PLAY_IDLE_S or now - play.started > PLAY_MAX_S:
                self._plays.pop(key, None)
                return None
            play.last = now
            return play

    def put(self, key: tuple, play: _Play) -> None:
        with self._lock:
            if len(self._plays) >= MAX_PLAYS:
                self._plays = {k: p for k, p in self._plays.items() if play.last - p.last <= PLAY_IDLE_S}
                if len(self._plays) >= MAX_PLAYS:
                    self._plays.clear()
            self._plays[key] = play


def _plays() -> PlayMemory:
    return current_app.extensions.setdefault(EXTENSION, PlayMemory())


def _play_key(upload_id: str) -> tuple | None:
    """This sign-in session's play of this clip (the session's CSRF secret tells sessions apart;
    only a digest is kept), or None when the session has none yet."""
    secret = session.get("csrf_token")
    if not secret:
        return None
    return (current_user.id, hashlib.sha256(str(secret).encode()).hexdigest()[:32], upload_id)


def _stat(handle) -> tuple[int, int]:
    st = os.fstat(handle.fileno())
    return st.st_size, st.st_mtime_ns


def _continued_play(key: tuple | None):
    """(the play, an open handle on its unchanged file) if this request continues a play, else None."""
    if key is None or not can(current_user, PERMISSION):
        return None
    play = _plays().get(key, time.monotonic())
    if play is None:
        return None
    try:
        handle = play.released.open()
    except OSError:
        return None
    if _stat(handle) != play.stat:
        handle.close()
        return None
    return play, handle


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
    play. Only mp4/webm clips (PLAYABLE_TYPES); a <video> asks with Range requests: the first of
    a play is the audited, hash-checked release, the rest continue it (PLAY_IDLE_S above)."""
    svc = current_app.extensions["connect_dallas"]
    # A play is audited, yet a <video> can only GET: Fetch Metadata tells the dashboard's own player
    # (same-origin) from a link or page elsewhere, which must not write an audit event in a user's name.
    if request.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
        return _plain("Clips play only inside the dashboard.", 403)
    key = _play_key(upload_id)
    continued = _continued_play(key)
    if continued is not None:
        released, handle = continued[0].released, continued[1]
    else:
        try:
            if not (upload_id.isascii() and upload_id.isdigit() and 0 < int(upload_id) <= MAX_ID):
                require_footage(svc.db, current_user, f"upload {upload_id[:60]}", None, client_addr(), "play")
                return _plain("No such file.", 404)
            released = footage.release_upload(svc.db, current_user, upload_id, clip_storage(svc.settings),
                                              client_addr=client_addr(), use="play")
            handle = released.open()
        except PermissionDenied:
            return _plain("Your role may not receive footage.", 403)
        except footage.FootageUnavailable as exc:
            return _plain(exc.message, exc.status)
        except OSError:
            return _plain("This clip is not available on this host. Try again later.", 503)
        if key is not None:
            now = time.monotonic()
            # the size and time of the file as opened now: a change after the hash starts over
            _plays().put(key, _Play(released, _stat(handle), now, now))
    response = send_file(handle, mimetype=released.content_type, as_attachment=False,
                         download_name=released.download_name, max_age=0, conditional=False, etag=False)
    # a <video> seeks with Range requests; send_file knows no size for an opened stream, the custody record does
    response.content_length = released.size_bytes
    response = response.make_conditional(request.environ, accept_ranges=True, complete_length=released.size_bytes)
    response.headers["X-Content-SHA256"] = released.sha256
    return response
