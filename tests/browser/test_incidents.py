"""Live incidents in a real browser: the seeded list, a CAD post appearing within the poll
interval, and the nearest cameras of a selected incident checked against the database."""

from __future__ import annotations

import math
import time

import pytest
import requests
from selenium.webdriver.common.by import By
from sqlalchemy import text

from callbacks.incidents import DOCKED, NEAREST_K, NEAREST_RADIUS_M
from dashboard.geo.geography import haversine_m
from dashboard.incidents.live_board import is_cleared
from dashboard.models import Camera, CameraSite, Owner
from tests.browser.pages import map_state, settled_at
from tests.conftest import CAD_TOKEN

pytestmark = pytest.mark.browser

POLL_S = 1.0
INCIDENT_AT = (32.7801, -96.8005)  # downtown
NEAR_OFFSETS_M = ((8, 0), (0, 20), (-30, 5), (25, -40), (-60, -55))  # (north, east) in metres


@pytest.fixture
def settings_overrides() -> dict:
    # the seeded sample has cleared calls hours old: keep them listed for this test
    return {"poll_interval_seconds": POLL_S, "cleared_visible_minutes": 24 * 60}


def _add_cameras_near(db, lat: float, lon: float) -> list[int]:
    """Five active cameras within 100 m of the point, each at its own site."""
    m_per_deg_lat = 111_132.0
    m_per_deg_lon = 111_320.0 * math.cos(math.radians(lat))
    ids = []
    with db.session() as s:
        owner = Owner(owner_type="business", name="Elm Street Deli", contact_person="Pat Example",
                      email="deli@example.net", phone="(214) 555-0142", address="1512 Elm St, Dallas, TX")
        s.add(owner)
        for north, east in NEAR_OFFSETS_M:
            site = CameraSite(owner=owner, latitude=round(lat + north / m_per_deg_lat, 6),
                              longitude=round(lon + east / m_per_deg_lon, 6), division="CENTRAL", beat="131",
                              address="1500 block of Elm St, Dallas, TX")
            camera = Camera(site=site, label="Storefront", camera_type="dome", placement="outdoor",
                            range_m=30, retention_days=14, live_access=False, status="active")
            s.add_all([site, camera])
            s.flush()
            ids.append(camera.id)
    return ids


def _item_xpath(number: str) -> str:
    return (f"//*[@id='incident-list']//button[contains(@class, 'cd-incident-item')]"
            f"[.//*[contains(normalize-space(), '{number}')]]")


def test_incident_list_new_cad_incident_and_nearest_cameras(dashboard, db, live_server, wait):
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT incident_number, status FROM incidents")).all()
    seeded = [r[0] for r in rows]
    open_calls = [r[0] for r in rows if not is_cleared(r[1])]
    assert seeded and open_calls and len(open_calls) < len(seeded)  # the sample has both
    near_ids = _add_cameras_near(db, *INCIDENT_AT)

    driver = dashboard("analyst")
    # the drawer opens on the open calls, with its total; "All" adds the cleared ones
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#incident-list .cd-incident-item")) == len(open_calls))
    wait.until(lambda d: d.find_element(By.ID, "incident-count").text
               == f"{len(seeded)} calls, {len(open_calls)} open")
    driver.find_element(By.XPATH, "//*[@id='incident-status-filter']//label[normalize-space()='All']").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#incident-list .cd-incident-item")) == len(seeded))
    listed = driver.find_element(By.ID, "incident-list").get_attribute("textContent")
    for number in seeded:
        assert number in listed
    wait.until(lambda d: sorted(map_state(d)["incidents"]) == sorted(seeded))  # and their pins

    number = "BROWSER-0001-2026"
    response = requests.post(live_server + "/api/v1/incidents", timeout=10,
                             headers={"Authorization": f"Bearer {CAD_TOKEN}"},
                             json={"incident_number": number, "nature_of_call": "19 - Shooting", "priority": 1,
                                   "latitude": INCIDENT_AT[0], "longitude": INCIDENT_AT[1]})
    assert response.status_code == 201, response.text
    posted = time.monotonic()
    wait.until(lambda d: d.find_elements(By.XPATH, _item_xpath(number)), "the posted incident never appeared")
    assert time.monotonic() - posted < POLL_S + 4  # within the poll interval + a margin
    item = driver.find_element(By.XPATH, _item_xpath(number))
    assert "P1 · 19 - Shooting" in item.text
    alert = wait.until(lambda d: d.find_element(By.ID, "incident-alert").text or None, "no alert for a new P1")
    assert "New P1 call" in alert and number in alert
    driver.find_element(By.ID, "incident-alert-dismiss").click()
    wait.until(lambda d: d.find_element(By.ID, "incident-alert").text == "", "the alert did not dismiss")
    first = driver.find_elements(By.CSS_SELECTOR, "#incident-list .cd-incident-item")[0]
    assert number in first.text  # the only P1 comes first
    wait.until(lambda d: number in map_state(d)["incidents"])
    assert len(driver.find_elements(By.CSS_SELECTOR, "#incident-list .cd-incident-item")) == len(seeded) + 1

    item.click()
    rows_css = "#nearest-cameras table tbody tr"
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, rows_css), "no nearest-cameras table")
    assert number in driver.find_element(By.ID, "nearest-cameras").text
    wait.until(lambda d: "selected" in d.find_element(By.XPATH, _item_xpath(number)).get_attribute("class"))

    def table_rows():
        rows = []
        for row in driver.find_elements(By.CSS_SELECTOR, rows_css):
            cells = [td.text for td in row.find_elements(By.TAG_NAME, "td")]
            assert cells[0].startswith("#") and cells[1].endswith(" m"), cells
            faces, left = cells[3], cells[4]
            score = -1 if left == "overwritten" else 2 * (faces == "yes") + ("urgent" in left)
            rows.append((int(cells[0][1:]), int(cells[1][:-2]), score))
        return rows

    with db.engine.connect() as conn:
        cams = conn.execute(text("SELECT c.id, s.latitude, s.longitude FROM cameras c "
                                 "JOIN camera_sites s ON s.id = c.site_id WHERE c.status = 'active'")).all()
    true_m = {c.id: float(haversine_m(INCIDENT_AT[0], INCIDENT_AT[1], c.latitude, c.longitude)) for c in cams}
    within = sum(1 for m in true_m.values() if m <= NEAREST_RADIUS_M)
    wait.until(lambda d: len(table_rows()) == min(DOCKED, within), "the first 4 are not docked")
    # up to 20 on demand
    driver.find_element(By.XPATH, "//*[@id='nearest-more']//label").click()
    wait.until(lambda d: len(table_rows()) == min(NEAREST_K, within), "more cameras were not shown")
    shown = [(cid, metres) for cid, metres, _ in table_rows()]
    ranked = table_rows()
    # ranked for investigators: the score never rises down the list, distance breaks ties
    for (_, m1, s1), (_, m2, s2) in zip(ranked, ranked[1:], strict=False):
        assert s1 > s2 or (s1 == s2 and m1 <= m2), ranked
    distances = [m for _, m in shown]
    export_form = driver.find_element(By.XPATH, "//button[@id='canvass-download']/ancestor::form")
    assert export_form.get_attribute("method") == "post"  # an audited export: never a link
    assert export_form.get_attribute("action").endswith(f"/api/v1/incidents/{number}/canvass.csv")
    fields = {i.get_attribute("name"): i.get_attribute("value")
              for i in export_form.find_elements(By.CSS_SELECTOR, "input[type=hidden]")}
    assert fields == {"radius_m": "150", "k": str(NEAREST_K)}

    def exports() -> int:
        with db.engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM audit_events WHERE action = 'canvass_export' "
                                     "AND outcome = 'ok'")).scalar()

    driver.find_element(By.ID, "canvass-download").click()  # assets/csrf_forms.js adds the token
    wait.until(lambda d: exports() == 1, "the canvass export (a POST with the CSRF token) did not arrive")

    # The table is the cameras within the radius, as the database says.
    assert len(shown) == min(NEAREST_K, within), (shown, within)
    listed_ids = {cid for cid, _ in shown}
    for cid, metres in shown:
        assert abs(true_m[cid] - metres) <= 1, (cid, metres, true_m[cid])
    left_out = [cid for cid, m in true_m.items() if m < max(distances) - 1 and cid not in listed_ids]
    assert not left_out, f"cameras nearer than {max(distances)} m are missing: {left_out}"
    assert near_ids[0] in listed_ids  # the camera 8 m away

    wait.until(lambda d: settled_at(d, 17), "the map did not fly to the incident")
