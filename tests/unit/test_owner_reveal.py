"""The audited owner reveal service: who gets the contact, what is audited, what is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from auth.permissions import PermissionDenied
from auth.users import SessionUser, add_or_update_user, find_user
from dashboard.audit.chain import verify_chain
from dashboard.models import AuditEvent, Camera, CameraSite, Owner
from dashboard.owners.reveal import CASE_NUMBER, OwnerContact, RevealError, reveal_owner_contact

CATEGORY = "burglary"
CASE = "25-0280079"
REASON = "Burglary of a habitation next door; need footage from 02:00-03:00."
OWNER = {"owner_type": "resident", "name": "Zephyrine Quattlebaum", "contact_person": "Quincy Q. Contact",
         "email": "zq.owner@example.org", "phone": "214-555-0142", "address": "4321 Elm St, Dallas, TX 75201"}


def _camera(db, status: str = "active") -> int:
    with db.session() as s:
        owner = Owner(**OWNER)
        site = CameraSite(owner=owner, address=OWNER["address"], latitude=32.78, longitude=-96.79,
                          division="CENTRAL", beat="131")
        camera = Camera(site=site, label="Front porch", camera_type="doorbell", placement="outdoor",
                        status=status)
        s.add_all([owner, site, camera])
        s.flush()
        return camera.id


def _user(db, role: str) -> SessionUser:
    with db.session() as s:
        add_or_update_user(s, f"{role}1", role=role, full_name=f"Test {role.title()}", password=None)
        return SessionUser.from_model(find_user(s, f"{role}1"))


def _reveal_events(db) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == "owner_reveal")
                              .order_by(AuditEvent.id)))


@pytest.mark.parametrize("role", ["detective", "supervisor", "admin"])
def test_allowed_roles_get_the_contact_and_one_audit_event(db, role):
    camera_id = _camera(db)
    user = _user(db, role)
    contact = reveal_owner_contact(db, user, camera_id, f"  {CASE} ", f" {REASON} ", "10.0.0.7", category=CATEGORY)
    assert contact == OwnerContact(**OWNER)
    events = _reveal_events(db)
    assert len(events) == 1
    ev = events[0]
    assert (ev.outcome, ev.user_id, ev.username) == ("ok", user.id, f"{role}1")
    assert (ev.object_type, ev.object_id) == ("camera", str(camera_id))
    assert (ev.case_number, ev.reason, ev.client_addr) == (CASE, REASON, "10.0.0.7")
    assert ev.category == CATEGORY
    with db.session() as s:
        assert verify_chain(s).ok


def test_camera_id_may_come_as_text_from_the_browser(db):
    camera_id = _camera(db)
    assert reveal_owner_contact(db, _user(db, "detective"), str(camera_id), CASE, REASON, None, category=CATEGORY).email == OWNER["email"]


def test_analyst_is_refused_and_the_refusal_is_audited(db):
    camera_id = _camera(db)
    analyst = _user(db, "analyst")
    with pytest.raises(PermissionDenied):
        reveal_owner_contact(db, analyst, camera_id, CASE, REASON, "10.0.0.8", category=CATEGORY)
    events = _reveal_events(db)
    assert len(events) == 1
    ev = events[0]
    assert (ev.outcome, ev.user_id, ev.username) == ("denied", analyst.id, "analyst1")
    assert (ev.object_id, ev.case_number, ev.reason, ev.client_addr) == (str(camera_id), CASE, REASON, "10.0.0.8")


def test_analyst_is_refused_before_the_input_is_looked_at(db):
    """A refused role learns nothing, not even whether the camera exists; still audited."""
    analyst = _user(db, "analyst")
    with pytest.raises(PermissionDenied):
        reveal_owner_contact(db, analyst, 999_999, "nonsense" * 20, "x" * 2000, None, category=CATEGORY)
    ev = _reveal_events(db)[0]
    assert ev.outcome == "denied" and len(ev.case_number) <= 40 and len(ev.reason) <= 500


@pytest.mark.parametrize("disabled", [False, True])
def test_anonymous_or_disabled_user_is_refused(db, disabled):
    camera_id = _camera(db)
    user = None
    if disabled:
        d = _user(db, "detective")
        user = SessionUser(d.id, d.username, d.full_name, d.role, d.division, active=False)
    with pytest.raises(PermissionDenied):
        reveal_owner_contact(db, user, camera_id, CASE, REASON, None, category=CATEGORY)
    assert [e.outcome for e in _reveal_events(db)] == ["denied"]


@pytest.mark.parametrize("case", ["2025-1", "25-028007", "", "25-0280079x", "25 0280079", "ab-0280079",
                                  "25-02800790", None, 250280079])
def test_bad_case_number_is_refused_with_a_message(db, case):
    camera_id = _camera(db)
    with pytest.raises(RevealError, match="Case number"):
        reveal_owner_contact(db, _user(db, "detective"), camera_id, case, REASON, None, category=CATEGORY)
    assert _reveal_events(db) == []


@pytest.mark.parametrize("reason", ["", "   ", "too short", " 123456789 ", None, "x" * 501])
def test_bad_reason_is_refused_with_a_message(db, reason):
    camera_id = _camera(db)
    with pytest.raises(RevealError, match="Reason"):
        reveal_owner_contact(db, _user(db, "detective"), camera_id, CASE, reason, None, category=CATEGORY)
    assert _reveal_events(db) == []


def test_reason_limits_are_inclusive(db):
    camera_id = _camera(db)
    detective = _user(db, "detective")
    for reason in ("x" * 10, "y" * 500):
        assert reveal_owner_contact(db, detective, camera_id, CASE, reason, None, category=CATEGORY).name == OWNER["name"]


@pytest.mark.parametrize("status", ["pending", "rejected", "withdrawn", "inactive"])
def test_camera_that_is_not_active_is_not_found(db, status):
    camera_id = _camera(db, status)
    with pytest.raises(RevealError, match="not found"):
        reveal_owner_contact(db, _user(db, "detective"), camera_id, CASE, REASON, None, category=CATEGORY)
    assert _reveal_events(db) == []


@pytest.mark.parametrize("camera_id", [999_999, None, "abc", True])
def test_unknown_camera_is_not_found(db, camera_id):
    _camera(db)
    with pytest.raises(RevealError, match="not found"):
        reveal_owner_contact(db, _user(db, "detective"), camera_id, CASE, REASON, None, category=CATEGORY)
    assert _reveal_events(db) == []


def test_case_number_pattern():
    assert CASE_NUMBER.fullmatch("25-0280079")
    assert not CASE_NUMBER.fullmatch("25-0280079\n")


@pytest.mark.parametrize("category", [None, "", "   ", "arson", "burglary; drop table", 7, ["burglary"]])
def test_missing_or_unknown_category_is_refused_with_a_message(db, category):
    camera_id = _camera(db)
    with pytest.raises(RevealError, match="Offense category"):
        reveal_owner_contact(db, _user(db, "detective"), camera_id, CASE, REASON, None, category=category)
    assert _reveal_events(db) == []


def test_category_is_normalised_and_checked_against_the_configured_list(db):
    camera_id = _camera(db)
    detective = _user(db, "detective")
    assert reveal_owner_contact(db, detective, camera_id, CASE, REASON, None, category=" Vehicle crimes",
                                categories=("vehicle_crimes",)).name == OWNER["name"]
    assert _reveal_events(db)[-1].category == "vehicle_crimes"
    with pytest.raises(RevealError, match="Offense category"):  # a default category the config left out
        reveal_owner_contact(db, detective, camera_id, CASE, REASON, None, category="burglary",
                             categories=("vehicle_crimes",))
    assert len(_reveal_events(db)) == 1
