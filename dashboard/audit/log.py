"""Reading the audit trail: filtered, keyset-paginated queries and a CSV export (no Flask).

Read-only by construction: nothing here adds, changes or deletes an `AuditEvent` (the one
writer is `dashboard.audit.record`). Pages run newest first by id; the id grows with the hash
chain, so "before id N" is a stable cursor: a page boundary never drops or repeats a row,
even while new events are being written.

Date filters given as `date` are calendar days in Dallas (America/Chicago), both ends
inclusive; aware `datetime`s are used as given (both ends inclusive).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from dashboard.audit.csv_cells import safe_cell
from dashboard.models import AuditEvent
from dashboard.models.footage import FootageRequest

LOCAL_TZ = ZoneInfo("America/Chicago")
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
EXPORT_BATCH = 1000

CSV_COLUMNS = ("id", "at_utc", "at_chicago", "user_id", "username", "action", "object_type", "object_id",
               "case_number", "category", "reason", "client_addr", "outcome", "detail", "prev_hash", "hash")


@dataclass(frozen=True)
class AuditFilters:
    """The filters the page and the export share. Empty strings count as "no filter"."""

    username: str | None = None
    action: str | None = None
    date_from: date | datetime | None = None
    date_to: date | datetime | None = None
    camera_id: int | None = None
    case_number: str | None = None
    outcome: str | None = None
    category: str | None = None   # the purpose's offense category

    @classmethod
    def of(cls, filters: AuditFilters | Mapping[str, Any] | None) -> AuditFilters:
        if filters is None:
            return cls()
        if isinstance(filters, AuditFilters):
            return filters
        names = {f.name for f in fields(cls)}
        unknown = set(filters) - names
        if unknown:
            raise ValueError(f"unknown audit filter(s): {', '.join(sorted(unknown))}")
        return cls(**dict(filters))

    def as_detail(self) -> dict[str, Any]:
        """The filters that are set, JSON-friendly (for the audit_export event's detail)."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if value is None or value == "":
                continue
            out[key] = value.isoformat() if isinstance(value, date) else value
        return out


def _lower_bound(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("date_from: a datetime must carry a time zone")
        return value.astimezone(UTC)
    return datetime.combine(value, time.min, LOCAL_TZ).astimezone(UTC)


def _upper_bound(value: date | datetime) -> tuple[datetime, bool]:
    """(bound, inclusive)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("date_to: a datetime must carry a time zone")
        return value.astimezone(UTC), True
    return datetime.combine(value + timedelta(days=1), time.min, LOCAL_TZ).astimezone(UTC), False


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _camera_clause(camera_id: int):
    """Events about a camera: its own events (owner reveals, edits), footage requests that name
    it in their detail, and every event of a footage request for that camera."""
    cam = str(int(camera_id))
    request_ids = select(cast(FootageRequest.id, String)).where(FootageRequest.camera_id == int(camera_id))
    return or_(
        and_(AuditEvent.object_type == "camera", AuditEvent.object_id == cam),
        and_(AuditEvent.object_type == "footage_request", AuditEvent.object_id.in_(request_ids)),
        # audit.record writes detail with json.dumps(sort_keys=True): '"camera_id": 7' then ',' or '}'
        AuditEvent.detail.like(f'%"camera_id": {cam},%'),
        AuditEvent.detail.like(f'%"camera_id": {cam}}}%'),
    )


def _conditions(f: AuditFilters) -> list:
    conds = []
    if (username := _text(f.username)) is not None:
        conds.append(func.lower(AuditEvent.username) == username.lower())
    if (action := _text(f.action)) is not None:
        conds.append(AuditEvent.action == action)
    if (case := _text(f.case_number)) is not None:
        conds.append(AuditEvent.case_number == case)
    if (outcome := _text(f.outcome)) is not None:
        conds.append(AuditEvent.outcome == outcome)
    if (category := _text(f.category)) is not None:
        conds.append(AuditEvent.category == category)
    if f.date_from is not None:
        conds.append(AuditEvent.at >= _lower_bound(f.date_from))
    if f.date_to is not None:
        bound, inclusive = _upper_bound(f.date_to)
        conds.append(AuditEvent.at <= bound if inclusive else AuditEvent.at < bound)
    if f.camera_id is not None:
        conds.append(_camera_clause(f.camera_id))
    return conds


def _check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return limit


def query_events(session: Session, *, username: str | None = None, action: str | None = None,
                 date_from: date | datetime | None = None, date_to: date | datetime | None = None,
                 camera_id: int | None = None, case_number: str | None = None, outcome: str | None = None,
                 category: str | None = None, limit: int = DEFAULT_LIMIT,
                 before_id: int | None = None) -> tuple[list[AuditEvent], int | None]:
    """One page of events, newest first. Returns (events, next_before_id); pass that id back as
    `before_id` for the next page. None means this was the last page."""
    _check_limit(limit)
    f = AuditFilters(username=username, action=action, date_from=date_from, date_to=date_to,
                     camera_id=camera_id, case_number=case_number, outcome=outcome, category=category)
    conds = _conditions(f)
    if before_id is not None:
        conds.append(AuditEvent.id < int(before_id))
    rows = list(session.scalars(select(AuditEvent).where(*conds).order_by(AuditEvent.id.desc()).limit(limit + 1)))
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, rows[-1].id
    return rows, None


def iter_events(session: Session, filters: AuditFilters | Mapping[str, Any] | None = None, *,
                before_id: int | None = None, batch: int = EXPORT_BATCH) -> Iterator[AuditEvent]:
    """Every matching event, newest first, fetched `batch` rows at a time (bounded memory)."""
    f = AuditFilters.of(filters)
    cursor = before_id
    while True:
        rows, cursor = query_events(session, **asdict(f), limit=min(batch, MAX_LIMIT), before_id=cursor)
        yield from rows
        if cursor is None:
            return


def known_actions(session: Session) -> list[str]:
    """Distinct action names on record (for the filter form's suggestions)."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def to_local(at: datetime) -> datetime:
    return at.astimezone(LOCAL_TZ)


def csv_row(event: AuditEvent) -> list[Any]:
    at_utc = event.at.astimezone(UTC)
    values = {
        "id": event.id,
        "at_utc": at_utc.isoformat().replace("+00:00", "Z"),
        "at_chicago": to_local(at_utc).isoformat(),
        "user_id": event.user_id,
        "username": event.username,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "case_number": event.case_number,
        "category": event.category,
        "reason": event.reason,
        "client_addr": event.client_addr,
        "outcome": event.outcome,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }
    return [safe_cell(values[c]) for c in CSV_COLUMNS]


def iter_csv(session: Session, filters: AuditFilters | Mapping[str, Any] | None = None, *,
             before_id: int | None = None, batch: int = EXPORT_BATCH) -> Iterator[str]:
    """The export as text chunks (header first, then one chunk per batch of rows): hand it to a
    streaming response. The session must stay open while the iterator is consumed."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    n = 0
    for event in iter_events(session, filters, before_id=before_id, batch=batch):
        writer.writerow(csv_row(event))
        n += 1
        if n % batch == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def export_csv(session: Session, filters: AuditFilters | Mapping[str, Any] | None = None, *,
               before_id: int | None = None) -> str:
    """The whole export as one string (see `iter_csv` for the streaming form)."""
    return "".join(iter_csv(session, filters, before_id=before_id))
