"""The audit-log export service: permission (a refusal audited), rows and the export's own
event in one transaction, formula-guarded cells, a file that outlives the session."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from auth.permissions import PermissionDenied
from auth.users import SessionUser, find_user
from dashboard.audit import chain
from dashboard.audit.export import export_audit_csv
from dashboard.models import AuditEvent


@pytest.fixture
def reader(db, make_user):
    """reader("supervisor") -> a signed-in user of that role (a real row: audit events point at it)."""

    def _reader(role: str) -> SessionUser:
        name = make_user(f"{role}5", role)
        with db.session() as s:
            return SessionUser.from_model(find_user(s, name))

    return _reader


def _seed(db) -> None:
    with db.session() as s:
        chain.record(s, "owner_reveal", username="dana", case_number="25-0000001", reason="=HYPERLINK(\"x\")")
        chain.record(s, "owner_reveal", username="erin", case_number="25-0000002", reason="burglary")
        chain.record(s, "login", username="dana")


def _events(db) -> list[AuditEvent]:
    with db.session() as s:
        rows = list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        s.expunge_all()
    return rows


def test_export_writes_its_event_after_the_rows_it_lists(db, reader):
    _seed(db)
    export = export_audit_csv(db, reader("supervisor"), {"action": "owner_reveal"},
                              client_addr="10.9.9.9")
    rows = list(csv.DictReader(io.StringIO("".join(export.chunks()))))
    assert [r["username"] for r in rows] == ["erin", "dana"] and export.rows == 2
    assert rows[1]["reason"] == "'=HYPERLINK(\"x\")"        # the formula guard
    *_, last = _events(db)
    assert last.id == export.event_id and last.action == "audit_export" and last.outcome == "ok"
    assert (last.username, last.client_addr) == ("supervisor5", "10.9.9.9")
    assert json.loads(last.detail) == {"filters": {"action": "owner_reveal"}, "format": "csv", "rows": 2}
    assert all(int(r["id"]) < export.event_id for r in rows)
    assert export.file.closed and export.filename.startswith("audit-") and export.filename.endswith(".csv")
    with db.session() as s:
        assert chain.verify_chain(s).ok


def test_the_next_export_lists_the_previous_one(db, reader):
    _seed(db)
    admin = reader("admin")
    first = export_audit_csv(db, admin, {"action": "owner_reveal"})
    assert first.rows == 2
    second = export_audit_csv(db, admin, {"action": "audit_export"})
    assert [int(r["id"]) for r in csv.DictReader(io.StringIO("".join(second.chunks())))] == [first.event_id]


@pytest.mark.parametrize("role", ["analyst", "detective"])
def test_refused_export_is_audited_and_lists_nothing(db, reader, role):
    _seed(db)
    user = reader(role)
    before = len(_events(db))
    with pytest.raises(PermissionDenied):
        export_audit_csv(db, user, {"username": "dana"}, client_addr="10.1.1.1")
    events = _events(db)
    assert len(events) == before + 1
    refused = events[-1]
    assert (refused.action, refused.outcome, refused.username) == ("audit_export", "denied", f"{role}5")
    assert json.loads(refused.detail) == {"filters": {"username": "dana"}, "format": "csv"}


def test_a_failed_export_leaves_no_event(db, reader):
    _seed(db)
    user = reader("supervisor")
    before = len(_events(db))
    with pytest.raises(ValueError, match="unknown audit filter"):
        export_audit_csv(db, user, {"nonsense": 1})
    assert len(_events(db)) == before
