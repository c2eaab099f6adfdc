"""Browser fixtures: a real server in a thread, a real headless Chromium, a seeded SQLite database.

Browser tests run on SQLite only: `db_url` is overridden here (not parametrised over the
backends), so the PostgreSQL leg does not run them a second time. The seeded database is
built once per session (migrated with dashboard.migrate.upgrade, then seed_demo) and copied
per test, so each test gets its own registry for the price of a file copy.

Our own Selenium driver instead of dash.testing's: dash's Browser cannot take the flags this
sandbox needs (--headless=new, a fresh --user-data-dir...) and its default start_server
waits for Dash on the login page.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import WSGIRequestHandler, make_server

from benchmarks.chromium import start_chromium
from dashboard.db import Database
from dashboard.tools.seed import seed_demo
from tests.conftest import PASSWORD

SEED_CAMERAS = 3000
SEED_INCIDENTS = 20
SEED = 11
WAIT_S = 20  # upper bound of every explicit wait; a green run waits far less

# The Leaflet map behind #camera-map. Leaflet keeps nothing global and dash-leaflet does not
# expose the instance, but react-leaflet holds it in the MapContainer's state ({map, ...}),
# reachable through the React fiber of the container element. Read-only use in tests:
# positions to click at, the current zoom, and which layers are drawn on the canvas.
FIND_MAP_JS = """
window.__cdTestMap = function () {
  var el = document.getElementById('camera-map');
  if (!el) { return null; }
  var key = Object.keys(el).find(function (k) { return k.indexOf('__reactFiber') === 0; });
  for (var f = key ? el[key] : null; f; f = f.return) {
    for (var st = f.memoizedState; st && typeof st === 'object' && 'next' in st; st = st.next) {
      var v = st.memoizedState;
      if (v && v.map && typeof v.map.latLngToContainerPoint === 'function') { return v.map; }
    }
  }
  return null;
};
"""


@pytest.fixture(scope="session")
def _seeded_sqlite_template(_sqlite_template, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("browser") / "seeded.db"
    shutil.copy(_sqlite_template, path)  # already migrated with dashboard.migrate.upgrade
    db = Database(f"sqlite:///{path}")
    seed_demo(db, cameras=SEED_CAMERAS, incidents=SEED_INCIDENTS, seed=SEED, demo_users=False)
    db.dispose()
    return path


@pytest.fixture
def db_url(_seeded_sqlite_template, tmp_path) -> str:
    """SQLite only (overrides the backend-parametrised fixture of tests/conftest.py)."""
    path = tmp_path / "browser.db"
    shutil.copy(_seeded_sqlite_template, path)
    return f"sqlite:///{path}"


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):  # one line per request is noise here; errors still log
        pass


@pytest.fixture
def live_server(app) -> str:
    """The whole app (login, API, Dash) on a free local port; its base URL."""
    server = make_server("127.0.0.1", 0, app.server, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="browser-test-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def driver():
    """A fresh headless Chromium per test (own profile: no cookies leak between tests)."""
    profile = tempfile.mkdtemp(prefix="cd-chromium-")
    browser = start_chromium(profile, logs=("browser",))
    browser.set_page_load_timeout(30)
    yield browser
    browser.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def wait(driver) -> WebDriverWait:
    # Dash re-renders components while a condition is being evaluated: an element that went
    # stale mid-check means "not yet", never a failure
    from selenium.common.exceptions import StaleElementReferenceException

    return WebDriverWait(driver, WAIT_S, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,))


def sign_in(driver, base: str, username: str, password: str = PASSWORD) -> None:
    """Fill and submit the real login form (the anonymous / redirects to it)."""
    driver.get(base + "/")
    WebDriverWait(driver, WAIT_S).until(EC.visibility_of_element_located((By.ID, "username")))
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "login-submit").click()


def severe_console_errors(driver) -> list[str]:
    """SEVERE browser-console entries since the last call (a failed callback answers 500
    and Chromium logs it here)."""
    return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


@pytest.fixture
def dashboard(driver, live_server, make_user, wait) -> Callable[..., object]:
    """dashboard(role="analyst") -> the driver, signed in as a new user of that role, on a
    dashboard whose camera layer has drawn (clusters present, the count filled)."""

    def _open(role: str = "analyst", username: str | None = None, division: str | None = None):
        name = make_user(username or f"{role}-browser", role, division)
        sign_in(driver, live_server, name)
        wait.until(EC.visibility_of_element_located((By.ID, "camera-map")))
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".cd-cluster"))
        wait.until(lambda d: d.find_element(By.ID, "camera-count").text.strip().replace(",", "").isdigit())
        driver.execute_script(FIND_MAP_JS)
        wait.until(lambda d: d.execute_script("return !!window.__cdTestMap()"))
        return driver

    yield _open
    errors = severe_console_errors(driver)
    assert not errors, f"browser console errors: {errors}"


@pytest.fixture
def inbox():
    """A real SMTP server for tests that send mail; point settings_overrides at `inbox.port`."""
    from tests.conftest import Inbox

    box = Inbox().start()
    yield box
    box.stop()
