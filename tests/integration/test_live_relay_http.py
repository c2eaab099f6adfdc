"""The live-video HTTP surface against real parts: the app, the camera simulator on a real port,
the CAD API, SQLite (and PostgreSQL with TEST_DATABASE_URL). No response may ever carry a device's
address; streams are shared between viewers; dead devices answer "camera offline" quickly."""

from __future__ import annotations

import io
import threading
import time

import av
import pytest

from tests.conftest import CAD_TOKEN, login
from tests.factories import offset_point
from tests.live_support import CAMERA_AT, CASE, add_camera, events, silent_server, start_simulator

BEARER = {"Authorization": f"Bearer {CAD_TOKEN}"}


@pytest.fixture
def settings_overrides():
    # every relay request re-checks its grant; three multipart streams per process at most
    from dashboard.config_schema import LiveSection

    return {"live": LiveSection(grant_check_seconds=0.0, max_mjpeg_streams=3)}


@pytest.fixture
def sim():
    simulator = start_simulator()
    yield simulator
    simulator.stop()


class Viewer:
    """A signed-in browser session of one role; remembers every response for the leak check."""

    seen: list = []

    def __init__(self, app, make_user, role: str):
        self.client = app.server.test_client()
        make_user(f"{role}1", role)
        assert login(self.client, f"{role}1").status_code == 302
        self.client.get("/healthz")

    def _keep(self, response):
        Viewer.seen.append(response)
        return response

    def get(self, url: str, **kw):
        return self._keep(self.client.get(url, **kw))

    def post(self, url: str, body=None):
        token = self.client.get_cookie("_csrf_token").value
        return self._keep(self.client.post(url, json=body or {}, headers={"X-CSRFToken": token}))

    def open(self, camera_id: int, purpose=CASE):
        return self.post("/live/grants", {"camera_id": camera_id, "purpose": purpose})


@pytest.fixture
def viewer(app, make_user):
    Viewer.seen = []
    yield lambda role: Viewer(app, make_user, role)
    Viewer.seen = []


def _assert_no_device_address(responses, *addresses: str):
    for response in responses:
        texts = [response.get_data(as_text=False) if not response.is_streamed else b"",
                 str(response.headers).encode()]
        for text in texts:
            for address in addresses:
                assert address.encode() not in text, (response.request.path, address)


def _segment_urls(playlist: bytes) -> list[str]:
    return [line for line in playlist.decode().splitlines() if line and not line.startswith("#")]


def test_hls_camera_plays_through_the_relay_and_the_address_never_leaves(sim, db, viewer):
    camera_id = add_camera(db, f"{sim.base_url}/cam/41/index.m3u8")
    analyst = viewer("analyst")
    opened = analyst.open(camera_id)
    assert opened.status_code == 201, opened.get_json()
    grant = opened.get_json()
    assert grant["kind"] == "hls" and grant["player_url"].endswith("/index.m3u8")
    assert 890 <= grant["seconds_left"] <= 900
    playlist = analyst.get(grant["player_url"])
    assert playlist.status_code == 200 and playlist.mimetype == "application/vnd.apple.mpegurl"
    assert playlist.headers["Cache-Control"] == "no-store"
    urls = _segment_urls(playlist.data)
    assert len(urls) == 4 and all(u.startswith(grant["player_url"].rsplit("/", 1)[0] + "/hls/") for u in urls)
    segment = analyst.get(urls[-1])
    assert segment.status_code == 200 and segment.mimetype == "video/mp2t"
    with av.open(io.BytesIO(segment.data)) as container:
        assert next(container.decode(video=0)).width == 320
    status = analyst.get(grant["status_url"]).get_json()
    assert status["camera_id"] == camera_id and status["seconds_left"] > 800
    host = sim.base_url.split("//")[1]
    _assert_no_device_address(Viewer.seen, sim.base_url, host, "/cam/41", "index.m3u8\n")


def test_each_segment_is_fetched_once_however_many_watch(sim, db, viewer):
    camera_id = add_camera(db, f"{sim.base_url}/cam/7/index.m3u8")
    viewers = [viewer(role) for role in ("analyst", "detective", "supervisor")]
    players = [v.open(camera_id).get_json()["player_url"] for v in viewers]
    segment_bodies: dict[int, set[bytes]] = {}
    errors: list = []

    def watch(index: int, v: Viewer, player: str) -> None:
        try:
            urls = _segment_urls(v.get(player).data)
            segment_bodies[index] = {v.get(u).data for u in urls}
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=watch, args=(i, v, p)) for i, (v, p) in enumerate(zip(viewers, players, strict=True))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert segment_bodies[0] == segment_bodies[1] == segment_bodies[2]
    counts = sim.stats()["requests"]
    segment_counts = {path: n for path, n in counts.items() if "/seg/" in path}
    assert len(segment_counts) >= 4 and set(segment_counts.values()) == {1}, segment_counts
    assert counts["/cam/7/index.m3u8"] <= 2  # viewers polling within a second share one read


def test_mjpeg_camera_fans_one_upstream_out_to_every_viewer(sim, db, viewer, app):
    camera_id = add_camera(db, f"{sim.base_url}/cam/9/mjpeg")
    viewers = [viewer(role) for role in ("analyst", "detective", "supervisor")]
    streams = []
    for v in viewers:
        grant = v.open(camera_id).get_json()
        assert grant["kind"] == "mjpeg"
        response = v.get(grant["player_url"], buffered=False)
        assert response.status_code == 200 and response.mimetype == "multipart/x-mixed-replace"
        streams.append(response)
    frames = [[next(r.response) for _ in range(3)] for r in streams]
    assert all(f[0].startswith(b"--frame\r\nContent-Type: image/jpeg") for f in frames)
    assert frames[0][0] != frames[0][2]  # the picture moves
    # a fourth stream would hold one more server thread: refused, with the snapshot to poll instead
    fourth = viewers[0].open(camera_id).get_json()
    busy = viewers[0].get(fourth["player_url"])
    assert busy.status_code == 503 and busy.get_json()["error"] == "relay_busy"
    snapshot = viewers[0].get(fourth["snapshot_url"])
    assert snapshot.status_code == 200 and snapshot.mimetype == "image/jpeg" and snapshot.data[:2] == b"\xff\xd8"
    assert sim.stats()["requests"]["/cam/9/mjpeg"] == 1
    for response in streams:
        response.close()
    relay = app.server.extensions["connect_dallas_live"]
    deadline = time.monotonic() + 10
    while relay.mjpeg.running() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert relay.mjpeg.running() == 0  # no viewer left: the device connection is closed
    _assert_no_device_address(Viewer.seen, sim.base_url, "/cam/9")



def offline_within(analyst: Viewer, db, url: str, limit: float):
    """A grant for a new camera at `url` whose player answers "camera offline" (504) within `limit`
    seconds: (that answer, the player's URL)."""
    grant = analyst.open(add_camera(db, url)).get_json()
    started = time.monotonic()
    response = analyst.get(grant["player_url"])
    elapsed = time.monotonic() - started
    assert response.status_code == 504 and response.get_json()["error"] == "camera_offline"
    assert elapsed < limit, (url, elapsed)
    return response, grant["player_url"]

@pytest.mark.slow
@pytest.mark.parametrize("kind", ["index.m3u8", "mjpeg"])
def test_a_dead_or_hung_device_answers_camera_offline_within_seconds(db, viewer, kind):
    from tests.conftest import free_port

    hung = silent_server()
    try:
        dead_url = f"http://127.0.0.1:{free_port()}/cam/1/{kind}"
        hung_url = f"http://127.0.0.1:{hung.getsockname()[1]}/cam/1/{kind}"
        analyst = viewer("analyst")
        for url, limit in ((dead_url, 2.0), (hung_url, 5.0)):
            response, _player = offline_within(analyst, db, url, limit)
            assert response.get_json()["message"].startswith("Camera offline")
            _assert_no_device_address([response], url.split("/cam/")[0], "127.0.0.1")
    finally:
        hung.close()


def test_a_detectives_grant_is_refused_to_an_analysts_session(sim, db, viewer):
    camera_id = add_camera(db, f"{sim.base_url}/cam/2/index.m3u8")
    detective, analyst = viewer("detective"), viewer("analyst")
    grant = detective.open(camera_id).get_json()
    for url in (grant["player_url"], grant["status_url"]):
        refused = analyst.get(url)
        assert refused.status_code == 403
        assert refused.get_json()["message"] == "This live view was opened by someone else."
    assert analyst.post(grant["renew_url"]).status_code == 403
    assert analyst.post(grant["end_url"]).status_code == 403
    assert detective.get(grant["player_url"]).status_code == 200  # still the detective's
    assert len([e for e in events(db, "live_view") if e.outcome == "denied"]) == 4


def test_signed_out_and_admin_get_nothing(sim, db, viewer, app):
    camera_id = add_camera(db, f"{sim.base_url}/cam/2/index.m3u8")
    grant = viewer("analyst").open(camera_id).get_json()
    anonymous = app.server.test_client()
    assert anonymous.get(grant["player_url"]).status_code == 302  # to /login
    refused = viewer("admin").open(camera_id)
    assert refused.status_code == 403 and refused.get_json()["message"] == "Admins do not view live video."
    assert viewer("analyst").post("/live/grants", None).status_code == 422  # {} has no purpose


def test_emergency_camera_follows_cad(sim, db, viewer, app):
    camera_id = add_camera(db, f"{sim.base_url}/cam/5/index.m3u8", sharing="emergency")
    analyst = viewer("analyst")
    refused = analyst.open(camera_id)
    assert refused.status_code == 403
    assert refused.get_json()["message"] == "The owner shares this camera only during an emergency nearby."
    lat, lon = offset_point(*CAMERA_AT, 120, 150)
    call = {"incident_number": "25-900001", "nature_of_call": "19 - Shooting", "priority": 1,
            "status": "Dispatched", "latitude": lat, "longitude": lon}
    cad = app.server.test_client()
    assert cad.post("/api/v1/incidents", json=call, headers=BEARER).status_code == 201
    opened = analyst.open(camera_id, {"kind": "incident", "incident_number": "25-900001"})
    assert opened.status_code == 201, opened.get_json()
    grant = opened.get_json()
    assert analyst.get(grant["player_url"]).status_code == 200
    assert cad.post("/api/v1/incidents", json={**call, "status": "Cleared"}, headers=BEARER).status_code == 200
    ended = analyst.get(grant["player_url"])
    assert ended.status_code == 410 and ended.get_json()["error"] == "emergency_only"
    assert analyst.open(camera_id).status_code == 403
    assert [json_end["end_reason"] for json_end in (_detail(e) for e in events(db, "live_view_end"))] == \
        ["emergency_only"]


def test_renew_and_end_over_http(sim, db, viewer):
    camera_id = add_camera(db, f"{sim.base_url}/cam/6/index.m3u8")
    analyst = viewer("analyst")
    grant = analyst.open(camera_id).get_json()
    renewed = analyst.post(grant["renew_url"])
    assert renewed.status_code == 200 and renewed.get_json()["expires_at"] >= grant["expires_at"]
    assert analyst.post(grant["end_url"]).get_json() == {"ended": True}
    gone = analyst.get(grant["player_url"])
    assert gone.status_code == 410 and gone.get_json()["message"] == "This live view has ended."


def _detail(event) -> dict:
    import json

    return json.loads(event.detail)
