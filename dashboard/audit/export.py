"""The audit-log export as one service action: check `read_audit` (a refusal is audited), read
the matching events, write the `audit_export` event, all in ONE transaction; the caller streams
the finished file only after that transaction has committed.

The rows go to a spooled temporary file (memory up to `SPOOL_MEMORY_BYTES`, then disk), so a
large export neither holds the whole log in memory nor keeps a database transaction open while
a slow client downloads. They are read before the export's own event is written, which keeps
the audit chain's write lock for an instant only, and lets the event record how many rows left.
The export covers every event before its own record (a fixed upper bound).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from sqlalchemy import func, select

from dashboard.audit import chain
from dashboard.audit.guard import require_audited
from dashboard.audit.log import CSV_COLUMNS, AuditFilters, csv_row, iter_events
from dashboard.db import Database
from dashboard.models import AuditEvent

EXPORT_ACTION = "audit_export"
SPOOL_MEMORY_BYTES = 8 * 1024 * 1024
READ_CHUNK = 64 * 1024


@dataclass
class AuditExport:
    """A committed export: its file name, row count, the event that records it, and the text."""

    filename: str
    rows: int
    event_id: int
    file: IO[str]

    def chunks(self) -> Iterator[str]:
        """The CSV text in pieces, for a streaming response; closes the file when done."""
        try:
            while piece := self.file.read(READ_CHUNK):
                yield piece
        finally:
            self.file.close()


def export_audit_csv(db: Database, user, filters: AuditFilters | Mapping[str, Any] | None = None, *,
                     client_addr: str | None = None, now: datetime | None = None) -> AuditExport:
    """Export the events matching `filters` as CSV (formula-guarded cells). Raises
    PermissionDenied after a committed `denied` event when the role may not read the log."""
    f = AuditFilters.of(filters)
    detail: dict[str, Any] = {"filters": f.as_detail(), "format": "csv"}
    require_audited(db, user, "read_audit", action=EXPORT_ACTION, object_type="audit_log",
                    client_addr=client_addr, detail=detail)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES, mode="w+", encoding="utf-8", newline="")  # noqa: SIM115 - handed to the caller, closed by chunks()
    try:
        with db.session() as s:
            bound = (s.scalar(select(func.max(AuditEvent.id))) or 0) + 1
            writer = csv.writer(spool, lineterminator="\r\n")
            writer.writerow(CSV_COLUMNS)
            rows = 0
            for event in iter_events(s, f, before_id=bound):
                writer.writerow(csv_row(event))
                rows += 1
            event = chain.record(s, EXPORT_ACTION, user_id=getattr(user, "id", None),
                                 username=getattr(user, "username", None), object_type="audit_log",
                                 client_addr=client_addr, detail={**detail, "rows": rows})
            event_id = event.id
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return AuditExport(f"audit-{stamp}.csv", rows, event_id, spool)
