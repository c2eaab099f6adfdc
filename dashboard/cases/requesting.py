"""Footage for a case: from any cameras the detective names, from a drawn area, or from every
camera that faces the scene of one of the case's incidents, whether or not the call is still on
the CAD board. The footage service does the sending (one request per camera, one email per
owner per batch); this module checks the case and chooses the cameras."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from dashboard.config import Settings
from dashboard.db import Database
from dashboard.footage.sending import SentRequest, send_requests
from dashboard.incidents.canvass import DEFAULT_RADIUS_M, MAX_K, cameras_in_shape, rank_for_incident
from dashboard.models import CaseIncident, Incident
from dashboard.registry.snapshot import RegistrySnapshot

from .common import CaseError, case_number_of, find_case, require_cases


def camera_ids_of(value: Any) -> list[int]:
    """Camera numbers typed by the detective: '12, #15 40' -> [12, 15, 40]."""
    if isinstance(value, str):
        value = value.replace(",", " ").replace("#", " ").split()
    if not isinstance(value, list | tuple):
        raise CaseError("Cameras: camera numbers expected, e.g. 12, 15.")
    ids = []
    for v in value:
        if isinstance(v, bool):
            raise CaseError("Cameras: camera numbers expected, e.g. 12, 15.")
        try:
            ids.append(int(v))
        except (TypeError, ValueError):
            raise CaseError(f"Cameras: {str(v)[:20]!r} is not a camera number.") from None
    return list(dict.fromkeys(ids))


def cameras_facing(snapshot: RegistrySnapshot, incident: Incident, radius_m: float = DEFAULT_RADIUS_M) -> list[int]:
    """Every camera within `radius_m` whose field of view covers the incident's location."""
    return [r.camera_id for r in rank_for_incident(snapshot, incident, radius_m=radius_m, k=MAX_K) if r.faces]


def cameras_in_area(snapshot: RegistrySnapshot, shape: dict) -> list[int]:
    return [int(snapshot.ids[i]) for i in cameras_in_shape(snapshot, shape)]


def case_incident(db: Database, case_number: str, incident_number: Any) -> Incident:
    """The case's incident the footage is for (its only one when none is named)."""
    with db.session() as s:
        case = find_case(s, case_number)
        rows = s.scalars(select(Incident).join(CaseIncident, CaseIncident.incident_id == Incident.id)
                         .where(CaseIncident.case_id == case.id).order_by(CaseIncident.id)).all()
        s.expunge_all()
    if not rows:
        raise CaseError("Add the incident this footage is for to the case first.")
    if incident_number in (None, ""):
        if len(rows) > 1:
            raise CaseError("Incident: choose which of the case's incidents the footage is for.")
        return rows[0]
    match = next((i for i in rows if i.incident_number == incident_number), None)
    if match is None:
        raise CaseError("Incident: not one of this case's incidents.")
    return match


def request_footage(db: Database, user, case_number: Any, incident_number: Any, camera_ids: list[int],
                    window_start: datetime, window_end: datetime, message: Any, settings: Settings, *,
                    client_addr: str | None = None, now: datetime | None = None) -> list[SentRequest]:
    """Send footage requests filed under an open case. PermissionDenied (audited) without the case
    permission; CaseError / FootageError for bad input (nothing stored)."""
    require_cases(db, user, "footage_request", case_number, client_addr)
    number = case_number_of(case_number)
    incident = case_incident(db, number, incident_number)
    with db.session() as s:
        case = find_case(s, number)
        if case.status != "open":
            raise CaseError("This case is closed: undo the close first.")
        case_id = case.id
    return send_requests(db, user, incident.id, camera_ids, window_start, window_end, message, settings,
                         case_number=number, client_addr=client_addr, now=now, case_id=case_id)
