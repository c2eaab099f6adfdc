"""Opening a case and adding to it: the incidents it covers and its notes. Each change and its
audit event are written in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.audit import chain as audit
from dashboard.config import Settings
from dashboard.db import Database
from dashboard.models import Case, CaseIncident, CaseNote, Incident, User, utcnow

from .common import (
    MAX_INCIDENTS,
    NOTE_MAX,
    TITLE_MAX,
    CaseError,
    case_number_of,
    clean,
    find_case,
    offense_categories,
    require_cases,
)


def incident_numbers_of(value: Any) -> list[str]:
    """A list of incident numbers, or one text with numbers separated by commas, spaces or lines."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise CaseError("Incidents: incident numbers expected.")
    numbers = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    if len(numbers) > MAX_INCIDENTS:
        raise CaseError(f"Incidents: at most {MAX_INCIDENTS} per case.")
    return numbers


def _link_incidents(s: Session, case: Case, numbers: list[str], user_id: int | None, now: datetime) -> list[str]:
    rows = {i.incident_number: i for i in s.scalars(select(Incident).where(Incident.incident_number.in_(numbers)))}
    unknown = [n for n in numbers if n not in rows]
    if unknown:
        raise CaseError(f"Incident {unknown[0]} is not known to the CAD feed.")
    have = {ci.incident_id for ci in case.incidents}
    added = []
    for n in numbers:
        if rows[n].id not in have:
            case.incidents.append(CaseIncident(incident_id=rows[n].id, added_by=user_id, added_at=now))
            added.append(n)
    return added


def open_case(db: Database, user, case_number: Any, offense_category: Any, settings: Settings, *,
              incidents: Any = None, title: Any = None, client_addr: str | None = None,
              now: datetime | None = None) -> str:
    """Open a case file; returns its number. An existing number is refused (open it from the list)."""
    require_cases(db, user, "case_open", case_number, client_addr)
    number = case_number_of(case_number)
    if offense_category not in offense_categories(settings):
        raise CaseError("Offense category: choose one from the list.")
    name = clean(title, TITLE_MAX, "Title")
    numbers = incident_numbers_of(incidents)
    now = now or utcnow()
    with db.session() as s:
        if s.scalar(select(Case.id).where(Case.case_number == number)) is not None:
            raise CaseError(f"Case {number} is already open: find it in the list.")
        case = Case(case_number=number, offense_category=offense_category, title=name, opened_by=user.id,
                    opened_at=now, status="open")
        s.add(case)
        added = _link_incidents(s, case, numbers, user.id, now)
        s.flush()
        audit.record(s, "case_open", user_id=user.id, username=user.username, object_type="case",
                     object_id=case.id, case_number=number, client_addr=client_addr,
                     detail={"offense_category": offense_category, "incidents": added})
    return number


def add_incidents(db: Database, user, case_number: Any, incidents: Any, *, client_addr: str | None = None,
                  now: datetime | None = None) -> list[str]:
    """Add incidents to an open case; returns the numbers newly added."""
    require_cases(db, user, "case_incidents", case_number, client_addr)
    number = case_number_of(case_number)
    numbers = incident_numbers_of(incidents)
    if not numbers:
        raise CaseError("Incidents: give at least one incident number.")
    now = now or utcnow()
    with db.session() as s:
        case = find_case(s, number, for_update=True)
        if case.status != "open":
            raise CaseError("This case is closed: undo the close first.")
        added = _link_incidents(s, case, numbers, user.id, now)
        if added:
            audit.record(s, "case_incidents", user_id=user.id, username=user.username, object_type="case",
                         object_id=case.id, case_number=number, client_addr=client_addr, detail={"added": added})
    return added


def add_note(db: Database, user, case_number: Any, body: Any, *, client_addr: str | None = None,
             now: datetime | None = None) -> int:
    """Append a note to a case (notes are never edited: they are part of the file)."""
    require_cases(db, user, "case_note", case_number, client_addr)
    number = case_number_of(case_number)
    text = clean(body, NOTE_MAX, "Note", required=True)
    now = now or utcnow()
    with db.session() as s:
        case = find_case(s, number)
        author = s.get(User, user.id)
        note = CaseNote(case_id=case.id, author_id=user.id, at=now, body=text,
                        author_name=author.full_name if author else user.username)
        s.add(note)
        s.flush()
        audit.record(s, "case_note", user_id=user.id, username=user.username, object_type="case_note",
                     object_id=note.id, case_number=number, client_addr=client_addr)
        return note.id
