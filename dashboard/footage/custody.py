"""Handing a received clip to a detective or supervisor, under the chain of custody.

The permission first (a refusal is audited), then the file must still hash to the SHA-256
recorded at receipt (a mismatch is refused and audited), then the `footage_request_download`
event is committed, and only then is the file returned for serving.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dashboard.audit import chain as audit
from dashboard.db import Database
from dashboard.models.footage import FootageRequest, FootageUpload

from .common import ACTION, CHUNK, PLAYABLE_TYPES, FootageUnavailable, require_footage

USES = ("download", "play")  # audited as footage_request_download / footage_request_play


@dataclass(frozen=True)
class ReleasedFile:
    path: Path
    download_name: str
    sha256: str
    size_bytes: int
    content_type: str = "application/octet-stream"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def release_upload(db: Database, user, upload_id: Any, *, client_addr: str | None = None,
                   use: str = "download") -> ReleasedFile:
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
        released = ReleasedFile(Path(row.stored_path), row.original_name, row.sha256, row.size_bytes,
                                (row.content_type or "").lower())
        request_id, case_number = req.id, req.case_number
    # hashed with no database transaction open (a clip may be hundreds of MB)
    found = file_sha256(released.path) if released.path.is_file() else None
    detail = {"upload_id": upload_key, "sha256": released.sha256, "size_bytes": released.size_bytes}
    intact = found == released.sha256
    with db.session() as s:
        audit.record(s, f"{ACTION}_{use}", user_id=user.id, username=user.username, object_type="footage_request",
                     object_id=request_id, case_number=case_number, client_addr=client_addr,
                     outcome="ok" if intact else "file_missing" if found is None else "file_changed",
                     detail=detail if intact else {**detail, "found_sha256": found})
    if found is None:
        raise FootageUnavailable(410, "This file is no longer in the footage store. The event is in the audit log.")
    if not intact:
        raise FootageUnavailable(409, "This file no longer matches the SHA-256 recorded when it was received, so "
                                      "it is not handed out. The event is in the audit log.")
    return released
