"""Drawing on the map with a real pointer: Leaflet.draw's rectangle and circle tools, dragged
as a user drags them, rank the registered cameras inside the shape in #nearest-cameras."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from sqlalchemy import text

from dashboard.geo.geography import haversine_m
from tests.browser.pages import isolated_camera, map_state, point_of

pytestmark = pytest.mark.browser

LATLNG_JS = """
var map = window.__cdTestMap();
var box = map.getContainer().getBoundingClientRect();
var ll = map.containerPointToLatLng([arguments[0] - box.left, arguments[1] - box.top]);
return [ll.lat, ll.lng];
"""


def _active_sites(db) -> list[tuple[int, float, float]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT c.id, s.latitude, s.longitude FROM cameras c JOIN camera_sites s ON s.id = c.site_id "
            "WHERE c.status = 'active'"))]


def _street_view_over(driver, wait, camera: dict) -> tuple[int, int]:
    driver.execute_script("window.__cdTestMap().setView([arguments[0], arguments[1]], 18, {animate: false});",
                          camera["lat"], camera["lon"])
    wait.until(lambda d: any(c["id"] == camera["id"] for c in map_state(d)["cameras"]),
               f"camera #{camera['id']} is not drawn at street zoom")
    return point_of(driver, camera["lat"], camera["lon"])


def _drag(driver, tool: str, start: tuple[int, int], end: tuple[int, int]) -> None:
    driver.find_element(By.CSS_SELECTOR, f".leaflet-draw-draw-{tool}").click()
    (ActionChains(driver).move_to_location(*start).pause(0.1).click_and_hold().pause(0.1)
     .move_to_location((start[0] + end[0]) // 2, (start[1] + end[1]) // 2).pause(0.05)
     .move_to_location(*end).pause(0.1).release().perform())


def _ranking(driver, wait) -> tuple[str, list[str]]:
    """The drawn shape's summary line and the camera column, read in one go (the panel may
    re-render in between: a stale element means "not yet")."""
    def read(d):
        summary = next((e.text for e in d.find_elements(By.ID, "drawn-area-summary") if e.text), None)
        cells = d.find_elements(By.CSS_SELECTOR, "#nearest-cameras tbody tr td:first-child")
        return (summary, [td.text for td in cells]) if summary else None
    return wait.until(read, "no ranking for the drawn shape in #nearest-cameras")


def test_dragging_a_rectangle_ranks_the_cameras_inside(dashboard, db, wait):
    camera = isolated_camera(db)
    driver = dashboard("analyst")
    x, y = _street_view_over(driver, wait, camera)
    corner_a, corner_b = (x - 70, y - 50), (x + 70, y + 50)
    (lat_a, lon_a), (lat_b, lon_b) = (driver.execute_script(LATLNG_JS, *c) for c in (corner_a, corner_b))
    inside = [cid for cid, lat, lon in _active_sites(db)
              if min(lat_a, lat_b) <= lat <= max(lat_a, lat_b) and min(lon_a, lon_b) <= lon <= max(lon_a, lon_b)]
    assert camera["id"] in inside

    _drag(driver, "rectangle", corner_a, corner_b)
    summary, listed = _ranking(driver, wait)
    assert summary.startswith(f"Drawn area: {len(inside)} camera{'s' if len(inside) != 1 else ''} inside"), summary
    assert sorted(listed) == sorted(f"#{cid}" for cid in inside)


def test_dragging_a_circle_ranks_the_cameras_inside_its_radius(dashboard, db, wait):
    camera = isolated_camera(db)
    driver = dashboard("analyst")
    x, y = _street_view_over(driver, wait, camera)
    centre, rim = (x + 12, y), (x + 72, y)
    (clat, clon), (rlat, rlon) = (driver.execute_script(LATLNG_JS, *p) for p in (centre, rim))
    radius = float(haversine_m(clat, clon, rlat, rlon))
    inside = [cid for cid, lat, lon in _active_sites(db) if haversine_m(clat, clon, lat, lon) <= radius * 0.98]
    assert camera["id"] in inside

    _drag(driver, "circle", centre, rim)
    summary, listed = _ranking(driver, wait)
    assert summary.startswith("Drawn circle: ") and "distance and facing from its centre" in summary, summary
    assert f"#{camera['id']}" in listed and set(f"#{cid}" for cid in inside) <= set(listed)
