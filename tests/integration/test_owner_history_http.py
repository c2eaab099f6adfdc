"""The owner's access history on the manage page (/register/manage/<token>), over HTTP, in English
and Spanish: the owner's own entries only, the configured delay, and never a case number, an
officer, a reason or a client address in the HTML."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from dashboard.audit import chain as audit
from dashboard.models import Camera, CameraSite, Incident, Owner, utcnow
from dashboard.models.footage import FootageRequest, FootageRequestEvent, FootageUpload
from dashboard.owners import links

CASE, OTHER_CASE = "26-0004321", "26-0009876"
SECRETS = (CASE, OTHER_CASE, "detective7", "Sergeant Nosy", "10.9.8.7", "a very secret reason", "hidden note",
           "260004321")


def _row_kinds(html: str) -> list[str]:
    return re.findall(r'class="history-entry" data-kind="([a-z_]+)"', html)


@pytest.fixture
def world(db):
    """Owner A (camera 'Porch'), owner B (camera 'Garage'); accesses to both, at several ages."""
    now = utcnow()
    with db.session() as s:
        a = Owner(owner_type="resident", name="Ana Alpha", email="ana@example.org")
        b = Owner(owner_type="business", name="Bo Beta", email="bo@example.org")
        site_a, site_b = (CameraSite(owner=a, latitude=32.781, longitude=-96.797),
                          CameraSite(owner=b, latitude=32.782, longitude=-96.798))
        cam_a = Camera(site=site_a, label="Porch", camera_type="doorbell", status="active")
        cam_b = Camera(site=site_b, label="Garage", camera_type="dome", status="active")
        inc = Incident(incident_number="260004321", nature_of_call="Burglary", priority=2,
                       received_at=now - timedelta(days=12), latitude=32.781, longitude=-96.797)
        s.add_all([a, b, site_a, site_b, cam_a, cam_b, inc])
        s.flush()
        # A: a reveal 10 days ago (burglary), a live view 1 hour ago (robbery), a footage request 10 days ago
        # (assault) that A accepted and sent, later marked used
        audit.record(s, "owner_reveal", username="detective7", object_type="camera", object_id=cam_a.id,
                     case_number=CASE, reason="a very secret reason", client_addr="10.9.8.7", category="burglary",
                     at=now - timedelta(days=10))
        audit.record(s, "live_view", username="Sergeant Nosy", object_type="camera", object_id=cam_a.id,
                     case_number=OTHER_CASE, reason="a very secret reason", category="robbery",
                     at=now - timedelta(hours=1))
        req = FootageRequest(incident_id=inc.id, camera_id=cam_a.id, owner_id=a.id, case_number=CASE,
                             window_start=now - timedelta(days=12), window_end=now - timedelta(days=12) + timedelta(hours=1),
                             message="hidden note", token_hash="a" * 64, status="closed", outcome="used",
                             created_at=now - timedelta(days=10), expires_at=now + timedelta(days=4))
        s.add(req)
        s.flush()
        audit.record(s, "footage_request", username="detective7", object_type="footage_request", object_id=req.id,
                     case_number=CASE, category="assault", at=now - timedelta(days=10))
        s.add_all([FootageRequestEvent(request_id=req.id, status="accepted", actor="owner"),
                   FootageUpload(request_id=req.id, original_name="porch.mp4", content_type="video/mp4",
                                 size_bytes=10, sha256="b" * 64, stored_path="x/porch.mp4")])
        # B: a reveal (theft) that A must never see
        audit.record(s, "owner_reveal", username="detective7", object_type="camera", object_id=cam_b.id,
                     case_number=OTHER_CASE, reason="a very secret reason", category="theft",
                     at=now - timedelta(days=2))
        # a refused reveal of A's camera: nothing was seen, so nothing to show
        audit.record(s, "owner_reveal", username="analyst1", object_type="camera", object_id=cam_a.id,
                     case_number=CASE, outcome="denied", at=now - timedelta(days=3))
        token_a = links.issue(s, "manage", now + timedelta(hours=2), owner_id=a.id)
        token_b = links.issue(s, "manage", now + timedelta(hours=2), owner_id=b.id)
    return {"a": f"/register/manage/{token_a}", "b": f"/register/manage/{token_b}"}


def _history(html: str) -> str:
    return html.split('id="access-history"', 1)[1].split("</section>", 1)[0]


def test_the_owner_sees_their_own_entries_with_kind_category_and_outcome(client, world):
    response = client.get(world["a"] + "?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    part = _history(html)
    assert "Who accessed your registration" in part
    assert sorted(_row_kinds(part)) == ["contact_revealed", "footage_requested", "live_view"]
    assert "An officer viewed your contact details" in part and "Burglary" in part
    assert "A detective asked for your footage" in part and "Assault" in part
    assert "you accepted · your footage was used" in part
    assert "An officer watched your camera live" in part and "Robbery" in part
    assert "Porch" in part and "Garage" not in part and "Theft" not in part  # B's entry is B's alone
    for secret in SECRETS:
        assert secret not in html, secret


def test_the_other_owner_sees_only_theirs(client, world):
    part = _history(client.get(world["b"] + "?lang=en").get_data(as_text=True))
    assert _row_kinds(part) == ["contact_revealed"]
    assert "Theft" in part and "Garage" in part and "Porch" not in part and "Burglary" not in part


def test_spanish(client, world):
    html = client.get(world["a"] + "?lang=es").get_data(as_text=True)
    part = _history(html)
    assert "Quién accedió a su registro" in part and "Un agente vio sus datos de contacto" in part
    assert "Robo en vivienda o local" in part and "usted aceptó · su grabación se usó" in part
    for secret in SECRETS:
        assert secret not in html, secret


@pytest.mark.parametrize("settings_overrides", [{"extra": {"transparency": {"owner_history_delay_days": 7}}}])
def test_the_delay_holds_back_recent_entries(client, world):
    html = client.get(world["a"] + "?lang=en").get_data(as_text=True)
    part = _history(html)
    assert sorted(_row_kinds(part)) == ["contact_revealed", "footage_requested"]  # the 1-hour-old live view waits
    assert "Entries appear 7 days after the access" in part
    part_b = _history(client.get(world["b"] + "?lang=en").get_data(as_text=True))
    assert _row_kinds(part_b) == [] and "Nobody has accessed your registration so far." in part_b


def test_no_entries_without_a_valid_link(client, world):
    response = client.get("/register/manage/not-a-real-token")
    assert response.status_code == 404
    assert 'id="access-history"' not in response.get_data(as_text=True)
