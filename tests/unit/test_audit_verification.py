"""Stored, incremental audit-chain checks: each run continues where the last good one stopped,
a failure stays until a full run passes, and the status says how far the check got."""

from __future__ import annotations

from sqlalchemy import func, select, text

from dashboard.audit import chain as audit
from dashboard.audit.verification import chain_status, verify_and_store
from dashboard.models import AuditEvent, AuditVerification


def _events(db, n: int, start: int = 0) -> None:
    with db.session() as s:
        for i in range(start, start + n):
            audit.record(s, "login", username=f"user{i}")


def test_never_checked(db):
    _events(db, 3)
    with db.session() as s:
        status = chain_status(s)
    assert status.ok is None and status.verified_at is None and status.unchecked_events == 3


def test_each_run_checks_only_the_new_events(db):
    _events(db, 5)
    first = verify_and_store(db)
    assert first.ok and first.checked == 5 and first.verified_total == 5 and first.through_id == 5
    _events(db, 3, start=5)
    second = verify_and_store(db)
    assert second.ok and second.from_id == 5 and second.checked == 3 and second.verified_total == 8
    third = verify_and_store(db)
    assert third.ok and third.checked == 0 and third.verified_total == 8
    with db.session() as s:
        status = chain_status(s)
    assert status.ok and status.verified_events == 8 and status.unchecked_events == 0 and status.through_id == 8


def test_a_bounded_run_continues_next_time(db):
    _events(db, 7)
    run = verify_and_store(db, max_events=3)
    assert run.ok and run.through_id == 3
    with db.session() as s:
        assert chain_status(s).unchecked_events == 4
    run = verify_and_store(db, max_events=3)
    assert run.from_id == 3 and run.through_id == 6 and run.verified_total == 6


def test_new_events_must_link_to_the_last_checked_one(db):
    _events(db, 4)
    verify_and_store(db)
    _events(db, 2, start=4)
    with db.session() as s:  # an edit among the events not yet checked
        s.execute(text("UPDATE audit_events SET username = 'x' WHERE id = 6"))
    run = verify_and_store(db)
    assert not run.ok and run.first_bad_id == 6 and run.verified_total == 5


def test_a_failure_is_sticky_until_a_full_run_passes(db):
    _events(db, 4)
    with db.session() as s:
        s.execute(text("UPDATE audit_events SET username = 'x' WHERE id = 2"))
    failed = verify_and_store(db)
    assert not failed.ok and failed.first_bad_id == 2
    _events(db, 2, start=4)
    again = verify_and_store(db)  # a routine run repeats the failure, it does not clear it
    assert not again.ok and again.first_bad_id == 2 and again.checked == 0
    with db.session() as s:
        assert chain_status(s).ok is False
    still = verify_and_store(db, full=True)  # the edit is still there
    assert not still.ok and still.full
    with db.session() as s:  # the operator restores the row from a backup
        s.execute(text("UPDATE audit_events SET username = 'user1' WHERE id = 2"))
    clean = verify_and_store(db, full=True)
    assert clean.ok and clean.verified_total == 6
    with db.session() as s:
        assert chain_status(s).ok is True
        assert s.scalar(select(func.count()).select_from(AuditVerification)) == 4


def test_a_full_run_finds_an_edit_an_earlier_run_had_passed(db):
    _events(db, 5)
    assert verify_and_store(db).ok
    with db.session() as s:
        s.execute(text("UPDATE audit_events SET username = 'x' WHERE id = 1"))
    assert verify_and_store(db).ok  # routine: only events after id 5, none
    full = verify_and_store(db, full=True)
    assert not full.ok and full.first_bad_id == 1
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 5
