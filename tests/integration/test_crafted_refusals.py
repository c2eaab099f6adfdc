"""Crafted values that used to answer 500 now answer 4xx with a message, and a role that may not
act gets an audited refusal whatever it sent (the permission is checked before the values)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from dashboard.models import Camera, CameraSite, Incident, Owner, utcnow
from dashboard.models.audit import AuditEvent
from tests.conftest import dash_headers, post_form


@pytest.fixture(autouse=True)
def _answers_like_production(app):
    app.server.config["PROPAGATE_EXCEPTIONS"] = False


@pytest.fixture
def scene(db):
    with db.session() as s:
        owner = Owner(owner_type="resident", name="O", email="o@example.com")
        site = CameraSite(owner=owner, address="1 Elm St", latitude=32.78, longitude=-96.8, division="CENTRAL")
        camera = Camera(site=site, label="Door", camera_type="dome", status="active")
        incident = Incident(incident_number="25-0123456", nature_of_call="BURGLARY", priority=2, received_at=utcnow())
        s.add_all([owner, site, camera, incident])
        s.flush()
        return {"camera": camera.id}


def footage_send(client, app, hours, cameras):
    key = next(k for k in app.callback_map if "footage-message.children" in k)
    spec = app.callback_map[key]
    values = {"footage-send.n_clicks": 1, "selected-incident.data": "25-0123456", "footage-cameras.value": cameras,
              "footage-start.value": "2025-06-14 21:00", "footage-hours.value": hours,
              "footage-case.value": "25-0280079", "footage-note.value": "please"}
    deps = [{**d, "value": values.get(f"{d['id']}.{d['property']}")} for d in spec["inputs"] + spec["state"]]
    n = len(spec["inputs"])
    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1), strict=True)) for o in key.strip(".").split("...")]
    body = {"output": key, "outputs": outputs, "inputs": deps[:n], "state": deps[n:],
            "changedPropIds": ["footage-send.n_clicks"]}
    data = json.JSONEncoder(allow_nan=True).encode(body)
    return client.post("/_dash-update-component", data=data, headers=dash_headers(client))


def _denied(db) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.outcome == "denied")))


@pytest.mark.parametrize("hours", ["1e309", float("nan"), float("inf"), "NaN", 10**400, [1], {"h": 1}])
def test_footage_hours_are_refused_with_a_message(app, db, login_as, scene, hours):
    client = login_as("detective")
    client.get("/_dash-layout")
    response = footage_send(client, app, hours, [scene["camera"]])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert "Hours" in json.dumps(response.get_json()["response"]["footage-message"])


@pytest.mark.parametrize("hours", ["1e309", float("nan"), 10**400])
def test_an_analyst_gets_an_audited_refusal_whatever_the_hours(app, db, login_as, scene, hours):
    client = login_as("analyst")
    client.get("/_dash-layout")
    response = footage_send(client, app, hours, [2**70])
    assert response.status_code == 200
    assert "may not send" in json.dumps(response.get_json()["response"])
    assert [e.action for e in _denied(db)] == ["footage_request"]


def test_a_huge_camera_id_is_a_message_not_a_500(app, login_as, scene):
    client = login_as("detective")
    client.get("/_dash-layout")
    response = footage_send(client, app, 1, [2**63])
    assert response.status_code == 400 and "Camera id" in response.get_json()["message"]


@pytest.mark.parametrize("upload_id", [str(2**63), "9" * 40, "-1", "0", "1e3", "%C2%B2"])
def test_footage_file_ids_out_of_range_are_404(db, login_as, upload_id):
    detective = login_as("detective")
    assert post_form(detective, f"/footage/files/{upload_id}").status_code == 404  # a download is a POST


def test_an_analyst_asking_for_a_huge_file_id_is_refused_and_audited(db, login_as):
    assert post_form(login_as("analyst"), f"/footage/files/{2**64}").status_code == 403
    assert [e.action for e in _denied(db)] == ["footage_request_download"]
