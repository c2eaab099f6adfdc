"""Sending footage requests: a detective asks the owners of chosen cameras for footage.

One `FootageRequest` per camera (a clip belongs to exactly one camera: the clearest chain of
custody) and one email per owner in the batch, listing that owner's cameras, each with its own
link. The link holds a random token (`dashboard.tokens`); only its SHA-256 is stored. The
email is written to the mail outbox in the SAME transaction as the requests and their audit
events, so an SMTP outage leaves them `queued` (never lost) until the outbox delivers it.

Statuses: queued -> sent -> opened -> accepted | declined -> footage_received -> closed | expired.
Every step is a `FootageRequestEvent` row (who, when, note).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from dashboard import tokens
from dashboard.audit import chain as audit
from dashboard.config import Settings
from dashboard.db import Database
from dashboard.models import Camera, CameraSite, Owner, User, utcnow
from dashboard.models.footage import FINAL_STATUSES, FootageRequest
from dashboard.owners.reveal import CASE_NUMBER

from . import emails
from .common import (
    ACTION,
    FUTURE_TOLERANCE,
    MAX_CAMERAS,
    MESSAGE_MAX,
    FootageError,
    actor,
    clean_text,
    find_incident,
    require_footage,
    step,
)


@dataclass(frozen=True)
class SentRequest:
    id: int
    camera_id: int
    status: str
    expires_at: datetime


def validate_window(start: datetime, end: datetime, settings: Settings, now: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise FootageError("Window: times must carry a time zone.")
    if end <= start:
        raise FootageError("Window: the end must be after the start.")
    hours = settings.footage_max_window_hours
    if end - start > timedelta(hours=hours):
        raise FootageError(f"Window: at most {hours:g} hours per request; split longer periods into several requests.")
    if end > now + FUTURE_TOLERANCE:
        raise FootageError("Window: footage cannot be asked for a time that has not happened yet.")


def _camera_ids(camera_ids: Any) -> list[int]:
    if not isinstance(camera_ids, list | tuple) or not camera_ids:
        raise FootageError("Choose at least one camera.")
    ids: list[int] = []
    for value in camera_ids:
        if isinstance(value, bool):
            raise FootageError("Camera not found.")
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            raise FootageError("Camera not found.") from None
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_CAMERAS:
        raise FootageError(f"At most {MAX_CAMERAS} cameras per send.")
    return ids


def send_requests(db: Database, user, incident: Any, camera_ids: Any, window_start: datetime, window_end: datetime,
                  message: Any, settings: Settings, *, case_number: Any = None, client_addr: str | None = None,
                  now: datetime | None = None, case_id: int | None = None) -> list[SentRequest]:
    """Create one request per chosen camera, queue one email per owner, audit each request.

    `incident` is an incident id (int) or incident number (str); `case_id` files the requests
    under a case (dashboard.cases checks the case, then calls this). Raises PermissionDenied (after
    a committed `denied` audit event) or FootageError (bad input; nothing stored)."""
    require_footage(db, user, incident, case_number, client_addr, "send")
    now = now or utcnow()
    ids = _camera_ids(camera_ids)
    validate_window(window_start, window_end, settings, now)
    case = clean_text(case_number, 40, "Case number")
    if case and not CASE_NUMBER.fullmatch(case):
        raise FootageError("Case number: use the Dallas format, two-digit year, dash, seven digits (e.g. 25-0280079).")
    text = clean_text(message, MESSAGE_MAX, "Message")
    created: list[SentRequest] = []
    with db.session() as s:
        inc = find_incident(s, incident)
        detective = s.get(User, user.id)
        detective_name = detective.full_name if detective else getattr(user, "full_name", "a detective")
        rows = s.execute(select(Camera, Owner).join(CameraSite, Camera.site_id == CameraSite.id)
                         .join(Owner, CameraSite.owner_id == Owner.id)
                         .where(Camera.id.in_(ids), Camera.status == "active")).all()
        found = {cam.id: (cam, owner) for cam, owner in rows}
        missing = [i for i in ids if i not in found]
        if missing:
            raise FootageError(f"Camera #{missing[0]} is not an active registered camera.")
        open_dupes = s.scalars(select(FootageRequest.camera_id).where(
            FootageRequest.incident_id == inc.id, FootageRequest.camera_id.in_(ids),
            FootageRequest.status.not_in(FINAL_STATUSES + ("declined",)))).all()
        if open_dupes:
            raise FootageError(f"Camera #{open_dupes[0]} already has an open request for this incident.")
        by_owner: dict[int, tuple[Owner, list[tuple[FootageRequest, Camera, str]]]] = {}
        for cam_id in ids:
            cam, owner = found[cam_id]
            token, token_hash = tokens.mint()
            req = FootageRequest(incident_id=inc.id, camera_id=cam.id, owner_id=owner.id, requested_by=user.id,
                                 case_number=case, case_id=case_id, window_start=window_start, window_end=window_end, message=text,
                                 token_hash=token_hash, status="queued", created_at=now,
                                 expires_at=now + timedelta(days=settings.footage_link_expiry_days))
            s.add(req)
            s.flush()
            step(s, req, "queued", actor(user), now, "email queued for the owner")
            by_owner.setdefault(owner.id, (owner, []))[1].append((req, cam, token))
            audit.record(s, ACTION, user_id=user.id, username=user.username, object_type="footage_request",
                         object_id=req.id, case_number=case, client_addr=client_addr,
                         detail={"incident": inc.incident_number, "camera_id": cam.id,
                                 "window_start": window_start.isoformat(), "window_end": window_end.isoformat()})
            created.append(SentRequest(req.id, cam.id, req.status, req.expires_at))
        for owner, batch in by_owner.values():
            emails.queue_request(s, settings, inc, owner, detective_name, batch)
    return created
