"""Cases (dashboard.cases): permissions, the audit event in the same transaction as the change,
footage filed under a case, the workspace, closing with its undo window, preferences."""

from __future__ import annotations

import dataclasses
import hashlib
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from auth.permissions import PermissionDenied
from dashboard import cases, footage
from dashboard.cases import CaseError, CaseNotFound
from dashboard.config_schema import PurposesSection
from dashboard.models import AuditEvent, Case, CaseNote, FootageRequest, OutboundEmail, utcnow
from dashboard.owners.reveal import reveal_owner_contact
from tests.factories import tiny_snapshot
from tests.unit import test_footage
from tests.unit.test_footage import FAKE_MP4, session_user, tokens, window

CASE = "25-0280079"
world = test_footage.world   # the footage tests' incident, owners and cameras (a fixture)


@pytest.fixture
def settings_overrides(tmp_path):
    return {"footage_storage_dir": str(tmp_path / "footage"), "public_base_url": "https://connect.example.gov"}


@pytest.fixture
def detective(db, make_user):
    return session_user(db, make_user, "detective")


def audit_count(db, action: str, outcome: str = "ok") -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == action, AuditEvent.outcome == outcome))


def open_default(db, user, settings, world, **kw):
    return cases.open_case(db, user, CASE, "robbery", settings, incidents=[world["number"]], **kw)


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_roles_without_cases_are_refused_and_the_refusal_is_audited(db, make_user, settings, world, role):
    user = session_user(db, make_user, role)
    with pytest.raises(PermissionDenied):
        open_default(db, user, settings, world)
    with pytest.raises(PermissionDenied):
        cases.case_workspace(db, user, CASE)
    assert audit_count(db, "case_open", "denied") == 1 and audit_count(db, "case_view", "denied") == 1
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_open_case_validates_its_number_and_category(db, detective, settings, world):
    with pytest.raises(CaseError, match="Dallas format"):
        cases.open_case(db, detective, "2025-1", "robbery", settings)
    with pytest.raises(CaseError, match="Offense category"):
        cases.open_case(db, detective, CASE, "jaywalking", settings)
    with pytest.raises(CaseError, match="not known"):
        cases.open_case(db, detective, CASE, "robbery", settings, incidents="999999999")
    assert audit_count(db, "case_open") == 0
    assert open_default(db, detective, settings, world) == CASE
    with pytest.raises(CaseError, match="already open"):
        open_default(db, detective, settings, world)
    assert audit_count(db, "case_open") == 1


def test_categories_follow_the_configuration(db, detective, settings, world):
    settings = dataclasses.replace(settings, purposes=PurposesSection(offense_categories=("arson",)))
    assert cases.offense_categories(settings) == ("arson",)
    with pytest.raises(CaseError):
        cases.open_case(db, detective, CASE, "robbery", settings)
    assert cases.open_case(db, detective, CASE, "arson", settings) == CASE


def refuse_audit(db, action: str) -> None:
    """Make the database itself refuse audit events of `action` (a real failure, no mock)."""
    from sqlalchemy import text
    with db.session() as s:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("CREATE OR REPLACE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN "
                           "RAISE EXCEPTION 'audit store unavailable'; END $$ LANGUAGE plpgsql"))
            s.execute(text("DROP TRIGGER IF EXISTS refuse_audit ON audit_events"))
            s.execute(text(f"CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW "
                           f"WHEN (NEW.action = '{action}') EXECUTE FUNCTION refuse_audit()"))
        else:
            s.execute(text(f"CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events WHEN NEW.action = '{action}' "
                           "BEGIN SELECT RAISE(ABORT, 'audit store unavailable'); END"))


def drop_refusal(db) -> None:
    from sqlalchemy import text
    with db.session() as s:
        s.execute(text("DROP TRIGGER IF EXISTS refuse_audit" +
                       (" ON audit_events" if s.get_bind().dialect.name == "postgresql" else "")))


@pytest.mark.parametrize("action", ["case_note", "case_close"])
def test_a_failed_audit_write_leaves_nothing_done(db, detective, settings, world, action):
    """The change and its audit event are one transaction: if the audit write fails, no change."""
    open_default(db, detective, settings, world)
    refuse_audit(db, action)
    try:
        with pytest.raises(Exception, match="audit store unavailable"):
            if action == "case_note":
                cases.add_note(db, detective, CASE, "Spoke to the manager at 14:00.")
            else:
                cases.close_case(db, detective, CASE, "used", settings)
    finally:
        drop_refusal(db)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(CaseNote)) == 0
        assert s.scalar(select(Case.status)) == "open"


def test_workspace_gathers_reveals_requests_clips_notes_and_canvass(db, detective, settings, world):
    open_default(db, detective, settings, world, title="Elm St robbery")
    cam = world["cameras"][0]
    reveal_owner_contact(db, detective, cam, CASE, "Robbery witness canvass, need the owner", "10.0.0.1", category="robbery")
    reveal_owner_contact(db, detective, cam, "24-0000001", "Another case entirely, not this one", "10.0.0.1", category="robbery")
    start, end = window()
    sent = cases.request_footage(db, detective, CASE, None, world["cameras"][:3], start, end, "Please", settings)
    assert len(sent) == 3
    with db.session() as s:   # one email per owner per batch: two owners
        assert s.scalar(select(func.count()).select_from(OutboundEmail)
                        .where(OutboundEmail.related_type == footage.RELATED)) == 2
        assert {r.case_id for r in s.scalars(select(FootageRequest))} == {
            s.scalar(select(Case.id).where(Case.case_number == CASE))}
    got = footage.upload(db, tokens(db)[sent[0].id], "clip.mp4", "video/mp4", io.BytesIO(FAKE_MP4), settings)
    cases.add_note(db, detective, CASE, "Manager <b>kept</b> the DVR.")
    snap = tiny_snapshot([{"id": 901, "lat": 32.7811, "lon": -96.797, "direction": 180, "fov": 90, "range_m": 60}])

    ws = cases.case_workspace(db, detective, CASE, snap)
    assert ws.title == "Elm St robbery" and ws.status == "open" and ws.offense_category == "robbery"
    assert [i.incident_number for i in ws.incidents] == [world["number"]]
    assert [(r.camera_id, r.username) for r in ws.reveals] == [(str(cam), detective.username)]
    assert sorted(r.camera_id for r in ws.requests) == sorted(world["cameras"][:3])
    [clip] = [f for r in ws.requests for f in r.files]
    assert clip.sha256 == hashlib.sha256(FAKE_MP4).hexdigest() == got.sha256
    assert [n.body for n in ws.notes] == ["Manager <b>kept</b> the DVR."]
    assert ws.canvass[0][0] == world["number"] and ws.canvass[0][1][0].camera_id == 901
    assert cases.cameras_facing(snap, _incident(db, world)) == [901]


def _incident(db, world):
    from dashboard.models import Incident
    with db.session() as s:
        inc = s.get(Incident, world["incident"])
        s.expunge(inc)
        return inc


def test_requests_typed_with_the_case_number_elsewhere_appear_in_the_workspace(db, detective, settings, world):
    start, end = window()
    footage.send_requests(db, detective, world["incident"], world["cameras"][:1], start, end, None, settings,
                          case_number=CASE)
    open_default(db, detective, settings, world)
    assert [r.camera_id for r in cases.case_workspace(db, detective, CASE).requests] == world["cameras"][:1]


def test_request_needs_an_incident_of_the_case(db, detective, settings, world):
    cases.open_case(db, detective, CASE, "robbery", settings)
    start, end = window()
    with pytest.raises(CaseError, match="Add the incident"):
        cases.request_footage(db, detective, CASE, None, world["cameras"][:1], start, end, None, settings)
    with pytest.raises(CaseNotFound):
        cases.request_footage(db, detective, "25-0000002", None, world["cameras"][:1], start, end, None, settings)
    cases.add_incidents(db, detective, CASE, world["number"])
    assert len(cases.request_footage(db, detective, CASE, world["number"], world["cameras"][:1], start, end,
                                     None, settings)) == 1


def test_camera_numbers_typed_by_hand():
    assert cases.camera_ids_of("12, #15 40 12") == [12, 15, 40]
    with pytest.raises(CaseError, match="not a camera number"):
        cases.camera_ids_of("12, twelve")


def _received(db, detective, settings, world):
    open_default(db, detective, settings, world)
    start, end = window()
    sent = cases.request_footage(db, detective, CASE, None, world["cameras"][:3], start, end, None, settings)
    footage.upload(db, tokens(db)[sent[0].id], "clip.mp4", "video/mp4", io.BytesIO(FAKE_MP4), settings)
    return sent


def test_close_needs_an_outcome_and_says_what_it_will_do(db, detective, settings, world):
    _received(db, detective, settings, world)
    for missing in (None, "", "maybe"):
        with pytest.raises(CaseError, match="Outcome"):
            cases.close_case(db, detective, CASE, missing, settings)
    plan = cases.plan_close(db, detective, CASE, "not_needed", settings)
    assert (plan.requests, plan.owners_thanked, plan.clips_not_needed) == (3, 1, 1)
    text = " ".join(plan.sentences())
    assert f"deleted in {settings.footage_unneeded_clip_days} days" in text and "undo" in text
    assert cases.plan_close(db, detective, CASE, "not_needed", settings,
                            clip_outcomes={}).clips_not_needed == 1


def test_close_waits_for_the_undo_window_then_applies(db, detective, settings, world):
    sent = _received(db, detective, settings, world)
    t0 = utcnow()
    until = cases.close_case(db, detective, CASE, "not_needed", settings, clip_outcomes={str(sent[0].id): "used"},
                             now=t0)
    assert until == t0 + cases.UNDO_WINDOW
    assert cases.apply_due_closes(db, settings, now=t0 + cases.UNDO_WINDOW - timedelta(seconds=1)) == 0
    with db.session() as s:   # nothing happened to the requests, no thank-you queued
        assert {r.status for r in s.scalars(select(FootageRequest))} != {"closed"}
        assert s.scalar(select(func.count()).select_from(OutboundEmail)
                        .where(OutboundEmail.related_type == footage.RELATED_CLOSED)) == 0
    assert cases.case_workspace(db, detective, CASE).status == "closing"
    assert cases.apply_due_closes(db, settings, now=t0 + cases.UNDO_WINDOW) == 1
    with db.session() as s:
        outcomes = {r.id: (r.status, r.outcome) for r in s.scalars(select(FootageRequest))}
        assert outcomes[sent[0].id] == ("closed", "used")            # the per-clip choice
        assert outcomes[sent[1].id] == ("closed", "not_needed")      # the case's outcome
        assert s.scalar(select(func.count()).select_from(OutboundEmail)
                        .where(OutboundEmail.related_type == footage.RELATED_CLOSED)) == 1
    assert audit_count(db, "case_close") == 1 and audit_count(db, "case_closed") == 1
    with pytest.raises(CaseError, match="Too late"):
        cases.undo_close(db, detective, CASE)
    assert cases.apply_due_closes(db, settings, now=t0 + timedelta(hours=1)) == 0   # applied once


def test_undo_inside_the_window_reopens_the_case(db, detective, settings, world):
    _received(db, detective, settings, world)
    t0 = utcnow()
    cases.close_case(db, detective, CASE, "used", settings, now=t0)
    with pytest.raises(CaseError, match="already closed"):
        cases.close_case(db, detective, CASE, "used", settings, now=t0)
    cases.undo_close(db, detective, CASE, now=t0 + timedelta(minutes=9))
    assert audit_count(db, "case_close_undone") == 1
    assert cases.apply_due_closes(db, settings, now=t0 + timedelta(hours=1)) == 0
    ws = cases.case_workspace(db, detective, CASE)
    assert ws.status == "open" and ws.outcome is None
    assert all(r.status != "closed" for r in ws.requests)
    with pytest.raises(CaseError, match="no close to undo"):
        cases.undo_close(db, detective, CASE)


def test_undo_after_the_window_is_refused_even_before_the_sweeper_ran(db, detective, settings, world):
    _received(db, detective, settings, world)
    t0 = utcnow()
    cases.close_case(db, detective, CASE, "used", settings, now=t0)
    with pytest.raises(CaseError, match="Too late"):
        cases.undo_close(db, detective, CASE, now=t0 + cases.UNDO_WINDOW)


def test_list_cases_mine_and_the_supervisors(db, make_user, settings, world, detective):
    other = session_user(db, make_user, "supervisor")
    open_default(db, detective, settings, world)
    cases.open_case(db, other, "25-0000003", "theft", settings)
    assert [c.case_number for c in cases.list_cases(db, detective)] == [CASE]
    assert {c.case_number for c in cases.list_cases(db, other)} == {CASE, "25-0000003"}


def test_preferences_are_per_user_and_remembered(db, make_user, detective):
    other = session_user(db, make_user, "supervisor")
    assert cases.get_preferences(db, detective).switches() == ["footage_notices"]
    cases.set_switches(db, detective, ["alert_sound", "browser_notifications"])
    assert cases.get_preferences(db, detective).switches() == ["alert_sound", "browser_notifications"]
    assert cases.get_preferences(db, other).switches() == ["footage_notices"]
    with pytest.raises(cases.PreferenceError):
        cases.set_switches(db, detective, ["launch_missiles"])
    cases.save_view(db, detective, "North P1", "?div=north&z=14")
    assert cases.get_preferences(db, detective).saved_views == {"North P1": "?div=north&z=14"}
    for name, query in (("", "?a=1"), ("<script>", "?a=1"), ("ok", "https://evil.example/")):
        with pytest.raises(cases.PreferenceError):
            cases.save_view(db, detective, name, query)
    assert cases.delete_view(db, detective, "North P1").saved_views == {}


def test_footage_notice_tells_the_detective_who_asked_once(db, make_user, detective, settings, world):
    other = session_user(db, make_user, "supervisor")
    cursor, first = cases.footage_received_since(db, detective, None)
    assert first == []                                    # the first look only sets the cursor
    sent = _received(db, detective, settings, world)
    cursor2, notices = cases.footage_received_since(db, detective, cursor)
    assert [n.request_id for n in notices] == [sent[0].id] and "clip.mp4" in notices[0].text
    assert CASE in notices[0].text and cursor2 > cursor
    assert cases.footage_received_since(db, detective, cursor2)[1] == []      # told once
    assert cases.footage_received_since(db, other, cursor)[1] == []           # not someone else's request
    with pytest.raises(PermissionDenied):
        cases.footage_received_since(db, session_user(db, make_user, "analyst"), cursor)
