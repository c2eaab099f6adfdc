"""The public transparency page in a real Chromium, signed out: the figures, the chart, the
stylesheet (served locally, no inline style) and the switch to Spanish."""

from __future__ import annotations

from datetime import timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from sqlalchemy import func, select

from dashboard.audit import chain as audit
from dashboard.models import Camera, utcnow
from dashboard.transparency.periods import LOCAL_TZ
from tests.browser.conftest import severe_console_errors
from tests.transparency_data import publish_report

pytestmark = pytest.mark.browser


@pytest.fixture
def history(db, app):
    with db.session() as s:
        for i in range(12):
            audit.record(s, "owner_reveal", username="detective1", object_type="camera", object_id=i + 1,
                         case_number=f"26-00000{i:02d}", reason="canvass", category="burglary",
                         at=utcnow() - timedelta(days=3))
        for i in range(2):
            audit.record(s, "live_view", username="analyst1", object_type="camera", object_id=i + 1,
                         case_number="26-0000100", category="robbery", at=utcnow() - timedelta(days=1))
        active = s.scalar(select(func.count()).select_from(Camera).where(Camera.status == "active"))
    publish_report(app)  # what the transparency-report job does
    return active


def test_the_public_sees_the_figures_signed_out(driver, live_server, wait, history):
    driver.get(live_server + "/transparency")
    wait.until(EC.visibility_of_element_located((By.ID, "activity-totals")))
    assert driver.current_url.endswith("/transparency")  # not sent to the login page
    assert driver.find_element(By.TAG_NAME, "h1").text == "How the camera registry is used"

    reveals = driver.find_element(By.CSS_SELECTOR, 'tr[data-metric="owner_contact_reveals"]')
    assert reveals.find_element(By.CSS_SELECTOR, 'td[data-window="last_30_days"]').text == "12"
    live = driver.find_element(By.CSS_SELECTOR, 'tr[data-metric="live_views"]')
    assert live.find_element(By.CSS_SELECTOR, 'td[data-window="last_30_days"]').text == "fewer than 5"
    cameras = driver.find_element(By.CSS_SELECTOR, 'td[data-key="cameras"]').text
    assert cameras.replace(",", "") == str(history) and history > 1000
    burglary = driver.find_element(By.CSS_SELECTOR, '#activity-by-category tr[data-category="burglary"] td')
    assert burglary.text == "12"

    chart = driver.find_element(By.CSS_SELECTOR, 'figure[data-metric="owner_contact_reveals"] svg')
    bars = chart.find_elements(By.CSS_SELECTOR, "g.bar")
    assert len(bars) == 12
    month = (utcnow() - timedelta(days=3)).astimezone(LOCAL_TZ).strftime("%Y-%m")  # when the reveals happened
    heights = {bar.get_attribute("data-month"): bar.find_element(By.TAG_NAME, "rect").size["height"] for bar in bars}
    assert heights.pop(month) > 20 and set(heights.values()) == {0}
    # the stylesheet came from the app: the bars are the page's blue
    rect = chart.find_element(By.CSS_SELECTOR, f'g.bar[data-month="{month}"] rect')
    assert rect.value_of_css_property("fill") == "rgb(11, 61, 145)"
    assert severe_console_errors(driver) == []


def test_switch_to_spanish(driver, live_server, wait, history):
    driver.get(live_server + "/transparency")
    wait.until(EC.element_to_be_clickable((By.LINK_TEXT, "Español"))).click()
    wait.until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Cómo se usa el registro de cámaras"
    live = driver.find_element(By.CSS_SELECTOR, 'tr[data-metric="live_views"]')
    assert live.find_element(By.CSS_SELECTOR, 'td[data-window="last_30_days"]').text == "menos de 5"
    assert driver.find_element(By.ID, "audit-chain").get_attribute("data-result") == "ok"
