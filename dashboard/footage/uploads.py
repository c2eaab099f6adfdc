"""Receiving an owner's clip, for the chain of custody.

The type must be allowed by config AND the first bytes must look like that type; the size limit
is enforced while reading; the file is hashed (SHA-256) while it is copied to a temporary file
and saved into the clip store (dashboard/footage/storage.py) under `<request id>/` only when every
check passed, so a refused file leaves nothing on disk or in the database. Uploading also counts
as accepting.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from dashboard.audit import chain as audit
from dashboard.config import Settings
from dashboard.db import Database
from dashboard.models import utcnow
from dashboard.models.footage import FINAL_STATUSES, FootageRequest, FootageUpload
from dashboard.validation import CONTROL_CHARACTER

from .common import CHUNK, PLAYABLE_TYPES, UploadView, local_time, step
from .owner_page import open_link
from .page_text import refusal, t
from .storage import clip_storage

# first bytes of each allowed type: a file labelled video/mp4 must look like one
_SIGNATURES: dict[str, tuple[tuple[int, bytes], ...]] = {
    "video/mp4": ((4, b"ftyp"),),
    "video/quicktime": ((4, b"ftyp"), (4, b"moov"), (4, b"mdat"), (4, b"wide"), (4, b"free"), (4, b"skip")),
    "video/x-msvideo": ((0, b"RIFF"),),
    "video/x-matroska": ((0, b"\x1a\x45\xdf\xa3"),),
    "video/webm": ((0, b"\x1a\x45\xdf\xa3"),),
    "image/jpeg": ((0, b"\xff\xd8\xff"),),
    "image/png": ((0, b"\x89PNG\r\n\x1a\n"),),
}
# bidirectional overrides and isolates, and lone surrogates: "gpj.exe" shown as "exe.jpg"
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_EXT = {"video/mp4": ".mp4", "video/quicktime": ".mov", "video/x-msvideo": ".avi", "video/x-matroska": ".mkv",
        "image/jpeg": ".jpg", "image/png": ".png"}


def _sniff_ok(content_type: str, head: bytes) -> bool:
    signatures = _SIGNATURES.get(content_type)
    if signatures is None:  # an allowed type we know no signature for: trust the allow-list
        return True
    return any(head[offset:offset + len(magic)] == magic for offset, magic in signatures)


NAME_MAX = 120
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}")


def display_name(name: Any) -> str:
    """The name an owner's file is shown under and downloaded as: its base name only, never a
    path, without control characters or bidirectional overrides (a download named with them
    fails in the browser, or shows another extension), at most NAME_MAX characters with its
    extension kept."""
    text = os.path.basename(str(name or "").replace("\\", "/"))
    text = " ".join(CONTROL_CHARACTER.sub(" ", _BIDI.sub("", text)).split())
    stem, dot, ext = text.rpartition(".")
    ext = dot + ext  # ".mp4" alone is an extension with no name (os.path would call it a name)
    if not dot or not _EXTENSION.fullmatch(ext):
        stem, ext = text, ""
    return (stem[:NAME_MAX - len(ext)].strip(" .") or "unnamed") + ext


def upload(db: Database, token: Any, filename: Any, content_type: Any, stream: BinaryIO, settings: Settings,
           now: datetime | None = None, *, lang: str | None = None) -> UploadView:
    """Receive one clip: checks link, decision, type and size; hashes while copying; stores it
    under storage_dir/<request id>/ only when every check passed. Raises OwnerPageError."""
    now = now or utcnow()
    request_id, lang = open_link(db, token, now, lang)
    phone = settings.footage_callback_phone
    with db.session() as s:
        if s.get(FootageRequest, request_id).status == "declined":
            raise refusal(409, lang, "err_declined_upload", phone=phone)
    ctype = str(content_type or "").split(";")[0].strip().lower()
    allowed = settings.footage_upload_types
    if ctype not in allowed:
        raise refusal(415, lang, "err_type", type=ctype or t(lang, "err_type_unknown"),
                                    types=", ".join(allowed))
    limit = settings.footage_upload_max_mb * 1024 * 1024
    storage = clip_storage(settings)
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, tmp_name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=storage.staging_dir())
    tmp = Path(tmp_name)
    saved: str | None = None
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise refusal(413, lang, "err_size", mb=settings.footage_upload_max_mb)
                if len(head) < 16:
                    head += chunk[:16 - len(head)]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise refusal(422, lang, "err_empty")
        if not _sniff_ok(ctype, head):
            raise refusal(415, lang, "err_contents", type=ctype)
        sha = digest.hexdigest()
        with db.session() as s:
            req = s.get(FootageRequest, request_id)
            if req.status in FINAL_STATUSES or req.status == "declined":  # changed meanwhile
                raise refusal(410, lang, "err_not_open")
            name = display_name(filename)
            row = FootageUpload(request_id=req.id, original_name=name, content_type=ctype, size_bytes=size,
                                sha256=sha, received_at=now, stored_path="")
            s.add(row)
            s.flush()
            saved = f"{req.id}/{row.id}_{sha[:16]}{_EXT.get(ctype, '')}"
            storage.save(saved, tmp)
            row.stored_path = saved
            if req.decided_at is None:
                req.decided_at = now
                step(s, req, "accepted", "owner", now, "accepted by uploading footage")
            step(s, req, "footage_received", "owner", now, f"{name} ({size} bytes, sha256 {sha})")
            audit.record(s, "footage_received", username="owner", object_type="footage_request", object_id=req.id,
                         case_number=req.case_number,
                         detail={"upload_id": row.id, "sha256": sha, "size_bytes": size, "content_type": ctype})
            view = UploadView(name, size, sha, local_time(now, lang), row.id, True, ctype in PLAYABLE_TYPES)
        saved = None  # committed: keep the file
        return view
    finally:
        tmp.unlink(missing_ok=True)
        if saved is not None:
            storage.delete(saved)  # the database refused: no orphan file
