"""Click to first frame in headless Chromium (benchmarks/live.py, part 3).

Ours: the analyst's click on "Video wall for the selected incident" -> the Dash callback opens the
grants -> the tiles render -> assets/live.js attaches hls.js -> the first tile's `playing` event,
all on the page's own clock (performance.now). Baseline, same page and server: hls.js on a relay
playlist opened with POST /live/grants directly (the relay and the player, no dashboard round trip).
Medians of REPEATS.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time

from .chromium import AUTOPLAY, start_chromium

REPEATS = 5
TIMEOUT_S = 20

CLICK_JS = """
window.__ffAt = null;
document.addEventListener('playing', function once() {
  window.__ffAt = performance.now(); document.removeEventListener('playing', once, true);
}, true);
window.__clickAt = performance.now();
document.getElementById('video-wall-open').click();
"""

DIRECT_JS = """
const done = arguments[arguments.length - 1];
const csrf = decodeURIComponent(document.cookie.split('; ').find(c => c.startsWith('_csrf_token=')).split('=')[1]);
const t0 = performance.now();
fetch('/live/grants', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf},
      body: JSON.stringify({camera_id: arguments[0], purpose: arguments[1]})})
  .then(r => r.json()).then(grant => {
    const video = document.createElement('video'); video.muted = true; document.body.appendChild(video);
    video.addEventListener('playing', () => { const t = performance.now() - t0; video.remove(); done(t); }, {once: true});
    const hls = new Hls({enableWorker: false, liveSyncDurationCount: 2});
    hls.loadSource(grant.player_url); hls.attachMedia(video); video.play().catch(() => {});
  });
"""


def _until(fn, what: str):
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.02)
    raise TimeoutError(what)


def click_to_first_frame(base: str, username: str, password: str, incident: str,
                         camera_id: int | None = None, purpose: dict | None = None) -> tuple[float, float | None]:
    from selenium.webdriver.common.by import By

    profile = tempfile.mkdtemp(prefix="cd-bench-live-")
    driver = start_chromium(profile, extra_flags=(AUTOPLAY,))
    driver.set_script_timeout(TIMEOUT_S)
    try:
        driver.get(base + "/login")
        driver.find_element(By.ID, "username").send_keys(username)
        driver.find_element(By.ID, "password").send_keys(password)
        driver.find_element(By.ID, "login-submit").click()
        xpath = f"//*[@id='incident-list']//button[.//*[contains(normalize-space(), '{incident}')]]"
        _until(lambda: driver.find_elements(By.XPATH, xpath), "the incident is not listed")[0].click()
        # the selection is a callback round trip: wait for the list to show it before the wall's click
        _until(lambda: driver.find_elements(By.CSS_SELECTOR, "#incident-list .cd-incident-item.selected"),
               "the incident is not selected")
        ours = []
        for _ in range(REPEATS):
            driver.execute_script(CLICK_JS)
            try:
                _until(lambda: driver.execute_script("return window.__ffAt"), "no tile played")
            except TimeoutError:
                raise TimeoutError("no tile played: " + driver.execute_script(
                    "return document.getElementById('video-wall-status').innerText + ' | tiles: ' + "
                    "document.querySelectorAll('#video-wall .video-tile').length + ' | ' + "
                    "Array.from(document.querySelectorAll('#video-wall video')).map(v => v.readyState + '/' + "
                    "v.networkState).join(',')")) from None
            ours.append(driver.execute_script("return (window.__ffAt - window.__clickAt) / 1000"))
            driver.find_element(By.ID, "video-wall-close").click()
            _until(lambda: not driver.find_elements(By.CSS_SELECTOR, "#video-wall .video-tile"), "the wall stays")
        direct = None
        if camera_id is not None and purpose is not None:
            direct = statistics.median(driver.execute_async_script(DIRECT_JS, camera_id, purpose) / 1000
                                       for _ in range(REPEATS))
        return statistics.median(ours), direct
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
