"""The owner's path in a real browser, with real email (aiosmtpd): /register (English and
Spanish) -> confirmation link -> an admin approves on /admin/registrations -> the cameras are
on the analyst's dashboard -> manage link by email -> withdraw -> off the dashboard. And
hostile text typed by an owner stays text on the moderation page and on the dashboard."""

from __future__ import annotations

import numpy as np
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from sqlalchemy import select, text

from dashboard.geo.geography import haversine_m
from dashboard.models import Camera, CameraSite, Owner
from tests.browser.pages import (
    approve_only_pending,
    click_camera,
    count_active,
    link_path,
    open_dashboard,
    press_link_button,
    switch_user,
    wait_count,
)
from tests.browser.pages import deliver as _deliver

pytestmark = pytest.mark.browser

EMAIL = "ana.perez@example.com"
HOSTILE_LABEL = '<img src=x onerror="window.__pwned=1">'
HOSTILE_NAME = "<script>window.__pwned=2</script>"
CONFIRM = r"/register/confirm/[A-Za-z0-9_-]+"
MANAGE = r"/register/manage/[A-Za-z0-9_-]+"
PWNED_JS = "return typeof window.__pwned;"


@pytest.fixture
def settings_overrides(inbox) -> dict:
    return {"smtp_host": "127.0.0.1", "smtp_port": inbox.port}


def _register(driver, base: str, wait, *, name: str, email: str, lat: float, lon: float, labels: list[str]) -> None:
    """Fill the real form as an owner would (coordinates typed in the fallback fields)."""
    driver.get(base + "/register")
    wait.until(EC.visibility_of_element_located((By.ID, "registration-form")))
    driver.find_element(By.CSS_SELECTOR, "input[name=owner_type][value=resident]").click()
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "phone").send_keys("214-555-0100")
    driver.find_element(By.ID, "address").send_keys("1500 Marilla St")
    driver.find_element(By.ID, "latitude").send_keys(f"{lat:.6f}")
    driver.find_element(By.ID, "longitude").send_keys(f"{lon:.6f}")
    if len(labels) > 1:  # portal.js adds the camera fieldsets when the count changes
        count = driver.find_element(By.ID, "camera_count")
        count.send_keys(Keys.CONTROL, "a")  # (clear() would fire a change event of its own)
        count.send_keys(str(len(labels)))
        driver.find_element(By.ID, "address").click()  # blur: the change event
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#cameras fieldset.camera")) == len(labels))
    for i, label in enumerate(labels):
        driver.find_element(By.ID, f"cam-{i}-label").send_keys(label)
        driver.find_element(By.ID, f"cam-{i}-retention").send_keys("7")
    driver.find_element(By.ID, "consent").click()
    driver.find_element(By.ID, "register-submit").click()
    wait.until(EC.visibility_of_element_located((By.ID, "check-email")))
    assert email in driver.find_element(By.TAG_NAME, "main").text


def _open_confirmation(driver, base: str, wait, mail) -> None:
    driver.get(base + link_path(mail, CONFIRM))
    heading = wait.until(EC.visibility_of_element_located((By.ID, "portal-message")))
    assert heading.text == "Confirm your camera registration"  # opening the link confirms nothing yet
    press_link_button(driver, wait, "Thank you: your registration is confirmed")


def _no_markup_ran(section) -> None:
    # owner-typed text is text here: no element made of it, no script of it ran
    assert not section.find_elements(By.CSS_SELECTOR, "img, script")
    assert section.parent.execute_script(PWNED_JS) == "undefined"
def test_register_in_english_and_spanish_confirm_approve_manage_withdraw(
        dashboard, db, services, live_server, inbox, make_user, wait):
    driver = dashboard("analyst", username="ana-analyst")
    before = count_active(db)
    wait_count(driver, wait, before)

    driver.get(live_server + "/register?lang=es")
    wait.until(EC.visibility_of_element_located((By.ID, "registration-form")))
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    assert driver.find_element(By.TAG_NAME, "h1").text == "Registre su cámara de seguridad"
    assert driver.find_element(By.CSS_SELECTOR, "label[for=name]").text == "Su nombre"
    assert driver.find_element(By.CSS_SELECTOR, "label[for=latitude]").text == "Latitud"

    _register(driver, live_server, wait, name="Ana Pérez", email=EMAIL, lat=32.7801, lon=-96.8005,
              labels=["Front door", "Driveway"])
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    [mail] = _deliver(services, inbox, 1)
    assert mail["To"] == EMAIL
    _open_confirmation(driver, live_server, wait, mail)
    assert count_active(db) == before  # confirmed, not yet approved: not on the map

    make_user("admin-browser", "admin")
    switch_user(driver, live_server, wait, "admin-browser")
    approve_only_pending(driver, live_server, wait, ["Ana Pérez", EMAIL, "Front door", "Driveway"],
                         _no_markup_ran)
    with db.session() as s:
        ours = s.scalars(select(Camera.id).join(CameraSite).join(Owner).where(Owner.email == EMAIL)).all()
    assert len(ours) == 2

    switch_user(driver, live_server, wait, "ana-analyst")
    open_dashboard(driver, live_server, wait)
    wait_count(driver, wait, before + 2)

    # the owner asks for a sign-in link, follows it from the email, withdraws
    driver.get(live_server + "/register/manage")
    wait.until(EC.visibility_of_element_located((By.ID, "manage-request-form")))
    driver.find_element(By.ID, "email").send_keys(EMAIL.upper())
    driver.find_element(By.CSS_SELECTOR, "#manage-request-form button[type=submit]").click()
    wait.until(lambda d: d.find_element(By.ID, "portal-message").text == "Manage my registration")
    messages = _deliver(services, inbox, 1)
    assert len(messages) == 2 and messages[1]["To"] == EMAIL
    driver.get(live_server + link_path(messages[1], MANAGE))
    wait.until(EC.visibility_of_element_located((By.ID, "withdraw-form")))
    assert "Front door" in driver.page_source and "Driveway" in driver.page_source
    driver.find_element(By.CSS_SELECTOR, "#withdraw-form input[name=confirm_withdraw]").click()
    driver.find_element(By.ID, "withdraw-submit").click()
    wait.until(lambda d: d.find_element(By.ID, "portal-message").text == "Your registration is withdrawn")
    assert count_active(db) == before

    open_dashboard(driver, live_server, wait)
    wait_count(driver, wait, before)


def _empty_spot(db, geo) -> tuple[float, float]:
    """A point inside Dallas at least 150 m from every camera and 200 m from every incident pin,
    so the camera registered there is the only thing a click at its pixel can hit."""
    with db.engine.connect() as conn:
        cams = np.array(conn.execute(text("SELECT s.latitude, s.longitude FROM camera_sites s")).all())
        pins = np.array(conn.execute(text(
            "SELECT latitude, longitude FROM incidents WHERE latitude IS NOT NULL")).all()).reshape(-1, 2)
    for lat in np.arange(32.760, 32.860, 0.003):
        for lon in np.arange(-96.860, -96.720, 0.003):
            if haversine_m(lat, lon, cams[:, 0], cams[:, 1]).min() < 150:
                continue
            if len(pins) and haversine_m(lat, lon, pins[:, 0], pins[:, 1]).min() < 200:
                continue
            if bool(geo.in_city([lat], [lon])[0]):
                return round(float(lat), 6), round(float(lon), 6)
    raise AssertionError("no empty spot in the seeded registry")


def test_hostile_text_stays_text_on_moderation_page_and_dashboard(
        dashboard, db, services, live_server, inbox, make_user, wait):
    lat, lon = _empty_spot(db, services.geo)
    driver = dashboard("analyst", username="xss-analyst")
    before = count_active(db)

    _register(driver, live_server, wait, name=HOSTILE_NAME, email="xss@example.com", lat=lat, lon=lon,
              labels=[HOSTILE_LABEL])
    [mail] = _deliver(services, inbox, 1)
    _open_confirmation(driver, live_server, wait, mail)
    with db.session() as s:
        owner = s.scalar(select(Owner).where(Owner.email == "xss@example.com"))
        assert owner.name == HOSTILE_NAME  # stored as typed
        [label] = s.scalars(select(Camera.label).join(CameraSite).where(CameraSite.owner_id == owner.id)).all()
        assert label == HOSTILE_LABEL

    make_user("xss-admin", "admin")
    switch_user(driver, live_server, wait, "xss-admin")
    # the moderation page shows the owner's text as text; nothing of it ran
    approve_only_pending(driver, live_server, wait, [HOSTILE_NAME, HOSTILE_LABEL, "xss@example.com"],
                         _no_markup_ran)
    assert driver.execute_script(PWNED_JS) == "undefined"
    assert count_active(db) == before + 1

    switch_user(driver, live_server, wait, "xss-analyst")
    open_dashboard(driver, live_server, wait)
    wait_count(driver, wait, before + 1)
    with db.session() as s:
        camera_id = s.scalar(select(Camera.id).where(Camera.label == HOSTILE_LABEL))
    click_camera(driver, wait, {"id": camera_id, "lat": lat, "lon": lon})
    assert driver.find_element(By.ID, "camera-detail-label").text == HOSTILE_LABEL
    assert not driver.find_elements(By.CSS_SELECTOR, "#camera-detail img, #camera-detail script")
    assert driver.execute_script(PWNED_JS) == "undefined"
