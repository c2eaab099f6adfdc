"""Purpose categories on audit events: recorded, hashed when set, and older chains still verify."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, text

from dashboard.audit import chain as audit
from dashboard.db import sync_id_sequences
from dashboard.models import AuditEvent
from dashboard.transparency.options import PurposeError, check_category
from dashboard.vocabulary import OFFENSE_CATEGORIES


def _pre_category_hash(row: dict) -> str:
    """The canonical form as the code before the category column wrote it (13 fields)."""
    fields = {k: row[k] for k in ("id", "user_id", "username", "action", "object_type", "object_id", "case_number",
                                  "reason", "client_addr", "outcome", "detail", "prev_hash")}
    fields["at"] = row["at"].isoformat()
    return hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False).encode("utf-8")).hexdigest()


def _write_old_chain(db, n: int) -> None:
    start = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
    prev = None
    with db.session() as s:
        for i in range(1, n + 1):
            row = {"id": i, "at": start + timedelta(minutes=i), "user_id": None, "username": f"dana{i}",
                   "action": "owner_reveal", "object_type": "camera", "object_id": str(i), "case_number": "25-1",
                   "reason": "canvass", "client_addr": "10.0.0.1", "outcome": "ok", "detail": None, "prev_hash": prev}
            row["hash"] = _pre_category_hash(row)
            s.execute(insert(AuditEvent).values(**row))
            prev = row["hash"]
        sync_id_sequences(s, "audit_events")  # explicit ids: PostgreSQL's sequence must move past them


def test_a_chain_written_before_categories_still_verifies(db):
    _write_old_chain(db, 4)
    with db.session() as s:
        report = audit.verify_chain(s)
    assert report.ok and report.checked == 4


def test_new_events_extend_an_old_chain_with_their_category(db):
    _write_old_chain(db, 3)
    with db.session() as s:
        event = audit.record(s, "owner_reveal", username="dana", object_type="camera", object_id=9,
                             case_number="25-2", reason="burglary canvass", category="burglary")
        assert event.id == 4
    with db.session() as s:
        stored = s.get(AuditEvent, 4)
        assert stored.category == "burglary"
        assert audit.verify_chain(s).ok


def test_the_category_is_part_of_the_hash(db):
    with db.session() as s:
        with_category = audit.record(s, "owner_reveal", username="dana", category="robbery")
    # the same fields without the category hash differently
    with db.session() as s:
        event = s.get(AuditEvent, with_category.id)
        hashed = audit.event_hash(event)
        event.category = None
        assert audit.event_hash(event) != hashed
        s.rollback()


@pytest.mark.parametrize("sql", [
    "UPDATE audit_events SET category = 'theft' WHERE id = 2",     # changed
    "UPDATE audit_events SET category = NULL WHERE id = 2",        # removed
    "UPDATE audit_events SET category = 'homicide' WHERE id = 3",  # added where there was none
])
def test_editing_a_category_breaks_verification(db, sql):
    with db.session() as s:
        audit.record(s, "owner_reveal", username="a", category="burglary")
        audit.record(s, "owner_reveal", username="b", category="burglary")
        audit.record(s, "login", username="c")
        audit.record(s, "owner_reveal", username="d", category="assault")
    with db.session() as s:
        assert audit.verify_chain(s).ok
        s.execute(text(sql))
    with db.session() as s:
        report = audit.verify_chain(s)
    assert not report.ok and report.first_bad_id == int(sql.rsplit("=", 1)[1])


def test_an_empty_category_is_stored_as_none(db):
    with db.session() as s:
        audit.record(s, "login", username="a", category="")
    with db.session() as s:
        assert s.scalar(select(AuditEvent.category)) is None


def test_record_takes_the_time_it_is_given(db):
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with db.session() as s:
        audit.record(s, "owner_reveal", username="a", at=at)
    with db.session() as s:
        assert s.scalar(select(AuditEvent.at)) == at
        assert audit.verify_chain(s).ok


def test_check_category():
    assert check_category("Vehicle crimes", OFFENSE_CATEGORIES) == "vehicle_crimes"
    assert check_category(" burglary ", OFFENSE_CATEGORIES) == "burglary"
    for bad in (None, "", "  ", "jaywalking", 7):
        with pytest.raises(PurposeError):
            check_category(bad, OFFENSE_CATEGORIES)


def test_the_audit_log_filters_by_category(db):
    from dashboard.audit.log import AuditFilters, export_csv, query_events

    with db.session() as s:
        audit.record(s, "owner_reveal", username="a", category="burglary")
        audit.record(s, "owner_reveal", username="b", category="theft")
        audit.record(s, "owner_reveal", username="c", category="burglary")
        audit.record(s, "login", username="d")
    with db.session() as s:
        rows, _ = query_events(s, category="burglary")
        assert [e.username for e in rows] == ["c", "a"]
        assert query_events(s, category=" ")[0][-1].username == "a"  # blank: no filter
        lines = export_csv(s, AuditFilters.of({"category": "theft"})).splitlines()
    header, (row,) = lines[0].split(","), lines[1:]
    assert row.split(",")[header.index("category")] == "theft"
