"""The audit chain: every event links to the one before; an edit is detected."""

from __future__ import annotations

from sqlalchemy import text

from dashboard.audit import chain as audit
from dashboard.models import AuditEvent


def test_chain_links_and_verifies(db):
    with db.session() as s:
        first = audit.record(s, "login", username="dana", client_addr="127.0.0.1")
        second = audit.record(s, "owner_reveal", username="dana", object_type="camera", object_id=7,
                              case_number="25-0280079", reason="burglary canvass")
    assert first.prev_hash is None and second.prev_hash == first.hash
    with db.session() as s:
        report = audit.verify_chain(s)
    assert report.ok and report.checked == 2


def test_edited_row_is_detected(db):
    with db.session() as s:
        for i in range(5):
            audit.record(s, "login", username=f"user{i}")
    with db.session() as s:
        s.execute(text("UPDATE audit_events SET username = 'someone else' WHERE id = 3"))
    with db.session() as s:
        report = audit.verify_chain(s)
    assert not report.ok and report.first_bad_id == 3 and report.checked == 2


def test_deleted_row_is_detected(db):
    with db.session() as s:
        for i in range(4):
            audit.record(s, "login", username=f"user{i}")
    with db.session() as s:
        s.execute(text("DELETE FROM audit_events WHERE id = 2"))
    with db.session() as s:
        report = audit.verify_chain(s)
    assert not report.ok and report.first_bad_id == 3


def test_audit_rolls_back_with_its_action(db):
    try:
        with db.session() as s:
            audit.record(s, "export", username="dana")
            raise RuntimeError("the action failed")
    except RuntimeError:
        pass
    with db.session() as s:
        assert s.query(AuditEvent).count() == 0
