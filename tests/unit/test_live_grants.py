"""The live-view grant service: role, camera, the owner's sharing policy, the purpose, the audit
trail, expiry, renewal and ending (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from dashboard.audit.chain import verify_chain
from dashboard.live.grants import (
    check_grant,
    end_grants_for_camera,
    end_lapsed_grants,
    end_live_view,
    open_live_view,
    renew_live_view,
    run_audited,
)
from dashboard.live.policy import LiveRefused
from dashboard.live.purpose import Purpose
from dashboard.live.settings import LiveSettings, live_settings
from dashboard.models import Camera, LiveGrant, utcnow
from tests.factories import offset_point
from tests.live_support import CAMERA_AT, CASE, add_camera, add_incident, add_user, events, set_status

SETTINGS = LiveSettings()


def _open(db, user, camera_id, purpose=CASE, now=None, settings=SETTINGS):
    return run_audited(db, lambda s: open_live_view(s, user, camera_id, purpose, settings, now))


def _refusal(db, user, camera_id, purpose=CASE) -> LiveRefused:
    with pytest.raises(LiveRefused) as caught:
        _open(db, user, camera_id, purpose)
    return caught.value


@pytest.mark.parametrize("role", ["analyst", "detective", "supervisor"])
def test_viewing_roles_get_a_grant_and_one_audit_event(db, role):
    camera_id = add_camera(db)
    user = add_user(db, role)
    now = utcnow()
    issued = _open(db, user, camera_id, now=now)
    assert issued.expires_at == now + timedelta(minutes=15)
    assert issued.stream_kind == "hls" and len(issued.token) >= 40
    [event] = events(db, "live_view")
    detail = json.loads(event.detail)
    assert (event.outcome, event.user_id, event.object_id) == ("ok", user.id, str(camera_id))
    assert (event.case_number, event.reason) == (CASE["case_number"], CASE["reason"])
    assert (detail["purpose"], detail["offense_category"], detail["grant_id"]) == ("case", "robbery", issued.grant_id)
    assert detail["started_at"] == now.isoformat() and detail["expires_at"] == issued.expires_at.isoformat()
    with db.session() as s:
        grant = s.get(LiveGrant, issued.grant_id)
        assert grant.token_hash != issued.token and len(grant.token_hash) == 64  # only the digest is kept
        assert verify_chain(s).ok


def test_admin_is_refused_in_words_and_the_refusal_is_audited(db):
    camera_id = add_camera(db)
    admin = add_user(db, "admin")
    refusal = _refusal(db, admin, camera_id, purpose={"kind": "nonsense"})
    assert refusal.message == "Admins do not view live video."
    [event] = events(db, "live_view")
    assert (event.outcome, event.user_id) == ("denied", admin.id)
    with db.session() as s:
        assert s.scalar(select(LiveGrant)) is None


@pytest.mark.parametrize(("camera", "message"), [
    ({"sharing": "none"}, "The owner does not share this camera live."),
    ({"live_access": False}, "This camera has no live-access device."),
    ({"status": "withdrawn"}, "This camera is not active in the registry."),
])
def test_cameras_that_cannot_be_watched_are_refused_with_the_reason(db, camera, message):
    camera_id = add_camera(db, **camera)
    refusal = _refusal(db, add_user(db, "detective"), camera_id)
    assert refusal.message == message
    [event] = events(db, "live_view")
    assert event.outcome == "refused" and json.loads(event.detail)["message"] == message


@pytest.mark.parametrize(("purpose", "field"), [
    ({"kind": "case", "case_number": "2025-1", "offense_category": "robbery", "reason": CASE["reason"]}, "Case number"),
    ({**CASE, "offense_category": "jaywalking"}, "Offense category"),
    ({**CASE, "reason": "because"}, "Reason"),
    ({"kind": "incident", "incident_number": "999999-2025"}, "Incident 999999-2025 is not in CAD"),
    (None, "State a purpose"),
])
def test_a_purpose_is_required_and_checked(db, purpose, field):
    camera_id = add_camera(db)
    refusal = _refusal(db, add_user(db, "analyst"), camera_id, purpose=purpose)
    assert refusal.message.startswith(field)
    assert events(db, "live_view")[0].outcome == "refused"


def test_offense_categories_come_from_the_configuration(tmp_path):
    from dashboard.config import load_settings

    path = tmp_path / "config.yaml"
    path.write_text("purposes:\n  offense_categories: [arson, fraud]\nlive:\n  view_minutes: 5\n")
    settings = live_settings(load_settings(path, environ={}))
    assert settings.offense_categories == ("arson", "fraud") and settings.view_minutes == 5.0
    assert live_settings(None).emergency_radius_m == 300.0


def test_emergency_camera_needs_an_open_priority_1_or_2_call_nearby(db):
    camera_id = add_camera(db, sharing="emergency")
    analyst = add_user(db, "analyst")
    assert _refusal(db, analyst, camera_id).message == "The owner shares this camera only during an emergency nearby."
    add_incident(db, "P3-NEAR", 3, offset_point(*CAMERA_AT, 90, 50))        # not urgent enough
    add_incident(db, "P1-FAR", 1, offset_point(*CAMERA_AT, 90, 450))        # too far
    add_incident(db, "P1-DONE", 1, offset_point(*CAMERA_AT, 0, 20), status="Cleared")
    assert _refusal(db, analyst, camera_id).code == "emergency_only"
    add_incident(db, "P2-NEAR", 2, offset_point(*CAMERA_AT, 180, 280))
    issued = _open(db, analyst, camera_id, purpose={"kind": "incident", "incident_number": "P2-NEAR"})
    assert issued.camera_id == camera_id
    assert json.loads(events(db, "live_view")[-1].detail)["incident_number"] == "P2-NEAR"
    # the radius is a setting
    wider = LiveSettings(emergency_radius_m=500)
    set_status(db, "P2-NEAR", "Call Cleared")
    assert _open(db, analyst, camera_id, settings=wider).camera_id == camera_id  # P1-FAR is within 500 m
    assert _refusal(db, analyst, camera_id).code == "emergency_only"


def test_the_running_view_ends_when_the_emergency_clears(db):
    camera_id = add_camera(db, sharing="emergency")
    add_incident(db, "P1-NEAR", 1, offset_point(*CAMERA_AT, 45, 100))
    detective = add_user(db, "detective")
    issued = _open(db, detective, camera_id)
    with db.session() as s:
        assert check_grant(s, detective, issued.token, SETTINGS).camera_id == camera_id
    set_status(db, "P1-NEAR", "Closed")
    with pytest.raises(LiveRefused) as caught:
        run_audited(db, lambda s: check_grant(s, detective, issued.token, SETTINGS))
    assert caught.value.status == 410
    with db.session() as s:
        grant = s.get(LiveGrant, issued.grant_id)
        assert grant.ended_at is not None and grant.end_reason == "emergency_only"
    [end] = events(db, "live_view_end")
    assert json.loads(end.detail)["end_reason"] == "emergency_only"


def test_an_incident_purpose_lapses_when_the_incident_is_cleared(db):
    camera_id = add_camera(db)
    add_incident(db, "P3-CALL", 3, (32.70, -96.70))
    user = add_user(db, "analyst")
    issued = _open(db, user, camera_id, purpose={"kind": "incident", "incident_number": "P3-CALL"})
    set_status(db, "P3-CALL", "Cleared")
    with db.session() as s:
        assert end_lapsed_grants(s, SETTINGS) == 1
    with db.session() as s:
        assert s.get(LiveGrant, issued.grant_id).end_reason == "incident_cleared"
    assert _refusal(db, user, camera_id, {"kind": "incident", "incident_number": "P3-CALL"}).code == "incident_cleared"


def test_grants_expire_and_renew_while_the_purpose_holds(db):
    camera_id = add_camera(db)
    user = add_user(db, "supervisor")
    start = utcnow()
    issued = _open(db, user, camera_id, now=start)
    later = start + timedelta(minutes=14)
    renewed = run_audited(db, lambda s: renew_live_view(s, user, issued.token, SETTINGS, later))
    assert renewed.expires_at == later + timedelta(minutes=15) and renewed.token == issued.token
    with db.session() as s:
        check_grant(s, user, issued.token, SETTINGS, later + timedelta(minutes=14))
    with pytest.raises(LiveRefused) as caught:
        run_audited(db, lambda s: check_grant(s, user, issued.token, SETTINGS, later + timedelta(minutes=15)))
    assert caught.value.code == "expired" and caught.value.status == 410
    with pytest.raises(LiveRefused):  # an expired grant is not renewed: open a new view
        run_audited(db, lambda s: renew_live_view(s, user, issued.token, SETTINGS, later + timedelta(minutes=16)))
    assert [e.action for e in events(db, "live_view", "live_view_renew", "live_view_end")] == \
        ["live_view", "live_view_renew", "live_view_end"]


def test_a_grant_serves_only_the_user_it_was_issued_to(db):
    camera_id = add_camera(db)
    detective, analyst = add_user(db, "detective"), add_user(db, "analyst")
    issued = _open(db, detective, camera_id)
    for attempt in (check_grant, renew_live_view):
        with pytest.raises(LiveRefused) as caught:
            run_audited(db, lambda s, attempt=attempt: attempt(s, analyst, issued.token, SETTINGS))
        assert caught.value.message == "This live view was opened by someone else."
    with pytest.raises(LiveRefused):
        run_audited(db, lambda s: end_live_view(s, analyst, issued.token))
    denied = [e for e in events(db, "live_view") if e.outcome == "denied"]
    assert len(denied) == 3 and {e.user_id for e in denied} == {analyst.id}
    with db.session() as s:
        assert s.get(LiveGrant, issued.grant_id).ended_at is None  # the detective's view goes on


def test_ending_a_view_records_its_start_and_end(db):
    camera_id = add_camera(db)
    user = add_user(db, "analyst")
    issued = _open(db, user, camera_id)
    with db.session() as s:
        assert end_live_view(s, user, issued.token) is True
    with db.session() as s:
        assert end_live_view(s, user, issued.token) is False
    [end] = events(db, "live_view_end")
    detail = json.loads(end.detail)
    assert detail["end_reason"] == "closed" and detail["started_at"] == issued.started_at.isoformat()
    with pytest.raises(LiveRefused) as caught:
        run_audited(db, lambda s: check_grant(s, user, issued.token, SETTINGS))
    assert caught.value.code == "ended"


def test_switching_sharing_off_ends_running_views_at_once(db):
    camera_id = add_camera(db, sharing="always")
    users = [add_user(db, "analyst"), add_user(db, "detective")]
    grants = [_open(db, u, camera_id) for u in users]
    with db.session() as s:
        assert end_grants_for_camera(s, camera_id, SETTINGS) == 0  # still shared: nothing ends
        s.get(Camera, camera_id).live_sharing = "emergency"       # and no emergency nearby
        assert end_grants_for_camera(s, camera_id, SETTINGS) == 2
    with db.session() as s:
        assert all(s.get(LiveGrant, g.grant_id).ended_at is not None for g in grants)
    assert len(events(db, "live_view_end")) == 2


def test_camera_ids_may_come_as_text_and_unknown_ones_are_refused(db):
    camera_id = add_camera(db)
    user = add_user(db, "analyst")
    assert _open(db, user, f" {camera_id} ").camera_id == camera_id
    for bad in (camera_id + 1000, "12a", None, True):
        assert _refusal(db, user, bad).message == "This camera is not in the registry."


def test_purpose_parse_trims_and_keeps_the_fields():
    purpose = Purpose.parse({"kind": "case", "case_number": " 25-0280079 ", "offense_category": "theft",
                             "reason": "  Stolen vehicle seen on this block.  "}, SETTINGS)
    assert purpose == Purpose.case("25-0280079", "theft", "Stolen vehicle seen on this block.")
