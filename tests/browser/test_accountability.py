"""Issue 14's three pages in a real Chromium: the public transparency report (English and
Spanish, offense categories translated), an owner's access history on their manage page
(English, then the switch to Spanish), and /analytics as a supervisor (every Plotly figure drawn
by the plotly.js the app serves, the numbers beside the services', no console error)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from sqlalchemy import select

from dashboard.analytics.coverage import call_coverage, urgent_calls
from dashboard.audit import chain as audit
from dashboard.models import Camera, CameraSite, Incident, Owner, utcnow
from dashboard.models.footage import FootageRequest, FootageRequestEvent, FootageUpload
from dashboard.owners import links
from dashboard.registry.cache import load_snapshot
from tests.browser.conftest import severe_console_errors, sign_in
from tests.transparency_data import publish_report

pytestmark = pytest.mark.browser

CASE = "26-0004321"
FIGURES = ("fig-coverage-division", "fig-coverage-month", "fig-recruitment-map", "fig-funnel", "fig-acceptance",
           "fig-growth", "fig-access")


@pytest.fixture
def accesses(db):
    """Owner 'Ana' (camera 'Porch'): a reveal for a burglary, a footage request for an assault that
    she accepted and whose footage was used; another owner's camera revealed for a theft."""
    now = utcnow()
    with db.session() as s:
        ana = Owner(owner_type="resident", name="Ana Alpha", email="ana-browser@example.org")
        other = s.scalars(select(Owner).order_by(Owner.id).limit(1)).one()
        site = CameraSite(owner=ana, latitude=32.781, longitude=-96.797)
        porch = Camera(site=site, label="Porch", camera_type="doorbell", status="active")
        incident = s.scalars(select(Incident).order_by(Incident.id).limit(1)).one()
        s.add_all([ana, site, porch])
        s.flush()
        other_camera = s.scalar(select(Camera.id).join(CameraSite, Camera.site_id == CameraSite.id)
                                .where(CameraSite.owner_id == other.id).limit(1))
        for _ in range(6):
            audit.record(s, "owner_reveal", username="det-browser", object_type="camera", object_id=porch.id,
                         case_number=CASE, reason="burglary next door", category="burglary",
                         at=now - timedelta(days=2))
        audit.record(s, "owner_reveal", username="det-browser", object_type="camera", object_id=other_camera,
                     case_number=CASE, reason="shoplifting", category="theft", at=now - timedelta(days=1))
        req = FootageRequest(incident_id=incident.id, camera_id=porch.id, owner_id=ana.id, case_number=CASE,
                             window_start=now - timedelta(days=3), window_end=now - timedelta(days=3),
                             token_hash="c" * 64, status="closed", outcome="used", created_at=now - timedelta(days=2),
                             expires_at=now + timedelta(days=5))
        s.add(req)
        s.flush()
        audit.record(s, "footage_request", username="det-browser", object_type="footage_request", object_id=req.id,
                     case_number=CASE, category="assault", at=now - timedelta(days=2))
        s.add_all([FootageRequestEvent(request_id=req.id, status="sent", actor="system"),
                   FootageRequestEvent(request_id=req.id, status="accepted", actor="owner"),
                   FootageUpload(request_id=req.id, original_name="porch.mp4", content_type="video/mp4",
                                 size_bytes=10, sha256="d" * 64, stored_path="x/porch.mp4")])
        # two P1 calls where no camera is near (the demo puts its calls beside cameras): recruitment targets
        for i, (lat, lon, beat) in enumerate(((32.6200, -96.6200, "355"), (32.6250, -96.6250, "355"))):
            s.add(Incident(incident_number=f"B{i:07d}", nature_of_call="Shooting", priority=1, latitude=lat,
                           longitude=lon, beat=beat, division="SOUTHEAST", received_at=now - timedelta(days=4)))
        token = links.issue(s, "manage", now + timedelta(hours=2), owner_id=ana.id)
    return f"/register/manage/{token}"


def test_transparency_in_english_and_spanish(driver, live_server, wait, accesses, app):
    publish_report(app)  # what the transparency-report job does
    driver.get(live_server + "/transparency?lang=en")
    wait.until(EC.visibility_of_element_located((By.ID, "activity-by-category")))
    burglary = driver.find_element(By.CSS_SELECTOR, '#activity-by-category tr[data-category="burglary"]')
    assert "Burglary" in burglary.text and burglary.find_element(By.TAG_NAME, "td").text == "6"
    assert CASE not in driver.page_source and "det-browser" not in driver.page_source
    driver.find_element(By.LINK_TEXT, "Español").click()
    wait.until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es")
    burglary = driver.find_element(By.CSS_SELECTOR, '#activity-by-category tr[data-category="burglary"]')
    assert "Robo en vivienda o local" in burglary.text
    theft = driver.find_element(By.CSS_SELECTOR, '#activity-by-category tr[data-category="theft"]')
    assert "menos de 5" in theft.text
    assert severe_console_errors(driver) == []


def test_the_owner_reads_their_history_in_english_and_spanish(driver, live_server, wait, accesses):
    driver.get(live_server + accesses + "?lang=en")
    history = wait.until(EC.visibility_of_element_located((By.ID, "access-history")))
    assert history.find_element(By.TAG_NAME, "h2").text == "Who accessed your registration"
    rows = history.find_elements(By.CSS_SELECTOR, "tr.history-entry")
    kinds = sorted(r.get_attribute("data-kind") for r in rows)
    assert kinds == ["contact_revealed"] * 6 + ["footage_requested"]
    requested = next(r for r in rows if r.get_attribute("data-kind") == "footage_requested")
    assert "A detective asked for your footage" in requested.text and "Assault" in requested.text
    assert "you accepted · your footage was used" in requested.text and "Porch" in requested.text
    assert "Theft" not in history.text  # another owner's access
    page = driver.page_source
    for secret in (CASE, "det-browser", "burglary next door"):
        assert secret not in page
    driver.find_element(By.ID, "language-switch").click()
    wait.until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es")
    history = driver.find_element(By.ID, "access-history")
    assert "Quién accedió a su registro" in history.text and "Un detective pidió su grabación" in history.text
    assert "Robo en vivienda o local" in history.text and "usted aceptó · su grabación se usó" in history.text
    assert severe_console_errors(driver) == []


def test_analytics_as_a_supervisor(driver, live_server, wait, make_user, db, accesses):
    sign_in(driver, live_server, make_user("sup-browser", "supervisor"))
    wait.until(EC.visibility_of_element_located((By.ID, "camera-map")))
    driver.get(live_server + "/analytics")
    wait.until(EC.visibility_of_element_located((By.ID, "analytics")))
    # every figure drawn by the plotly.js this app serves (no CDN: the CSP allows only 'self')
    wait.until(lambda d: all(d.find_element(By.ID, f).get_attribute("data-drawn") == "1" for f in FIGURES),
               "the Plotly figures were not all drawn")
    assert driver.execute_script("return typeof window.Plotly") == "object"
    for figure_id in FIGURES:
        assert driver.find_elements(By.CSS_SELECTOR, f"#{figure_id} svg.main-svg"), figure_id
    # the markers of the recruitment map and the bars of the division chart are there
    assert driver.find_elements(By.CSS_SELECTOR, "#fig-recruitment-map .scatterlayer .point")
    target = driver.find_element(By.CSS_SELECTOR, '#recruitment-table tr[data-key="355"]')
    assert [td.text for td in target.find_elements(By.TAG_NAME, "td")][2:4] == ["2", "2"]
    assert driver.find_elements(By.CSS_SELECTOR, "#fig-coverage-division .barlayer .point")
    # the numbers beside the services'
    now = utcnow()
    with db.session() as s:
        covered = call_coverage(load_snapshot(db), urgent_calls(s, now - timedelta(days=366), now + timedelta(1)))
    assert driver.find_element(By.CSS_SELECTOR, "#kpi-calls strong").text == str(len(covered))
    assert f"{int(covered['covered'].sum())} with a camera within 150 m" in driver.find_element(By.ID, "kpi-covered").text
    review = driver.find_element(By.CSS_SELECTOR, '#access-table tr[data-key="det-browser"]')
    assert review.find_elements(By.TAG_NAME, "td")[1].text == "7"
    # the period switch
    driver.find_element(By.LINK_TEXT, "Last 30 days").click()
    wait.until(lambda d: d.current_url.endswith("/analytics?days=30"))
    wait.until(lambda d: d.find_element(By.ID, "fig-funnel").get_attribute("data-drawn") == "1")
    assert severe_console_errors(driver) == []


def test_analytics_refused_to_an_analyst(driver, live_server, wait, make_user):
    sign_in(driver, live_server, make_user("ana-browser", "analyst"))
    wait.until(EC.visibility_of_element_located((By.ID, "camera-map")))
    driver.get(live_server + "/analytics")
    assert "supervisors and administrators only" in wait.until(
        EC.visibility_of_element_located((By.ID, "analytics-forbidden"))).text
    assert not driver.find_elements(By.ID, "analytics")
