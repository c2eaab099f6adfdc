"""A newcomer's day in a real browser: the owner path with no mail server (the confirmation
link opened from the demo mailbox), a street-zoom deep link drawing its own cameras with cones
on first load and on reload, and each camera of a crowded site reachable by a click."""

from __future__ import annotations

import threading

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from sqlalchemy import text
from werkzeug.serving import make_server

from dashboard.jobs.mail import deliver_due
from tests.browser.conftest import FIND_MAP_JS, _QuietHandler, sign_in
from tests.browser.pages import (
    approve_only_pending,
    count_active,
    hover_at,
    map_state,
    open_dashboard,
    point_of,
    press_link_button,
    real_click_at,
    switch_user,
    wait_count,
)
from tests.conftest import free_port

pytestmark = pytest.mark.browser

EMAIL = "nina.newcomer@example.com"
CONES_JS = """
var map = window.__cdTestMap(), cones = 0;
map.eachLayer(function (l) { if (l.options && l.options.className === 'cd-cone') { cones += 1; } });
return cones;
"""


@pytest.fixture
def settings_overrides() -> dict:
    # as `make run` on another port: no SMTP host, public_base_url left to follow the port
    return {"port": free_port(), "smtp_host": ""}


@pytest.fixture
def port_server(app, settings) -> str:
    """The app served on the port the settings name, so the emailed links reach it."""
    server = make_server("127.0.0.1", settings.port, app.server, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="newcomer-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{settings.port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def _register(driver, base: str, wait) -> None:
    driver.get(base + "/register")
    wait.until(EC.visibility_of_element_located((By.ID, "registration-form")))
    driver.find_element(By.CSS_SELECTOR, "input[name=owner_type][value=resident]").click()
    driver.find_element(By.ID, "name").send_keys("Nina Newcomer")
    driver.find_element(By.ID, "email").send_keys(EMAIL)
    driver.find_element(By.ID, "phone").send_keys("214-555-0142")
    driver.find_element(By.ID, "address").send_keys("1500 Marilla St")
    driver.find_element(By.ID, "latitude").send_keys("32.779300")
    driver.find_element(By.ID, "longitude").send_keys("-96.799100")
    driver.find_element(By.ID, "cam-0-label").send_keys("Porch")
    driver.find_element(By.ID, "cam-0-retention").send_keys("7")
    driver.find_element(By.ID, "consent").click()
    driver.find_element(By.ID, "register-submit").click()
    wait.until(EC.visibility_of_element_located((By.ID, "check-email")))


def test_owner_path_through_the_demo_mailbox(driver, wait, port_server, services, db, make_user):
    before = count_active(db)
    _register(driver, port_server, wait)
    report = deliver_due(services.db, services.smtp)  # what the outbox thread of `make run` does
    assert (report.sent, report.failed) == (1, 0)

    make_user("admin-newcomer", "admin")
    sign_in(driver, port_server, "admin-newcomer")
    wait.until(lambda d: "/login" not in d.current_url)
    driver.get(port_server + "/demo/mail")
    opened = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "a.demo-mail-open")))
    assert EMAIL in driver.find_element(By.CSS_SELECTOR, ".demo-mail-list").text
    opened.click()
    link = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, ".demo-mail-body a[href*='/register/confirm/']")))
    assert link.get_attribute("href").startswith(port_server + "/register/confirm/")  # the served port
    link.click()
    press_link_button(driver, wait, "Thank you: your registration is confirmed")

    approve_only_pending(driver, port_server, wait, ["Nina Newcomer", EMAIL, "Porch"])
    assert count_active(db) == before + 1
    make_user("analyst-newcomer", "analyst")
    switch_user(driver, port_server, wait, "analyst-newcomer")
    open_dashboard(driver, port_server, wait)
    wait_count(driver, wait, before + 1)


def _busy_site(db, minimum: int) -> dict:
    """The active site with the most cameras that have a direction (cones), at least `minimum`."""
    with db.engine.connect() as conn:
        row = conn.execute(text(
            "SELECT s.id, s.latitude, s.longitude, COUNT(*) AS n FROM cameras c JOIN camera_sites s ON s.id = c.site_id "
            "WHERE c.status = 'active' AND c.direction_deg IS NOT NULL GROUP BY s.id, s.latitude, s.longitude "
            "ORDER BY n DESC, s.id LIMIT 1")).one()
        ids = conn.execute(text("SELECT id FROM cameras WHERE site_id = :s AND status = 'active' ORDER BY id"),
                           {"s": row.id}).scalars().all()
    assert row.n >= minimum, f"the busiest site has {row.n} cameras"
    return {"lat": row.latitude, "lon": row.longitude, "ids": list(ids)}


def _street_view_drawn(driver, ids: list[int]) -> bool:
    driver.execute_script(FIND_MAP_JS)
    if not driver.execute_script("return !!window.__cdTestMap()"):
        return False
    state = map_state(driver)
    drawn = {c["id"] for c in state["cameras"]}
    return state["zoom"] == 18 and not state["clusters"] and set(ids) <= drawn


def test_deep_link_at_street_zoom_draws_that_views_cameras_with_cones(driver, wait, live_server, db, make_user):
    site = _busy_site(db, 2)
    sign_in(driver, live_server, make_user("analyst-deeplink", "analyst"))
    wait.until(lambda d: "/login" not in d.current_url)
    link = f"{live_server}/?z=18&c={site['lat']:.5f},{site['lon']:.5f}"
    for attempt in range(3):  # first load and reloads: every time, never the city's clusters
        driver.get(link) if attempt == 0 else driver.refresh()
        wait.until(lambda d: _street_view_drawn(d, site["ids"]), f"load {attempt}: the site's cameras are not drawn")
        assert driver.execute_script(CONES_JS) >= len(site["ids"])
        assert not driver.find_elements(By.CSS_SELECTOR, ".cd-cluster")
        assert "z=18" in driver.current_url


def test_each_camera_of_a_crowded_site_can_be_opened(driver, wait, live_server, db, make_user):
    site = _busy_site(db, 3)
    sign_in(driver, live_server, make_user("analyst-crowd", "analyst"))
    wait.until(lambda d: "/login" not in d.current_url)
    driver.get(f"{live_server}/?z=18&c={site['lat']:.5f},{site['lon']:.5f}")
    wait.until(lambda d: _street_view_drawn(d, site["ids"]))
    drawn = {c["id"]: c for c in map_state(driver)["cameras"] if c["id"] in site["ids"]}
    assert len({(c["lat"], c["lng"]) for c in drawn.values()}) == len(site["ids"])  # each its own place
    # a real pointer on the first view, without moving the map (the reference layers have loaded by now)
    wait.until(lambda d: d.execute_script("var n = 0; window.__cdTestMap().eachLayer(function (l) {"
                                          " var p = l.feature && l.feature.properties;"
                                          " if (p && !('o' in p) && !p.division && l.getLatLngs) { n++; } });"
                                          " return n > 0;"), "the city limits did not load")
    for camera_id in (site["ids"][0], site["ids"][-1]):
        x, y = point_of(driver, drawn[camera_id]["lat"], drawn[camera_id]["lng"])
        hover_at(driver, x, y)
        real_click_at(driver, x, y)
        wait.until(lambda d, cid=camera_id: any(dd.text == str(cid)
                                                for dd in d.find_elements(By.CSS_SELECTOR, "#camera-detail dd")),
                   f"#camera-detail does not show camera #{camera_id}")
