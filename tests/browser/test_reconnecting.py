"""A database outage in a real browser: while callbacks answer 503 the dashboard shows a
"reconnecting" banner; once the database is back the banner goes and what the user did during
the outage (here a filter change) is drawn without a reload."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from dashboard.db import Database
from tests.browser.pages import count_active, shown_count, tick, wait_count

pytestmark = pytest.mark.browser


def _banner_shown(driver) -> bool:
    found = driver.find_elements(By.ID, "reconnecting-banner")
    return bool(found) and found[0].is_displayed() and "Reconnecting" in found[0].text


def test_outage_shows_reconnecting_and_redraws_on_recovery(dashboard, services, db, wait):
    driver = dashboard("analyst")
    total = count_active(db)
    central = count_active(db, "s.division = :d", d="CENTRAL")
    wait_count(driver, wait, total)
    real = services.db
    services.db = Database("sqlite:///file:no-such-database?mode=ro&uri=true")  # unreachable, like a restart
    try:
        tick(driver, "division-filter", "Central")  # a change made during the outage
        wait.until(_banner_shown, "no reconnecting banner during the outage")
        assert shown_count(driver) == total  # nothing new drawn while the database is down
    finally:
        services.db.dispose()
        services.db = real
    wait_count(driver, wait, central)  # the filter change is drawn once the database is back
    wait.until(lambda d: not _banner_shown(d), "the banner stayed after recovery")
    expected = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    assert all("503" in e["message"] for e in expected), expected  # only the outage's own answers
