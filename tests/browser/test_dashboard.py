"""The operations dashboard in a real browser against a real server and a seeded database
(3,000 synthetic cameras, 20 demo incidents; see conftest.py)."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import text

from tests.browser.pages import (
    cluster_labels,
    count_active,
    drawn_total,
    hover_at,
    isolated_camera,
    map_state,
    point_of,
    real_click_at,
    settled_at,
    shown_count,
    tick,
    wait_count,
)

pytestmark = pytest.mark.browser

DIVISIONS = ["CENTRAL", "NORTHEAST", "SOUTHEAST", "SOUTHWEST", "NORTHWEST", "NORTH CENTRAL", "SOUTH CENTRAL"]


# -- the dashboard after sign-in ------------------------------------------------------------
def test_analyst_sees_the_dashboard_with_clusters_and_divisions(dashboard, db, wait):
    driver = dashboard("analyst", username="ana")
    assert "Test Analyst" in driver.find_element(By.ID, "current-user").text
    assert driver.find_element(By.ID, "current-role").get_attribute("textContent") == "Analyst"  # CSS upper-cases it
    assert driver.find_element(By.ID, "camera-map").is_displayed()

    total = count_active(db)
    assert total > 2000
    assert shown_count(driver) == total
    assert driver.find_element(By.ID, "camera-count").text == f"{total:,}"

    labels = cluster_labels(driver)
    assert len(labels) >= 10, labels
    # At the default zoom the whole city is in view: every active camera is in a cluster
    # icon or drawn on its own, so the icons' numbers plus the single cameras add up.
    wait.until(lambda d: drawn_total(d) == total, "cluster numbers + single cameras != #camera-count")

    # The seven division boundaries are drawn (canvas paths with projected rings).
    state = map_state(driver)
    assert sorted(state["divisions"]) == sorted(DIVISIONS)
    assert all(d["drawn"] for d in state["divisions"].values()), state["divisions"]
    assert driver.find_elements(By.CSS_SELECTOR, "#camera-map .leaflet-overlay-pane canvas")


# -- filters change the count, consistently with the database -------------------------------
def test_filters_change_the_count_like_the_database(dashboard, db, wait):
    driver = dashboard("analyst")
    total = count_active(db)
    wait_count(driver, wait, total)
    before = sorted(cluster_labels(driver))

    central = count_active(db, "s.division = :d", d="CENTRAL")
    assert 0 < central < total
    tick(driver, "division-filter", "Central")
    wait_count(driver, wait, central)
    wait.until(lambda d: sorted(cluster_labels(d)) != before, "the clusters did not change with the filter")
    wait.until(lambda d: drawn_total(d) == central, "clusters do not add up to the Central count")
    # the boundary layer follows the filter: Central filled, the others dashed
    divisions = map_state(driver)["divisions"]
    assert divisions["CENTRAL"]["fillOpacity"] > 0 and divisions["CENTRAL"]["dashArray"] is None
    assert divisions["NORTHEAST"]["dashArray"] == "4 4"

    tick(driver, "division-filter", "Central")  # untick: every division again
    wait_count(driver, wait, total)
    wait.until(lambda d: drawn_total(d) == total, "clusters do not add up to the total again")

    business = count_active(db, "o.owner_type = 'business'")
    tick(driver, "owner-type-filter", "Business")
    wait_count(driver, wait, business)

    business_live = count_active(db, "o.owner_type = 'business' AND c.live_access")
    assert 0 < business_live < business
    tick(driver, "access-filter", "Live access")
    wait_count(driver, wait, business_live)

    business_not_live = count_active(db, "o.owner_type = 'business' AND NOT c.live_access")
    tick(driver, "access-filter", "Registered only (no live view)")
    wait_count(driver, wait, business_not_live)
    assert business_live + business_not_live == business

    doorbells = count_active(db, "o.owner_type = 'business' AND NOT c.live_access AND c.camera_type = 'doorbell'")
    tick(driver, "camera-type-filter", "Doorbell")
    wait_count(driver, wait, doorbells)

    tick(driver, "camera-type-filter", "Doorbell")
    tick(driver, "owner-type-filter", "Business")
    tick(driver, "access-filter", "All registered cameras")
    wait_count(driver, wait, total)


def test_supervisor_starts_filtered_to_their_division(dashboard, db, wait):
    driver = dashboard("supervisor", division="CENTRAL")
    wait_count(driver, wait, count_active(db, "s.division = :d", d="CENTRAL"))
    assert driver.find_element(By.CSS_SELECTOR, "#division-filter input[value='CENTRAL']").is_selected()
    assert not driver.find_element(By.CSS_SELECTOR, "#division-filter input[value='NORTHEAST']").is_selected()


# -- a real click on a camera shows its details, never its owner ---------------------------
def test_cluster_click_zooms_in_and_camera_click_shows_details(dashboard, db, wait):
    driver = dashboard("analyst")
    assert map_state(driver)["zoom"] == 11

    # A cluster icon well inside the map: a real click on it zooms in by two levels.
    box = driver.find_element(By.ID, "camera-map").rect
    target = None
    for el in driver.find_elements(By.CSS_SELECTOR, ".cd-cluster"):
        r = el.rect
        cx, cy = int(r["x"] + r["width"] / 2), int(r["y"] + r["height"] / 2)
        if box["x"] + 60 < cx < box["x"] + box["width"] - 60 and box["y"] + 60 < cy < box["y"] + box["height"] - 60:
            target = (cx, cy)
            break
    assert target, "no cluster icon inside the map"
    real_click_at(driver, *target)
    wait.until(lambda d: settled_at(d, 13), "a click on a cluster did not zoom in by two levels")

    # Zoom to street level over one camera, as a user would, then click its pixel.
    camera = isolated_camera(db)
    driver.execute_script("window.__cdTestMap().setView([arguments[0], arguments[1]], 18, {animate: false});",
                          camera["lat"], camera["lon"])
    wait.until(lambda d: any(c["id"] == camera["id"] for c in map_state(d)["cameras"]),
               f"camera #{camera['id']} is not drawn at street zoom")
    assert not driver.find_elements(By.ID, "camera-detail-label")
    x, y = point_of(driver, camera["lat"], camera["lon"])
    hover_at(driver, x, y)
    # the pointer is over the camera: Leaflet opens its tooltip
    wait.until(lambda d: any(f"Camera #{camera['id']}" in (t.get_attribute("textContent") or "")
                             for t in d.find_elements(By.CSS_SELECTOR, ".leaflet-tooltip")),
               "no tooltip for the camera under the pointer")
    real_click_at(driver, x, y)

    wait.until(lambda d: d.find_elements(By.ID, "camera-detail-label"), "a click on the camera showed no details")
    detail = driver.find_element(By.ID, "camera-detail")
    assert driver.find_element(By.ID, "camera-detail-label").text == camera["label"]
    terms = [t.text for t in detail.find_elements(By.TAG_NAME, "dt")]
    values = [v.text for v in detail.find_elements(By.TAG_NAME, "dd")]
    assert "Camera #" in terms, terms
    assert values[terms.index("Camera #")] == str(camera["id"])
    assert settled_at(driver, 18)  # a click on a camera does not move the map

    # No owner detail reaches the page: not this camera's owner's, nor anyone else's.
    page = driver.page_source
    with db.engine.connect() as conn:
        own = conn.execute(text(
            "SELECT o.name, o.contact_person, o.email, o.phone, o.address FROM owners o "
            "JOIN camera_sites s ON s.owner_id = o.id JOIN cameras c ON c.site_id = s.id WHERE c.id = :id"),
            {"id": camera["id"]}).one()
        everyone = conn.execute(text("SELECT name, contact_person, email, phone, address FROM owners")).all()
    for value in (*own, *(v for row in everyone for v in row)):
        if value:
            assert value not in page, f"owner detail {value!r} is in the page"
    assert not driver.find_elements(By.ID, "owner-contact")


# -- the contract's element ids -------------------------------------------------------------
DOM_IDS = ("camera-map", "division-filter", "owner-type-filter", "camera-type-filter", "access-filter",
           "search-box", "incident-list", "nearest-cameras", "camera-detail", "camera-count")
LAYER_IDS = ("camera-layer", "incident-layer", "division-layer")

# Every string id in the Dash renderer's layout (Leaflet layers render no element of their own).
LAYOUT_IDS_JS = """
var ids = [];
function walk(node) {
  if (Array.isArray(node)) { node.forEach(walk); return; }
  if (!node || typeof node !== 'object') { return; }
  if (node.props) {
    if (typeof node.props.id === 'string') { ids.push(node.props.id); }
    walk(node.props.children);
  }
}
var layout = window.dash_stores[window.dash_stores.length - 1].getState().layout;
walk(layout && layout.components ? layout.components : layout);
return ids;
"""


def test_contract_element_ids(dashboard):
    driver = dashboard("analyst")
    for element_id in DOM_IDS:
        assert len(driver.find_elements(By.ID, element_id)) == 1, element_id
    assert driver.find_element(By.ID, "search-box").tag_name == "input"
    layout_ids = driver.execute_script(LAYOUT_IDS_JS)
    for element_id in (*DOM_IDS, *LAYER_IDS):
        assert element_id in layout_ids, element_id
    assert len(layout_ids) == len(set(layout_ids)), "duplicate ids in the layout"
    # The owner block exists only while revealed: never for an analyst.
    assert not driver.find_elements(By.ID, "owner-contact")
    assert "owner-contact" not in layout_ids
