"""Issue 13's finishing touches in real Chromium, at a desk (1920x1080) and on a phone (390x844):
the ranked cameras numbered on the map and a row opening its camera, "Clear filters" on empty
results, the density legend, the admins' pending-registrations badge, the registrations page
in the dark theme."""

from __future__ import annotations

import math

import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import text

from dashboard.models import Camera, CameraSite, Owner
from dashboard.models.registration import Registration
from tests.browser.conftest import severe_console_errors
from tests.browser.pages import count_active, map_state, point_of, shown_count, wait_count
from tests.browser.test_cases import viewport
from tests.browser.test_map_view import open_layers, overlay_box
from tests.conftest import CAD_TOKEN

pytestmark = pytest.mark.browser

SIZES = [pytest.param((1920, 1080, False), id="desk"), pytest.param((390, 844, True), id="phone")]
INCIDENT = "FINISH-0013-2026"
AT = (32.7801, -96.8005)
OFFSETS_M = ((8, 0), (0, 20), (-30, 5), (25, -40), (-60, -55))
DARK_BG = "rgb(11, 19, 32)"  # --bg of assets/style.css


def _cameras_near(db, lat: float, lon: float) -> dict[int, tuple[float, float]]:
    per_lat, per_lon = 111_132.0, 111_320.0 * math.cos(math.radians(lat))
    out = {}
    with db.session() as s:
        owner = Owner(owner_type="business", name="Finish Line Deli", email="finish@example.net")
        s.add(owner)
        for north, east in OFFSETS_M:
            site = CameraSite(owner=owner, latitude=round(lat + north / per_lat, 6),
                              longitude=round(lon + east / per_lon, 6), division="CENTRAL", beat="131")
            camera = Camera(site=site, label="Door", camera_type="dome", retention_days=14, status="active")
            s.add_all([site, camera])
            s.flush()
            out[camera.id] = (site.latitude, site.longitude)
    return out


def _tap(driver, element) -> None:
    """Scroll the element to the middle of its panel (a thumb scrolling the sheet), then click it."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    WebDriverWait(driver, 5).until(lambda d: d.execute_script(  # in view and on top (nothing sliding over it)
        "var r = arguments[0].getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;"
        "var hit = document.elementFromPoint(x, y); return !!hit && arguments[0].contains(hit);", element),
        "the element never came into view uncovered")
    element.click()


def _sheet(driver, wanted: str) -> None:
    """On the phone, tap "Panels" until the wanted sheet ('' for none) is up."""
    for _ in range(3):
        if (driver.execute_script("return document.documentElement.getAttribute('data-sheet')") or "") == wanted:
            break
        driver.find_element(By.ID, "sheet-toggle").click()
    else:
        raise AssertionError(f"the {wanted!r} sheet never came up")
    _sheets_still(driver)


def _sheets_still(driver) -> None:
    """Wait until the phone's sheets have finished sliding (up or down): until then they cover the map."""
    WebDriverWait(driver, 5).until(lambda d: d.execute_script(
        "return Array.from(document.querySelectorAll('.cd-side, .cd-filters')).every(function (e) {"
        " return e.getAnimations().length === 0; });"), "a sheet never stopped sliding")


RANK_MARKERS_JS = """
function onScreen(el) {
  var r = el.getBoundingClientRect();
  return r.right > 0 && r.bottom > 0 && r.left < window.innerWidth && r.top < window.innerHeight;
}
function z(el) { return Number(el.style.zIndex) || 0; }
var out = [];
document.querySelectorAll('.leaflet-marker-icon.cd-rank-marker').forEach(function (el) {
  var r = el.getBoundingClientRect();
  var x = r.left + r.width / 2, y = r.top + r.height / 2;
  var hit = document.elementFromPoint(x, y);
  out.push({text: el.textContent.trim(), x: x, y: y, z: z(el), on_top: !!hit && el.contains(hit),
            under_pin: !!hit && !!hit.closest && !!hit.closest('.cd-incident-pin'),
            hit: hit ? hit.tagName + '.' + String(hit.className) + '#' + hit.id : null});
});
var clusters = Array.from(document.querySelectorAll('.leaflet-marker-icon.cd-cluster')).filter(onScreen).map(z);
var pins = Array.from(document.querySelectorAll('.leaflet-marker-icon.cd-incident-pin')).filter(onScreen).map(z);
return {markers: out, clusters: clusters, pins: pins};
"""


@pytest.mark.parametrize("size", SIZES)
def test_ranked_cameras_numbered_on_the_map_and_a_row_opens_its_camera(dashboard, db, live_server, wait, size):
    width, height, mobile = size
    positions = _cameras_near(db, *AT)
    response = requests.post(live_server + "/api/v1/incidents", timeout=10,
                             headers={"Authorization": f"Bearer {CAD_TOKEN}"},
                             json={"incident_number": INCIDENT, "nature_of_call": "BURGLARY", "priority": 3,
                                   "latitude": AT[0], "longitude": AT[1]})
    assert response.status_code == 201, response.text
    driver = dashboard("analyst")
    viewport(driver, width, height, mobile)
    if mobile:
        _sheet(driver, "side")
    item = wait.until(lambda d: d.find_element(
        By.XPATH, f"//*[@id='incident-list']//button[.//*[contains(normalize-space(), '{INCIDENT}')]]"))
    _tap(driver, item)
    rows_css = "#nearest-cameras tr.cd-ranked-row"
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, rows_css)) == 4, "the 4 docked rows are not listed")
    ids = [int(r.find_element(By.TAG_NAME, "td").text.lstrip("#")) for r in driver.find_elements(By.CSS_SELECTOR, rows_css)]
    assert set(ids) <= set(positions)  # the cameras placed around the incident
    # each row shows its number (the ::before of its first cell), 1 to 4 in list order
    numbers = driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0] + ' > td:first-child')).map(function (td) {"
        " return getComputedStyle(td, '::before').content; });", rows_css)
    assert numbers == ['"1"', '"2"', '"3"', '"4"']

    if mobile:
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)  # the sheet down: the map in full
        wait.until(lambda d: not d.execute_script("return document.documentElement.getAttribute('data-sheet')"))
        _sheets_still(driver)  # CI once read the numbers while the sheet was still sliding over them
    wait.until(lambda d: len(d.execute_script(RANK_MARKERS_JS)["markers"]) == 4, "no numbered markers on the map")
    wait.until(lambda d: map_state(d)["zoom"] == 17 and not map_state(d)["animating"])

    def markers_placed(d):
        drawn = d.execute_script(RANK_MARKERS_JS)
        by_number = {m["text"]: m for m in drawn["markers"]}
        for rank, cid in enumerate(ids, start=1):
            x, y = point_of(d, *positions[cid])
            m = by_number.get(str(rank))
            if m is None or abs(m["x"] - x) > 2 or abs(m["y"] - y) > 2:
                return None
        return drawn
    drawn = wait.until(markers_placed, "the numbers are not at their cameras")
    # nothing covers a number but an incident pin (pins stay on top: a camera 8 m from the call sits under it)
    assert all(m["on_top"] or m["under_pin"] for m in drawn["markers"]), drawn
    assert sum(m["on_top"] for m in drawn["markers"]) >= 3, drawn
    assert drawn["pins"] and all(m["z"] < z for m in drawn["markers"] for z in drawn["pins"])  # below the pins
    box = driver.find_element(By.ID, "camera-map").rect
    for m in drawn["markers"]:
        assert box["x"] <= m["x"] <= box["x"] + box["width"] and box["y"] <= m["y"] <= box["y"] + box["height"]

    # zoomed out, the numbers stay above the clusters around them
    driver.execute_script("window.__cdTestMap().setZoom(14, {animate: false});")
    wait.until(lambda d: d.execute_script(RANK_MARKERS_JS)["clusters"], "no cluster around the incident at zoom 14")
    drawn = driver.execute_script(RANK_MARKERS_JS)
    assert all(m["z"] > z for m in drawn["markers"] for z in drawn["clusters"]), drawn

    if mobile:
        _sheet(driver, "side")
    _tap(driver, driver.find_elements(By.CSS_SELECTOR, rows_css)[2])
    wait.until(lambda d: any(dd.text == str(ids[2]) for dd in d.find_elements(By.CSS_SELECTOR, "#camera-detail dd")),
               "the row did not open its camera")

    def centred(d):
        c = d.execute_script("var c = window.__cdTestMap().getCenter(); return [c.lat, c.lng];")
        state = map_state(d)
        return (not state["animating"] and state["zoom"] >= 18 and abs(c[0] - positions[ids[2]][0]) < 1e-4
                and abs(c[1] - positions[ids[2]][1]) < 1e-4)
    wait.until(centred, "the map is not centred on the opened camera")


@pytest.mark.parametrize("size", SIZES)
def test_clear_filters_on_an_empty_map_board_and_search(dashboard, db, live_server, wait, size):
    width, height, mobile = size
    driver = dashboard("analyst")
    viewport(driver, width, height, mobile)
    total = count_active(db)
    notice = driver.find_element(By.ID, "filters-empty")
    assert not notice.is_displayed()
    driver.get(live_server + "/?since=2999-01-01&owner=government")  # a link whose filters match nothing
    wait.until(lambda d: shown_count(d) == 0)
    notice = wait.until(EC.visibility_of_element_located((By.ID, "filters-empty")))
    assert "No camera matches these filters." in notice.text
    button = notice.find_element(By.CSS_SELECTOR, "button.cd-clear-filters")
    if mobile:
        assert button.rect["height"] >= 44 and button.rect["x"] + button.rect["width"] <= width
    button.click()
    wait_count(driver, wait, total)
    wait.until(lambda d: "since" not in d.current_url and "owner" not in d.current_url, "the URL kept the filters")
    wait.until(EC.invisibility_of_element_located((By.ID, "filters-empty")))

    # the CAD board: a division with no call
    with db.engine.connect() as conn:
        busy = {r[0] for r in conn.execute(text("SELECT DISTINCT division FROM incidents WHERE division IS NOT NULL"))}
    quiet = next(d for d in ("SOUTHWEST", "NORTHWEST", "SOUTHEAST", "NORTH CENTRAL", "SOUTH CENTRAL", "CENTRAL",
                             "NORTHEAST") if d not in busy)
    if mobile:
        _sheet(driver, "side")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#incident-list .cd-incident-item"))
    shown = len(driver.find_elements(By.CSS_SELECTOR, "#incident-list .cd-incident-item"))
    _tap(driver, driver.find_element(By.ID, "incident-division-filter"))
    # the dropdown's own options (the map's division checklist draws options of the same class)
    options = "//*[contains(@class, 'dash-options-list-option')][not(ancestor::*[@id='division-filter'])]"
    option = wait.until(lambda d: next((o for o in d.find_elements(By.XPATH, options)
                                        if o.text.strip() == quiet.title() and o.is_displayed()), None),
                        "the division list did not open")
    option.click()
    ActionChains(driver).send_keys(Keys.ESCAPE).perform()
    wait.until(lambda d: not any(o.is_displayed() for o in d.find_elements(By.XPATH, options)
                                 if o.text.strip() == quiet.title()), "the division list did not close")
    if mobile:
        _sheet(driver, "side")  # Escape also lowers the phone's sheet (assets/screens.js)
    empty = wait.until(EC.visibility_of_element_located((By.ID, "incident-list-empty")))
    assert "No incident matches these filters." in empty.text
    _tap(driver, empty.find_element(By.CSS_SELECTOR, "button.cd-clear-filters"))
    # every call again: no division, no priority, open and cleared (callbacks/clear_filters.BOARD_CLEARED)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#incident-list .cd-incident-item")) >= shown > 0
               and not d.find_elements(By.ID, "incident-list-empty"))

    # a search with no match
    if mobile:
        _sheet(driver, "filters")
    search = driver.find_element(By.ID, "search-box")
    search.send_keys("zzqx nowhere lane", Keys.ENTER)
    empty = wait.until(EC.visibility_of_element_located((By.ID, "search-empty")))
    _tap(driver, empty.find_element(By.CSS_SELECTOR, "button.cd-clear-filters"))
    wait.until(lambda d: not d.find_elements(By.ID, "search-empty"))
    assert driver.find_element(By.ID, "search-box").get_attribute("value") == ""


DENSITY_JS = """
var map = window.__cdTestMap(), fills = {};
map.eachLayer(function (layer) {
  var p = layer.feature && layer.feature.properties;
  if (p && p.beat && layer.options && layer.options.fill && layer.options.fillColor !== undefined
      && layer.options.fillOpacity > 0.5) { fills[p.beat] = layer.options.fillColor; }
});
return fills;
"""


@pytest.mark.parametrize("size", SIZES)
def test_the_density_layer_has_a_legend_in_cameras_per_km2(dashboard, wait, size):
    width, height, mobile = size
    driver = dashboard("analyst")
    viewport(driver, width, height, mobile)
    legend = driver.find_element(By.ID, "density-legend")
    assert not legend.is_displayed()
    open_layers(driver, wait)
    overlay_box(driver, "Camera density (per beat)").click()
    legend = wait.until(EC.visibility_of_element_located((By.ID, "density-legend")))
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#density-legend .cd-density-row")) >= 3,
               "the legend has no classes")
    assert "Cameras per km² (beat)" in legend.text and "≥" in legend.text and "no camera" in legend.text
    swatches = driver.execute_script(
        "return Array.from(document.querySelectorAll('#density-legend .cd-density-swatch:not(.cd-density-empty)'))"
        ".map(function (e) { return getComputedStyle(e).backgroundColor; });")
    fills = wait.until(lambda d: d.execute_script(DENSITY_JS) or None, "no beat is shaded")
    rgb = {"#{:02x}{:02x}{:02x}".format(*[int(v) for v in c[c.index("(") + 1:c.index(")")].split(",")[:3]])
           for c in swatches}
    assert set(fills.values()) <= rgb and len(set(fills.values())) >= 2  # the map uses the legend's colours
    box, map_box = legend.rect, driver.find_element(By.ID, "camera-map").rect
    assert map_box["x"] <= box["x"] and box["x"] + box["width"] <= map_box["x"] + map_box["width"] + 1
    assert box["y"] + box["height"] <= map_box["y"] + map_box["height"]
    open_layers(driver, wait)
    overlay_box(driver, "Camera density (per beat)").click()
    wait.until(EC.invisibility_of_element_located((By.ID, "density-legend")))


@pytest.mark.parametrize("size", SIZES)
def test_the_pending_badge_for_admins_and_not_for_analysts(dashboard, db, driver, live_server, wait, size):
    width, height, mobile = size
    with db.session() as s:
        s.add_all([Registration(status="pending_review") for _ in range(3)] + [Registration(status="unconfirmed")])
    dashboard("analyst")
    viewport(driver, width, height, mobile)
    assert not driver.find_elements(By.ID, "pending-registrations-badge")
    assert not driver.find_elements(By.ID, "link-admin-registrations")
    driver.get(live_server + "/healthz")  # leave the page (its polls), then sign in as someone else
    assert not severe_console_errors(driver)
    driver.delete_all_cookies()

    dashboard("admin")
    viewport(driver, width, height, mobile)
    badge = wait.until(EC.visibility_of_element_located((By.ID, "pending-registrations-badge")))
    wait.until(lambda d: badge.text == "3")
    link = driver.find_element(By.ID, "link-admin-registrations")
    assert link.get_attribute("title") == "3 registrations awaiting moderation"
    assert link.get_attribute("href").endswith("/admin/registrations")
    rect = link.rect
    assert rect["x"] >= 0 and rect["x"] + rect["width"] <= width  # on the phone too, inside the header


@pytest.mark.parametrize("size", SIZES)
def test_the_registrations_page_is_dark(dashboard, driver, live_server, wait, size):
    width, height, mobile = size
    dashboard("admin")
    viewport(driver, width, height, mobile)
    for path, ready in (("/admin/registrations", "moderation-empty"), ("/admin/import", "import-submit")):
        driver.get(live_server + path)
        wait.until(EC.visibility_of_element_located((By.ID, ready)))
        colours = driver.execute_script(
            "var b = getComputedStyle(document.body), h = document.querySelector('header.cd-header');"
            "return [b.backgroundColor, b.color, h ? getComputedStyle(h).backgroundColor : null,"
            " document.scrollingElement.scrollWidth];")
        assert colours[0] == DARK_BG and colours[1] == "rgb(230, 237, 246)", (path, colours)
        assert colours[2] == "rgb(8, 16, 27)", (path, colours)  # the dashboard's header
        assert colours[3] <= width + 1, (path, colours)         # nothing wider than the screen
        nav = [a.text for a in driver.find_elements(By.CSS_SELECTOR, ".admin-nav a")]
        assert nav[:3] == ["Dashboard", "Registrations", "Import"], nav
