"""The dashboard's live-video callbacks over HTTP, exactly as the browser calls them
(/_dash-update-component): the button asks the service, the wall opens grants for the incident's
purpose, keeps them while it holds, and a replay with another user's session gets nothing."""

from __future__ import annotations

import json

from dashboard.models import LiveGrant
from tests.conftest import dash_headers, login
from tests.integration.test_owner_reveal_http import _click_payload, _open_dashboard, _payload
from tests.live_support import CAMERA_AT, CASE, add_camera, add_incident, events, set_status

NEAR = (CAMERA_AT[0] + 0.0005, CAMERA_AT[1])  # about 55 m from the camera
STREAM_HOST = "127.0.0.1:9"


def _post(client, body: dict):
    _open_dashboard(client)
    response = client.post("/_dash-update-component", data=json.dumps(body), headers=dash_headers(client))
    assert response.status_code in (200, 204), response.get_data(as_text=True)[:500]
    return response


def _open_one(app, camera_id, purpose: dict, wall=None, incident=None) -> dict:
    return _payload(app, inputs={"live-view-button.n_clicks": 1}, state={
        "live-camera-id.data": camera_id, "live-purpose-kind.value": purpose["kind"],
        "selected-incident.data": incident, "live-case.value": purpose.get("case_number"),
        "live-category.value": purpose.get("offense_category"), "live-reason.value": purpose.get("reason"),
        "live-wall.data": wall or {"incident": None, "tiles": []}}, changed="live-view-button.n_clicks")


def _open_wall(app, number: str, at, wall=None) -> dict:
    store = {number: {"incident_number": number, "latitude": at[0], "longitude": at[1]}}
    return _payload(app, inputs={"video-wall-open.n_clicks": 1}, state={
        "selected-incident.data": number, "incident-store.data": store,
        "live-wall.data": wall or {"incident": None, "tiles": []}}, changed="video-wall-open.n_clicks")


def _tick(app, wall: dict) -> dict:
    return _payload(app, inputs={"live-clock.n_intervals": 3}, state={"live-wall.data": wall},
                    changed="live-clock.n_intervals")


def _text(response) -> str:
    return json.dumps(response.get_json())


def _wall(response) -> dict:
    return response.get_json()["response"]["live-wall"]["data"]


def _grant(db, grant_id=None) -> LiveGrant:
    with db.session() as s:
        return s.get(LiveGrant, grant_id) if grant_id else s.query(LiveGrant).one()


def test_camera_detail_offers_the_button_and_it_opens_a_view_for_a_case(app, login_as, db):
    camera_id = add_camera(db)
    detective = login_as("detective")
    detail = _text(_post(detective, _click_payload(app, camera_id)))
    assert '"id": "live-view-button"' in detail and '"disabled": false' in detail
    assert "Live whenever needed" in detail  # the sharing policy, in the details
    answer = _post(detective, _open_one(app, camera_id, CASE))
    [tile] = _wall(answer)["tiles"]
    assert tile["camera_id"] == camera_id and tile["kind"] == "hls" and tile["purpose"] == f"for case {CASE['case_number']}"
    assert STREAM_HOST not in answer.get_data(as_text=True)
    assert detective.get(f"/live/s/{tile['token']}/status").status_code == 200
    [opened] = [e for e in events(db, "live_view") if e.outcome == "ok"]
    assert opened.case_number == CASE["case_number"] and opened.username == "detective1"


def test_button_is_disabled_with_the_reason_when_policy_refuses(app, login_as, db):
    camera_id = add_camera(db, sharing="emergency")
    detail = _text(_post(login_as("analyst"), _click_payload(app, camera_id)))
    assert '"id": "live-view-button"' in detail and '"disabled": true' in detail
    assert "The owner shares this camera only during an emergency nearby" in detail
    assert events(db, "live_view") == []  # asking is not watching: nothing to audit


def test_a_bad_purpose_is_refused_in_words_and_audited(app, login_as, db):
    camera_id = add_camera(db)
    answer = _post(login_as("analyst"), _open_one(app, camera_id, {**CASE, "reason": "short"}))
    assert "Reason: state why" in answer.get_data(as_text=True)
    assert "live-wall" not in answer.get_json()["response"]
    assert [e.outcome for e in events(db, "live_view")] == ["refused"]


def test_wall_shows_shared_cameras_follows_the_emergency_and_ends_when_the_incident_clears(app, login_as, db):
    always = add_camera(db, sharing="always")
    emergency = add_camera(db, "http://127.0.0.1:9/cam/2/mjpeg", sharing="emergency")
    add_camera(db, sharing="none")
    analyst = login_as("analyst")
    add_incident(db, "25-P3", 3, NEAR)
    answer = _post(analyst, _open_wall(app, "25-P3", NEAR))
    assert [t["camera_id"] for t in _wall(answer)["tiles"]] == [always]
    assert "2 more within reach not shared by their owners now" in answer.get_data(as_text=True)

    add_incident(db, "25-P1", 1, NEAR)  # an emergency call next to the cameras
    wall = _wall(_post(analyst, _open_wall(app, "25-P1", NEAR, wall=_wall(answer))))
    assert sorted(t["camera_id"] for t in wall["tiles"]) == sorted([always, emergency])
    assert {t["kind"] for t in wall["tiles"]} == {"hls", "mjpeg"} and wall["incident"] == "25-P1"
    assert all(t["faces"] is None and 50 < t["distance_m"] < 60 for t in wall["tiles"])

    assert _post(analyst, _tick(app, wall)).status_code == 204  # nothing changed: nothing sent
    set_status(db, "25-P1", "Cleared")
    after = _post(analyst, _tick(app, wall))
    assert _wall(after)["tiles"] == []
    assert "is cleared" in after.get_data(as_text=True)
    ends = [json.loads(e.detail) if isinstance(e.detail, str) else e.detail for e in events(db, "live_view_end")]
    # the first wall's view closed when the second opened; then the emergency camera's owner rule
    # and the incident's purpose lapsed with the call
    assert sorted(d["end_reason"] for d in ends) == ["closed", "emergency_only", "incident_cleared"]


def test_replay_of_a_detectives_wall_with_an_analysts_session_is_refused(app, client, make_user, db):
    camera_id = add_camera(db)
    make_user("detective1", "detective")
    assert login(client, "detective1").status_code == 302
    wall = _wall(_post(client, _open_one(app, camera_id, CASE)))
    token = wall["tiles"][0]["token"]

    analyst = app.server.test_client()
    make_user("analyst1", "analyst")
    assert login(analyst, "analyst1").status_code == 302
    replay = _post(analyst, _tick(app, wall))  # the detective's grants, the analyst's session
    assert _wall(replay)["tiles"] == []
    assert "opened by someone else" in replay.get_data(as_text=True)
    closing = _post(analyst, _payload(app, inputs={"video-wall-close.n_clicks": 1}, state={"live-wall.data": wall},
                                      changed="video-wall-close.n_clicks"))
    assert _wall(closing)["tiles"] == []
    assert analyst.get(f"/live/s/{token}/status").status_code == 403
    denied = [e for e in events(db, "live_view") if e.outcome == "denied"]
    assert len(denied) >= 2 and {e.username for e in denied} == {"analyst1"}
    grant = _grant(db)
    assert grant.ended_at is None  # the detective's view goes on
    assert client.get(f"/live/s/{token}/status").status_code == 200

    closed = _post(client, _payload(app, inputs={"video-wall-close.n_clicks": 1}, state={"live-wall.data": wall},
                                    changed="video-wall-close.n_clicks"))
    assert _wall(closed)["tiles"] == [] and _grant(db, grant.id).end_reason == "closed"


def test_nearest_api_reports_live_access_and_sharing(app, client, db, settings):
    from tests.integration.test_api import BEARER

    live = add_camera(db, sharing="emergency")
    plain = add_camera(db, live_access=False, sharing="none", at=NEAR)
    response = client.get(f"/api/v1/cameras/nearest?lat={CAMERA_AT[0]}&lon={CAMERA_AT[1]}&k=5", headers=BEARER)
    assert response.status_code == 200
    found = {c["camera_id"]: (c["live_access"], c["live_sharing"]) for c in response.get_json()["cameras"]}
    assert found == {live: (True, "emergency"), plain: (False, "none")}
