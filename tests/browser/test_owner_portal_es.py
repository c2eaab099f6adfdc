"""The owner's whole path in SPANISH in a real browser, with real email (aiosmtpd):
/register?lang=es -> Spanish confirmation email -> its link confirms -> an admin approves ->
the cameras are on the analyst's dashboard -> a Spanish manage link -> the owner changes a
camera (stored) -> withdraws -> off the dashboard.

Same structure as test_owner_portal.py (the English path); its helpers are not imported from
there on purpose (that module is another test's), only the shared ones from pages.py.
"""

from __future__ import annotations

from email.header import decode_header, make_header

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from sqlalchemy import select

from dashboard.models import Camera, CameraSite, Owner
from dashboard.owners.i18n import t
from tests.browser.pages import (
    approve_only_pending,
    count_active,
    link_path,
    mail_body,
    open_dashboard,
    press_link_button,
    switch_user,
    wait_count,
)
from tests.browser.pages import deliver as _deliver

pytestmark = pytest.mark.browser

EMAIL = "lucia.hernandez@example.com"
NAME = "Lucía Hernández"
LABELS = ["Puerta principal", "Entrada de autos"]
# the whole link, as the owner clicks it (it carries the registration's language)
CONFIRM = r"/register/confirm/[A-Za-z0-9_-]+(?:\?lang=[a-z]{2})?"
MANAGE = r"/register/manage/[A-Za-z0-9_-]+(?:\?lang=[a-z]{2})?"


def subject(message) -> str:
    """The Subject as the owner reads it (non-ASCII subjects travel RFC 2047-encoded)."""
    return str(make_header(decode_header(message["Subject"])))


def es(key: str, **params) -> str:
    return t("es", key, **params)


@pytest.fixture
def settings_overrides(inbox) -> dict:
    return {"smtp_host": "127.0.0.1", "smtp_port": inbox.port}


def _assert_spanish_page(driver) -> None:
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    # the language switch offers the other language
    assert driver.find_element(By.ID, "language-switch").text == "English"


def _label(driver, for_id: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, f"label[for='{for_id}']").text


def _register_es(driver, base: str, wait, *, lat: float, lon: float) -> None:
    """Open the Spanish form, check what a Spanish-speaking resident reads, fill it (coordinates
    typed in the fallback fields, two cameras) and submit."""
    driver.get(base + "/register?lang=es")
    wait.until(EC.visibility_of_element_located((By.ID, "registration-form")))
    _assert_spanish_page(driver)
    assert driver.title == es("site_title")
    assert driver.find_element(By.TAG_NAME, "h1").text == es("heading")
    for for_id, key in (("name", "name"), ("email", "email"), ("phone", "phone"), ("address", "address"),
                        ("latitude", "latitude"), ("longitude", "longitude"), ("camera_count", "camera_count"),
                        ("cam-0-label", "label"), ("cam-0-retention", "retention"),
                        ("cam-0-placement", "placement"), ("cam-0-direction", "direction"),
                        ("cam-0-type", "camera_type")):
        assert _label(driver, for_id) == es(key), for_id
    assert driver.find_element(By.ID, "register-submit").text == es("submit")
    assert driver.find_element(By.ID, "add-camera").text == es("add_camera")
    assert es("consent") in driver.find_element(By.ID, "registration-form").text
    assert driver.find_element(By.ID, "cam-0-label").get_attribute("placeholder") == es("label_hint")
    first_legend = driver.find_element(By.CSS_SELECTOR, "#cameras fieldset.camera > legend")
    assert first_legend.text == es("camera_n", n=1)

    driver.find_element(By.CSS_SELECTOR, "input[name=owner_type][value=resident]").click()
    driver.find_element(By.ID, "name").send_keys(NAME)
    driver.find_element(By.ID, "email").send_keys(EMAIL)
    driver.find_element(By.ID, "address").send_keys("1500 Marilla St")
    driver.find_element(By.ID, "latitude").send_keys(f"{lat:.6f}")
    driver.find_element(By.ID, "longitude").send_keys(f"{lon:.6f}")
    count = driver.find_element(By.ID, "camera_count")  # portal.js adds the fieldset on change
    count.send_keys(Keys.CONTROL, "a")
    count.send_keys(str(len(LABELS)))
    driver.find_element(By.ID, "address").click()  # blur: the change event
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#cameras fieldset.camera")) == len(LABELS))
    legends = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#cameras fieldset.camera > legend")]
    assert legends == [es("camera_n", n=i + 1) for i in range(len(LABELS))]  # the added one is Spanish too
    for i, label in enumerate(LABELS):
        driver.find_element(By.ID, f"cam-{i}-label").send_keys(label)
        driver.find_element(By.ID, f"cam-{i}-retention").send_keys("7")
    driver.find_element(By.ID, "consent").click()
    driver.find_element(By.ID, "register-submit").click()
    heading = wait.until(EC.visibility_of_element_located((By.ID, "check-email")))
    assert heading.text == es("check_email_title")
    _assert_spanish_page(driver)  # the form's hidden lang carried the choice through the post
    main = driver.find_element(By.TAG_NAME, "main").text
    assert EMAIL in main and "No se registra nada hasta que usted confirme" in main


def _prefer_language(driver, accept_language: str) -> None:
    """The browser's own language preference (its Accept-Language header), as a resident's
    Spanish-language browser sends it."""
    user_agent = driver.execute_script("return navigator.userAgent;")
    driver.execute_cdp_cmd("Emulation.setUserAgentOverride",
                           {"userAgent": user_agent, "acceptLanguage": accept_language})


def _our_cameras(db) -> list[tuple[int, str, int | None]]:
    with db.session() as s:
        return [tuple(row) for row in s.execute(
            select(Camera.id, Camera.label, Camera.retention_days).join(CameraSite).join(Owner)
            .where(Owner.email == EMAIL, Camera.status == "active").order_by(Camera.id)).all()]


def test_spanish_owner_registers_confirms_is_approved_updates_and_withdraws(
        dashboard, db, services, live_server, inbox, make_user, wait):
    driver = dashboard("analyst", username="es-analyst")
    before = count_active(db)
    wait_count(driver, wait, before)

    # 1. register in Spanish, on a browser that prefers Spanish (the emailed links also carry the
    # registration's language: see the English-browser test below).
    _prefer_language(driver, "es-MX,es;q=0.9")
    _register_es(driver, live_server, wait, lat=32.7801, lon=-96.8005)

    # 2. the confirmation email is in Spanish and its link confirms, in Spanish
    [mail] = _deliver(services, inbox, 1)
    assert mail["To"] == EMAIL
    assert subject(mail) == "Confirme el registro de su cámara"
    body = mail_body(mail)
    assert body.splitlines()[0] == "Hola:"
    assert f"  Nombre: \u201c{NAME}\u201d" in body and "  Dirección de las cámaras: \u201c1500 Marilla St" in body
    assert "Confírmelo dentro de" in body
    driver.get(live_server + link_path(mail, CONFIRM))
    heading = wait.until(EC.visibility_of_element_located((By.ID, "portal-message")))
    assert heading.text == es("confirm_page_title")
    press_link_button(driver, wait, es("confirmed_title"))
    _assert_spanish_page(driver)
    assert es("confirmed_review") in driver.find_element(By.TAG_NAME, "main").text
    assert count_active(db) == before  # confirmed, not yet approved: not on the map

    # 3. an admin approves; the analyst sees the two cameras
    make_user("es-admin", "admin")
    switch_user(driver, live_server, wait, "es-admin")
    approve_only_pending(driver, live_server, wait, [NAME, EMAIL, *LABELS])
    ours = _our_cameras(db)
    assert [(label, days) for _, label, days in ours] == [(label, 7) for label in LABELS]
    switch_user(driver, live_server, wait, "es-analyst")
    open_dashboard(driver, live_server, wait)
    wait_count(driver, wait, before + 2)

    # 4. the owner asks for a sign-in link in Spanish
    driver.get(live_server + "/register/manage?lang=es")
    wait.until(EC.visibility_of_element_located((By.ID, "manage-request-form")))
    _assert_spanish_page(driver)
    assert driver.find_element(By.TAG_NAME, "h1").text == es("manage_title")
    assert _label(driver, "email") == es("email")
    driver.find_element(By.ID, "email").send_keys(EMAIL)
    driver.find_element(By.CSS_SELECTOR, "#manage-request-form button[type=submit]").click()
    wait.until(lambda d: d.find_element(By.ID, "portal-message").text == es("manage_title"))
    assert "le enviamos un enlace para entrar" in driver.find_element(By.TAG_NAME, "main").text
    messages = _deliver(services, inbox, 1)
    assert len(messages) == 2 and messages[1]["To"] == EMAIL
    assert subject(messages[1]) == "Su enlace para administrar el registro de su cámara"
    assert "Abra este enlace dentro de" in mail_body(messages[1])

    # 5. the manage page, in Spanish: rename the first camera and change its retention
    driver.get(live_server + link_path(messages[1], MANAGE))
    wait.until(EC.visibility_of_element_located((By.ID, "manage-form")))
    _assert_spanish_page(driver)
    assert driver.find_element(By.TAG_NAME, "h1").text == es("manage_heading")
    main = driver.find_element(By.TAG_NAME, "main").text
    assert f"{es('manage_status')}: {es('status_approved')}" in main
    assert driver.find_element(By.ID, "manage-save").text == es("manage_save")
    assert driver.find_element(By.ID, "withdraw-submit").text == es("withdraw_button")
    first_id = ours[0][0]
    assert _label(driver, f"cam-{first_id}-label") == es("label")
    assert _label(driver, f"cam-{first_id}-retention") == es("retention")
    label = driver.find_element(By.ID, f"cam-{first_id}-label")
    assert label.get_attribute("value") == LABELS[0]
    label.send_keys(Keys.CONTROL, "a")
    label.send_keys("Portón del garaje")
    retention = driver.find_element(By.ID, f"cam-{first_id}-retention")
    retention.send_keys(Keys.CONTROL, "a")
    retention.send_keys("30")
    driver.find_element(By.ID, "manage-save").click()
    saved = wait.until(EC.visibility_of_element_located((By.ID, "manage-saved")))
    # the new label waits for review (the map keeps the old one); retention applies at once
    assert saved.text == es("manage_saved_review")
    _assert_spanish_page(driver)
    assert [(label, days) for _, label, days in _our_cameras(db)] == [(LABELS[0], 30), (LABELS[1], 7)]
    assert driver.find_element(By.ID, f"cam-{first_id}-label").get_attribute("value") == "Portón del garaje"
    assert driver.find_element(By.ID, f"pending-{first_id}").is_displayed()
    assert count_active(db) == before + 2  # an edit keeps the approved cameras on the map

    # 6. withdraw, in Spanish; the cameras leave the analyst's map
    driver.find_element(By.CSS_SELECTOR, "#withdraw-form input[name=confirm_withdraw]").click()
    driver.find_element(By.ID, "withdraw-submit").click()
    wait.until(lambda d: d.find_element(By.ID, "portal-message").text == es("withdrawn_title"))
    _assert_spanish_page(driver)
    assert es("withdrawn_body") in driver.find_element(By.TAG_NAME, "main").text
    assert count_active(db) == before
    assert _our_cameras(db) == []

    open_dashboard(driver, live_server, wait)
    wait_count(driver, wait, before)


def test_confirmation_page_follows_the_registration_language_on_an_english_browser(
        driver, live_server, services, inbox, wait):
    assert driver.execute_script("return navigator.language;").startswith("en")
    _register_es(driver, live_server, wait, lat=32.7801, lon=-96.8005)
    [mail] = _deliver(services, inbox, 1)
    assert subject(mail) == "Confirme el registro de su cámara"  # the email itself is Spanish
    driver.get(live_server + link_path(mail, CONFIRM))
    heading = wait.until(EC.visibility_of_element_located((By.ID, "portal-message")))
    assert heading.text == es("confirm_page_title")
    press_link_button(driver, wait, es("confirmed_title"))
