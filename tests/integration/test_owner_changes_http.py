"""Issue 11 item 5 and issue 12 item 1 over HTTP: after approval, what an owner changes that the
police would see waits for review (the map keeps the old values), taking access back applies at
once and ends running live views, re-submitting the form is reviewed too, and the admin sees
old and new side by side."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dashboard.db import registry_version
from dashboard.live.grants import open_live_view, run_audited
from dashboard.live.settings import live_settings
from dashboard.models import AuditEvent, Camera, LiveGrant
from dashboard.models.registration import Registration
from tests.live_support import CASE, add_user
from tests.owner_support import (
    approve,
    cameras,
    csrf,
    last_link,
    manage_fields,
    manage_path,
    open_link,
    register_and_confirm,
    registration_form,
)

URL_LABEL = "URGENT verify at http://evil.example/login"


@pytest.fixture
def owner(app):
    return app.server.test_client()


def _version(db) -> int:
    with db.session() as s:
        return registry_version(s)


def _registration(db, rid: int) -> Registration:
    with db.session() as s:
        return s.get(Registration, rid)


def _save(owner, path: str, fields: dict):
    return owner.post(path, data={"csrf_token": csrf(owner, path), "action": "save", **fields})


def _approved_registration(owner, admin, db, **form) -> tuple[int, str]:
    rid = register_and_confirm(owner, db, **form)
    approve(admin, rid)
    assert [c.status for c in cameras(db)] == ["active"] * len(cameras(db))
    return rid, manage_path(owner, db)


def test_label_and_live_access_wait_for_review_with_old_values_on_the_map(owner, client, db, login_as):
    admin = login_as("admin")
    rid, path = _approved_registration(owner, admin, db)
    camera = cameras(db)[0]
    before = _version(db)

    response = _save(owner, path, manage_fields(camera, label=URL_LABEL, live="on", sharing="always",
                                                stream="http://10.0.0.5/cam/index.m3u8", retention="30"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "applied after a review" in page
    assert f'id="pending-{camera.id}"' in page

    after = cameras(db)[0]
    # what police see is unchanged; retention (the owner's own recorder) applied at once
    assert (after.label, after.live_access, after.live_sharing, after.stream_url) == ("Camera 1", False, "none", None)
    assert after.retention_days == 30 and after.status == "active"
    assert _registration(db, rid).status == "pending_review"

    queue = admin.get("/admin/registrations").get_data(as_text=True)
    assert f'id="camera-changes-{rid}"' in queue
    assert 'data-field="label"' in queue and "URGENT verify at http://evil.example/login" in queue
    assert 'data-field="live_sharing"' in queue and 'data-field="live_access"' in queue
    assert "10.0.0.5" in queue and "/cam/index.m3u8" not in queue  # the admin sees the host, not the path

    approve(admin, rid)
    applied = cameras(db)[0]
    assert (applied.label, applied.live_access, applied.live_sharing) == (URL_LABEL, True, "always")
    assert applied.stream_url == "http://10.0.0.5/cam/index.m3u8"
    assert _registration(db, rid).status == "approved" and _version(db) > before
    with db.session() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "registration_approved")
                          .order_by(AuditEvent.id.desc())).first()
        assert event.detail and str(camera.id) in event.detail


def test_rejected_change_leaves_the_map_as_it_was(owner, client, db, login_as):
    admin = login_as("admin")
    rid, path = _approved_registration(owner, admin, db)
    camera = cameras(db)[0]
    _save(owner, path, manage_fields(camera, label="Renamed"))
    token = csrf(admin, "/admin/registrations")
    response = admin.post(f"/admin/registrations/{rid}/reject", data={"csrf_token": token, "reason": "Label unclear"})
    assert response.status_code == 302
    assert cameras(db)[0].label == "Camera 1" and cameras(db)[0].status == "active"
    reg = _registration(db, rid)
    assert reg.status == "approved" and reg.pending_payload is None
    # the manage page no longer shows a waiting change
    assert f'id="pending-{camera.id}"' not in owner.get(path).get_data(as_text=True)


def test_owner_reverting_a_waiting_change_leaves_the_queue(owner, client, db, login_as):
    admin = login_as("admin")
    rid, path = _approved_registration(owner, admin, db)
    camera = cameras(db)[0]
    _save(owner, path, manage_fields(camera, label="Renamed"))
    assert _registration(db, rid).status == "pending_review"
    # the page shows the waiting value, so saving it again keeps the change waiting
    assert 'value="Renamed"' in owner.get(path).get_data(as_text=True)
    _save(owner, path, manage_fields(camera, label="Renamed", retention="14"))
    assert _registration(db, rid).status == "pending_review"
    _save(owner, path, manage_fields(camera))
    assert _registration(db, rid).status == "approved"
    assert f"registration-{rid}" not in admin.get("/admin/registrations").get_data(as_text=True)


def test_resubmitting_an_approved_registration_is_reviewed(owner, client, db, login_as):
    admin = login_as("admin")
    rid, _ = _approved_registration(owner, admin, db)
    before = _version(db)
    response = owner.post("/register", data=registration_form(
        csrf(owner), **{"cam-0-label": URL_LABEL, "address": "1500 Marilla Street", "latitude": "32.7770"}))
    assert response.status_code == 200
    assert open_link(owner, last_link(db, "confirm")).status_code == 200
    camera = cameras(db)[0]
    assert camera.label == "Camera 1" and camera.status == "active"
    with db.session() as s:
        site = s.get(Registration, rid)
        assert site.status == "pending_review"
    queue = admin.get("/admin/registrations").get_data(as_text=True)
    assert f'id="site-changes-{rid}"' in queue and "32.777" in queue and URL_LABEL in queue
    assert _version(db) == before  # nothing on the map changed yet
    approve(admin, rid)
    with db.session() as s:
        moved = s.get(Camera, camera.id)
        assert moved.label == URL_LABEL and moved.site.latitude == pytest.approx(32.7770)
        assert moved.site.address == "1500 Marilla Street"
    assert _version(db) > before


@pytest.fixture
def live_camera(owner, client, db, login_as, app):
    """An approved camera whose owner shares it always, and an analyst watching it."""
    admin = login_as("admin")
    rid, path = _approved_registration(owner, admin, db, **{"cam-0-live": "on", "cam-0-sharing": "always",
                                                              "cam-0-stream": "http://127.0.0.1:9/cam/1/index.m3u8"})
    camera = cameras(db)[0]
    assert (camera.live_access, camera.live_sharing) == (True, "always")
    analyst = add_user(db, "analyst")
    settings = live_settings(app.server.config["SETTINGS"])
    grant = run_audited(db, lambda s: open_live_view(s, analyst, camera.id, CASE, settings))
    return rid, path, camera, grant


def _grant(db, grant_id: int) -> LiveGrant:
    with db.session() as s:
        return s.get(LiveGrant, grant_id)


def test_narrowing_sharing_applies_at_once_and_ends_running_views(owner, db, live_camera):
    rid, path, camera, grant = live_camera
    response = _save(owner, path, manage_fields(camera, sharing="emergency"))
    assert response.status_code == 200 and "Your changes are saved." in response.get_data(as_text=True)
    assert cameras(db)[0].live_sharing == "emergency"
    ended = _grant(db, grant.grant_id)
    assert ended.ended_at is not None and ended.end_reason == "emergency_only"
    assert _registration(db, rid).status == "approved"  # no review for taking access back
    with db.session() as s:
        update = s.scalars(select(AuditEvent).where(AuditEvent.action == "registration_owner_update")
                           .order_by(AuditEvent.id.desc())).first()
        assert '"live_views_ended": 1' in update.detail


def test_switching_live_access_off_applies_at_once(owner, db, live_camera):
    rid, path, camera, grant = live_camera
    _save(owner, path, manage_fields(camera, live=None, sharing="always"))
    after = cameras(db)[0]
    assert (after.live_access, after.live_sharing) == (False, "none")
    assert _grant(db, grant.grant_id).ended_at is not None


def test_widening_sharing_waits_for_review(owner, client, db, login_as, live_camera):
    rid, path, camera, grant = live_camera
    _save(owner, path, manage_fields(camera, sharing="none"))
    assert cameras(db)[0].live_sharing == "none"
    _save(owner, path, manage_fields(cameras(db)[0], sharing="emergency"))
    assert cameras(db)[0].live_sharing == "none" and _registration(db, rid).status == "pending_review"
    approve(client, rid)
    assert cameras(db)[0].live_sharing == "emergency"


def test_withdrawal_ends_live_views(owner, db, live_camera):
    rid, path, camera, grant = live_camera
    response = owner.post(path, data={"csrf_token": csrf(owner, path), "action": "withdraw",
                                      "confirm_withdraw": "on"})
    assert response.status_code == 200
    assert _grant(db, grant.grant_id).ended_at is not None
    assert cameras(db)[0].live_sharing == "none"


class TestAutoApprove:
    @pytest.fixture
    def settings_overrides(self):
        return {"registration_auto_approve": True}

    def test_changes_apply_at_once(self, owner, db):
        rid = register_and_confirm(owner, db)
        assert cameras(db)[0].status == "active"
        path = manage_path(owner, db)
        _save(owner, path, manage_fields(cameras(db)[0], label="Driveway", live="on", sharing="always"))
        camera = cameras(db)[0]
        assert (camera.label, camera.live_access, camera.live_sharing) == ("Driveway", True, "always")
        assert _registration(db, rid).status == "approved"


def test_sharing_choice_on_the_portal_in_both_languages(owner):
    english = owner.get("/register?lang=en").get_data(as_text=True)
    assert 'name="cam-0-sharing" value="emergency"' in english
    assert "Only in an emergency" in english and "Always:" in english and "Never:" in english
    spanish = owner.get("/register?lang=es").get_data(as_text=True)
    assert "Solo en una emergencia" in spanish and "Siempre:" in spanish and "Nunca:" in spanish


def test_manage_page_never_shows_the_stream_address(owner, db, live_camera):
    rid, path, camera, grant = live_camera
    page = owner.get(path).get_data(as_text=True)
    assert "127.0.0.1:9" not in page and "A stream address is on file" in page
    # an empty stream field keeps the address
    _save(owner, path, manage_fields(camera, retention="12"))
    assert cameras(db)[0].stream_url == "http://127.0.0.1:9/cam/1/index.m3u8"
