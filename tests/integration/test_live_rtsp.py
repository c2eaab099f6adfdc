"""RTSP devices through the relay: the simulator's RTSP server (H.264 over RTP, interleaved on
TCP) is pulled once per camera with PyAV and served to grant holders as HLS segments remuxed in
memory; a dead or hung RTSP device is "camera offline" within seconds; the device's address
never reaches a response."""

from __future__ import annotations

import io
import threading
import time

import av
import pytest

from tests.integration.test_live_relay_http import (
    Viewer,
    _assert_no_device_address,
    _segment_urls,
    offline_within,
)
from tests.live_support import add_camera, silent_server, start_simulator


@pytest.fixture
def sim():
    simulator = start_simulator(fps=10, rtsp_port=0)
    yield simulator
    simulator.stop()


@pytest.fixture
def viewer(app, make_user):
    Viewer.seen = []
    yield lambda role: Viewer(app, make_user, role)
    Viewer.seen = []


def _playlist(v: Viewer, url: str, segments: int = 1, within: float = 10.0) -> list[str]:
    deadline = time.monotonic() + within
    while True:
        response = v.get(url)
        assert response.status_code == 200, response.get_json()
        urls = _segment_urls(response.data)
        if len(urls) >= segments or time.monotonic() > deadline:
            return urls
        time.sleep(0.3)


def test_an_rtsp_camera_plays_as_hls_through_the_relay(sim, db, viewer):
    device = f"{sim.rtsp_base_url}/cam/r7"
    camera_id = add_camera(db, device)
    analyst = viewer("analyst")
    opened = analyst.open(camera_id)
    assert opened.status_code == 201, opened.get_json()
    grant = opened.get_json()
    assert grant["kind"] == "rtsp" and grant["player_url"].endswith("/index.m3u8")
    started = time.monotonic()
    first = analyst.get(grant["player_url"])
    assert first.status_code == 200 and first.mimetype == "application/vnd.apple.mpegurl"
    assert time.monotonic() - started < 6.0  # the first segment: connect, probe, one GOP (1 s)
    urls = _playlist(analyst, grant["player_url"], segments=2)
    assert len(urls) >= 2 and all(u.startswith(grant["player_url"].rsplit("/", 1)[0] + "/rtsp/") for u in urls)
    pts = []
    for url in urls[-2:]:
        segment = analyst.get(url)
        assert segment.status_code == 200 and segment.mimetype == "video/mp2t"
        with av.open(io.BytesIO(segment.data)) as container:
            frames = list(container.decode(video=0))
        assert frames[0].width == 320 and frames[0].key_frame and len(frames) >= 5
        pts.append((frames[0].pts, frames[-1].pts))
    assert pts[0][1] < pts[1][0]  # one unbroken timeline across segments
    host = sim.rtsp_base_url.split("//")[1]
    _assert_no_device_address(Viewer.seen, device, host, "rtsp://", "/cam/r7")


def test_one_device_connection_however_many_watch(sim, db, viewer):
    camera_id = add_camera(db, f"{sim.rtsp_base_url}/cam/r8")
    viewers = [viewer(role) for role in ("analyst", "detective", "supervisor")]
    players = [v.open(camera_id).get_json()["player_url"] for v in viewers]
    bodies: dict[int, bytes] = {}
    errors: list = []

    def watch(index: int, v: Viewer, player: str) -> None:
        try:
            urls = _playlist(v, player, segments=2)
            bodies[index] = v.get(urls[0]).data
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=watch, args=(i, v, p)) for i, (v, p) in enumerate(zip(viewers, players, strict=True))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors and len(bodies) == 3
    counts = sim.stats()["requests"]
    assert counts["rtsp:/cam/r8 PLAY"] == 1 and counts["rtsp:/cam/r8 DESCRIBE"] == 1, counts


@pytest.mark.slow
def test_a_dead_or_hung_rtsp_device_answers_camera_offline_within_seconds(db, viewer):
    from tests.conftest import free_port

    hung = silent_server()
    try:
        dead_url = f"rtsp://127.0.0.1:{free_port()}/cam/1"
        hung_url = f"rtsp://admin:s3cret@127.0.0.1:{hung.getsockname()[1]}/cam/1"
        analyst = viewer("analyst")
        for url, limit in ((dead_url, 2.0), (hung_url, 7.0)):
            _response, player = offline_within(analyst, db, url, limit)
            again = analyst.get(player)  # within FAILURE_TTL_S: at once, no new connection
            assert again.status_code == 504
        _assert_no_device_address(Viewer.seen, "127.0.0.1", "s3cret", "rtsp://")
    finally:
        hung.close()


def test_the_device_connection_closes_when_nobody_watches_and_numbers_go_on(sim, db, viewer, monkeypatch):
    from dashboard.live import rtsp

    monkeypatch.setattr(rtsp, "IDLE_STOP_S", 1.0)
    camera_id = add_camera(db, f"{sim.rtsp_base_url}/cam/r9")
    analyst = viewer("analyst")
    player = analyst.open(camera_id).get_json()["player_url"]
    before = [int(u.rsplit("/", 1)[1].split(".")[0]) for u in _playlist(analyst, player, segments=2)]
    deadline = time.monotonic() + 10
    while sim.stats()["requests"].get("rtsp:/cam/r9 TEARDOWN", 0) < 1:  # FFmpeg says goodbye on close
        assert time.monotonic() < deadline, sim.stats()
        time.sleep(0.2)
    after = [int(u.rsplit("/", 1)[1].split(".")[0]) for u in _playlist(analyst, player)]
    assert sim.stats()["requests"]["rtsp:/cam/r9 PLAY"] == 2
    assert min(after) > max(before)  # a new connection, the same numbering: no cached segment reused


@pytest.mark.slow
def test_a_hung_rtsp_device_holds_few_server_threads(db, viewer):
    """Ten viewers asking a hung device's playlist at once: at most MAX_FIRST_WAITERS wait (each
    at most FIRST_WAIT_S), the others are answered "camera offline" at once."""
    from dashboard.live.rtsp import FIRST_WAIT_S, MAX_FIRST_WAITERS

    hung = silent_server()
    try:
        analyst = viewer("analyst")
        grant = analyst.open(add_camera(db, f"rtsp://127.0.0.1:{hung.getsockname()[1]}/cam/1")).get_json()
        answers: list[tuple[int, float]] = []

        def ask() -> None:
            started = time.monotonic()
            status = analyst.client.get(grant["player_url"]).status_code
            answers.append((status, time.monotonic() - started))

        threads = [threading.Thread(target=ask) for _ in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(15)
        assert [status for status, _ in answers] == [504] * 10
        quick = [took for _, took in answers if took < 1.0]
        assert len(quick) >= 10 - MAX_FIRST_WAITERS, answers
        assert max(took for _, took in answers) < FIRST_WAIT_S + 1.5, answers
    finally:
        hung.close()
