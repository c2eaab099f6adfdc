"""What the browser tests read from the dashboard page, and how they act on it.

Cameras and incidents are Leaflet circleMarkers on a <canvas> (the map uses preferCanvas),
so they have no DOM elements: the tests read the Leaflet map itself (window.__cdTestMap,
installed by the `dashboard` fixture) to know where something is drawn, then click that
pixel with a real pointer. Cluster icons are DOM elements.
"""

from __future__ import annotations

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import text

# Everything the map draws, from Leaflet itself, told apart by feature properties (dash-leaflet
# adds `cluster` and an `id` to every feature; a camera is the one with an owner-type code `o`).
MAP_STATE_JS = """
var map = window.__cdTestMap();
var out = {zoom: map.getZoom(), animating: !!(map._animatingZoom || (map._panAnim && map._panAnim._inProgress)),
           cameras: [], clusters: [], incidents: [], divisions: {}};
map.eachLayer(function (layer) {
  var p = layer.feature && layer.feature.properties;
  if (!p) { return; }
  if (p.division && layer.getLatLngs) {
    out.divisions[p.division] = {fillOpacity: layer.options.fillOpacity, dashArray: layer.options.dashArray,
                                 drawn: !!(layer._parts && layer._parts.length)};
  } else if (p.cluster) {
    out.clusters.push(p.n);
  } else if (p.incident_number) {
    out.incidents.push(p.incident_number);
  } else if ('o' in p) {
    var xy = layer.feature.geometry.coordinates;  // a camera may be drawn as a group (marker + cone)
    out.cameras.push({id: p.id, lat: xy[1], lng: xy[0]});
  }
});
return out;
"""

# Viewport coordinates (CSS px) of a lat/lng on the map: where a real pointer must go.
POINT_JS = """
var map = window.__cdTestMap();
var pt = map.latLngToContainerPoint([arguments[0], arguments[1]]);
var box = map.getContainer().getBoundingClientRect();
return {x: box.left + pt.x, y: box.top + pt.y};
"""

ACTIVE_CAMERAS = """
SELECT COUNT(*) FROM cameras c
JOIN camera_sites s ON s.id = c.site_id
JOIN owners o ON o.id = s.owner_id
WHERE c.status = 'active'
"""


def count_active(db, where: str = "", **params) -> int:
    """Active cameras in the database matching an SQL condition on c (cameras), s (sites), o (owners)."""
    with db.engine.connect() as conn:
        return conn.execute(text(ACTIVE_CAMERAS + (f" AND {where}" if where else "")), params).scalar_one()


def shown_count(driver) -> int | None:
    """#camera-count as a number (textContent: dcc.Loading may hide it for a moment)."""
    raw = (driver.find_element(By.ID, "camera-count").get_attribute("textContent") or "").strip()
    digits = raw.replace(",", "")
    return int(digits) if digits.isdigit() else None


def wait_count(driver, wait, expected: int) -> None:
    try:
        wait.until(lambda d: shown_count(d) == expected)
    except TimeoutException:
        raise AssertionError(f"#camera-count shows {shown_count(driver)}, expected {expected:,}") from None


def cluster_labels(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.cd-cluster')).map(function (e) {"
        " return e.textContent.trim(); });")


def map_state(driver) -> dict:
    return driver.execute_script(MAP_STATE_JS)


def settled_at(driver, zoom: int) -> bool:
    """At this zoom and not animating (a flyTo passes fractional zooms until its last frame)."""
    state = map_state(driver)
    return state["zoom"] == zoom and not state["animating"]


def drawn_total(driver) -> int:
    """Cameras the map represents: the numbers on the cluster icons (DOM) plus the single
    cameras (canvas), read in one script so a layer update cannot fall between the two."""
    labels, singles = driver.execute_script(
        "var labels = Array.from(document.querySelectorAll('.cd-cluster')).map(function (e) {"
        " return e.textContent.trim(); });"
        "return [labels, (function () {" + MAP_STATE_JS + "})().cameras.length];")
    assert all(lbl.isdigit() for lbl in labels), labels  # a small registry: no rounded "1.2k"
    return sum(int(lbl) for lbl in labels) + singles


def tick(driver, filter_id: str, label: str) -> None:
    """A real click on an option's label in a dcc.Checklist / dcc.RadioItems."""
    driver.find_element(
        By.XPATH, f"//*[@id='{filter_id}']//label[.//span[normalize-space()='{label}']]").click()


def point_of(driver, lat: float, lon: float) -> tuple[int, int]:
    pt = driver.execute_script(POINT_JS, lat, lon)
    return int(round(pt["x"])), int(round(pt["y"]))


def hover_at(driver, x: int, y: int) -> None:
    ActionChains(driver).move_to_location(x, y).perform()


def real_click_at(driver, x: int, y: int) -> None:
    ActionChains(driver).move_to_location(x, y).pause(0.1).click().perform()


# -- a single camera at street zoom, and a real SMTP inbox (added for the detective and owner tests)
def isolated_camera(db) -> dict:
    """An active camera alone at its site, more than 80 m from any other camera and 150 m from
    any incident pin, so a click at its position can only hit it."""
    import math

    import numpy as np

    from dashboard.geo.geography import haversine_m

    with db.engine.connect() as conn:
        cams = conn.execute(text(
            "SELECT c.id, c.label, c.site_id, s.latitude, s.longitude FROM cameras c "
            "JOIN camera_sites s ON s.id = c.site_id WHERE c.status = 'active' ORDER BY c.id")).all()
        pins = conn.execute(text("SELECT latitude, longitude FROM incidents WHERE latitude IS NOT NULL")).all()
    per_site: dict[int, int] = {}
    for c in cams:
        per_site[c.site_id] = per_site.get(c.site_id, 0) + 1
    lat = np.array([c.latitude for c in cams])
    lon = np.array([c.longitude for c in cams])
    plat = np.array([p.latitude for p in pins])
    plon = np.array([p.longitude for p in pins])
    for k, c in enumerate(cams):
        if per_site[c.site_id] != 1:
            continue
        others = haversine_m(c.latitude, c.longitude, np.delete(lat, k), np.delete(lon, k))
        to_pins = haversine_m(c.latitude, c.longitude, plat, plon) if len(pins) else np.array([math.inf])
        if (others.min() if len(others) else math.inf) > 80 and to_pins.min() > 150:
            return {"id": c.id, "label": c.label, "lat": c.latitude, "lon": c.longitude}
    raise AssertionError("no isolated camera in the registry")


def click_camera(driver, wait, camera: dict) -> None:
    """Zoom to street level over the camera, as a user would, and click its pixel; waits for
    #camera-detail to show that camera."""
    driver.execute_script("window.__cdTestMap().setView([arguments[0], arguments[1]], 18, {animate: false});",
                          camera["lat"], camera["lon"])
    wait.until(lambda d: any(c["id"] == camera["id"] for c in map_state(d)["cameras"]),
               f"camera #{camera['id']} is not drawn at street zoom")
    x, y = point_of(driver, camera["lat"], camera["lon"])
    hover_at(driver, x, y)
    real_click_at(driver, x, y)
    wait.until(lambda d: d.find_elements(By.ID, "camera-detail-label"), "a click on the camera showed no details")
    wait.until(lambda d: any(dd.text == str(camera["id"])
                             for dd in d.find_elements(By.CSS_SELECTOR, "#camera-detail dd")),
               f"#camera-detail does not show camera #{camera['id']}")


def deliver(services, inbox, expected: int) -> list:
    """Send the queued mail now (the test server runs no outbox thread); all mail received."""
    from dashboard.jobs.mail import deliver_due

    report = deliver_due(services.db, services.smtp)
    assert report.sent == expected, report
    return inbox.messages


def mail_body(message) -> str:
    return message.get_payload(decode=True).decode("utf-8")


def link_path(message, pattern: str) -> str:
    """The path (from /register/...) of the first link in an email matching `pattern`,
    e.g. r"/register/confirm/[A-Za-z0-9_-]+"."""
    import re

    match = re.search(rf"https?://[^/\s]+({pattern})", mail_body(message))
    assert match, f"no link {pattern!r} in: {mail_body(message)}"
    return match.group(1)


def press_link_button(driver, wait, expected_heading: str) -> None:
    """An emailed confirm/reconfirm link opens a page with one button (a GET acts on nothing):
    press it and wait for the answer's heading."""
    wait.until(EC.element_to_be_clickable((By.ID, "confirm-link-button"))).click()
    wait.until(lambda d: d.find_element(By.ID, "portal-message").text == expected_heading)


# -- signing in as someone else, moderating, back to the map (the owner-portal tests) -------------
def switch_user(driver, base: str, wait, username: str) -> None:
    from tests.browser.conftest import sign_in

    driver.get(base + "/logout")  # a confirmation page: signing out is its button's POST
    driver.find_element(By.ID, "logout-submit").click()
    WebDriverWait(driver, 20).until(lambda d: "/login" in d.current_url)
    sign_in(driver, base, username)
    wait.until(lambda d: "/login" not in d.current_url)


def approve_only_pending(driver, base: str, wait, expect_text: list[str], check=None) -> None:
    """The moderation queue holds exactly one registration showing `expect_text`; `check(section)`
    runs on it before it is approved."""
    from selenium.webdriver.support import expected_conditions as EC

    driver.get(base + "/admin/registrations")
    section = wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, "section.registration")))
    assert len(driver.find_elements(By.CSS_SELECTOR, "section.registration")) == 1
    for value in expect_text:
        assert value in section.text, (value, section.text)
    if check is not None:
        check(section)
    rid = section.get_attribute("id").removeprefix("registration-")
    driver.find_element(By.ID, f"approve-{rid}").click()
    wait.until(EC.visibility_of_element_located((By.ID, "moderation-notice")))
    assert driver.find_elements(By.ID, "moderation-empty")


def open_dashboard(driver, base: str, wait) -> None:
    from tests.browser.conftest import FIND_MAP_JS

    driver.get(base + "/")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".cd-cluster"))
    wait.until(lambda d: shown_count(d) is not None)
    driver.execute_script(FIND_MAP_JS)  # a new page: install the test's map finder again
    wait.until(lambda d: d.execute_script("return !!window.__cdTestMap()"))


def choose_option(driver, wait, dropdown_id: str, label: str) -> None:
    """Pick `label` in a dcc.Dropdown as a user does: open it, click the option in its popover."""
    menu = driver.find_element(By.ID, dropdown_id)
    menu.click()  # the options open in a popover the button names
    popover = menu.get_attribute("aria-controls")
    wait.until(lambda d: d.find_elements(By.XPATH, f"//*[@id='{popover}']//*[@role='option']"
                                                   f"[normalize-space()='{label}']"),
               f"the options of #{dropdown_id} do not open")[0].click()
    wait.until(lambda d: label in d.find_element(By.ID, dropdown_id).text)
