"""Handing a received clip to a detective or supervisor, under the chain of custody.

The permission first (a refusal is audited), then the file must still hash to the SHA-256
recorded at receipt (a mismatch is refused and audited), then the `footage_request_download`
event is committed, and only then is the file returned for serving. A clip this host cannot see
(a store not mounted here, a file deleted outside the app) is "not available on this host": a
fault of the deployment, not tampering, so it is logged as such and not audited as a download.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from dashboard.audit import chain as audit
from dashboard.db import Database
from dashboard.models.footage import FootageRequest, FootageUpload

from .common import ACTION, CHUNK, PLAYABLE_TYPES, FootageUnavailable, require_footage
from .storage import ClipStorage

log = logging.getLogger(__name__)
USES = ("download", "play")  # audited as footage_request_download / footage_request_play


@dataclass(frozen=True)
class ReleasedFile:
    open: Callable[[], BinaryIO]
    download_name: str
    sha256: str
    size_bytes: int
    content_type: str = "application/octet-stream"


def file_sha256(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    with stream as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def release_upload(db: Database, user, upload_id: Any, storage: ClipStorage, *,
                   client_addr: str | None = None, use: str = "download") -> ReleasedFile:
    """The clip `upload_id`, once its release is on record. Raises PermissionDenied or
    FootageUnavailable. `use` "play": played in the dashboard (only formats a browser plays),
    checked and audited exactly like a download."""
    if use not in USES:
        raise ValueError(f"use must be one of {USES}")
    require_footage(db, user, f"upload {upload_id}", None, client_addr, use)
    try:
        upload_key = int(upload_id)
    except (TypeError, ValueError):
        raise FootageUnavailable(404, "No such file.") from None
    with db.session() as s:
        row = s.get(FootageUpload, upload_key)
        if row is None:
            raise FootageUnavailable(404, "No such file.")
        if not row.stored_path:
            raise FootageUnavailable(410, "This clip was deleted under the retention rule: its case was closed as "
                                          "not needed.")
        req = s.get(FootageRequest, row.request_id)
        if use == "play" and (row.content_type or "").lower() not in PLAYABLE_TYPES:
            raise FootageUnavailable(415, "This clip's format does not play in the browser: download it instead.")
        key = row.stored_path
        released = ReleasedFile(lambda: storage.open(key), row.original_name, row.sha256, row.size_bytes,
                                (row.content_type or "").lower())
        request_id, case_number = req.id, req.case_number
    # hashed with no database transaction open (a clip may be hundreds of MB)
    try:
        found = file_sha256(storage.open(key))
    except FileNotFoundError:
        log.warning("clip of upload %s is not available on this host (store not mounted here?)", upload_key)
        raise FootageUnavailable(503, "This clip is not available on this host. Try again later; if it "
                                      "persists, tell the administrator the footage store is not reachable.") from None
    detail = {"upload_id": upload_key, "sha256": released.sha256, "size_bytes": released.size_bytes}
    intact = found == released.sha256
    with db.session() as s:
        audit.record(s, f"{ACTION}_{use}", user_id=user.id, username=user.username, object_type="footage_request",
                     object_id=request_id, case_number=case_number, client_addr=client_addr,
                     outcome="ok" if intact else "file_changed",
                     detail=detail if intact else {**detail, "found_sha256": found})
    if not intact:
        raise FootageUnavailable(409, "This file no longer matches the SHA-256 recorded when it was received, so "
                                      "it is not handed out. The event is in the audit log.")
    return released
