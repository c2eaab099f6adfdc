"""The owner reveal over HTTP, exactly as the browser calls it: /_dash-update-component.

The decisive test is the replay: the very JSON body a detective's browser sent is posted again
with an analyst's session, and the answer must not hold one byte of owner data.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from dashboard.models import AuditEvent, Camera, CameraSite, Owner
from tests.conftest import dash_headers, login

CASE = "25-0280079"
CATEGORY = "burglary"
REASON = "Aggravated assault in the parking lot; need footage 21:00-22:00."
OWNER = {"owner_type": "business", "name": "Zephyrine Quattlebaum Bakery LLC", "contact_person": "Quincy Q. Contact",
         "email": "zq.owner@example.org", "phone": "214-555-0142", "address": "4321 Elm St, Dallas, TX 75201"}
SECRETS = [OWNER["name"], OWNER["contact_person"], OWNER["email"], OWNER["phone"], OWNER["address"],
           "Quattlebaum", "zq.owner", "555-0142", "4321 Elm"]


@pytest.fixture
def camera_id(db) -> int:
    with db.session() as s:
        owner = Owner(**OWNER)
        site = CameraSite(owner=owner, address=OWNER["address"], latitude=32.781, longitude=-96.797,
                          division="CENTRAL", beat="131")
        camera = Camera(site=site, label="Loading dock", camera_type="bullet", placement="outdoor",
                        direction_deg=90.0, status="active")
        s.add_all([owner, site, camera])
        s.flush()
        return camera.id


def _callback_key(app, changed: str) -> str:
    keys = [k for k, v in app.callback_map.items()
            if changed in {f'{i["id"]}.{i["property"]}' for i in v["inputs"]}]
    assert len(keys) == 1, keys
    return keys[0]


def _payload(app, inputs: dict, state: dict, changed: str) -> dict:
    """The body dash-renderer posts for the callback that `changed` triggers, built from the
    app's own callback map so the output string matches byte for byte."""
    key = _callback_key(app, changed)
    spec = app.callback_map[key]

    def parse(part: str) -> dict:
        cid, _, prop = part.partition(".")
        return {"id": cid, "property": prop}

    if key.startswith(".."):
        outputs = [parse(p) for p in key[2:-2].split("...")]
    else:
        outputs = parse(key)
    return {
        "output": key,
        "outputs": outputs,
        "inputs": [{"id": i["id"], "property": i["property"], "value": inputs[f'{i["id"]}.{i["property"]}']}
                   for i in spec["inputs"]],
        "state": [{"id": s["id"], "property": s["property"], "value": state[f'{s["id"]}.{s["property"]}']}
                  for s in spec["state"]],
        "changedPropIds": [changed],
    }


def _reveal_payload(app, camera_id) -> dict:
    return _payload(app, inputs={"reveal-button.n_clicks": 1},
                    state={"reveal-case.value": CASE, "reveal-category.value": CATEGORY,
                           "reveal-reason.value": REASON, "detail-camera-id.data": camera_id},
                    changed="reveal-button.n_clicks")


def _click_payload(app, camera_id) -> dict:
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-96.797, 32.781]},
               "properties": {"id": camera_id, "cluster": False}}
    return _payload(app, inputs={"camera-layer.clickData": feature},
                    state={"camera-map.zoom": 16}, changed="camera-layer.clickData")


def _open_dashboard(client):
    """What the browser does first: load the page, which sets the session's CSRF token and
    the `_csrf_token` cookie that dash-renderer copies into X-CSRFToken."""
    assert client.get("/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    return client


def _post(client, body: dict):
    _open_dashboard(client)
    return client.post("/_dash-update-component", data=json.dumps(body), headers=dash_headers(client))


def _analyst_client(app, make_user):
    other = app.server.test_client()
    make_user("analyst1", "analyst")
    assert login(other, "analyst1").status_code == 302
    return _open_dashboard(other)


def _reveal_events(db) -> list[tuple[str | None, str, str | None, str | None]]:
    with db.session() as s:
        return [(e.username, e.outcome, e.case_number, e.object_id)
                for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "owner_reveal")
                                   .order_by(AuditEvent.id))]


def _reveal_categories(db) -> list[str | None]:
    with db.session() as s:
        return [e.category
                for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "owner_reveal")
                                   .order_by(AuditEvent.id))]


def _assert_no_owner_data(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"owner data {secret!r} leaked"


def test_detective_reveals_owner_contact(app, login_as, camera_id, db):
    client = login_as("detective")
    response = _post(client, _reveal_payload(app, camera_id))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    text = response.get_data(as_text=True)
    assert OWNER["email"] in text and OWNER["phone"] in text and OWNER["address"] in text
    slot = response.get_json()["response"]["owner-contact-slot"]["children"]
    assert '"id": "owner-contact"' in json.dumps(slot)
    assert '"id": "owner-contact-timer"' in json.dumps(slot)
    shown = json.dumps(slot, ensure_ascii=False)
    assert f"Case {CASE} · Burglary" in shown and "this access is logged" in shown
    assert _reveal_events(db) == [("detective1", "ok", CASE, str(camera_id))]
    assert _reveal_categories(db) == [CATEGORY]


def test_replay_of_detective_call_with_analyst_session_leaks_nothing(app, login_as, make_user, camera_id, db):
    detective = login_as("detective")
    body = _reveal_payload(app, camera_id)
    raw = json.dumps(body)
    _open_dashboard(detective)
    first = detective.post("/_dash-update-component", data=raw, headers=dash_headers(detective))
    assert first.status_code == 200 and OWNER["email"] in first.get_data(as_text=True)

    analyst = _analyst_client(app, make_user)
    replay = analyst.post("/_dash-update-component", data=raw, headers=dash_headers(analyst))
    assert replay.status_code in (200, 403)
    text = replay.get_data(as_text=True)
    _assert_no_owner_data(text)
    assert "owner-contact" not in text.replace("owner-contact-slot", "")
    if replay.status_code == 200:
        assert "Your role may not see owner details." in text
    assert _reveal_events(db) == [("detective1", "ok", CASE, str(camera_id)),
                                  ("analyst1", "denied", CASE, str(camera_id))]


def test_anonymous_replay_is_401_and_leaks_nothing(app, client, camera_id, db):
    response = client.post("/_dash-update-component", data=json.dumps(_reveal_payload(app, camera_id)),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 401
    _assert_no_owner_data(response.get_data(as_text=True))
    assert _reveal_events(db) == []


def test_analyst_camera_detail_has_no_form_and_no_owner_data(app, client, make_user, camera_id):
    make_user("analyst1", "analyst")
    assert login(client, "analyst1").status_code == 302
    response = _post(client, _click_payload(app, camera_id))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    text = response.get_data(as_text=True)
    assert "Loading dock" in text  # the camera detail itself is shown
    for element in ("reveal-case", "reveal-reason", "reveal-button", "owner-contact", "detail-camera-id"):
        assert element not in text
    _assert_no_owner_data(text)


def test_detective_camera_detail_has_the_form_but_no_owner_data(app, login_as, camera_id, db):
    client = login_as("detective")
    response = _post(client, _click_payload(app, camera_id))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    text = response.get_data(as_text=True)
    for element in ("reveal-case", "reveal-category", "reveal-reason", "reveal-button", "reveal-message",
                    "owner-contact-slot", "detail-camera-id"):
        assert f'"{element}"' in text
    assert '"value":"vehicle_crimes"' in text and "Vehicle crimes" in text  # the configured categories
    assert '"owner-contact"' not in text  # the block is in the DOM only while revealed
    _assert_no_owner_data(text)
    assert _reveal_events(db) == []


@pytest.mark.parametrize("case, category, reason, message", [
    ("2025-1", CATEGORY, REASON, "Case number"), (CASE, CATEGORY, "short", "Reason"),
    # a crafted callback without a category, or with one the configuration does not list
    (CASE, None, REASON, "Offense category: required"), (CASE, "", REASON, "Offense category: required"),
    (CASE, "espionage", REASON, "Offense category: choose one from the list")])
def test_bad_input_shows_a_message_and_no_owner_data(app, login_as, camera_id, db, case, category, reason, message):
    client = login_as("detective")
    body = _payload(app, inputs={"reveal-button.n_clicks": 1},
                    state={"reveal-case.value": case, "reveal-category.value": category,
                           "reveal-reason.value": reason, "detail-camera-id.data": camera_id},
                    changed="reveal-button.n_clicks")
    response = _post(client, body)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert message in response.get_json()["response"]["reveal-message"]["children"]
    _assert_no_owner_data(text)
    assert _reveal_events(db) == []


def test_crafted_callback_without_the_category_state_is_refused(app, login_as, camera_id, db):
    """A request built from the old form (no reveal-category at all) gets no owner data."""
    client = login_as("detective")
    body = _reveal_payload(app, camera_id)
    body["state"] = [st for st in body["state"] if st["id"] != "reveal-category"]
    response = _post(client, body)
    _assert_no_owner_data(response.get_data(as_text=True))
    assert _reveal_events(db) == []


def test_timer_clears_the_owner_block(app, login_as, camera_id):
    client = login_as("detective")
    body = _payload(app, inputs={"owner-contact-timer.n_intervals": 1}, state={},
                    changed="owner-contact-timer.n_intervals")
    response = _post(client, body)
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    assert response.get_json()["response"]["owner-contact-slot"]["children"] == []
