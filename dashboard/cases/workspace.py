"""The case workspace: everything done under one case number, in one read. Owner reveals come
from the audit log (the reveal itself stores nothing else), footage requests from the case (or
its number typed on an older request), the canvass from the registry snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from auth.permissions import require
from dashboard.db import Database
from dashboard.footage.tracking import RequestSummary, list_requests
from dashboard.incidents.canvass import CanvassInputError, RankedCamera, rank_for_incident
from dashboard.models import AuditEvent, Case, CaseIncident, CaseNote, FootageRequest, Incident, User, utcnow
from dashboard.owners.reveal import ACTION as REVEAL_ACTION
from dashboard.registry.snapshot import RegistrySnapshot

from .common import PERMISSION, case_number_of, find_case, of_case, require_cases

CANVASS_K = 10


@dataclass(frozen=True)
class CaseIncidentView:
    incident_number: str
    nature_of_call: str
    priority: int
    received_at: datetime
    place: str
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class RevealView:
    at: datetime
    username: str | None
    camera_id: str | None
    reason: str | None


@dataclass(frozen=True)
class NoteView:
    at: datetime
    author: str
    body: str


@dataclass(frozen=True)
class CaseSummary:
    case_number: str
    offense_category: str
    title: str | None
    status: str
    opened_at: datetime


@dataclass(frozen=True)
class CaseWorkspace:
    case_number: str
    offense_category: str
    title: str | None
    status: str                       # open, closing (undo still possible), closed
    opened_by: str | None
    opened_at: datetime
    outcome: str | None
    close_effective_at: datetime | None
    incidents: tuple[CaseIncidentView, ...]
    reveals: tuple[RevealView, ...]
    requests: tuple[RequestSummary, ...]
    notes: tuple[NoteView, ...]
    canvass: tuple[tuple[str, tuple[RankedCamera, ...]], ...]   # per incident with a location

    @property
    def can_undo(self) -> bool:
        return self.status == "closing" and self.close_effective_at is not None and utcnow() < self.close_effective_at


def list_cases(db: Database, user, limit: int = 100) -> list[CaseSummary]:
    """A detective's cases (opened by them, or where they asked for footage); a supervisor's: all."""
    require(user, PERMISSION)
    with db.session() as s:
        q = select(Case).order_by(Case.opened_at.desc(), Case.id.desc()).limit(limit)
        if user.role != "supervisor":
            q = q.where(or_(Case.opened_by == user.id, Case.id.in_(
                select(FootageRequest.case_id).where(FootageRequest.requested_by == user.id))))
        return [CaseSummary(c.case_number, c.offense_category, c.title, c.status, c.opened_at) for c in s.scalars(q)]


def case_workspace(db: Database, user, case_number: Any, snapshot: RegistrySnapshot | None = None, *,
                   client_addr: str | None = None) -> CaseWorkspace:
    require_cases(db, user, "case_view", case_number, client_addr)
    number = case_number_of(case_number)
    with db.session() as s:
        case = find_case(s, number)
        opener = s.get(User, case.opened_by) if case.opened_by else None
        incidents = s.scalars(select(Incident).join(CaseIncident, CaseIncident.incident_id == Incident.id)
                              .where(CaseIncident.case_id == case.id).order_by(CaseIncident.id)).all()
        reveals = s.scalars(select(AuditEvent).where(AuditEvent.action == REVEAL_ACTION,
                                                     AuditEvent.case_number == number, AuditEvent.outcome == "ok")
                            .order_by(AuditEvent.id)).all()
        notes = s.scalars(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id)).all()
        where = of_case(case)
        views = tuple(CaseIncidentView(i.incident_number, i.nature_of_call, i.priority, i.received_at,
                                       " ".join(p for p in (i.block, i.location) if p) or "location not given",
                                       i.latitude, i.longitude) for i in incidents)
        canvass = tuple((i.incident_number, tuple(_ranked(snapshot, i))) for i in incidents
                        if snapshot is not None and i.latitude is not None)
        head = dict(case_number=case.case_number, offense_category=case.offense_category, title=case.title,
                    status=case.status, opened_by=opener.full_name if opener else None, opened_at=case.opened_at,
                    outcome=case.outcome, close_effective_at=case.close_effective_at)
        reveal_views = tuple(RevealView(e.at, e.username, e.object_id, e.reason) for e in reveals)
        note_views = tuple(NoteView(n.at, n.author_name, n.body) for n in notes)
    requests = tuple(list_requests(db, user, where=where))
    return CaseWorkspace(**head, incidents=views, reveals=reveal_views, requests=requests, notes=note_views,
                         canvass=canvass)


def _ranked(snapshot: RegistrySnapshot, incident: Incident) -> list[RankedCamera]:
    try:
        return rank_for_incident(snapshot, incident, k=CANVASS_K)
    except CanvassInputError:
        return []


__all__ = ["CaseIncidentView", "CaseSummary", "CaseWorkspace", "NoteView", "RevealView",
           "case_workspace", "list_cases"]
