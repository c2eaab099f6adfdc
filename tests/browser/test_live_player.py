"""The relay plays in real Chromium: hls.js (vendored, served by the app) plays an HLS camera from
the simulator through the relay, and an <img> shows an MJPEG camera whose frames change. The UI
that opens these views comes later; here the page script does what a tile will do."""

from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import sign_in
from tests.live_support import CASE, add_camera, start_simulator

pytestmark = pytest.mark.browser

OPEN_JS = """
const [cameraId, purpose, done] = arguments;
const csrf = decodeURIComponent(document.cookie.split('; ').find(c => c.startsWith('_csrf_token=')).split('=')[1]);
fetch('/live/grants', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf},
                       body: JSON.stringify({camera_id: cameraId, purpose: purpose})})
  .then(r => r.json().then(body => done({status: r.status, body: body})));
"""

HLS_JS = """
const [url, done] = arguments;
const script = document.createElement('script');
script.src = '/assets/vendor/hls.js/hls.min.js';
script.onload = () => {
  const video = document.createElement('video');
  video.id = 'live-test-video'; video.muted = true; video.autoplay = true;
  document.body.appendChild(video);
  window.__hlsErrors = [];
  const hls = new Hls();
  hls.on(Hls.Events.ERROR, (e, data) => { if (data.fatal) window.__hlsErrors.push(data.details); });
  hls.loadSource(url); hls.attachMedia(video);
  video.play().catch(() => {});
  done(Hls.isSupported());
};
document.head.appendChild(script);
"""

FRAME_JS = """
const img = document.getElementById('live-test-img');
if (!img || !img.naturalWidth) { return null; }
const canvas = document.createElement('canvas');
canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
canvas.getContext('2d').drawImage(img, 0, 0);
return canvas.toDataURL('image/png');
"""


@pytest.fixture
def sim():
    simulator = start_simulator(fps=10, segment_seconds=1, rtsp_port=0)
    yield simulator
    simulator.stop()


def _open(driver, camera_id: int) -> dict:
    driver.set_script_timeout(20)
    answer = driver.execute_async_script(OPEN_JS, camera_id, CASE)
    assert answer["status"] == 201, answer
    return answer["body"]


@pytest.mark.parametrize("device", ["hls", "rtsp"])
def test_hls_camera_plays_in_a_video_element(driver, live_server, make_user, db, sim, device):
    """An HLS device relayed as is, and an RTSP device remuxed by the relay into HLS segments."""
    url = f"{sim.base_url}/cam/21/index.m3u8" if device == "hls" else f"{sim.rtsp_base_url}/cam/21"
    camera_id = add_camera(db, url)
    sign_in(driver, live_server, make_user("analyst-live", "analyst"))
    driver.get(live_server + "/healthz")
    grant = _open(driver, camera_id)
    assert driver.execute_async_script(HLS_JS, grant["player_url"]) is True
    wait = WebDriverWait(driver, 20, poll_frequency=0.2)
    first = wait.until(lambda d: d.execute_script(
        "const v = document.getElementById('live-test-video'); return v.currentTime > 0.2 && v.currentTime;"))
    later = wait.until(lambda d: d.execute_script(
        f"const v = document.getElementById('live-test-video'); return v.currentTime > {first} + 1 && v.currentTime;"))
    assert later > first
    assert driver.execute_script("return window.__hlsErrors") == []
    assert driver.execute_script("return document.getElementById('live-test-video').videoWidth") == 320


def test_mjpeg_camera_frames_change_in_an_img(driver, live_server, make_user, db, sim):
    camera_id = add_camera(db, f"{sim.base_url}/cam/22/mjpeg")
    sign_in(driver, live_server, make_user("detective-live", "detective"))
    driver.get(live_server + "/healthz")
    grant = _open(driver, camera_id)
    driver.execute_script("const img = document.createElement('img'); img.id = 'live-test-img';"
                          "img.src = arguments[0]; document.body.appendChild(img);", grant["player_url"])
    wait = WebDriverWait(driver, 20, poll_frequency=0.2)
    first = wait.until(lambda d: d.execute_script(FRAME_JS))
    wait.until(lambda d: (d.execute_script(FRAME_JS) or first) != first)
