"""The detectives' side after sending: the list of requests with their mail and clips, a
request's history, and closing a case (owners who accepted are thanked, one email each)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from auth.permissions import require
from dashboard.audit import chain as audit
from dashboard.config import Settings
from dashboard.db import Database
from dashboard.models import Camera, Incident, OutboundEmail, Owner, User, utcnow
from dashboard.models.footage import (
    FINAL_STATUSES,
    OUTCOMES,
    FootageRequest,
    FootageRequestEvent,
    FootageUpload,
)

from . import emails
from .common import (
    ACTION,
    PERMISSION,
    FootageError,
    UploadView,
    actor,
    find_incident,
    require_footage,
    step,
    upload_view,
    window_text,
)


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


def list_requests(db: Database, user, incident: Any = None, *, where: Any = None) -> list[RequestSummary]:
    """A detective's own requests (a supervisor: everyone's), every request of one incident, or
    every request matching `where` (a SQL condition: dashboard.cases passes a case's requests)."""
    require(user, PERMISSION)
    with db.session() as s:
        q = (select(FootageRequest, Incident.incident_number, Camera.label, User.full_name,
                    OutboundEmail.status, OutboundEmail.last_error)
             .join(Incident, FootageRequest.incident_id == Incident.id)
             .join(Camera, FootageRequest.camera_id == Camera.id)
             .outerjoin(User, FootageRequest.requested_by == User.id)
             .outerjoin(OutboundEmail, OutboundEmail.id == FootageRequest.email_id))
        if where is not None:
            q = q.where(where)
        elif incident is not None:
            q = q.where(FootageRequest.incident_id == find_incident(s, incident).id)
        elif user.role != "supervisor":
            q = q.where(FootageRequest.requested_by == user.id)
        rows = s.execute(q.order_by(FootageRequest.id.desc()).limit(500)).all()
        ids = [r[0].id for r in rows]
        files: dict[int, list[UploadView]] = {}
        if ids:
            for u in s.scalars(select(FootageUpload).where(FootageUpload.request_id.in_(ids))
                               .order_by(FootageUpload.id)):
                files.setdefault(u.request_id, []).append(upload_view(u))
        return [RequestSummary(
            id=req.id, incident_number=number, camera_id=req.camera_id, camera_label=label, status=req.status,
            mail=mail_status, mail_error=mail_error,
            window=window_text(req.window_start, req.window_end), case_number=req.case_number,
            requested_by=name, created_at=req.created_at, expires_at=req.expires_at, owner_note=req.owner_note,
            uploads=len(files.get(req.id, ())), outcome=req.outcome, files=tuple(files.get(req.id, ())))
            for req, number, label, name, mail_status, mail_error in rows]


def request_events(db: Database, user, request_id: int) -> list[tuple[datetime, str, str, str | None]]:
    require(user, PERMISSION)
    with db.session() as s:
        return [(e.at, e.status, e.actor, e.note) for e in s.scalars(
            select(FootageRequestEvent).where(FootageRequestEvent.request_id == request_id)
            .order_by(FootageRequestEvent.id))]


def uploads_of(db: Database, user, request_id: int) -> list[UploadView]:
    require(user, PERMISSION)
    with db.session() as s:
        return [upload_view(u) for u in s.scalars(select(FootageUpload).where(FootageUpload.request_id == request_id)
                                                  .order_by(FootageUpload.id))]


def close_case(db: Database, user, incident: Any, outcome: Any, settings: Settings, *,
               client_addr: str | None = None, now: datetime | None = None) -> int:
    """Close every open request of an incident; each owner who accepted is told, in one short
    email, whether their footage was used. Returns how many requests were closed."""
    require_footage(db, user, incident, None, client_addr, "close")
    if outcome not in OUTCOMES:
        raise FootageError("Outcome: choose 'used' or 'not needed'.")
    now = now or utcnow()
    closed = 0
    with db.session() as s:
        inc = find_incident(s, incident)
        rows = s.execute(select(FootageRequest, Camera, Owner)
                         .join(Camera, FootageRequest.camera_id == Camera.id)
                         .join(Owner, FootageRequest.owner_id == Owner.id)
                         .where(FootageRequest.incident_id == inc.id,
                                FootageRequest.status.not_in(FINAL_STATUSES))
                         .order_by(FootageRequest.id)).all()
        told: dict[int, tuple[Owner, list[tuple[FootageRequest, Camera]]]] = {}
        for req, cam, owner in rows:
            answered_yes = req.status in ("accepted", "footage_received")
            req.outcome = outcome
            req.closed_at = now
            step(s, req, "closed", actor(user), now, f"case closed: footage {outcome.replace('_', ' ')}")
            if answered_yes:
                told.setdefault(owner.id, (owner, []))[1].append((req, cam))
            audit.record(s, f"{ACTION}_closed", user_id=user.id, username=user.username,
                         object_type="footage_request", object_id=req.id, case_number=req.case_number,
                         client_addr=client_addr, detail={"outcome": outcome, "owner_told": answered_yes})
            closed += 1
        for owner, batch in told.values():
            emails.queue_closed(s, settings, inc, owner, outcome, batch)
    return closed
