"""Checking the audit chain without re-hashing all of it each time, and the stored result.

Each run is stored (`AuditVerification`) and the next run continues after the last event the
previous run found good, so a routine check costs only the events written since. A failure is
sticky: later routine runs repeat it without checking anything, because tamper evidence must
not clear itself; only a full run (`full=True`, from the first event) that passes clears it.

What a routine run cannot see: an edit to an event that an earlier run already passed. A full
run catches that; schedule one (e.g. nightly, `verify_and_store(db, full=True)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.audit.chain import verify_chain
from dashboard.db import Database
from dashboard.models import AuditEvent, AuditVerification, utcnow


@dataclass(frozen=True)
class ChainStatus:
    """What the public report says about the chain."""

    verified_at: datetime | None   # None: never checked
    ok: bool | None                # None: never checked
    verified_events: int           # events known good (counted from the first)
    through_id: int                # the last event checked
    unchecked_events: int          # written after the last check (the next run checks them)
    full: bool                     # the last run re-checked from the first event
    first_bad_id: int | None
    problem: str | None


def _latest(session: Session) -> AuditVerification | None:
    return session.scalar(select(AuditVerification).order_by(AuditVerification.id.desc()).limit(1))


def verify_and_store(db: Database, *, full: bool = False, max_events: int | None = None,
                     now: datetime | None = None) -> AuditVerification:
    """Check the chain (incrementally unless `full`) and store the run. `max_events` bounds one
    routine run's work; the next run continues where it stopped."""
    with db.session() as s:
        last = _latest(s)
        if not full and last is not None and not last.ok:
            run = AuditVerification(at=now or utcnow(), full=False, from_id=last.from_id, through_id=last.through_id,
                                    through_hash=last.through_hash, checked=0, verified_total=last.verified_total,
                                    ok=False, first_bad_id=last.first_bad_id, problem=last.problem)
        else:
            if full or last is None:
                start_id, start_hash, base = 0, None, 0
            else:
                start_id, start_hash, base = last.through_id, last.through_hash, last.verified_total
            report = verify_chain(s, after_id=start_id, prev_hash=start_hash,
                                  max_events=None if full else max_events)
            run = AuditVerification(at=now or utcnow(), full=full, from_id=start_id, through_id=report.last_id,
                                    through_hash=report.last_hash, checked=report.checked,
                                    verified_total=base + report.checked, ok=report.ok,
                                    first_bad_id=report.first_bad_id, problem=report.problem)
        s.add(run)
        s.flush()
        s.expunge(run)
        return run


def chain_status(session: Session) -> ChainStatus:
    last = _latest(session)
    through = last.through_id if last is not None else 0
    unchecked = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.id > through)) or 0
    if last is None:
        return ChainStatus(None, None, 0, 0, unchecked, False, None, None)
    return ChainStatus(last.at, last.ok, last.verified_total, last.through_id, unchecked, last.full,
                       last.first_bad_id, last.problem)
