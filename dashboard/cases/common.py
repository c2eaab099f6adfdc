"""What the case services share: errors, the permission, the undo window, the offense
categories and finding a case by its number."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from dashboard.audit.guard import require_audited
from dashboard.db import Database
from dashboard.live.settings import live_settings
from dashboard.models import Case, FootageRequest
from dashboard.owners.reveal import CASE_NUMBER

PERMISSION = "work_cases"
# A close is recorded at once and applied by the sweeper only after this: long enough to notice
# a wrong click, short enough that owners are thanked the same hour.
UNDO_WINDOW = timedelta(minutes=10)
TITLE_MAX = 200
NOTE_MAX = 4000
MAX_INCIDENTS = 20


class CaseError(ValueError):
    """Bad input from the detective; the message is meant for them and names the field."""


class CaseNotFound(LookupError):
    """No case with that number (HTTP 404 in an adapter)."""


def offense_categories(settings: Any) -> tuple[str, ...]:
    """The configured offense categories (`purposes.offense_categories`), one accessor for every
    case form and check, so the source can change in one place."""
    return live_settings(settings).offense_categories


def case_number_of(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not CASE_NUMBER.fullmatch(text):
        raise CaseError("Case number: use the Dallas format, two-digit year, dash, seven digits (e.g. 25-0280079).")
    return text


def clean(value: Any, limit: int, field: str, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise CaseError(f"{field}: required.")
        return None
    if not isinstance(value, str):
        raise CaseError(f"{field}: text expected.")
    text = value.strip()
    if required and not text:
        raise CaseError(f"{field}: required.")
    if len(text) > limit:
        raise CaseError(f"{field}: at most {limit} characters.")
    return text or None


def require_cases(db: Database, user, action: str, case_number: Any = None, client_addr: str | None = None) -> None:
    """The case permission, or a committed `denied` audit event and PermissionDenied."""
    require_audited(db, user, PERMISSION, action=action, object_type="case", object_id=case_number,
                    case_number=case_number, client_addr=client_addr)


def find_case(s: Session, case_number: str, *, for_update: bool = False) -> Case:
    q = select(Case).where(Case.case_number == case_number)
    if for_update and s.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    case = s.scalar(q)
    if case is None:
        raise CaseNotFound(f"No case {case_number}: open it first.")
    return case


def of_case(case: Case):
    """The footage requests of a case: asked under it, or (before cases existed, or from the CAD
    panel) typed with its number."""
    return or_(FootageRequest.case_id == case.id,
               and_(FootageRequest.case_id.is_(None), FootageRequest.case_number == case.case_number))
