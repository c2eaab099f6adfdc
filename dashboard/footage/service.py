"""Footage requests: a detective asks camera owners for footage; owners answer on a public page.

Rules (issue 5, docs/interfaces.md "send and track footage requests": detective and supervisor):

* One request per camera, one email per request. A chain of custody is clearest when each
  clip belongs to exactly one camera; an owner with several chosen cameras gets one email per
  camera, each naming the camera.
* The owner's link holds a random token (`secrets.token_urlsafe(32)`); only its SHA-256 is
  stored. The email is written to the mail outbox in the SAME transaction as the request and
  its audit event, so an SMTP outage leaves the request `queued` (never lost) until the outbox
  delivers it; `sync_sent` then moves it to `sent`.
* Statuses: queued -> sent -> opened -> accepted | declined -> footage_received -> closed | expired.
  Every step is a `FootageRequestEvent` row (who, when, note).
* The owner decides once (a second decision is refused), may upload clips after accepting
  (uploading also counts as accepting), and the link stops working when the request expires or
  the case is closed.
* Uploads: the type must be allowed by config AND the first bytes must look like that type;
  the size limit is enforced while reading; the file is hashed (SHA-256) while it is copied to
  a temporary file and moved into `storage_dir/<request id>/` only when every check passed, so
  a refused file leaves nothing on disk or in the database.
* Audited: every request sent (`footage_request`, also when refused for the role), every owner
  decision and upload, every closure.

No Flask or Dash here: the owner page (`footage_views`) and the dashboard callbacks
(`callbacks/footage.py`) are thin adapters over these functions.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from auth.permissions import PermissionDenied, require
from dashboard.audit import chain as audit
from dashboard.config import Settings
from dashboard.db import Database
from dashboard.jobs.mail import enqueue
from dashboard.jobs.periodic import PeriodicTask
from dashboard.models import Camera, CameraSite, Incident, OutboundEmail, Owner, User, utcnow
from dashboard.models.footage import (
    FINAL_STATUSES,
    OUTCOMES,
    FootageRequest,
    FootageRequestEvent,
    FootageUpload,
)
from dashboard.owners.reveal import CASE_NUMBER

ACTION = "footage_request"
RELATED = "footage_request"              # outbox related_type of the request email itself
RELATED_REMINDER = "footage_request_reminder"
RELATED_CLOSED = "footage_request_closed"
LOCAL_TZ = ZoneInfo("America/Chicago")
MAX_CAMERAS = 20
MESSAGE_MAX = 1000
NOTE_MAX = 2000
FUTURE_TOLERANCE = timedelta(hours=1)
CHUNK = 1024 * 1024
DECIDABLE = ("queued", "sent", "opened")

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


class FootageError(ValueError):
    """Bad input from the detective; the message is meant for them."""


class OwnerPageError(Exception):
    """The owner's link or answer is refused; `status` is the HTTP status, `message` for the owner."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


# ---------------------------------------------------------------------------- helpers

def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def request_link(settings: Settings, token: str) -> str:
    return f"{settings.public_base_url}/register/requests/{token}"


def local_time(value: datetime) -> str:
    local = value.astimezone(LOCAL_TZ)
    return local.strftime("%a %b %d, %Y %I:%M %p %Z")


def window_text(start: datetime, end: datetime) -> str:
    a, b = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    if a.date() == b.date():
        return f"{a:%a %b %d, %Y} from {a:%I:%M %p} to {b:%I:%M %p %Z}"
    return f"{local_time(a)} to {local_time(b)}"


def parse_local(value: Any) -> datetime:
    """'YYYY-MM-DD HH:MM' (or ISO with offset) -> aware UTC datetime; naive means Dallas time."""
    if isinstance(value, datetime):
        parsed = value
    else:
        text = value.strip() if isinstance(value, str) else ""
        try:
            parsed = datetime.fromisoformat(text.replace(" ", "T", 1)) if text else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise FootageError("Window start: use YYYY-MM-DD HH:MM (Dallas time), e.g. 2025-06-14 21:00.")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TZ)
    return parsed.astimezone(UTC)


def place_of(incident: Incident) -> str:
    return " ".join(p for p in (incident.block, incident.location) if p) or "location not given"


def _actor(user) -> str:
    return f"detective:{getattr(user, 'username', '?')}"


def _step(s: Session, req: FootageRequest, status: str, actor: str, now: datetime, note: str | None = None) -> None:
    req.status = status
    s.add(FootageRequestEvent(request_id=req.id, at=now, status=status, actor=actor, note=note))


def _short(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text[:limit] or None


def _clean_text(value: Any, limit: int, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FootageError(f"{field}: text expected.")
    text = value.strip()
    if len(text) > limit:
        raise FootageError(f"{field}: at most {limit} characters.")
    return text or None


def _deny(db: Database, user, action_object: str, case_number: Any, client_addr: str | None, what: str) -> None:
    with db.session() as s:
        audit.record(s, ACTION if what == "send" else f"{ACTION}_{what}", user_id=getattr(user, "id", None),
                     username=getattr(user, "username", None), object_type="incident",
                     object_id=_short(action_object, 80), case_number=_short(case_number, 40),
                     client_addr=client_addr, outcome="denied")


def _require(db: Database, user, incident: Any, case_number: Any, client_addr: str | None, what: str) -> None:
    try:
        require(user, "footage_requests")
    except PermissionDenied:
        _deny(db, user, incident, case_number, client_addr, what)
        raise


def _find_incident(s: Session, incident: Any) -> Incident:
    row = None
    if isinstance(incident, int) and not isinstance(incident, bool):
        row = s.get(Incident, incident)
    elif isinstance(incident, str) and incident.strip():
        row = s.scalar(select(Incident).where(Incident.incident_number == incident.strip()))
    if row is None:
        raise FootageError("Incident not found.")
    return row


# ---------------------------------------------------------------------------- sending

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


def _request_email(settings: Settings, incident: Incident, camera: Camera, owner: Owner, detective_name: str,
                   req: FootageRequest, token: str, message: str | None) -> tuple[str, str]:
    greeting = owner.contact_person or owner.name
    lines = [
        f"Dear {greeting},",
        "",
        f"The Dallas Police Department is investigating incident {incident.incident_number} "
        f"near {place_of(incident)}.",
        f"Your camera \"{camera.label}\", registered with CONNECT DALLAS, may have recorded something that helps.",
        "",
        f"Footage asked for: {window_text(req.window_start, req.window_end)}.",
    ]
    if req.case_number:
        lines.append(f"Case number: {req.case_number}")
    if message:
        lines += ["", "Message from the detective:", message]
    lines += [
        "",
        f"Requested by: {detective_name}, Dallas Police Department. Callback: {settings.footage_callback_phone}"
        f" (mention incident {incident.incident_number}).",
        "",
        "Please answer here: accept or decline, upload clips, or tell us how to collect the footage:",
        request_link(settings, token),
        "",
        f"This link is only for this request and works until {local_time(req.expires_at)}.",
        "Sharing footage is voluntary: registering your camera does not oblige you to, and declining has no",
        "consequence. Your footage stays yours. Never share this link; the police will never ask for a password.",
        "",
        "Thank you,",
        "Dallas Police Department - CONNECT DALLAS",
    ]
    return f"Dallas Police footage request - incident {incident.incident_number}", "\n".join(lines)


def send_requests(db: Database, user, incident: Any, camera_ids: Any, window_start: datetime, window_end: datetime,
                  message: Any, settings: Settings, *, case_number: Any = None, client_addr: str | None = None,
                  now: datetime | None = None) -> list[SentRequest]:
    """Create one request per chosen camera, queue each owner's email, audit each request.

    `incident` is an incident id (int) or incident number (str). Raises PermissionDenied (after
    a committed `denied` audit event) or FootageError (bad input; nothing stored)."""
    _require(db, user, incident, case_number, client_addr, "send")
    now = now or utcnow()
    ids = _camera_ids(camera_ids)
    validate_window(window_start, window_end, settings, now)
    case = _clean_text(case_number, 40, "Case number")
    if case and not CASE_NUMBER.fullmatch(case):
        raise FootageError("Case number: use the Dallas format, two-digit year, dash, seven digits (e.g. 25-0280079).")
    text = _clean_text(message, MESSAGE_MAX, "Message")
    created: list[SentRequest] = []
    with db.session() as s:
        inc = _find_incident(s, incident)
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
        for cam_id in ids:
            cam, owner = found[cam_id]
            token, token_hash = new_token()
            req = FootageRequest(incident_id=inc.id, camera_id=cam.id, owner_id=owner.id, requested_by=user.id,
                                 case_number=case, window_start=window_start, window_end=window_end, message=text,
                                 token_hash=token_hash, status="queued", created_at=now,
                                 expires_at=now + timedelta(days=settings.footage_link_expiry_days))
            s.add(req)
            s.flush()
            _step(s, req, "queued", _actor(user), now, "email queued for the owner")
            subject, body = _request_email(settings, inc, cam, owner, detective_name, req, token, text)
            enqueue(s, kind="footage_request", to_addr=owner.email, subject=subject, body=body,
                    related_type=RELATED, related_id=req.id)
            audit.record(s, ACTION, user_id=user.id, username=user.username, object_type="footage_request",
                         object_id=req.id, case_number=case, client_addr=client_addr,
                         detail={"incident": inc.incident_number, "camera_id": cam.id,
                                 "window_start": window_start.isoformat(), "window_end": window_end.isoformat()})
            created.append(SentRequest(req.id, cam.id, req.status, req.expires_at))
    return created


# ---------------------------------------------------------------------------- tracking

def sync_sent(db: Database, now: datetime | None = None) -> int:
    """Requests whose email has left the outbox move from queued to sent. Returns how many."""
    now = now or utcnow()
    moved = 0
    with db.session() as s:
        rows = s.execute(select(FootageRequest, OutboundEmail.sent_at)
                         .join(OutboundEmail, (OutboundEmail.related_type == RELATED)
                               & (OutboundEmail.related_id == FootageRequest.id))
                         .where(FootageRequest.status == "queued", OutboundEmail.status == "sent")).all()
        for req, sent_at in rows:
            _step(s, req, "sent", "system", sent_at or now, "email delivered to the mail server")
            moved += 1
    return moved


def _reminder_email(settings: Settings, inc: Incident, camera: Camera, owner: Owner, req: FootageRequest,
                    token: str) -> tuple[str, str]:
    body = "\n".join([
        f"Dear {owner.contact_person or owner.name},",
        "",
        f"A reminder: the Dallas Police Department asked for footage from your camera \"{camera.label}\" "
        f"for incident {inc.incident_number} ({window_text(req.window_start, req.window_end)}).",
        f"The request expires on {local_time(req.expires_at)}. You can answer here:",
        request_link(settings, token),
        "",
        "Sharing footage is voluntary; if you have already answered, please ignore this email.",
        f"Questions: {settings.footage_callback_phone} (mention incident {inc.incident_number}).",
    ])
    return f"Reminder: Dallas Police footage request - incident {inc.incident_number}", body


def expire_and_remind(db: Database, settings: Settings, now: datetime | None = None) -> tuple[int, int]:
    """Expire overdue requests and queue one reminder per request N days before expiry.
    Returns (expired, reminded)."""
    now = now or utcnow()
    expired = reminded = 0
    with db.session() as s:
        for req in s.scalars(select(FootageRequest).where(FootageRequest.status.not_in(FINAL_STATUSES),
                                                          FootageRequest.expires_at <= now)):
            req.closed_at = now
            _step(s, req, "expired", "system", now, "the owner's link has expired")
            expired += 1
        days = settings.footage_reminder_days_before
        if days > 0:
            due = s.execute(
                select(FootageRequest, Incident, Camera, Owner)
                .join(Incident, FootageRequest.incident_id == Incident.id)
                .join(Camera, FootageRequest.camera_id == Camera.id)
                .join(Owner, FootageRequest.owner_id == Owner.id)
                .where(FootageRequest.status.in_(("sent", "opened", "accepted")),
                       FootageRequest.reminder_sent_at.is_(None),
                       FootageRequest.expires_at > now,
                       FootageRequest.expires_at <= now + timedelta(days=days))).all()
            for req, inc, cam, owner in due:
                token, token_hash = new_token()
                req.reminder_token_hash = token_hash
                req.reminder_sent_at = now
                subject, body = _reminder_email(settings, inc, cam, owner, req, token)
                enqueue(s, kind="footage_reminder", to_addr=owner.email, subject=subject, body=body,
                        related_type=RELATED_REMINDER, related_id=req.id)
                s.add(FootageRequestEvent(request_id=req.id, at=now, status=req.status, actor="system",
                                          note="reminder email queued"))
                reminded += 1
    return expired, reminded


def refresh(db: Database, settings: Settings, now: datetime | None = None) -> None:
    """What the detectives' list must show up to date: sent mail, expiries, reminders.
    Idempotent; safe to call often."""
    sync_sent(db, now)
    expire_and_remind(db, settings, now)


def purge_unneeded_clips(db: Database, settings: Settings, now: datetime | None = None) -> int:
    """Delete the files of clips whose case was closed as "not needed" more than
    `footage.unneeded_clip_days` ago: footage of people who were not part of a crime is not kept
    longer than the case needed it. The upload row stays (name, size, SHA-256: the record that a
    file was received and when it went); each deletion is a request event and an audit event.
    Clips of cases closed as "used" are evidence and stay. Returns how many files went."""
    if not settings.footage_unneeded_clip_days:
        return 0
    now = now or utcnow()
    cutoff = now - timedelta(days=settings.footage_unneeded_clip_days)
    purged = 0
    with db.session() as s:
        rows = s.execute(select(FootageUpload, FootageRequest)
                         .join(FootageRequest, FootageUpload.request_id == FootageRequest.id)
                         .where(FootageRequest.outcome == "not_needed", FootageRequest.closed_at <= cutoff,
                                FootageUpload.stored_path != "")
                         .order_by(FootageUpload.id)).all()
        for upload_row, req in rows:
            Path(upload_row.stored_path).unlink(missing_ok=True)
            upload_row.stored_path = ""
            _step(s, req, req.status, "system", now,
                  f"{upload_row.original_name} deleted: case closed as not needed "
                  f"{settings.footage_unneeded_clip_days} days ago")
            audit.record(s, "footage_clip_deleted", username="system", object_type="footage_request",
                         object_id=req.id, case_number=req.case_number,
                         detail={"upload_id": upload_row.id, "sha256": upload_row.sha256,
                                 "rule": f"not needed + {settings.footage_unneeded_clip_days} days"})
            purged += 1
    return purged


@dataclass(frozen=True)
class RequestSummary:
    id: int
    incident_number: str
    camera_id: int
    camera_label: str
    status: str
    mail: str | None             # queued, sent, failed: the request email in the outbox
    mail_error: str | None
    window: str
    case_number: str | None
    requested_by: str | None
    created_at: datetime
    expires_at: datetime
    owner_note: str | None
    uploads: int
    outcome: str | None
    files: tuple[UploadView, ...] = ()   # the received clips, oldest first

    @property
    def status_label(self) -> str:
        if self.status == "queued":
            if self.mail == "failed":
                return "mail failed: the owner has not been reached"
            return "queued: mail not sent yet, retrying" if self.mail_error else "queued"
        return self.status.replace("_", " ")


def list_requests(db: Database, user, incident: Any = None) -> list[RequestSummary]:
    """A detective's own requests (a supervisor: everyone's), or every request of one incident."""
    require(user, "footage_requests")
    with db.session() as s:
        q = (select(FootageRequest, Incident.incident_number, Camera.label, User.full_name)
             .join(Incident, FootageRequest.incident_id == Incident.id)
             .join(Camera, FootageRequest.camera_id == Camera.id)
             .outerjoin(User, FootageRequest.requested_by == User.id))
        if incident is not None:
            q = q.where(FootageRequest.incident_id == _find_incident(s, incident).id)
        elif user.role != "supervisor":
            q = q.where(FootageRequest.requested_by == user.id)
        rows = s.execute(q.order_by(FootageRequest.id.desc()).limit(500)).all()
        ids = [r[0].id for r in rows]
        mails: dict[int, tuple[str, str | None]] = {}
        files: dict[int, list[UploadView]] = {}
        if ids:
            for rid, status, error in s.execute(
                    select(OutboundEmail.related_id, OutboundEmail.status, OutboundEmail.last_error)
                    .where(OutboundEmail.related_type == RELATED, OutboundEmail.related_id.in_(ids))
                    .order_by(OutboundEmail.id)):
                mails[rid] = (status, error)
            for u in s.scalars(select(FootageUpload).where(FootageUpload.request_id.in_(ids))
                               .order_by(FootageUpload.id)):
                files.setdefault(u.request_id, []).append(_upload_view(u))
        return [RequestSummary(
            id=req.id, incident_number=number, camera_id=req.camera_id, camera_label=label, status=req.status,
            mail=mails.get(req.id, (None, None))[0], mail_error=mails.get(req.id, (None, None))[1],
            window=window_text(req.window_start, req.window_end), case_number=req.case_number,
            requested_by=name, created_at=req.created_at, expires_at=req.expires_at, owner_note=req.owner_note,
            uploads=len(files.get(req.id, ())), outcome=req.outcome, files=tuple(files.get(req.id, ())))
            for req, number, label, name in rows]


def request_events(db: Database, user, request_id: int) -> list[tuple[datetime, str, str, str | None]]:
    require(user, "footage_requests")
    with db.session() as s:
        return [(e.at, e.status, e.actor, e.note) for e in s.scalars(
            select(FootageRequestEvent).where(FootageRequestEvent.request_id == request_id)
            .order_by(FootageRequestEvent.id))]


# ---------------------------------------------------------------------------- the owner's side

@dataclass(frozen=True)
class UploadView:
    name: str
    size_bytes: int
    sha256: str
    received_at: str
    id: int = 0
    kept: bool = True   # False once deleted under the retention rule (the record of it stays)


@dataclass(frozen=True)
class OwnerView:
    """Exactly what the owner's page may show: this request, nothing else of the registry."""

    incident_number: str
    place: str
    window: str
    camera_label: str
    detective_name: str
    callback_phone: str
    case_number: str | None
    message: str | None
    status: str
    expires: str
    decided: str | None          # accepted / declined, once answered
    owner_note: str | None
    uploads: tuple[UploadView, ...]

    @property
    def can_decide(self) -> bool:
        return self.decided is None

    @property
    def can_upload(self) -> bool:
        return self.decided != "declined"


def _load(s: Session, token: Any, now: datetime) -> tuple[FootageRequest | None, OwnerPageError | None]:
    """The request a token opens, or the refusal. An overdue request is marked expired here
    (the caller commits) so the page and the tracking agree even before the sweeper runs."""
    if not isinstance(token, str) or not (20 <= len(token) <= 100):
        return None, OwnerPageError(404, "This link is not valid. Please use the link in our email.")
    digest = hash_token(token)
    req = s.scalar(select(FootageRequest).where(or_(FootageRequest.token_hash == digest,
                                                    FootageRequest.reminder_token_hash == digest)))
    if req is None:
        return None, OwnerPageError(404, "This link is not valid. Please use the link in our email.")
    if req.status not in FINAL_STATUSES and req.expires_at <= now:
        req.closed_at = now
        _step(s, req, "expired", "system", now, "the owner's link has expired")
    if req.status == "expired":
        return req, OwnerPageError(410, "This request has expired; nothing more is needed from you. Thank you.")
    if req.status == "closed":
        return req, OwnerPageError(410, "This case is closed; nothing more is needed from you. Thank you.")
    return req, None


def _decision(req: FootageRequest) -> str | None:
    if req.decided_at is None:
        return None
    return "declined" if req.status == "declined" else "accepted"


def _view(s: Session, req: FootageRequest, settings: Settings) -> OwnerView:
    inc = s.get(Incident, req.incident_id)
    cam = s.get(Camera, req.camera_id)
    detective = s.get(User, req.requested_by) if req.requested_by else None
    uploads = tuple(_upload_view(u) for u in s.scalars(select(FootageUpload).where(FootageUpload.request_id == req.id)
                                                       .order_by(FootageUpload.id)))
    return OwnerView(
        incident_number=inc.incident_number if inc else "", place=place_of(inc) if inc else "",
        window=window_text(req.window_start, req.window_end), camera_label=cam.label if cam else "",
        detective_name=detective.full_name if detective else "Dallas Police Department",
        callback_phone=settings.footage_callback_phone, case_number=req.case_number, message=req.message,
        status=req.status, expires=local_time(req.expires_at), decided=_decision(req), owner_note=req.owner_note,
        uploads=uploads)


def _open(db: Database, token: Any, now: datetime) -> tuple[int | None, OwnerPageError | None]:
    with db.session() as s:
        req, error = _load(s, token, now)
        if error is None and req.opened_at is None:
            req.opened_at = now
            if req.status in ("queued", "sent"):
                _step(s, req, "opened", "owner", now, "the owner opened the link")
            else:
                s.add(FootageRequestEvent(request_id=req.id, at=now, status=req.status, actor="owner",
                                          note="the owner opened the link"))
        return (req.id if req else None), error


def open_request(db: Database, token: Any, settings: Settings, now: datetime | None = None) -> OwnerView:
    """The owner opens the link: the first opening is recorded. Raises OwnerPageError."""
    now = now or utcnow()
    request_id, error = _open(db, token, now)  # commits the opening (or the expiry) first
    if error is not None:
        raise error
    with db.session() as s:
        return _view(s, s.get(FootageRequest, request_id), settings)


def decide(db: Database, token: Any, accept: bool, note: Any, settings: Settings,
           now: datetime | None = None) -> OwnerView:
    """Accept or decline, once. A second decision is refused (409)."""
    now = now or utcnow()
    if note is not None and not isinstance(note, str):
        raise OwnerPageError(422, "The note must be text.")
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise OwnerPageError(422, f"The note may be at most {NOTE_MAX} characters.")
    request_id, error = _open(db, token, now)
    if error is not None:
        raise error
    status = "accepted" if accept else "declined"
    with db.session() as s:
        # one atomic conditional update: of two simultaneous decisions exactly one wins
        won = s.execute(update(FootageRequest)
                        .where(FootageRequest.id == request_id, FootageRequest.decided_at.is_(None))
                        .values(decided_at=now, owner_note=text or None, status=status)
                        .execution_options(synchronize_session=False)).rowcount
        req = s.get(FootageRequest, request_id, populate_existing=True)
        if not won:
            raise OwnerPageError(409, f"You already answered this request ({_decision(req)} on "
                                      f"{local_time(req.decided_at)}). To change your answer, please call "
                                      f"{settings.footage_callback_phone}.")
        _step(s, req, status, "owner", now, text or None)
        audit.record(s, f"{ACTION}_{status}", username="owner", object_type="footage_request", object_id=req.id,
                     case_number=req.case_number)
        return _view(s, req, settings)


def _sniff_ok(content_type: str, head: bytes) -> bool:
    signatures = _SIGNATURES.get(content_type)
    if signatures is None:  # an allowed type we know no signature for: trust the allow-list
        return True
    return any(head[offset:offset + len(magic)] == magic for offset, magic in signatures)


_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_EXT = {"video/mp4": ".mp4", "video/quicktime": ".mov", "video/x-msvideo": ".avi", "video/x-matroska": ".mkv",
        "image/jpeg": ".jpg", "image/png": ".png"}


def _display_name(name: Any) -> str:
    text = os.path.basename(str(name or "").replace("\\", "/")).strip()
    return (text or "unnamed")[:255]


def upload(db: Database, token: Any, filename: Any, content_type: Any, stream: BinaryIO, settings: Settings,
           now: datetime | None = None) -> UploadView:
    """Receive one clip: checks link, decision, type and size; hashes while copying; stores it
    under storage_dir/<request id>/ only when every check passed. Raises OwnerPageError."""
    now = now or utcnow()
    request_id, error = _open(db, token, now)
    if error is not None:
        raise error
    with db.session() as s:
        req = s.get(FootageRequest, request_id)
        if req.status == "declined":
            raise OwnerPageError(409, "You declined this request, so no upload is needed. To change your answer, "
                                      f"please call {settings.footage_callback_phone}.")
    ctype = str(content_type or "").split(";")[0].strip().lower()
    allowed = settings.footage_upload_types
    if ctype not in allowed:
        raise OwnerPageError(415, f"This kind of file ({ctype or 'unknown'}) is not accepted. Accepted: "
                                  f"{', '.join(allowed)}.")
    limit = settings.footage_upload_max_mb * 1024 * 1024
    storage = Path(settings.footage_storage_dir)
    incoming = storage / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    fd, tmp_name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=incoming)
    tmp = Path(tmp_name)
    final: Path | None = None
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise OwnerPageError(413, f"The file is larger than {settings.footage_upload_max_mb} MB. "
                                              f"Please split it, or leave a note on how we can collect it.")
                if len(head) < 16:
                    head += chunk[:16 - len(head)]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise OwnerPageError(422, "The file is empty.")
        if not _sniff_ok(ctype, head):
            raise OwnerPageError(415, f"The file's contents are not {ctype}. Please upload the original clip.")
        sha = digest.hexdigest()
        with db.session() as s:
            req = s.get(FootageRequest, request_id)
            if req.status in FINAL_STATUSES or req.status == "declined":  # changed meanwhile
                raise OwnerPageError(410, "This request is no longer open.")
            name = _display_name(filename)
            row = FootageUpload(request_id=req.id, original_name=name, content_type=ctype, size_bytes=size,
                                sha256=sha, received_at=now, stored_path="")
            s.add(row)
            s.flush()
            folder = storage / str(req.id)
            folder.mkdir(parents=True, exist_ok=True)
            final = folder / f"{row.id}_{sha[:16]}{_EXT.get(ctype, '')}"
            os.replace(tmp, final)
            row.stored_path = str(final)
            if req.decided_at is None:
                req.decided_at = now
                _step(s, req, "accepted", "owner", now, "accepted by uploading footage")
            _step(s, req, "footage_received", "owner", now, f"{name} ({size} bytes, sha256 {sha})")
            audit.record(s, "footage_received", username="owner", object_type="footage_request", object_id=req.id,
                         case_number=req.case_number,
                         detail={"upload_id": row.id, "sha256": sha, "size_bytes": size, "content_type": ctype})
            view = UploadView(name, size, sha, local_time(now), row.id)
        final = None  # committed: keep the file
        return view
    finally:
        tmp.unlink(missing_ok=True)
        if final is not None:
            final.unlink(missing_ok=True)  # the database refused: no orphan file


# ---------------------------------------------------------------------------- closing

def _closed_email(inc: Incident, camera: Camera, owner: Owner, outcome: str, settings: Settings) -> tuple[str, str]:
    said = ("Your footage was used in the investigation." if outcome == "used"
            else "In the end your footage was not needed for the investigation.")
    body = "\n".join([
        f"Dear {owner.contact_person or owner.name},",
        "",
        f"The case for incident {inc.incident_number} (camera \"{camera.label}\") is closed. {said}",
        "Thank you for your help and for taking part in CONNECT DALLAS.",
        "",
        f"Questions: {settings.footage_callback_phone}.",
        "Dallas Police Department",
    ])
    return f"Thank you - incident {inc.incident_number} is closed", body


def close_case(db: Database, user, incident: Any, outcome: Any, settings: Settings, *,
               client_addr: str | None = None, now: datetime | None = None) -> int:
    """Close every open request of an incident; owners who accepted are told, in a short email,
    whether their footage was used. Returns how many requests were closed."""
    _require(db, user, incident, None, client_addr, "close")
    if outcome not in OUTCOMES:
        raise FootageError("Outcome: choose 'used' or 'not needed'.")
    now = now or utcnow()
    closed = 0
    with db.session() as s:
        inc = _find_incident(s, incident)
        rows = s.execute(select(FootageRequest, Camera, Owner)
                         .join(Camera, FootageRequest.camera_id == Camera.id)
                         .join(Owner, FootageRequest.owner_id == Owner.id)
                         .where(FootageRequest.incident_id == inc.id,
                                FootageRequest.status.not_in(FINAL_STATUSES))
                         .order_by(FootageRequest.id)).all()
        for req, cam, owner in rows:
            answered_yes = req.status in ("accepted", "footage_received")
            req.outcome = outcome
            req.closed_at = now
            _step(s, req, "closed", _actor(user), now, f"case closed: footage {outcome.replace('_', ' ')}")
            if answered_yes:
                subject, body = _closed_email(inc, cam, owner, outcome, settings)
                enqueue(s, kind="footage_closed", to_addr=owner.email, subject=subject, body=body,
                        related_type=RELATED_CLOSED, related_id=req.id)
            audit.record(s, f"{ACTION}_closed", user_id=user.id, username=user.username,
                         object_type="footage_request", object_id=req.id, case_number=req.case_number,
                         client_addr=client_addr, detail={"outcome": outcome, "owner_told": answered_yes})
            closed += 1
    return closed


def _upload_view(u: FootageUpload) -> UploadView:
    return UploadView(u.original_name, u.size_bytes, u.sha256, local_time(u.received_at), u.id, bool(u.stored_path))


def uploads_of(db: Database, user, request_id: int) -> list[UploadView]:
    require(user, "footage_requests")
    with db.session() as s:
        return [_upload_view(u) for u in s.scalars(select(FootageUpload).where(FootageUpload.request_id == request_id)
                                                  .order_by(FootageUpload.id))]


# ---------------------------------------------------------------------------- handing clips over

class FootageUnavailable(Exception):
    """A received clip that cannot be handed over: unknown, missing on disk, or changed since receipt."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class ReleasedFile:
    path: Path
    download_name: str
    sha256: str
    size_bytes: int


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def release_upload(db: Database, user, upload_id: Any, *, client_addr: str | None = None) -> ReleasedFile:
    """Hand a received clip to a detective or supervisor: the permission first (a refusal is
    audited), then the chain of custody (the file must still hash to the SHA-256 recorded at
    receipt; a mismatch is refused and audited), then the `footage_download` event is committed,
    and only then is the file returned for serving. Raises PermissionDenied or FootageUnavailable."""
    try:
        require(user, "footage_requests")
    except PermissionDenied:
        _deny(db, user, f"upload {upload_id}", None, client_addr, "download")
        raise
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
        released = ReleasedFile(Path(row.stored_path), row.original_name, row.sha256, row.size_bytes)
        request_id, case_number = req.id, req.case_number
    # hashed with no database transaction open (a clip may be hundreds of MB)
    found = _file_sha256(released.path) if released.path.is_file() else None
    detail = {"upload_id": upload_key, "sha256": released.sha256, "size_bytes": released.size_bytes}
    intact = found == released.sha256
    with db.session() as s:
        audit.record(s, f"{ACTION}_download", user_id=user.id, username=user.username, object_type="footage_request",
                     object_id=request_id, case_number=case_number, client_addr=client_addr,
                     outcome="ok" if intact else "file_missing" if found is None else "file_changed",
                     detail=detail if intact else {**detail, "found_sha256": found})
    if found is None:
        raise FootageUnavailable(410, "This file is no longer in the footage store. The event is in the audit log.")
    if not intact:
        raise FootageUnavailable(409, "This file no longer matches the SHA-256 recorded when it was received, so "
                                      "it is not handed out. The event is in the audit log.")
    return released


class FootageSweeper(PeriodicTask):
    """Runs `refresh` (sent mail -> sent, expiries, reminders) and the clip retention rule every
    `interval` seconds in the server; the dashboard's footage panel also calls `refresh` whenever
    it lists requests (deleting files is never the work of a dashboard request)."""

    def __init__(self, db: Database, settings: Settings, interval: float = 60.0):
        super().__init__("footage-sweeper", lambda: self.sweep(db, settings), interval)

    @staticmethod
    def sweep(db: Database, settings: Settings) -> None:
        refresh(db, settings)
        purge_unneeded_clips(db, settings)
