"""The map's view and layers in a real browser: filters and the map view survive a reload
from the page's URL, the layer control hides and shows layers, and a camera with a known
direction gets its field-of-view cone at street zoom."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from sqlalchemy import text

from callbacks.map_view import reference_layers
from tests.browser.conftest import FIND_MAP_JS
from tests.browser.pages import count_active, map_state, settled_at, shown_count, tick, wait_count

pytestmark = pytest.mark.browser

# What the tests read from Leaflet beyond pages.MAP_STATE_JS: the view, the TAAG polygons
# (drawn = projected rings on the canvas), and the field-of-view cones per camera id.
VIEW_JS = """
var map = window.__cdTestMap();
if (!map) { return null; }
var c = map.getCenter();
var out = {zoom: map.getZoom(), lat: c.lat, lng: c.lng, taag: 0, taagDrawn: 0, cones: {}};
map.eachLayer(function (layer) {
  var p = layer.feature && layer.feature.properties;
  if (!p) { return; }
  if ('TAAG_Name' in p && layer.getLatLngs) {
    out.taag += 1;
    if (layer._parts && layer._parts.length) { out.taagDrawn += 1; }
  } else if (layer.options && layer.options.className === 'cd-cone' && layer.getLatLngs) {
    out.cones[p.id] = layer.getLatLngs()[0].length;
  }
});
return out;
"""


def view_of(driver) -> dict | None:
    return driver.execute_script(VIEW_JS)


def set_view(driver, lat: float, lon: float, zoom: int) -> None:
    """Move the map as a user would end up (one moveend), without an animation."""
    driver.execute_script("window.__cdTestMap().setView([arguments[0], arguments[1]], arguments[2], {animate: false});",
                          lat, lon, zoom)


def query(driver) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(driver.current_url).query).items()}


def ticked(driver, filter_id: str) -> list[str]:
    """The labels of the checked options of a dcc.Checklist / dcc.RadioItems."""
    return sorted(driver.execute_script(
        "return Array.from(document.querySelectorAll('#' + arguments[0] + ' input:checked')).map(function (i) {"
        " return i.closest('label').textContent.trim(); });", filter_id))


def reload_from_url(driver, wait) -> None:
    """driver.get(current URL): a fresh page, signed in, from nothing but the address bar."""
    driver.get(driver.current_url)
    wait.until(EC.visibility_of_element_located((By.ID, "camera-map")))
    driver.execute_script(FIND_MAP_JS)
    wait.until(lambda d: d.execute_script("return !!window.__cdTestMap()"))


def open_layers(driver, wait) -> None:
    control = driver.find_element(By.CSS_SELECTOR, "#camera-map .leaflet-control-layers")
    ActionChains(driver).move_to_element(control).perform()  # collapsed: it opens on hover
    wait.until(lambda d: "leaflet-control-layers-expanded" in control.get_attribute("class"))


def overlay_box(driver, name: str):
    return driver.find_element(
        By.XPATH, "//div[contains(@class,'leaflet-control-layers-overlays')]"
                  f"//label[.//span[normalize-space()='{name}']]//input")


def clusters_shown(driver) -> int:
    return sum(1 for e in driver.find_elements(By.CSS_SELECTOR, ".cd-cluster") if e.is_displayed())


# -- filters and the map view survive a reload from the URL ----------------------------------
def test_filters_and_map_view_come_back_from_the_url(dashboard, db, wait):
    driver = dashboard("analyst")
    assert "z=" not in driver.current_url  # a map nobody moved leaves the address clean

    tick(driver, "division-filter", "Central")
    tick(driver, "owner-type-filter", "Business")
    tick(driver, "access-filter", "Live access")
    expected = count_active(db, "s.division = 'CENTRAL' AND o.owner_type = 'business' AND c.live_access")
    assert expected > 0
    wait_count(driver, wait, expected)
    wait.until(lambda d: query(d).get("access") == "live", "the filters did not reach the URL")
    assert query(driver) == {"div": "CENTRAL", "owner": "business", "access": "live"}

    reload_from_url(driver, wait)
    wait_count(driver, wait, expected)
    assert ticked(driver, "division-filter") == ["Central"]
    assert ticked(driver, "owner-type-filter") == ["Business"]
    assert ticked(driver, "access-filter") == ["Live access"]
    assert driver.find_element(By.ID, "camera-count").text == f"{expected:,}"

    # the map view: moved, written to the URL after the filters, and restored by a reload
    lat, lon, zoom = 32.79512, -96.80134, 15
    set_view(driver, lat, lon, zoom)
    wait.until(lambda d: query(d).get("z") == str(zoom), "the map view did not reach the URL")
    q = query(driver)
    assert q["c"] == f"{lat:.5f},{lon:.5f}"
    assert {k: q[k] for k in ("div", "owner", "access")} == {"div": "CENTRAL", "owner": "business", "access": "live"}
    assert list(query(driver))[-2:] == ["z", "c"]

    reload_from_url(driver, wait)
    try:
        wait.until(lambda d: settled_at(d, zoom))
    except TimeoutException:
        raise AssertionError(f"the map did not come back at the URL's zoom: {view_of(driver)} "
                             f"at {driver.current_url}") from None
    view = view_of(driver)
    assert abs(view["lat"] - lat) < 1e-4 and abs(view["lng"] - lon) < 1e-4, view
    wait_count(driver, wait, expected)  # the filters came back too (the count is of the filters, not the view)
    assert ticked(driver, "access-filter") == ["Live access"]
    assert query(driver)["z"] == str(zoom) and query(driver)["div"] == "CENTRAL"

    # an invalid view in the address is ignored: the configured start view, the filters still applied
    driver.get(driver.current_url.split("?")[0] + "?div=CENTRAL&z=99&c=132.8,-96.8")
    wait.until(EC.visibility_of_element_located((By.ID, "camera-map")))
    driver.execute_script(FIND_MAP_JS)
    wait.until(lambda d: d.execute_script("return !!window.__cdTestMap()"))
    wait_count(driver, wait, count_active(db, "s.division = 'CENTRAL'"))
    assert view_of(driver)["zoom"] == 11


# -- the layer control ------------------------------------------------------------------------
def test_layer_control_hides_and_shows_cameras_and_draws_taags(dashboard, db, wait):
    driver = dashboard("analyst")
    total = count_active(db)
    wait_count(driver, wait, total)
    assert clusters_shown(driver) > 0
    assert view_of(driver)["taag"] == 0  # off by default

    open_layers(driver, wait)
    cameras = overlay_box(driver, "Cameras")
    assert cameras.is_selected()
    cameras.click()
    wait.until(lambda d: clusters_shown(d) == 0, "the clusters stayed on the map with Cameras unticked")
    assert not map_state(driver)["clusters"] and not map_state(driver)["cameras"]
    assert shown_count(driver) == total  # hiding a layer is not a filter

    open_layers(driver, wait)
    overlay_box(driver, "Cameras").click()
    wait.until(lambda d: clusters_shown(d) > 0, "the clusters did not come back with Cameras ticked")
    assert map_state(driver)["clusters"]

    open_layers(driver, wait)
    taag = overlay_box(driver, "Targeted Area Action Grids")
    assert not taag.is_selected()
    taag.click()
    expected = len(reference_layers()["taag"]["features"])
    assert expected > 40
    wait.until(lambda d: view_of(d)["taag"] == expected, "the TAAG polygons were not added")
    wait.until(lambda d: view_of(d)["taagDrawn"] >= expected // 2, "the TAAG polygons were not drawn")
    assert overlay_box(driver, "Targeted Area Action Grids").is_selected()

    open_layers(driver, wait)
    overlay_box(driver, "Targeted Area Action Grids").click()
    wait.until(lambda d: view_of(d)["taag"] == 0, "the TAAG polygons stayed with the layer unticked")


# -- a field-of-view cone at street zoom ---------------------------------------------------------
def directed_camera(db) -> dict:
    """An active camera with a known direction, alone at its site and more than 80 m (roughly:
    0.001 degrees) from any other active camera, so it is drawn on its own at street zoom."""
    with db.engine.connect() as conn:
        row = conn.execute(text("""
            SELECT c.id, s.latitude, s.longitude FROM cameras c JOIN camera_sites s ON s.id = c.site_id
            WHERE c.status = 'active' AND c.direction_deg IS NOT NULL
              AND (SELECT COUNT(*) FROM cameras c2 WHERE c2.site_id = c.site_id AND c2.status = 'active') = 1
              AND NOT EXISTS (SELECT 1 FROM cameras c3 JOIN camera_sites s3 ON s3.id = c3.site_id
                              WHERE c3.status = 'active' AND c3.id <> c.id
                                AND ABS(s3.latitude - s.latitude) < 0.001 AND ABS(s3.longitude - s.longitude) < 0.001)
            ORDER BY c.id LIMIT 1""")).first()
    assert row, "no isolated active camera with a direction in the registry"
    return {"id": row.id, "lat": row.latitude, "lon": row.longitude}


def test_street_zoom_draws_the_field_of_view_cone(dashboard, db, wait):
    driver = dashboard("analyst")
    camera = directed_camera(db)
    set_view(driver, camera["lat"], camera["lon"], 18)
    wait.until(lambda d: str(camera["id"]) in view_of(d)["cones"],
               f"no field-of-view cone for camera #{camera['id']} at zoom 18")
    assert view_of(driver)["cones"][str(camera["id"])] >= 3  # a wedge: the apex and an arc
    assert driver.find_elements(By.CSS_SELECTOR, "#camera-map .leaflet-overlay-pane canvas")
    wait.until(lambda d: query(d).get("z") == "18", "the street view did not reach the URL")

    set_view(driver, camera["lat"], camera["lon"], 15)  # below the cone zoom: the dot or a cluster only
    wait.until(lambda d: not view_of(d)["cones"], "the cones stayed below street zoom")
