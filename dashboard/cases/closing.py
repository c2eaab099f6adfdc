"""Closing a case: the detective states the outcome (used / not needed, for the case and, if
they differ, per clip), the close is recorded with a time, and it can be undone for
`UNDO_WINDOW`. Only after the window does `apply_due_closes` (run by the server's periodic
jobs) close the footage requests, thank the owners who accepted (one email each) and start
the retention clock for clips not needed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from dashboard.audit import chain as audit
from dashboard.config import Settings
from dashboard.db import Database
from dashboard.footage import emails as footage_emails
from dashboard.footage.common import step
from dashboard.models import Camera, Case, FootageRequest, Incident, Owner, User, utcnow
from dashboard.models.footage import FINAL_STATUSES, OUTCOMES

from .common import UNDO_WINDOW, CaseError, case_number_of, find_case, of_case, require_cases


@dataclass(frozen=True)
class ClosePlan:
    """What closing will do, worded for the confirmation before the click."""
    requests: int
    owners_thanked: int
    clips_not_needed: int
    unneeded_clip_days: int
    undo_minutes: int

    def sentences(self) -> list[str]:
        out = [f"{self.requests} open footage request{'s' if self.requests != 1 else ''} will be closed "
               f"and {self.owners_thanked} owner{'s' if self.owners_thanked != 1 else ''} who accepted thanked by email."]
        if self.unneeded_clip_days:
            out.append(f"Clips not needed are deleted in {self.unneeded_clip_days} days "
                       f"({self.clips_not_needed} now marked not needed); the record of each stays.")
        else:
            out.append("Clips not needed are kept (no retention limit is configured).")
        out.append(f"You can undo the close for {self.undo_minutes} minutes; nothing is sent before then.")
        return out


def _outcomes(outcome: Any, clip_outcomes: Any) -> tuple[str, dict[int, str]]:
    if outcome not in OUTCOMES:
        raise CaseError("Outcome: choose 'footage used' or 'not needed' for the case.")
    per_clip: dict[int, str] = {}
    for key, value in (clip_outcomes or {}).items():
        if value in (None, "", "case"):
            continue
        if value not in OUTCOMES:
            raise CaseError("Outcome of a clip: 'used' or 'not needed'.")
        try:
            per_clip[int(key)] = value
        except (TypeError, ValueError):
            raise CaseError("Outcome of a clip: unknown request.") from None
    return outcome, per_clip


def plan_close(db: Database, user, case_number: Any, outcome: Any, settings: Settings,
               clip_outcomes: Any = None) -> ClosePlan:
    """The confirmation's figures; changes nothing."""
    require_cases(db, user, "case_close_plan", case_number)
    number = case_number_of(case_number)
    default, per_clip = _outcomes(outcome, clip_outcomes)
    with db.session() as s:
        case = find_case(s, number)
        reqs = s.scalars(select(FootageRequest).where(of_case(case), FootageRequest.status.not_in(FINAL_STATUSES))).all()
        owners = {r.owner_id for r in reqs if r.status in ("accepted", "footage_received")}
        unneeded = sum(1 for r in reqs if r.status == "footage_received" and per_clip.get(r.id, default) == "not_needed")
    return ClosePlan(len(reqs), len(owners), unneeded, settings.footage_unneeded_clip_days,
                     int(UNDO_WINDOW.total_seconds() // 60))


def close_case(db: Database, user, case_number: Any, outcome: Any, settings: Settings, *,
               clip_outcomes: Any = None, client_addr: str | None = None, now: datetime | None = None) -> datetime:
    """Record the close; returns until when it can be undone. Nothing leaves before then."""
    require_cases(db, user, "case_close", case_number, client_addr)
    number = case_number_of(case_number)
    default, per_clip = _outcomes(outcome, clip_outcomes)
    now = now or utcnow()
    with db.session() as s:
        case = find_case(s, number, for_update=True)
        if case.status != "open":
            raise CaseError("This case is already closed.")
        case.status, case.outcome, case.closed_by = "closing", default, user.id
        case.clip_outcomes = json.dumps({str(k): v for k, v in per_clip.items()}) if per_clip else None
        case.close_requested_at, case.close_effective_at = now, now + UNDO_WINDOW
        audit.record(s, "case_close", user_id=user.id, username=user.username, object_type="case", object_id=case.id,
                     case_number=number, client_addr=client_addr,
                     detail={"outcome": default, "clip_outcomes": per_clip, "effective_at": case.close_effective_at})
        return case.close_effective_at


def undo_close(db: Database, user, case_number: Any, *, client_addr: str | None = None,
               now: datetime | None = None) -> None:
    """Reopen a case whose close has not been applied yet."""
    require_cases(db, user, "case_close_undo", case_number, client_addr)
    number = case_number_of(case_number)
    now = now or utcnow()
    with db.session() as s:
        case = find_case(s, number, for_update=True)
        if case.status == "open":
            raise CaseError("This case is open: there is no close to undo.")
        if case.status == "closed" or case.close_effective_at is None or now >= case.close_effective_at:
            raise CaseError("Too late to undo: the close has been applied and the owners told.")
        case.status, case.outcome, case.clip_outcomes, case.closed_by = "open", None, None, None
        case.close_requested_at = case.close_effective_at = None
        audit.record(s, "case_close_undone", user_id=user.id, username=user.username, object_type="case",
                     object_id=case.id, case_number=number, client_addr=client_addr)


def apply_due_closes(db: Database, settings: Settings, now: datetime | None = None) -> int:
    """Apply every close whose undo window has passed; returns how many cases were closed."""
    now = now or utcnow()
    with db.session() as s:
        due = s.scalars(select(Case.id).where(Case.status == "closing", Case.close_effective_at <= now)).all()
    for case_id in due:
        _apply(db, settings, case_id, now)
    return len(due)


def _apply(db: Database, settings: Settings, case_id: int, now: datetime) -> None:
    with db.session() as s:
        case = s.get(Case, case_id)
        if case is None or case.status != "closing":   # another worker was first
            return
        if s.get_bind().dialect.name == "postgresql":
            s.refresh(case, with_for_update=True)
            if case.status != "closing":
                return
        per_clip = {int(k): v for k, v in json.loads(case.clip_outcomes or "{}").items()}
        rows = s.execute(select(FootageRequest, Camera, Owner, Incident)
                         .join(Camera, FootageRequest.camera_id == Camera.id)
                         .join(Owner, FootageRequest.owner_id == Owner.id)
                         .join(Incident, FootageRequest.incident_id == Incident.id)
                         .where(of_case(case), FootageRequest.status.not_in(FINAL_STATUSES))
                         .order_by(FootageRequest.id)).all()
        told: dict[tuple[int, int, str], tuple[Incident, Owner, str, list]] = {}
        closer = s.get(User, case.closed_by) if case.closed_by else None
        who = f"detective:{closer.username}" if closer else "system"
        for req, cam, owner, inc in rows:
            outcome = per_clip.get(req.id, case.outcome)
            answered_yes = req.status in ("accepted", "footage_received")
            req.outcome, req.closed_at = outcome, case.close_effective_at
            step(s, req, "closed", who, now, f"case {case.case_number} closed: footage {outcome.replace('_', ' ')}")
            if answered_yes:
                told.setdefault((inc.id, owner.id, outcome), (inc, owner, outcome, []))[3].append((req, cam))
            audit.record(s, "footage_request_closed", user_id=case.closed_by, object_type="footage_request",
                         object_id=req.id, case_number=case.case_number,
                         detail={"outcome": outcome, "owner_told": answered_yes, "case": case.case_number})
        for inc, owner, outcome, batch in told.values():
            footage_emails.queue_closed(s, settings, inc, owner, outcome, batch)
        case.status, case.close_applied_at = "closed", now
        audit.record(s, "case_closed", user_id=case.closed_by, object_type="case", object_id=case.id,
                     case_number=case.case_number, detail={"requests": len(rows), "owners_told": len(told)})
