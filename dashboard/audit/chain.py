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
    if event.category is not None:  # added later: hashed only when set, so older chains still verify
        fields["category"] = event.category
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event).encode("utf-8")).hexdigest()


def record(session: Session, action: str, *, user_id: int | None = None, username: str | None = None,
           object_type: str | None = None, object_id: str | int | None = None,
           case_number: str | None = None, reason: str | None = None, client_addr: str | None = None,
           outcome: str = "ok", detail: dict | None = None, category: str | None = None,
           at: datetime | None = None) -> AuditEvent:
    """Append one event. `category` is the purpose's offense category (check it against the
    configured list with dashboard.transparency.options.check_category first). `at` defaults to
    now; only seeding (demo history, tests) passes it, never a request."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})
    event = AuditEvent(
        at=at or utcnow(),
        user_id=user_id, username=username, action=action, object_type=object_type,
        object_id=None if object_id is None else str(object_id), case_number=case_number,
        reason=reason, client_addr=client_addr, outcome=outcome,
        detail=json.dumps(detail, sort_keys=True, default=str) if detail else None, category=category or None,
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
    last_id: int = 0                 # the last event found good
    last_hash: str | None = None     # its hash

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def verify_chain(session: Session, batch: int = 5000, *, after_id: int = 0, prev_hash: str | None = None,
                 max_events: int | None = None) -> ChainReport:
    """Check the events after `after_id` (0: all), the first of which must link to `prev_hash`,
    stopping after `max_events` (None: no limit). `last_id`/`last_hash` say where a later call
    may continue."""
    prev = prev_hash
    checked = 0
    last_id = after_id
    while True:
        size = batch if max_events is None else min(batch, max_events - checked)
        rows = session.scalars(select(AuditEvent).where(AuditEvent.id > last_id)
                               .order_by(AuditEvent.id).limit(size)).all() if size > 0 else []
        if not rows:
            return ChainReport(checked, None, None, last_id, prev)
        for ev in rows:
            if ev.prev_hash != prev:
                return ChainReport(checked, ev.id, "does not link to the event before it (a row was removed or edited)",
                                   last_id, prev)
            if ev.hash != event_hash(ev):
                return ChainReport(checked, ev.id, "its contents no longer match its hash (the row was edited)",
                                   last_id, prev)
            prev = ev.hash
            checked += 1
            last_id = ev.id
