"""The footage sweeper: what time does to requests, run every minute by `connect-dallas worker`
(dashboard/jobs/registry.py; `FootageSweeper` runs it on a thread). No dashboard request runs it:
the detectives' list only reads what the sweeper wrote.

* a request whose email left the outbox moves from queued to sent;
* an overdue request expires (its links stop working);
* N days before expiry one reminder per owner and batch is queued, with a fresh link per
  camera (the first token is not stored, so it cannot be resent);
* clips of cases closed as "not needed" are deleted after `footage.unneeded_clip_days`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from dashboard import tokens
from dashboard.audit import chain as audit
from dashboard.config import Settings
from dashboard.db import Database
from dashboard.jobs.periodic import PeriodicTask
from dashboard.models import Camera, Incident, OutboundEmail, Owner, utcnow
from dashboard.models.footage import FINAL_STATUSES, FootageRequest, FootageRequestEvent, FootageUpload

from . import emails
from .common import step
from .storage import clip_storage

log = logging.getLogger(__name__)


def sync_sent(db: Database, now: datetime | None = None) -> int:
    """Requests whose email has left the outbox move from queued to sent. Returns how many."""
    now = now or utcnow()
    moved = 0
    with db.session() as s:
        rows = s.execute(select(FootageRequest, OutboundEmail.sent_at)
                         .join(OutboundEmail, OutboundEmail.id == FootageRequest.email_id)
                         .where(FootageRequest.status == "queued", OutboundEmail.status == "sent")).all()
        for req, sent_at in rows:
            step(s, req, "sent", "system", sent_at or now, "email delivered to the mail server")
            moved += 1
    return moved


def expire_and_remind(db: Database, settings: Settings, now: datetime | None = None) -> tuple[int, int]:
    """Expire overdue requests and queue one reminder per request N days before expiry, one
    email per owner and batch. Returns (expired, reminded requests)."""
    now = now or utcnow()
    expired = reminded = 0
    with db.session() as s:
        for req in s.scalars(select(FootageRequest).where(FootageRequest.status.not_in(FINAL_STATUSES),
                                                          FootageRequest.expires_at <= now)):
            req.closed_at = now
            step(s, req, "expired", "system", now, "the owner's link has expired")
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
                       FootageRequest.expires_at <= now + timedelta(days=days))
                .order_by(FootageRequest.id)).all()
            batches: dict[tuple[int, int], tuple[Incident, Owner, list]] = {}
            for req, inc, cam, owner in due:
                token, token_hash = tokens.mint()
                req.reminder_token_hash = token_hash
                req.reminder_sent_at = now
                s.add(FootageRequestEvent(request_id=req.id, at=now, status=req.status, actor="system",
                                          note="reminder email queued"))
                key = (owner.id, req.email_id or -req.id)   # requests mailed together are reminded together
                batches.setdefault(key, (inc, owner, []))[2].append((req, cam, token))
                reminded += 1
            for inc, owner, batch in batches.values():
                emails.queue_reminder(s, settings, inc, owner, batch)
    return expired, reminded


def refresh(db: Database, settings: Settings, now: datetime | None = None) -> None:
    """What the detectives' list must show up to date: sent mail, expiries, reminders.
    Idempotent, but not safe to run twice at the same moment (two reminders): the worker runs it
    under a lock (dashboard/jobs/locks.py)."""
    sync_sent(db, now)
    expire_and_remind(db, settings, now)


def purge_unneeded_clips(db: Database, settings: Settings, now: datetime | None = None) -> int:
    """Delete the files of clips whose case was closed as "not needed" more than
    `footage.unneeded_clip_days` ago: footage of people who were not part of a crime is not kept
    longer than the case needed it. The upload row stays (name, size, SHA-256: the record that a
    file was received and when it went); each deletion is a request event and an audit event.
    Clips of cases closed as "used" are evidence and stay. Returns how many files went.

    Files are deleted only after the transaction that records their deletion has committed: a
    failure before the commit leaves every file and every record as it was. A crash between the
    commit and the deletion leaves an unreferenced file in the store (never a record without its
    file); the log names it."""
    if not settings.footage_unneeded_clip_days:
        return 0
    now = now or utcnow()
    cutoff = now - timedelta(days=settings.footage_unneeded_clip_days)
    gone: list[str] = []
    with db.session() as s:
        rows = s.execute(select(FootageUpload, FootageRequest)
                         .join(FootageRequest, FootageUpload.request_id == FootageRequest.id)
                         .where(FootageRequest.outcome == "not_needed", FootageRequest.closed_at <= cutoff,
                                FootageUpload.stored_path != "")
                         .order_by(FootageUpload.id)).all()
        for upload_row, req in rows:
            gone.append(upload_row.stored_path)
            upload_row.stored_path = ""
            step(s, req, req.status, "system", now,
                 f"{upload_row.original_name} deleted: case closed as not needed "
                 f"{settings.footage_unneeded_clip_days} days ago")
            audit.record(s, "footage_clip_deleted", username="system", object_type="footage_request",
                         object_id=req.id, case_number=req.case_number,
                         detail={"upload_id": upload_row.id, "sha256": upload_row.sha256,
                                 "rule": f"not needed + {settings.footage_unneeded_clip_days} days"})
    storage = clip_storage(settings)
    for key in gone:  # committed: now the files may go
        log.info("deleting clip %s (retention rule)", key)
        storage.delete(key)
    return len(gone)


class FootageSweeper(PeriodicTask):
    """Runs `sweep` (sent mail -> sent, expiries, reminders, the clip retention rule) every
    `interval` seconds on a thread; `connect-dallas worker` runs the same `sweep` as a job."""

    def __init__(self, db: Database, settings: Settings, interval: float = 60.0):
        super().__init__("footage-sweeper", lambda: self.sweep(db, settings), interval)

    @staticmethod
    def sweep(db: Database, settings: Settings) -> None:
        refresh(db, settings)
        purge_unneeded_clips(db, settings)
