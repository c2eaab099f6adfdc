"""The case workspace, wall mode and the phone layout in a real Chromium: a detective reveals an
owner under a case number, opens the case, requests footage from it, sees the received clip with
its SHA-256, closes the case (confirmation first) and undoes the close; the phone's reveal and
request at 390x844; wall mode's type at 2560x1440."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sqlalchemy import select

from dashboard import footage
from dashboard.models import AuditEvent, Case, FootageRequest, Incident, OutboundEmail, utcnow
from tests.browser.pages import choose_option, click_camera, isolated_camera

pytestmark = pytest.mark.browser

CASE = "25-0280079"
REASON = "Robbery on Elm St, canvassing for witnesses"
INCIDENT = "CASE-BROWSER-0001"
CLIP = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 16
LINK = re.compile(r"/register/requests/([A-Za-z0-9_-]{20,})")


@pytest.fixture
def settings_overrides(tmp_path) -> dict:
    return {"footage_storage_dir": str(tmp_path / "footage"), "cleared_visible_minutes": 24 * 60}


@pytest.fixture
def scene(db) -> dict:
    camera = isolated_camera(db)
    with db.session() as s:
        s.add(Incident(incident_number=INCIDENT, nature_of_call="31 - Robbery", priority=2, status="Dispatched",
                       received_at=utcnow() - timedelta(hours=2), latitude=round(camera["lat"] + 40 / 111_132, 6),
                       longitude=camera["lon"], block="1500", location="ELM ST", division="CENTRAL"))
    return {"camera": camera}


def viewport(driver, width: int, height: int, mobile: bool = False) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})


def type_into(driver, element_id: str, text: str) -> None:
    box = driver.find_element(By.ID, element_id)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.BACKSPACE)
    box.send_keys(text)


def choose(driver, group_id: str, value: str) -> None:
    driver.find_element(By.CSS_SELECTOR, f"#{group_id} input[value='{value}']").click()


def reveal(driver, wait, camera) -> None:
    click_camera(driver, wait, camera)
    type_into(driver, "reveal-case", CASE)
    choose_option(driver, wait, "reveal-category", "Robbery")
    type_into(driver, "reveal-reason", REASON)
    driver.find_element(By.ID, "reveal-button").click()
    wait.until(lambda d: any(e.text for e in d.find_elements(By.ID, "owner-contact")), "no owner contact shown")


def open_case(driver, wait) -> None:
    if not driver.find_element(By.ID, "case-workspace").is_displayed():
        driver.find_element(By.ID, "case-toggle").click()
    wait.until(lambda d: d.find_element(By.ID, "case-workspace").is_displayed(), "the workspace did not open")
    driver.find_element(By.CSS_SELECTOR, "#case-new summary").click()
    type_into(driver, "case-number", CASE)
    choose(driver, "case-offense", "robbery")
    type_into(driver, "case-incidents", INCIDENT)
    driver.find_element(By.ID, "case-open-button").click()
    wait.until(lambda d: f"Case {CASE}" in d.find_element(By.ID, "case-body").text, "the case did not open")


def request_named(driver, wait, camera_id: int) -> None:
    choose(driver, "case-camera-mode", "named")
    type_into(driver, "case-camera-ids", str(camera_id))
    start = (utcnow() - timedelta(hours=3)).astimezone(footage.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    type_into(driver, "case-window-start", start)
    driver.find_element(By.ID, "case-request-button").click()
    wait.until(lambda d: "1 footage request queued" in d.find_element(By.ID, "case-message").text,
               "the request was not confirmed")
    wait.until(lambda d: f"#{camera_id}" in d.find_element(By.ID, "case-requests").text, "the request is not listed")


def owner_uploads(db, settings) -> str:
    """The owner answers through their emailed link (read from the outbox) with a clip."""
    with db.session() as s:
        body = s.scalar(select(OutboundEmail.body_text).where(OutboundEmail.related_type == footage.RELATED))
    footage.upload(db, LINK.search(body).group(1), "back door.mp4", "video/mp4", io.BytesIO(CLIP), settings)
    return hashlib.sha256(CLIP).hexdigest()


def test_case_from_reveal_to_received_clip_then_close_and_undo(dashboard, db, settings, scene, wait):
    driver = dashboard("detective", username="det")
    viewport(driver, 1920, 1080)
    camera = scene["camera"]
    reveal(driver, wait, camera)
    open_case(driver, wait)
    assert f"camera #{camera['id']}" in driver.find_element(By.ID, "case-reveals").text   # from the audit log
    assert INCIDENT in driver.find_element(By.ID, "case-incidents-list").text
    request_named(driver, wait, camera["id"])
    digest = owner_uploads(db, settings)

    type_into(driver, "case-note", "Owner <b>called</b> back.")
    driver.find_element(By.ID, "case-note-button").click()
    wait.until(lambda d: "Owner <b>called</b> back." in d.find_element(By.ID, "case-notes").text,
               "the note is not shown as typed")
    wait.until(lambda d: digest in d.find_element(By.ID, "case-requests").text, "the clip's SHA-256 is not listed")
    form = driver.find_element(By.CSS_SELECTOR, "#case-requests form[action^='/footage/files/']")
    assert form.find_element(By.TAG_NAME, "button").text == "back door.mp4"
    # the download is a POST with the page's CSRF token (the form's own submit downloads a file)
    status, sha = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "var token = (document.cookie.match(/(?:^|; )_csrf_token=([^;]+)/) || [])[1] || '';"
        "var body = new URLSearchParams({csrf_token: decodeURIComponent(token)});"
        "fetch(arguments[0], {method: 'POST', body: body})"
        ".then(r => done([r.status, r.headers.get('X-Content-SHA256')]));",
        form.get_attribute("action"))
    assert (status, sha) == (200, digest)

    # close: no default outcome, a confirmation that says what will happen, then undo
    assert not driver.find_element(By.CSS_SELECTOR, "#case-outcome input[value='used']").is_selected()
    assert not driver.find_element(By.CSS_SELECTOR, "#case-outcome input[value='not_needed']").is_selected()
    driver.find_element(By.ID, "case-close-button").click()
    wait.until(lambda d: "Outcome" in d.find_element(By.ID, "case-close-plan").text, "no outcome demanded")
    assert not driver.find_element(By.ID, "case-close-confirm").is_displayed()
    choose(driver, "case-outcome", "not_needed")
    driver.find_element(By.ID, "case-close-button").click()
    wait.until(lambda d: "deleted in 30 days" in d.find_element(By.ID, "case-close-plan").text,
               "the confirmation does not say what closing does")
    driver.find_element(By.ID, "case-close-confirm").click()
    wait.until(lambda d: "closing" in d.find_element(By.ID, "case-status").text, "the case is not closing")
    wait.until(lambda d: d.find_element(By.ID, "case-undo-button").is_displayed(), "no undo offered")
    with db.session() as s:
        assert s.scalar(select(Case.status)) == "closing"
        assert {r.status for r in s.scalars(select(FootageRequest))} == {"footage_received"}  # nothing applied yet
    driver.find_element(By.ID, "case-undo-button").click()
    wait.until(lambda d: d.find_element(By.ID, "case-status").text.strip() == "· robbery · open", "not reopened")
    assert not driver.find_element(By.ID, "case-undo-button").is_displayed()
    with db.session() as s:
        assert s.scalar(select(Case.status)) == "open"
        actions = [a for (a,) in s.execute(select(AuditEvent.action).order_by(AuditEvent.id))]
        assert actions.index("owner_reveal") < actions.index("case_open") < actions.index("case_close") \
            < actions.index("case_close_undone")

    # the printed case sheet: the workspace alone, with the canvass plot and the request states
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    for hidden in ("camera-map", "incident-list", "cd-tools", "case-tools"):
        assert not driver.find_element(By.ID, hidden).is_displayed(), hidden
    for part in ("case-canvass", "case-requests", "case-reveals"):
        assert driver.find_element(By.ID, part).is_displayed(), part
    assert driver.find_elements(By.CSS_SELECTOR, "#case-canvass .cd-case-plot .cd-case-dot")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_phone_reveal_and_request_with_a_thumb(dashboard, db, scene, wait):
    driver = dashboard("detective", username="det")
    viewport(driver, 390, 844, mobile=True)
    camera = scene["camera"]
    map_box = driver.find_element(By.ID, "camera-map").rect
    assert map_box["width"] >= 380 and map_box["height"] >= 700     # the map fills the screen
    reveal(driver, wait, camera)      # the details sheet comes up by itself after the camera is tapped
    button = driver.find_element(By.ID, "reveal-button").rect
    assert button["height"] >= 44 and button["x"] >= 0 and button["x"] + button["width"] <= 390
    open_case(driver, wait)
    assert driver.find_element(By.ID, "case-workspace").rect["width"] <= 390
    request_named(driver, wait, camera["id"])
    send = driver.find_element(By.ID, "case-request-button").rect
    assert send["height"] >= 44 and send["x"] + send["width"] <= 390


@pytest.mark.parametrize("query", ["?wall=1", ""])
def test_wall_type_is_large_at_2560(dashboard, live_server, scene, wait, query):
    driver = dashboard("analyst")
    viewport(driver, 2560, 1440)
    if query:
        driver.get(live_server + "/" + query)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".cd-incident-item"), "no CAD board")
        assert "cd-wall" in driver.find_element(By.TAG_NAME, "html").get_attribute("class")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".cd-incident-item"), "no CAD board")
    sizes = driver.execute_script(
        "return ['.cd-incident-item', '.cd-incident-meta', '.cd-panel h2', '#current-user']"
        ".map(s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize));")
    assert min(sizes) >= 18, sizes
    if query:
        assert driver.find_element(By.ID, "camera-map").rect["width"] >= 2560 * 0.6     # the map uses the space
        board = driver.find_element(By.ID, "incident-list").rect
        assert board["height"] >= 1440 * 0.45                                          # the board, full height
        driver.find_element(By.TAG_NAME, "body").send_keys("?")
        wait.until(lambda d: d.find_element(By.ID, "help-overlay").is_displayed(), "? shows no help")
        assert "wall mode" in driver.find_element(By.ID, "help-overlay").text
