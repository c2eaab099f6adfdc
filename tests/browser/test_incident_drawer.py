"""The CAD drawer with a busy night's board, in a real browser at 1920x1080 (issue 13, items 2
and 6): 150 calls posted through the API; the drawer shows its total, lists the open calls by
default (a toggle shows all), and its list scrolls inside the drawer while the title, the total
and the filters stay in view. A supervisor lands on their division, board filtered to it."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
from selenium.webdriver.common.by import By
from sqlalchemy import select, text

from dashboard.geo.static_layers import division_bounds
from dashboard.incidents.live_board import is_cleared
from dashboard.models import Incident, utcnow
from tests.browser.pages import map_state
from tests.conftest import CAD_TOKEN

pytestmark = pytest.mark.browser

POSTED = 150
CLEARED = 30


@pytest.fixture
def settings_overrides() -> dict:
    return {"poll_interval_seconds": 1.0}


def _post_calls(db, live_server) -> None:
    """150 calls at camera sites across the city (so each gets a division), 30 of them cleared."""
    with db.engine.connect() as conn:
        sites = conn.execute(text("SELECT latitude, longitude FROM camera_sites ORDER BY id")).all()
    step = max(1, len(sites) // POSTED)
    calls = [{"incident_number": f"NIGHT-{i:04d}-2026", "nature_of_call": "20 - Robbery", "priority": 1 + i % 4,
              "status": "Cleared" if i < CLEARED else "Dispatched",
              "latitude": sites[i * step].latitude, "longitude": sites[i * step].longitude}
             for i in range(POSTED)]
    response = requests.post(live_server + "/api/v1/incidents", json=calls, timeout=30,
                             headers={"Authorization": f"Bearer {CAD_TOKEN}"})
    assert response.status_code == 200, response.text
    assert len(response.json()["stored"]) == POSTED and not response.json()["rejected"]


def _board(db, division: str | None = None) -> tuple[int, int]:
    """(calls, open calls) the drawer holds, by its rules: the last 24 hours' calls, a cleared one
    for 30 minutes after it cleared (the configured default)."""
    now = utcnow()
    with db.session() as s:
        rows = [(i.status, i.division, i.updated_at) for i in s.scalars(select(Incident))]
    shown = [(status, when) for status, div, when in rows
             if (division is None or div == division) and now - when <= timedelta(hours=24)
             and (not is_cleared(status) or now - when <= timedelta(minutes=30))]
    return len(shown), sum(1 for status, _ in shown if not is_cleared(status))


def _items(driver) -> list:
    return driver.find_elements(By.CSS_SELECTOR, "#incident-list .cd-incident-item")


def _rect(driver, css: str) -> dict:
    return driver.execute_script("var r = document.querySelector(arguments[0]).getBoundingClientRect();"
                                 "return {top: r.top, bottom: r.bottom, height: r.height};", css)


def test_busy_board_counts_defaults_to_open_and_scrolls_inside_the_drawer(driver, dashboard, db, live_server, wait):
    driver.set_window_size(1920, 1080)
    _post_calls(db, live_server)
    calls, open_calls = _board(db)
    assert calls >= POSTED and open_calls >= POSTED - CLEARED
    dashboard("analyst")

    wait.until(lambda d: d.find_element(By.ID, "incident-count").text == f"{calls} calls, {open_calls} open")
    wait.until(lambda d: len(_items(d)) == open_calls, "the drawer does not open on the open calls")
    assert not any("Cleared" in i.text for i in _items(driver))

    height = driver.execute_script("return window.innerHeight")
    listing = driver.find_element(By.ID, "incident-list")
    sizes = driver.execute_script("var l = arguments[0]; return [l.scrollHeight, l.clientHeight];", listing)
    assert sizes[0] > 3 * sizes[1], sizes  # 120 calls: the list scrolls inside the drawer
    assert _rect(driver, "#incident-list")["bottom"] <= height  # and the whole list box is on the screen

    # with a call selected (its nearest cameras fill the panel below), the panel itself is taller
    # than the screen; a wheel over the list scrolls the list, to its very end, never the panel
    _items(driver)[0].click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#nearest-cameras table, #nearest-cameras .cd-empty")
               and "Select an incident" not in d.find_element(By.ID, "nearest-cameras").text)
    driver.find_element(By.XPATH, "//*[@id='nearest-more']//label").click()
    time.sleep(1)
    panel = driver.execute_script("var p = document.querySelector('.cd-side'); return [p.scrollHeight, p.clientHeight];")
    assert panel[0] > panel[1], panel  # the panel could scroll: the list must keep the wheel to itself
    for _ in range(40):
        ActionChains(driver).scroll_from_origin(ScrollOrigin.from_element(listing), 0, 1500).perform()
        if driver.execute_script("var l = arguments[0]; return l.scrollTop + l.clientHeight >= l.scrollHeight - 1;",
                                 listing):
            break
    assert driver.execute_script("return arguments[0].scrollTop", listing) > 0
    # at its end, one more turn of the wheel over the list must not carry on into the panel
    ActionChains(driver).scroll_from_origin(ScrollOrigin.from_element(listing), 0, 1500).perform()
    time.sleep(0.5)
    assert driver.execute_script("return document.querySelector('.cd-side').scrollTop") == 0
    assert driver.execute_script("return window.scrollY") == 0
    last = _items(driver)[-1]
    last_box = driver.execute_script("var r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom];", last)
    box = _rect(driver, "#incident-list")
    assert box["top"] <= last_box[0] and last_box[1] <= box["bottom"] + 1  # the last call is reachable
    for css in (".cd-board-head h2", "#incident-count", "#incident-division-filter", "#incident-status-filter"):
        r = _rect(driver, css)
        assert r["height"] > 0 and 0 <= r["top"] and r["bottom"] <= height, css  # still in view

    # the toggle shows all, cleared ones included; the total does not change
    driver.find_element(By.XPATH, "//*[@id='incident-status-filter']//label[normalize-space()='All']").click()
    wait.until(lambda d: len(_items(d)) == calls, "'All' does not add the cleared calls")
    assert driver.find_element(By.ID, "incident-count").text == f"{calls} calls, {open_calls} open"


def test_supervisor_lands_on_their_division_with_the_board_filtered(driver, dashboard, db, live_server, wait):
    driver.set_window_size(1920, 1080)
    _post_calls(db, live_server)
    calls, open_calls = _board(db, "CENTRAL")
    assert 0 < open_calls < _board(db)[1]  # some calls elsewhere, for the filter to leave out
    dashboard("supervisor", division="CENTRAL")

    wait.until(lambda d: d.find_element(By.ID, "incident-count").text
               == f"{calls} calls, {open_calls} open (filtered)")
    wait.until(lambda d: len(_items(d)) == open_calls)
    assert "Central" in driver.find_element(By.ID, "incident-division-filter").text
    assert all("Central" in i.text for i in _items(driver))
    state = map_state(driver)
    (south, west), (north, east) = division_bounds(("CENTRAL",))
    assert state["zoom"] > 11  # closer than the city view
    lat, lon = driver.execute_script("var c = window.__cdTestMap().getCenter(); return [c.lat, c.lng];")
    assert south < lat < north and west < lon < east
