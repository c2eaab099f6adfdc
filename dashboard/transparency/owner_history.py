"""An owner's own access history: each time police saw their contact details, asked for their
footage or watched their camera live (issue 14, item 3). No Flask: the manage page calls it.

Each entry says when, what kind, for which offense category, and for footage requests what the
owner answered and whether the footage they sent was used. It never says the case number, the
officer, the reason or the incident: those could harm an investigation or a person.

`delay_days` (`transparency.owner_history_delay_days`, default 0) holds back entries younger
than that many days, so a department can keep fresh investigations out of view for a while.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dashboard.db import Database
from dashboard.models import AuditEvent, Camera, CameraSite, utcnow
from dashboard.models.footage import FootageRequest, FootageRequestEvent, FootageUpload

from .activity import EVENT_METRICS, FOOTAGE_SENT_ACTION
from .periods import LOCAL_TZ

# kinds of entry, in the owner's words (dashboard/transparency/i18n.py labels them)
CONTACT_REVEALED = "contact_revealed"     # an officer opened the owner's contact details
CONTACT_EXPORTED = "contact_exported"     # ... or exported them in a canvass list
FOOTAGE_REQUESTED = "footage_requested"
LIVE_VIEW = "live_view"

_CAMERA_ACTIONS = {EVENT_METRICS["owner_contact_reveals"]: CONTACT_REVEALED,
                   EVENT_METRICS["live_views"]: LIVE_VIEW}
_EXPORT_ACTION = EVENT_METRICS["exports"]


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime                 # UTC
    kind: str
    category: str | None         # offense category key; None when recorded before categories
    camera_label: str | None     # the owner's own name for the camera
    answer: str | None = None    # footage requests: accepted, declined or None (no answer)
    footage_sent: bool = False
    outcome: str | None = None   # footage sent: used or not_needed once the case closed

    @property
    def local_date(self) -> str:
        return self.at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d")


def _owner_cameras(session: Session, owner_id: int) -> dict[int, str]:
    rows = session.execute(select(Camera.id, Camera.label).join(CameraSite, Camera.site_id == CameraSite.id)
                           .where(CameraSite.owner_id == owner_id))
    return dict(rows.all())


def _camera_events(session: Session, cameras: dict[int, str], cutoff: datetime) -> list[HistoryEntry]:
    rows = session.execute(select(AuditEvent.at, AuditEvent.action, AuditEvent.category, AuditEvent.object_id)
                           .where(AuditEvent.action.in_(_CAMERA_ACTIONS), AuditEvent.outcome == "ok",
                                  AuditEvent.object_type == "camera",
                                  AuditEvent.object_id.in_([str(c) for c in cameras]), AuditEvent.at <= cutoff))
    return [HistoryEntry(at, _CAMERA_ACTIONS[action], category, cameras.get(int(object_id)))
            for at, action, category, object_id in rows]


def _exports(session: Session, cameras: dict[int, str], cutoff: datetime) -> list[HistoryEntry]:
    """Canvass exports that carried owner columns for one of the cameras. audit.record writes the
    detail with json.dumps(sort_keys=True), so the database narrows by text and Python confirms."""
    patterns = [p for c in cameras for p in (f"%[{c},%", f"%[{c}]%", f"% {c},%", f"% {c}]%")]
    rows = session.execute(select(AuditEvent.at, AuditEvent.category, AuditEvent.detail)
                           .where(AuditEvent.action == _EXPORT_ACTION, AuditEvent.outcome == "ok",
                                  AuditEvent.detail.like('%"with_owner": true%'),
                                  or_(*[AuditEvent.detail.like(p) for p in patterns]), AuditEvent.at <= cutoff))
    entries = []
    for at, category, detail in rows:
        exported = json.loads(detail or "{}")
        mine = [c for c in exported.get("camera_ids") or () if c in cameras]
        if exported.get("with_owner") and mine:
            entries.append(HistoryEntry(at, CONTACT_EXPORTED, category, cameras[mine[0]]))
    return entries


def _footage(session: Session, owner_id: int, cameras: dict[int, str], cutoff: datetime) -> list[HistoryEntry]:
    requests = list(session.scalars(select(FootageRequest).where(FootageRequest.owner_id == owner_id,
                                                                 FootageRequest.created_at <= cutoff)))
    if not requests:
        return []
    ids = [req.id for req in requests]
    # the category the request was sent for (narrowed by the indexed action, not the object id)
    categories = {int(object_id): category for object_id, category in session.execute(
        select(AuditEvent.object_id, AuditEvent.category)
        .where(AuditEvent.action == FOOTAGE_SENT_ACTION, AuditEvent.outcome == "ok",
               AuditEvent.object_type == "footage_request", AuditEvent.object_id.in_([str(i) for i in ids])))}
    answers = dict(session.execute(
        select(FootageRequestEvent.request_id, FootageRequestEvent.status)
        .where(FootageRequestEvent.request_id.in_(ids),
               FootageRequestEvent.status.in_(("accepted", "declined")))).all())
    with_footage = set(session.scalars(select(FootageUpload.request_id).where(FootageUpload.request_id.in_(ids))))
    entries = []
    for req in requests:
        has_footage = req.id in with_footage
        entries.append(HistoryEntry(req.created_at, FOOTAGE_REQUESTED, categories.get(req.id),
                                    cameras.get(req.camera_id), answer=answers.get(req.id), footage_sent=has_footage,
                                    outcome=req.outcome if has_footage else None))
    return entries


def owner_history(db: Database, owner_id: int, *, delay_days: int = 0,
                  now: datetime | None = None) -> list[HistoryEntry]:
    """The owner's entries, newest first, holding back those younger than `delay_days`."""
    cutoff = (now or utcnow()) - timedelta(days=delay_days)
    with db.session() as s:
        cameras = _owner_cameras(s, int(owner_id))
        entries = _footage(s, int(owner_id), cameras, cutoff)
        if cameras:
            entries += _camera_events(s, cameras, cutoff) + _exports(s, cameras, cutoff)
    return sorted(entries, key=lambda e: e.at, reverse=True)


__all__ = ["CONTACT_EXPORTED", "CONTACT_REVEALED", "FOOTAGE_REQUESTED", "HistoryEntry", "LIVE_VIEW",
           "owner_history"]
