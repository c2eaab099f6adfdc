"""The audit log's query service: each filter, keyset pages, the CSV export and its guard."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from dashboard.audit import chain as audit
from dashboard.audit import log as audit_log
from dashboard.audit.log import CSV_COLUMNS, AuditFilters, export_csv, iter_csv, query_events, safe_cell
from dashboard.models import AuditEvent
from dashboard.models.footage import FootageRequest


def _set_at(db, event_id: int, at: datetime) -> None:
    """Test setup only: move an event in time (the chain is not checked by these tests)."""
    with db.session() as s:
        s.execute(update(AuditEvent).where(AuditEvent.id == event_id).values(at=at))


@pytest.fixture
def events(db) -> dict[str, int]:
    ids = {}
    with db.session() as s:
        ids["login"] = audit.record(s, "login", username="Dana", client_addr="10.0.0.1").id
        ids["failed"] = audit.record(s, "login_failed", username="mallory", outcome="denied",
                                     detail={"why": "unknown user"}).id
        ids["reveal7"] = audit.record(s, "owner_reveal", username="dana", object_type="camera", object_id=7,
                                      case_number="25-0000001", reason="burglary canvass").id
        ids["reveal70"] = audit.record(s, "owner_reveal", username="erin", object_type="camera", object_id=70,
                                       case_number="25-0000002", reason="assault").id
        ids["footage7"] = audit.record(s, "footage_request", username="dana", object_type="footage_request",
                                       object_id=900, case_number="25-0000001",
                                       detail={"camera_id": 7, "incident": "X1"}).id
        ids["footage_last"] = audit.record(s, "footage_request", username="dana", object_type="footage_request",
                                           object_id=901, detail={"incident": "X2", "camera_id": 17}).id
        ids["lockout"] = audit.record(s, "lockout", username="dana", outcome="locked").id
    return ids


def _ids(rows) -> list[int]:
    return [e.id for e in rows]


def test_no_filter_newest_first(db, events):
    with db.session() as s:
        rows, nxt = query_events(s)
    assert _ids(rows) == sorted(events.values(), reverse=True) and nxt is None


def test_filter_by_username_is_case_insensitive_and_exact(db, events):
    with db.session() as s:
        rows, _ = query_events(s, username="DANA")
        assert set(_ids(rows)) == {events[k] for k in ("login", "reveal7", "footage7", "footage_last", "lockout")}
        assert query_events(s, username="dan")[0] == []
        assert _ids(query_events(s, username="  mallory ")[0]) == [events["failed"]]


def test_filter_by_action_and_outcome(db, events):
    with db.session() as s:
        assert set(_ids(query_events(s, action="owner_reveal")[0])) == {events["reveal7"], events["reveal70"]}
        assert _ids(query_events(s, outcome="denied")[0]) == [events["failed"]]
        assert _ids(query_events(s, action="lockout", outcome="locked")[0]) == [events["lockout"]]
        assert query_events(s, action="login", outcome="denied")[0] == []


def test_filter_by_case_number(db, events):
    with db.session() as s:
        rows, _ = query_events(s, case_number="25-0000001")
    assert set(_ids(rows)) == {events["reveal7"], events["footage7"]}


def test_filter_by_camera_matches_object_detail_and_footage_requests(db, events):
    # a footage request row for camera 7: its later events (object footage_request 900) count too
    with db.session() as s:
        later = audit.record(s, "footage_request_accepted", username="owner", object_type="footage_request",
                             object_id=12345)
    with db.session() as s:
        rows, _ = query_events(s, camera_id=7)
        # camera 7 itself and the request naming it; not camera 70 nor camera 17 (no prefix match)
        assert set(_ids(rows)) == {events["reveal7"], events["footage7"]}
        assert later.id not in _ids(rows)
        assert set(_ids(query_events(s, camera_id=17)[0])) == {events["footage_last"]}
        assert set(_ids(query_events(s, camera_id=70)[0])) == {events["reveal70"]}


def test_filter_by_camera_follows_footage_request_rows(db, services_free_camera):
    camera_id, request_id = services_free_camera
    with db.session() as s:
        ev = audit.record(s, "footage_request_accepted", username="owner", object_type="footage_request",
                          object_id=request_id)
        other = audit.record(s, "footage_request_accepted", username="owner", object_type="footage_request",
                             object_id=request_id + 1000)
    with db.session() as s:
        ids = _ids(query_events(s, camera_id=camera_id)[0])
    assert ev.id in ids and other.id not in ids


@pytest.fixture
def services_free_camera(db):
    """A camera and one footage request for it, built with the ORM (no services needed)."""
    from dashboard.models import Camera, CameraSite, Incident, Owner

    now = datetime.now(UTC)
    with db.session() as s:
        owner = Owner(owner_type="resident", name="Owner", email="o@example.org")
        site = CameraSite(owner=owner, latitude=32.78, longitude=-96.8)
        cam = Camera(site=site, label="Porch", camera_type="doorbell", status="active")
        inc = Incident(incident_number="T-1", nature_of_call="Test", priority=2)
        s.add_all([owner, site, cam, inc])
        s.flush()
        req = FootageRequest(incident_id=inc.id, camera_id=cam.id, owner_id=owner.id, window_start=now,
                             window_end=now, token_hash="h" * 64, expires_at=now + timedelta(days=7))
        s.add(req)
        s.flush()
        return cam.id, req.id


def test_filter_by_date_range_in_dallas_days(db, events):
    # 2025-03-01 23:30 in Dallas (CST) is 2025-03-02 05:30 UTC: it belongs to Dallas' March 1st
    _set_at(db, events["login"], datetime(2025, 3, 2, 5, 30, tzinfo=UTC))
    _set_at(db, events["failed"], datetime(2025, 3, 2, 6, 30, tzinfo=UTC))     # 00:30 March 2 in Dallas
    _set_at(db, events["reveal7"], datetime(2025, 3, 5, 12, 0, tzinfo=UTC))
    with db.session() as s:
        assert _ids(query_events(s, date_from=date(2025, 3, 1), date_to=date(2025, 3, 1))[0]) == [events["login"]]
        assert _ids(query_events(s, date_from=date(2025, 3, 2), date_to=date(2025, 3, 2))[0]) == [events["failed"]]
        got = _ids(query_events(s, date_from=date(2025, 3, 1), date_to=date(2025, 3, 5))[0])
        assert set(got) == {events["login"], events["failed"], events["reveal7"]}
        # open-ended ends
        assert set(_ids(query_events(s, date_to=date(2025, 3, 2))[0])) == {events["login"], events["failed"]}
        recent = _ids(query_events(s, date_from=date.today() - timedelta(days=1))[0])
        assert events["login"] not in recent and events["lockout"] in recent
        # aware datetimes are used as given, inclusive
        exact = datetime(2025, 3, 2, 6, 30, tzinfo=UTC)
        assert _ids(query_events(s, date_from=exact, date_to=exact)[0]) == [events["failed"]]
        with pytest.raises(ValueError):
            query_events(s, date_from=datetime(2025, 3, 1))  # naive: refused


def test_filters_combine(db, events):
    with db.session() as s:
        rows, _ = query_events(s, username="dana", action="footage_request", camera_id=7, case_number="25-0000001")
    assert _ids(rows) == [events["footage7"]]


@pytest.mark.parametrize("limit", [0, -1, audit_log.MAX_LIMIT + 1, "10", 2.5, True])
def test_limit_bounds(db, limit):
    with db.session() as s, pytest.raises(ValueError):
        query_events(s, limit=limit)


@pytest.mark.parametrize("limit", [1, 3, 7, 10])
def test_pages_neither_lose_nor_repeat_rows(db, limit):
    with db.session() as s:
        for i in range(23):
            audit.record(s, "login" if i % 3 else "export", username=f"user{i % 4}")
    with db.session() as s:
        everything = _ids(query_events(s, limit=audit_log.MAX_LIMIT)[0])
        seen: list[int] = []
        cursor = None
        pages = 0
        while True:
            rows, cursor = query_events(s, limit=limit, before_id=cursor)
            assert len(rows) <= limit
            seen += _ids(rows)
            pages += 1
            if cursor is None:
                break
            # an event written between pages lands on no page of this walk, and moves nothing
            audit.record(s, "login", username="late")
        assert seen == everything and len(seen) == 23 == len(set(seen))
        assert pages == -(-23 // limit)
        # filtered pages too
        only = _ids(query_events(s, action="export", limit=audit_log.MAX_LIMIT)[0])
        seen, cursor = [], None
        while True:
            rows, cursor = query_events(s, action="export", limit=2, before_id=cursor)
            seen += _ids(rows)
            if cursor is None:
                break
        assert seen == only and len(only) == 8


def test_exact_multiple_of_limit_has_no_empty_last_page(db):
    with db.session() as s:
        for i in range(4):
            audit.record(s, "login", username=f"u{i}")
    with db.session() as s:
        first, cursor = query_events(s, limit=2)
        second, cursor2 = query_events(s, limit=2, before_id=cursor)
    assert len(first) == len(second) == 2 and cursor2 is None


def _parse(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_columns_and_values(db, events):
    with db.session() as s:
        text = export_csv(s, {"camera_id": 7})
    lines = text.splitlines()
    assert lines[0].split(",") == list(CSV_COLUMNS)
    rows = _parse(text)
    assert [int(r["id"]) for r in rows] == [events["footage7"], events["reveal7"]]
    reveal = rows[1]
    assert reveal["action"] == "owner_reveal" and reveal["object_type"] == "camera" and reveal["object_id"] == "7"
    assert reveal["case_number"] == "25-0000001" and reveal["reason"] == "burglary canvass"
    assert reveal["at_utc"].endswith("Z") and reveal["at_chicago"][-6:] in ("-05:00", "-06:00")
    assert len(reveal["hash"]) == 64 and reveal["user_id"] == ""
    assert rows[0]["detail"] == '{"camera_id": 7, "incident": "X1"}'


def test_csv_formula_injection_is_neutralised(db):
    nasty = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
             "\t=1", "\r=1"]
    with db.session() as s:
        for i, value in enumerate(nasty):
            audit.record(s, "owner_reveal", username=value, reason=value, case_number=f"=c{i}",
                         object_type="camera", object_id="-1")
        audit.record(s, "login", username="plain", reason="a = b, and +1 later")
    with db.session() as s:
        rows = _parse(export_csv(s, AuditFilters()))
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)
    by_reason = {r["reason"] for r in rows}
    assert {"'" + v for v in nasty} <= by_reason
    assert "a = b, and +1 later" in by_reason  # only a leading character is a formula
    assert {r["case_number"] for r in rows if r["case_number"]} == {f"'=c{i}" for i in range(len(nasty))}


def test_safe_cell():
    assert safe_cell("=1") == "'=1" and safe_cell("@x") == "'@x" and safe_cell("-") == "'-"
    assert safe_cell("ok") == "ok" and safe_cell(None) == "" and safe_cell(5) == 5 and safe_cell("") == ""


def test_iter_csv_streams_in_batches_and_matches_export(db):
    with db.session() as s:
        for i in range(12):
            audit.record(s, "login", username=f"u{i}")
    with db.session() as s:
        chunks = list(iter_csv(s, None, batch=5))
        assert "".join(chunks) == export_csv(s)
    assert len(chunks) >= 3
    assert len(_parse("".join(chunks))) == 12


def test_export_respects_before_id(db):
    with db.session() as s:
        ids = [audit.record(s, "login", username=f"u{i}").id for i in range(5)]
    with db.session() as s:
        rows = _parse(export_csv(s, before_id=ids[3]))
    assert [int(r["id"]) for r in rows] == ids[:3][::-1]


def test_filters_mapping_is_checked():
    with pytest.raises(ValueError):
        AuditFilters.of({"nope": 1})
    f = AuditFilters.of({"username": "dana", "date_from": date(2025, 1, 2)})
    assert f.as_detail() == {"username": "dana", "date_from": "2025-01-02"}


def test_query_service_never_writes(db, events):
    with db.session() as s:
        before = [(e.id, e.hash) for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        query_events(s, username="dana", camera_id=7)
        export_csv(s, {"action": "login"})
        assert not s.new and not s.dirty and not s.deleted
    with db.session() as s:
        after = [(e.id, e.hash) for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert audit.verify_chain(s).ok
    assert before == after
