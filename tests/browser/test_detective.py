"""The detective's path in a real browser: a camera click, the audited owner reveal (a refused
case number first), then a footage request from an incident's nearest cameras, delivered by a
real SMTP server (aiosmtpd). And the analyst's view of the same camera and incident: no reveal
form, no footage form."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sqlalchemy import select, text, update

from dashboard import footage
from dashboard.jobs.mail import deliver_due
from dashboard.models import AuditEvent, Incident, User, utcnow
from dashboard.models.footage import FootageRequest
from tests.browser.pages import choose_option, click_camera, isolated_camera, link_path

pytestmark = pytest.mark.browser

CASE = "25-0280079"
REASON = "Shooting on Elm St, canvassing for witnesses"
INCIDENT = "DET-BROWSER-0001"
FOOTAGE_LINK = r"/register/requests/[A-Za-z0-9_-]+"
CLIP = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 16  # an MP4 header: passes the sniff


@pytest.fixture
def settings_overrides(tmp_path, inbox) -> dict:
    return {"smtp_host": "127.0.0.1", "smtp_port": inbox.port, "footage_storage_dir": str(tmp_path / "footage"),
            "cleared_visible_minutes": 24 * 60}


@pytest.fixture
def scene(db) -> dict:
    """An isolated seeded camera, its owner as the database has it, and an open incident
    40 m north of it (inserted before the dashboard loads)."""
    camera = isolated_camera(db)
    with db.engine.connect() as conn:
        owner = conn.execute(text(
            "SELECT o.name, o.email FROM owners o JOIN camera_sites s ON s.owner_id = o.id "
            "JOIN cameras c ON c.site_id = s.id WHERE c.id = :id"), {"id": camera["id"]}).one()
    with db.session() as s:
        s.add(Incident(incident_number=INCIDENT, nature_of_call="19 - Shooting", priority=1, status="Dispatched",
                       received_at=utcnow() - timedelta(hours=2), latitude=round(camera["lat"] + 40 / 111_132, 6),
                       longitude=camera["lon"], block="1500", location="ELM ST", division="CENTRAL"))
    return {"camera": camera, "owner_name": owner.name, "owner_email": owner.email}


def _incident_item(driver, wait):
    xpath = (f"//*[@id='incident-list']//button[contains(@class, 'cd-incident-item')]"
             f"[.//*[contains(normalize-space(), '{INCIDENT}')]]")
    return wait.until(lambda d: (d.find_elements(By.XPATH, xpath) or [None])[0], "the incident is not listed")


def _select_incident_with_all_nearest(driver, wait):
    _incident_item(driver, wait).click()
    # Read the text inside the wait: Dash may re-render the panel between finding and reading it.
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#nearest-cameras table tbody tr")
               and INCIDENT in d.find_element(By.ID, "nearest-cameras").text,
               "no nearest-cameras table for the incident")
    driver.find_element(By.XPATH, "//*[@id='nearest-more']//label").click()  # up to 20: ours is surely listed
    # the click redraws the panel: wait for that draw, so nothing read below belongs to the one it replaces
    wait.until(_shows_all, "the panel did not redraw with all the ranked cameras")


def _shows_all(d) -> bool:
    """The nearest panel lists every ranked camera ("5 of 5 cameras", "showing 20 of the nearest 20")."""
    try:
        found = re.search(r"(\d+) of (?:the nearest )?(\d+)", d.find_element(By.ID, "nearest-cameras").text)
    except StaleElementReferenceException:
        return False
    return bool(found) and found[1] == found[2]


def test_detective_reveals_owner_and_requests_footage(dashboard, db, services, live_server, inbox, scene, wait,
                                                      tmp_path):
    camera = scene["camera"]
    driver = dashboard("detective", username="det")
    click_camera(driver, wait, camera)
    assert driver.find_element(By.ID, "camera-detail-label").text == camera["label"]
    for element_id in ("reveal-case", "reveal-category", "reveal-reason", "reveal-button"):
        assert driver.find_element(By.ID, element_id).is_displayed(), element_id
    assert not driver.find_elements(By.ID, "owner-contact")
    assert scene["owner_email"] not in driver.page_source

    # a case number in the wrong format: an error, no owner block, nothing audited
    driver.find_element(By.ID, "reveal-case").send_keys("2025-123")
    choose_option(driver, wait, "reveal-category", "Burglary")
    driver.find_element(By.ID, "reveal-reason").send_keys(REASON)
    driver.find_element(By.ID, "reveal-button").click()
    wait.until(lambda d: "Case number" in d.find_element(By.ID, "reveal-message").text,
               "no error for a malformed case number")
    assert "25-0280079" in driver.find_element(By.ID, "reveal-message").text  # the message shows the format
    assert not driver.find_elements(By.ID, "owner-contact")
    assert scene["owner_email"] not in driver.page_source

    case_box = driver.find_element(By.ID, "reveal-case")
    case_box.send_keys(Keys.CONTROL, "a")
    case_box.send_keys(Keys.BACKSPACE)  # as a user would (clear() bypasses React's onChange)
    case_box.send_keys(CASE)
    assert case_box.get_attribute("value") == CASE
    driver.find_element(By.ID, "reveal-button").click()
    try:
        contact = wait.until(lambda d: next((e for e in d.find_elements(By.ID, "owner-contact") if e.text), None))
    except TimeoutException:
        raise AssertionError("no owner contact shown; #reveal-message: "
                             f"{driver.find_element(By.ID, 'reveal-message').text!r}") from None
    shown = contact.text
    assert scene["owner_name"] in shown and scene["owner_email"] in shown, shown
    assert f"Case {CASE}" in shown
    assert driver.find_element(By.ID, "reveal-message").text == ""
    with db.session() as s:
        reveals = s.scalars(select(AuditEvent).where(AuditEvent.action == "owner_reveal")).all()
        assert [(e.username, e.outcome, e.object_id, e.case_number, e.reason) for e in reveals] == [
            ("det", "ok", str(camera["id"]), CASE, REASON)]

    # the footage path: the incident's nearest cameras, tick ours, send
    _select_incident_with_all_nearest(driver, wait)
    option = f"#footage-cameras input[value='{camera['id']}']"
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, option), f"camera #{camera['id']} is not offered")
    assert wait.until(lambda d: d.find_element(By.ID, "footage-start").get_attribute("value"))  # from the call time

    def ticked(d) -> bool:
        try:
            box = d.find_element(By.CSS_SELECTOR, option)
            if not box.is_selected():
                box.click()
            return d.find_element(By.CSS_SELECTOR, option).is_selected()
        except StaleElementReferenceException:
            return False

    wait.until(ticked, "could not tick the camera")
    driver.find_element(By.ID, "footage-case").send_keys(CASE)
    # CAD updates the incident while the detective fills the form: the panel redraws with the new
    # record (its status), and what was ticked and typed is still there
    with db.session() as s:
        s.execute(update(Incident).where(Incident.incident_number == INCIDENT)
                  .values(status="On Scene", updated_at=utcnow()))
    wait.until(lambda d: "On Scene" in d.find_element(By.ID, "nearest-cameras").text and _shows_all(d),
               "the panel was not redrawn with the CAD update")
    assert driver.find_element(By.CSS_SELECTOR, option).is_selected(), "the tick was lost in the redraw"
    assert driver.find_element(By.ID, "footage-case").get_attribute("value") == CASE
    driver.find_element(By.ID, "footage-send").click()
    wait.until(lambda d: "1 request queued" in d.find_element(By.ID, "footage-message").text,
               "the footage request was not confirmed")
    wait.until(lambda d: f"Camera #{camera['id']}" in d.find_element(By.ID, "footage-requests").text,
               "the request is not listed for the incident")
    with db.session() as s:
        [req] = s.scalars(select(FootageRequest)).all()
        det_id = s.scalar(select(User.id).where(User.username == "det"))
        assert (req.camera_id, req.requested_by, req.status) == (camera["id"], det_id, "queued")
        inc_id = s.scalar(select(Incident.id).where(Incident.incident_number == INCIDENT))
        assert req.incident_id == inc_id
        sends = s.scalars(select(AuditEvent).where(AuditEvent.action == "footage_request")).all()
        assert [(e.username, e.outcome, e.object_id) for e in sends] == [("det", "ok", str(req.id))]

    # the outbox goes to a real SMTP server: the owner gets the link
    assert deliver_due(services.db, services.smtp).sent == 1
    assert footage.sync_sent(db) == 1
    [mail] = inbox.messages
    assert mail["To"] == scene["owner_email"] and INCIDENT in mail["Subject"]
    path = link_path(mail, FOOTAGE_LINK)

    # the owner's page behind the link (anonymous) names the incident and the camera
    driver.get(live_server + path)
    wait.until(lambda d: INCIDENT in d.find_element(By.TAG_NAME, "body").text, "the owner page lacks the incident")
    assert camera["label"] in driver.find_element(By.TAG_NAME, "body").text

    # the owner uploads a clip; back on the dashboard the detective gets it, checked against its SHA-256
    clip = tmp_path / "back door.mp4"
    clip.write_bytes(CLIP)
    driver.find_element(By.ID, "files").send_keys(str(clip))
    driver.find_element(By.ID, "footage-upload").click()
    digest = hashlib.sha256(CLIP).hexdigest()
    def shows_digest(d):  # the upload navigates: a body from the page being left means "not yet"
        try:
            return digest in d.find_element(By.TAG_NAME, "body").text
        except WebDriverException:
            return False

    wait.until(shows_digest, "the owner page shows no SHA-256")
    driver.get(live_server + "/")
    _select_incident_with_all_nearest(driver, wait)

    def clip_link(d):  # read in one go: the list re-renders (a stale element means "not yet")
        forms = d.find_elements(By.CSS_SELECTOR, "#footage-requests form[action*='/footage/files/']")
        if not forms:
            return None
        button = forms[0].find_element(By.TAG_NAME, "button")
        return button.text, button.get_attribute("title"), forms[0].get_attribute("action"), forms[0].get_attribute("method")

    text_shown, title, action, method = wait.until(clip_link, "the received clip is not listed")
    assert text_shown == "back door.mp4" and digest in title and method == "post"
    # what the button's form sends: a POST with the session's CSRF token (assets/csrf_forms.js)
    status, sha, size = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "var token = decodeURIComponent(document.cookie.match(/(?:^|;\\s*)_csrf_token=([^;]+)/)[1]);"
        "fetch(arguments[0], {method: 'POST', headers: {'X-CSRFToken': token}})"
        ".then(r => r.arrayBuffer().then(b => done([r.status, r.headers.get('X-Content-SHA256'),"
        " b.byteLength])));", action)
    assert (status, sha, size) == (200, digest, len(CLIP))
    with db.session() as s:
        downloads = s.scalars(select(AuditEvent).where(AuditEvent.action == "footage_request_download")).all()
        assert [(e.username, e.outcome) for e in downloads] == [("det", "ok")]


def test_analyst_sees_no_reveal_and_no_footage_form(dashboard, db, scene, wait):
    camera = scene["camera"]
    driver = dashboard("analyst")
    click_camera(driver, wait, camera)
    detail = driver.find_element(By.ID, "camera-detail")
    assert "Owner details are shown only to detectives" in detail.text
    for element_id in ("reveal-case", "reveal-reason", "reveal-button", "reveal-message", "owner-contact"):
        assert not driver.find_elements(By.ID, element_id), element_id
    assert scene["owner_email"] not in driver.page_source and scene["owner_name"] not in driver.page_source

    _select_incident_with_all_nearest(driver, wait)
    wait.until(lambda d: any(td.text == f"#{camera['id']}"
                             for td in d.find_elements(By.CSS_SELECTOR, "#nearest-cameras td")),
               "the camera is not in the analyst's nearest list")
    for element_id in ("footage-cameras", "footage-send", "footage-message", "footage-requests"):
        assert not driver.find_elements(By.ID, element_id), element_id
    with db.session() as s:
        assert s.scalars(select(FootageRequest)).all() == []
