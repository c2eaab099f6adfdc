"""The audit trail: append-only, hash-chained.

`record` is called inside the caller's transaction, so an action and its audit event commit
or roll back together. Each event's hash covers its own fields and the previous event's
hash; `verify_chain` recomputes the chain and names the first row that does not fit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from dashboard.models import AuditEvent, utcnow

_CHAIN_LOCK_KEY = 7_303_110  # pg advisory lock id: one writer extends the chain at a time


def _canonical(event: AuditEvent) -> str:
    fields = {
        "id": event.id,
        "at": event.at.isoformat() if isinstance(event.at, datetime) else str(event.at),
        "user_id": event.user_id,
        "username": event.username,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "case_number": event.case_number,
        "reason": event.reason,
        "client_addr": event.client_addr,
        "outcome": event.outcome,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event).encode("utf-8")).hexdigest()


def record(session: Session, action: str, *, user_id: int | None = None, username: str | None = None,
           object_type: str | None = None, object_id: str | int | None = None,
           case_number: str | None = None, reason: str | None = None, client_addr: str | None = None,
           outcome: str = "ok", detail: dict | None = None) -> AuditEvent:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})
    event = AuditEvent(
        at=utcnow(),
        user_id=user_id, username=username, action=action, object_type=object_type,
        object_id=None if object_id is None else str(object_id), case_number=case_number,
        reason=reason, client_addr=client_addr, outcome=outcome,
        detail=json.dumps(detail, sort_keys=True, default=str) if detail else None,
    )
    session.add(event)
    session.flush()  # takes the write lock (SQLite) and the id, so the predecessor is settled
    event.prev_hash = session.scalar(
        select(AuditEvent.hash).where(AuditEvent.id < event.id).order_by(AuditEvent.id.desc()).limit(1))
    event.hash = event_hash(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_bad_id: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    prev: str | None = None
    checked = 0
    last_id = 0
    while True:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.id > last_id)
                               .order_by(AuditEvent.id).limit(batch)).all()
        if not rows:
            return ChainReport(checked, None, None)
        for ev in rows:
            if ev.prev_hash != prev:
                return ChainReport(checked, ev.id, "does not link to the event before it (a row was removed or edited)")
            if ev.hash != event_hash(ev):
                return ChainReport(checked, ev.id, "its contents no longer match its hash (the row was edited)")
            prev = ev.hash
            checked += 1
            last_id = ev.id
