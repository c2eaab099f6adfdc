"""The registration services: validation, dedupe, confirmation, moderation, withdrawal,
reconfirmation and expiry (dashboard/owners/)."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from auth.permissions import PermissionDenied
from dashboard.db import registry_version
from dashboard.models import AuditEvent, Camera, CameraSite, OutboundEmail, Owner, utcnow
from dashboard.models.registration import Registration, RegistrationToken
from dashboard.owners import links, maintenance, moderation, owner_control, submission, validation

INSIDE = ("32.7767", "-96.7970")      # downtown Dallas
OUTSIDE = ("33.2000", "-97.5000")     # Decatur: outside the city limits


@dataclasses.dataclass
class FakeUser:
    id: int | None
    username: str
    role: str
    active: bool = True


def user_with_role(db, role: str) -> FakeUser:
    from auth.users import add_or_update_user
    from dashboard.models import User

    username = f"{role}1"
    with db.session() as s:
        add_or_update_user(s, username, role=role, full_name=role.title(), division=None, password="pw-123456789")
        uid = s.scalar(select(User.id).where(User.username == username))
    return FakeUser(uid, username, role)


def admin_user(db) -> FakeUser:
    return user_with_role(db, "admin")


def form(**overrides) -> dict:
    data = {"owner_type": "resident", "name": "Ana Pérez", "email": "Ana@Example.com", "phone": "214-555-0100",
            "address": "1500 Marilla Street", "latitude": INSIDE[0], "longitude": INSIDE[1], "camera_count": "1",
            "cam-0-label": "Front door", "cam-0-placement": "outdoor", "cam-0-direction": "N",
            "cam-0-retention": "7", "consent": "on"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def valid(**overrides) -> dict:
    payload, errors = validation.validate_form(form(**overrides))
    assert errors == {}, errors
    return payload


def register(db, settings, **overrides) -> submission.SubmitResult:
    return submission.submit(db, settings, valid(**overrides))


def register_confirmed(db, settings, **overrides) -> int:
    result = register(db, settings, **overrides)
    assert submission.confirm(db, settings, result.token) is not None
    return result.registration_id


def cameras(db) -> list[Camera]:
    with db.session() as s:
        return list(s.scalars(select(Camera).order_by(Camera.id)))


# ------------------------------------------------------------------ validation

@pytest.mark.parametrize(("overrides", "field", "key"), [
    ({"name": ""}, "name", "err_required"),
    ({"email": "not-an-email"}, "email", "err_email"),
    ({"email": ""}, "email", "err_required"),
    ({"phone": "call me maybe"}, "phone", "err_phone"),
    ({"phone": "12"}, "phone", "err_phone"),
    ({"address": ""}, "address", "err_required"),
    ({"latitude": ""}, "location", "err_pin"),
    ({"latitude": "north"}, "location", "err_number"),
    ({"latitude": OUTSIDE[0], "longitude": OUTSIDE[1]}, "location", "err_outside_city"),
    ({"owner_type": "business"}, "business_name", "err_required"),
    ({"owner_type": "pirate"}, "owner_type", "err_choice"),
    ({"cam-0-label": ""}, "cam-0-label", "err_required"),
    ({"cam-0-label": "x" * 121}, "cam-0-label", "err_too_long"),
    ({"cam-0-retention": ""}, "cam-0-retention", "err_required"),
    ({"cam-0-retention": "0"}, "cam-0-retention", "err_range"),
    ({"cam-0-retention": "2.5"}, "cam-0-retention", "err_whole"),
    ({"cam-0-placement": "roof"}, "cam-0-placement", "err_choice"),
    ({"cam-0-direction": "up"}, "cam-0-direction", "err_choice"),
    ({"camera_count": "101"}, "camera_count", "err_max_cameras"),
    ({"consent": None}, "consent", "err_consent"),
    ({"name": "a\x00b"}, "name", "err_control_chars"),
    ({"name": "x" * 5000}, "name", "err_too_long"),
])
def test_each_field_gets_its_own_message(overrides, field, key):
    payload, errors = validation.validate_form(form(**overrides))
    assert payload is None
    assert errors[field][0] == key
    assert set(errors) == {field}


def test_valid_form_is_normalized():
    payload = valid(**{"cam-0-live": "on", "cam-0-direction": "SW"})
    assert payload["email"] == "ana@example.com"
    assert payload["cameras"] == [{"label": "Front door", "camera_type": "doorbell", "placement": "outdoor",
                                   "direction_deg": 225.0, "retention_days": 7, "live_access": True,
                                   "live_sharing": "none", "stream_url": None}]
    assert payload["business_name"] is None


def test_at_most_max_cameras():
    many = {f"cam-{i}-{k}": v for i in range(100) for k, v in (("label", f"Cam {i}"), ("retention", "30"))}
    payload, errors = validation.validate_form(form(camera_count="100", **many))
    assert errors == {} and len(payload["cameras"]) == 100
    _payload, errors = validation.validate_form(form(camera_count="3"), max_cameras=2)
    assert errors["camera_count"] == ("err_max_cameras", {"limit": 2})


def test_hostile_text_is_kept_verbatim():
    hostile = "<script>alert(1)</script> \"><img src=x onerror=alert(1)> '; DROP TABLE owners;-- مرحبا 你好 📷"
    payload = valid(name=hostile, address=hostile, **{"cam-0-label": hostile[:120]})
    assert payload["name"] == hostile and payload["cameras"][0]["label"] == hostile[:120]


def test_address_normalization():
    assert validation.lookup_key("ANA@example.com", "1500  Marilla Street.") == validation.lookup_key("ana@example.com",
                                                                                        "1500 marilla st")
    assert validation.lookup_key("ana@example.com", "1500 Marilla St") != validation.lookup_key("ana@example.com", "1502 Marilla St")


# ------------------------------------------------------------------ submission and confirmation

def test_submission_stores_nothing_in_the_registry_until_confirmed(db, settings):
    result = register(db, settings)
    assert cameras(db) == []
    with db.session() as s:
        r = s.get(Registration, result.registration_id)
        assert r.status == "unconfirmed" and r.owner_id is None
        assert s.scalar(select(func.count()).select_from(Owner)) == 0
        mail = s.scalar(select(OutboundEmail))
        assert mail.to_addr == "ana@example.com" and mail.kind == "registration_confirm"
        assert f"{settings.public_base_url}/register/confirm/{result.token}" in mail.body_text
        token = s.scalar(select(RegistrationToken))
        assert token.token_hash != result.token  # only the hash is stored


def test_confirm_puts_the_registration_in_the_moderation_queue(db, settings):
    version = _version(db)
    rid = register_confirmed(db, settings)
    with db.session() as s:
        r = s.get(Registration, rid)
        assert r.status == "pending_review" and r.confirmed_at and r.pending_payload is None
        owner = s.get(Owner, r.owner_id)
        assert (owner.name, owner.email, owner.phone) == ("Ana Pérez", "ana@example.com", "214-555-0100")
        site = s.get(CameraSite, r.site_id)
        assert site.address == "1500 Marilla Street" and site.division
    assert [c.status for c in cameras(db)] == ["pending"]
    assert _version(db) > version


def test_confirm_link_is_single_use(db, settings):
    result = register(db, settings)
    assert submission.confirm(db, settings, result.token) is not None
    assert submission.confirm(db, settings, result.token) is None
    assert submission.confirm(db, settings, "forged-token") is None


def test_auto_approve_puts_cameras_on_the_map(db, settings):
    auto = dataclasses.replace(settings, registration_auto_approve=True)
    result = register(db, auto)
    assert submission.confirm(db, auto, result.token).status == "approved"
    assert [(c.status, c.verified_at is not None) for c in cameras(db)] == [("active", True)]


def test_same_email_and_address_updates_instead_of_duplicating(db, settings):
    rid = register_confirmed(db, settings)
    again = register(db, settings, email="ANA@example.COM", address="1500 marilla st", camera_count="2",
                     **{"cam-0-label": "Porch", "cam-1-label": "Garage", "cam-1-retention": "30"})
    assert again.registration_id == rid and again.existing
    assert [c.label for c in cameras(db)] == ["Front door"]  # nothing changes before the email confirms
    submission.confirm(db, settings, again.token)
    assert [(c.label, c.status) for c in cameras(db)] == [("Porch", "pending"), ("Garage", "pending")]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Registration)) == 1
        assert s.scalar(select(func.count()).select_from(CameraSite)) == 1
        assert s.scalar(select(func.count()).select_from(Owner)) == 1


def test_same_email_other_address_is_a_new_site_of_the_same_owner(db, settings):
    first = register_confirmed(db, settings)
    second = register_confirmed(db, settings, address="2000 Ross Ave", latitude="32.7890", longitude="-96.7990")
    assert first != second
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(CameraSite)) == 2
        assert s.scalar(select(func.count()).select_from(Owner)) == 1


# ------------------------------------------------------------------ moderation

def test_approve_and_reject(db, settings):
    admin = admin_user(db)
    rid = register_confirmed(db, settings)
    other = register_confirmed(db, settings, email="bob@example.com", name="Bob")
    assert [v.id for v in moderation.moderation_queue(db, admin)] == [rid, other]
    moderation.approve(db, rid, admin)
    with pytest.raises(moderation.RegistrationError):
        moderation.reject(db, settings, other, admin, "   ")
    moderation.reject(db, settings, other, admin, "The address is a vacant lot <b>")
    with db.session() as s:
        assert s.get(Registration, rid).status == "approved"
        assert s.get(Registration, other).status == "rejected"
        mail = s.scalars(select(OutboundEmail).where(OutboundEmail.kind == "registration_rejected")).one()
        assert mail.to_addr == "bob@example.com" and "vacant lot <b>" in mail.body_text
    assert [c.status for c in cameras(db)] == ["active", "rejected"]
    assert moderation.moderation_queue(db, admin) == []
    with pytest.raises(moderation.RegistrationError):
        moderation.approve(db, rid, admin)


def test_only_admins_moderate_and_each_refusal_is_audited(db, settings):
    rid = register_confirmed(db, settings)
    for role in ("analyst", "detective", "supervisor"):
        user = user_with_role(db, role)
        with pytest.raises(PermissionDenied):
            moderation.approve(db, rid, user)
        with pytest.raises(PermissionDenied):
            moderation.moderation_queue(db, user)
        with db.session() as s:
            refused = s.execute(select(AuditEvent.action, AuditEvent.outcome)
                                .where(AuditEvent.username == user.username)).all()
        assert sorted(refused) == [("registration_approved", "denied"), ("registration_queue_read", "denied")]
    with db.session() as s:
        assert s.get(Registration, rid).status == "pending_review"


def test_reading_the_queue_is_audited_with_the_registrations_shown(db, settings):
    admin = admin_user(db)
    first = register_confirmed(db, settings)
    second = register_confirmed(db, settings, email="bob@example.com", name="Bob")
    assert [item.email for item in moderation.moderation_queue(db, admin, client_addr="10.0.0.9")] == [
        "ana@example.com", "bob@example.com"]
    with db.session() as s:
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.action == "registration_queue_read")).all()
    assert (event.username, event.outcome, event.client_addr) == ("admin1", "ok", "10.0.0.9")
    assert json.loads(event.detail) == {"registrations": [first, second]}


def test_admin_edits_label_and_retention(db, settings):
    admin = admin_user(db)
    register_confirmed(db, settings)
    camera_id = cameras(db)[0].id
    moderation.edit_camera(db, camera_id, admin, label="Front porch", retention_days=14)
    assert (cameras(db)[0].label, cameras(db)[0].retention_days) == ("Front porch", 14)
    with pytest.raises(moderation.RegistrationError):
        moderation.edit_camera(db, camera_id, admin, label="")


# ------------------------------------------------------------------ owner self-service

def _version(db) -> int:
    with db.session() as s:
        return registry_version(s)


def test_manage_link_only_for_registered_emails(db, settings):
    register_confirmed(db, settings)
    assert owner_control.request_manage_link(db, settings, "nobody@example.com") is None
    token = owner_control.request_manage_link(db, settings, "ANA@example.com")
    owner_id = owner_control.manage_owner(db, token)
    assert owner_id is not None
    assert owner_control.manage_owner(db, token, now=utcnow() + timedelta(hours=25)) is None
    views = owner_control.owner_registrations(db, owner_id)
    assert [c.label for c in views[0].cameras] == ["Front door"]


def test_owner_updates_cameras(db, settings):
    register_confirmed(db, settings)
    owner_id = owner_control.manage_owner(db, owner_control.request_manage_link(db, settings, "ana@example.com"))
    cid = cameras(db)[0].id
    errors = owner_control.update_cameras(db, settings, owner_id, {f"cam-{cid}-label": "", f"cam-{cid}-retention": "9"}).errors
    assert errors[f"cam-{cid}-label"][0] == "err_required"
    # not approved yet (nothing on the map): the edit applies to the cameras under review
    result = owner_control.update_cameras(db, settings, owner_id, {
        f"cam-{cid}-label": "Side gate", f"cam-{cid}-retention": "9", f"cam-{cid}-direction": "E",
        f"cam-{cid}-live": "on"})
    assert result.errors == {} and not result.for_review
    c = cameras(db)[0]
    assert (c.label, c.retention_days, c.direction_deg, c.live_access) == ("Side gate", 9, 90.0, True)


def test_withdraw_deletes_personal_data_and_leaves_the_registry(db, settings):
    admin = admin_user(db)
    rid = register_confirmed(db, settings)
    moderation.approve(db, rid, admin)
    owner_id = owner_control.manage_owner(db, owner_control.request_manage_link(db, settings, "ana@example.com"))
    before = _version(db)
    assert owner_control.withdraw(db, owner_id) == 1
    assert _version(db) > before
    assert [c.status for c in cameras(db)] == ["withdrawn"]
    with db.session() as s:
        owner = s.get(Owner, owner_id)
        assert "Ana" not in owner.name and "ana@example.com" not in owner.email and owner.phone is None
        site = s.scalar(select(CameraSite))
        assert site.address is None
        r = s.get(Registration, rid)
        assert (r.status, r.owner_id, r.site_id, r.lookup_key) == ("withdrawn", None, None, None)
        assert r.withdrawn_at and r.camera_count == 1 and r.division  # the anonymous record
        assert s.scalar(select(func.count()).select_from(OutboundEmail)
                        .where(OutboundEmail.to_addr == "ana@example.com")) == 0
    # the sign-in link no longer works and the email can register afresh
    assert owner_control.request_manage_link(db, settings, "ana@example.com") is None
    assert not register(db, settings).existing


# ------------------------------------------------------------------ reconfirmation and expiry

def test_yearly_reconfirmation_then_inactive(db, settings):
    admin = admin_user(db)
    rid = register_confirmed(db, settings)
    moderation.approve(db, rid, admin)
    now = utcnow()
    assert maintenance.reconfirm_due(db, settings, now=now + timedelta(days=300)) == maintenance.ReconfirmReport(0, 0)
    year = now + timedelta(days=366)
    assert maintenance.reconfirm_due(db, settings, now=year) == maintenance.ReconfirmReport(1, 0)
    assert maintenance.reconfirm_due(db, settings, now=year + timedelta(days=1)) == maintenance.ReconfirmReport(0, 0)  # once
    with db.session() as s:
        mail = s.scalars(select(OutboundEmail).where(OutboundEmail.kind == "registration_reconfirm")).one()
    assert maintenance.reconfirm_due(db, settings, now=year + timedelta(days=15)) == maintenance.ReconfirmReport(0, 1)
    assert [c.status for c in cameras(db)] == ["inactive"]
    # a late answer brings the approved registration back onto the map
    token = mail.body_text.split("/register/reconfirm/")[1].split()[0].split("?")[0]
    assert not maintenance.reconfirm(db, token, now=year + timedelta(days=20))  # the link has expired
    with db.session() as s:
        fresh = links.issue(s, "reconfirm", year + timedelta(days=30), registration_id=rid)
    assert maintenance.reconfirm(db, fresh, now=year + timedelta(days=16))
    assert [c.status for c in cameras(db)] == ["active"]


def test_reconfirm_in_time_keeps_the_registration(db, settings):
    admin = admin_user(db)
    rid = register_confirmed(db, settings)
    moderation.approve(db, rid, admin)
    year = utcnow() + timedelta(days=366)
    maintenance.reconfirm_due(db, settings, now=year)
    with db.session() as s:
        body = s.scalars(select(OutboundEmail.body_text).where(OutboundEmail.kind == "registration_reconfirm")).one()
    token = body.split("/register/reconfirm/")[1].split()[0].split("?")[0]
    assert maintenance.reconfirm(db, token, now=year + timedelta(days=3))
    assert maintenance.reconfirm_due(db, settings, now=year + timedelta(days=15)) == maintenance.ReconfirmReport(0, 0)
    assert [c.status for c in cameras(db)] == ["active"]


def test_unconfirmed_registrations_expire(db, settings):
    new = register(db, settings)
    rid = register_confirmed(db, settings, email="bob@example.com")
    change = register(db, settings, email="bob@example.com", **{"cam-0-label": "Changed"})
    later = utcnow() + timedelta(hours=73)
    assert maintenance.expire_unconfirmed(db, settings, now=utcnow()) == 0
    assert maintenance.run_maintenance(db, settings, now=later)["expired_unconfirmed"] == 2
    with db.session() as s:
        assert s.get(Registration, new.registration_id) is None
        kept = s.get(Registration, rid)
        assert kept.status == "pending_review" and kept.pending_payload is None
        assert s.scalar(select(func.count()).select_from(RegistrationToken)) == 0
    assert submission.confirm(db, settings, change.token) is None
    assert [c.label for c in cameras(db)] == ["Front door"]


def test_emailed_links_carry_the_registration_language():
    class S:
        public_base_url = "https://cameras.example.gov"

    assert links.portal_link(S, "confirm/abc", "es") == "https://cameras.example.gov/register/confirm/abc?lang=es"
    assert links.portal_link(S, "manage") == "https://cameras.example.gov/register/manage"
