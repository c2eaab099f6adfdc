"""Footage received: the detective who asked is told in the dashboard. The page keeps a cursor
(the newest clip id it has seen); the first look only sets it, so old clips never pop up."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from auth.permissions import require
from dashboard.db import Database
from dashboard.models import Camera, FootageRequest, FootageUpload, Incident


@dataclass(frozen=True)
class FootageNotice:
    upload_id: int
    request_id: int
    text: str


def footage_received_since(db: Database, user, cursor: int | None) -> tuple[int, list[FootageNotice]]:
    """(new cursor, clips received for this user's requests after `cursor`)."""
    require(user, "footage_requests")
    with db.session() as s:
        if cursor is None or isinstance(cursor, bool) or not isinstance(cursor, int):
            return int(s.scalar(select(func.max(FootageUpload.id))) or 0), []
        rows = s.execute(select(FootageUpload, FootageRequest, Camera.label, Incident.incident_number)
                         .join(FootageRequest, FootageUpload.request_id == FootageRequest.id)
                         .join(Camera, FootageRequest.camera_id == Camera.id)
                         .join(Incident, FootageRequest.incident_id == Incident.id)
                         .where(FootageUpload.id > cursor, FootageRequest.requested_by == user.id)
                         .order_by(FootageUpload.id).limit(20)).all()
        newest = max([cursor, *(u.id for u, *_ in rows)])
        if not rows:   # clips of other people's requests still move the cursor on
            newest = max(newest, int(s.scalar(select(func.max(FootageUpload.id))) or 0))
        return newest, [FootageNotice(u.id, r.id, f"{u.original_name} from camera #{r.camera_id} ({label}), "
                                                  f"{'case ' + r.case_number if r.case_number else 'incident ' + number}")
                        for u, r, label, number in rows]
