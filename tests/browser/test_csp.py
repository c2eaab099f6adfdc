"""Every page under the Content-Security-Policy of dashboard/security_headers.py, in a real
Chromium, with no violation reported (issue 11, item 7): the login page, the dashboard as each
role, the audit log, the analytics, the admin pages, the owners' portal and answer page, the sign-out page.

Violations are collected by a listener that Chromium installs before any page script runs
(CDP Page.addScriptToEvaluateOnNewDocument: not itself subject to the page's CSP), and the
console log is read for Chromium's own "Content Security Policy" messages as well."""

from __future__ import annotations

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from tests.browser.conftest import FIND_MAP_JS, sign_in

pytestmark = pytest.mark.browser

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' +
                              (e.sourceFile || '?') + ':' + e.lineNumber + ' ' + (e.sample || ''));
});
"""


@pytest.fixture
def watched(driver):
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": COLLECT_VIOLATIONS})
    driver.get_log("browser")  # start from an empty console
    return driver


def _violations(driver) -> list[str]:
    found = list(driver.execute_script("return window.__cspViolations || []"))
    found += [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]
    return found


def _visit(driver, wait, url: str, ready: tuple[str, str]) -> list[str]:
    driver.get(url)
    wait.until(EC.presence_of_element_located(ready))
    return _violations(driver)


def _dashboard(driver, wait) -> list[str]:
    wait.until(EC.visibility_of_element_located((By.ID, "camera-map")))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".cd-cluster"))
    wait.until(lambda d: d.find_element(By.ID, "camera-count").text.strip().replace(",", "").isdigit())
    driver.execute_script(FIND_MAP_JS)  # the map really drew (Leaflet, dash-leaflet under the CSP)
    wait.until(lambda d: d.execute_script("return !!window.__cdTestMap()"))
    return _violations(driver)


def _sign_out(driver, wait) -> None:
    driver.find_element(By.ID, "logout-link").click()  # a POST with the CSRF token (assets/csrf_forms.js)
    wait.until(EC.presence_of_element_located((By.ID, "login-submit")))


def test_every_page_loads_under_the_csp_without_a_violation(watched, live_server, make_user, wait):
    driver, base = watched, live_server
    headers = requests.get(base + "/login", timeout=10).headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self' 'sha256-" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy and "'unsafe-eval'" not in policy

    report: dict[str, list[str]] = {}
    report["/login"] = _visit(driver, wait, base + "/login", (By.ID, "login-submit"))
    report["/register"] = _visit(driver, wait, base + "/register", (By.TAG_NAME, "form"))
    report["/transparency"] = _visit(driver, wait, base + "/transparency", (By.TAG_NAME, "h1"))
    report["/register/manage"] = _visit(driver, wait, base + "/register/manage", (By.TAG_NAME, "form"))
    report["owner's answer page"] = _visit(driver, wait, base + "/register/requests/" + "A" * 43, (By.TAG_NAME, "h1"))

    for role in ("analyst", "detective", "supervisor", "admin"):
        sign_in(driver, base, make_user(f"csp-{role}", role))
        report[f"dashboard as {role}"] = _dashboard(driver, wait)
        if role == "supervisor":
            report["/audit"] = _visit(driver, wait, base + "/audit", (By.ID, "audit-filters"))
            # Plotly drew every figure (plotly.js served by the app, the figures from JSON blocks)
            report["/analytics"] = _visit(driver, wait, base + "/analytics",
                                          (By.CSS_SELECTOR, '#fig-access[data-drawn="1"]'))
        if role == "admin":
            report["/admin/registrations"] = _visit(driver, wait, base + "/admin/registrations", (By.TAG_NAME, "h1"))
            report["/admin/import"] = _visit(driver, wait, base + "/admin/import", (By.TAG_NAME, "form"))
            report["/logout"] = _visit(driver, wait, base + "/logout", (By.ID, "logout-submit"))
            driver.get(base + "/")
            _dashboard(driver, wait)
        _sign_out(driver, wait)
    assert {page: found for page, found in report.items() if found} == {}
    assert len(report) == 14


def test_sign_out_is_a_post_and_a_get_only_asks(watched, live_server, make_user, wait):
    driver, base = watched, live_server
    sign_in(driver, base, make_user("leaving", "analyst"))
    _dashboard(driver, wait)
    driver.get(base + "/logout")  # what a link on another site would do
    wait.until(EC.presence_of_element_located((By.ID, "logout-submit")))
    driver.get(base + "/")
    _dashboard(driver, wait)  # still signed in
    _sign_out(driver, wait)
    driver.get(base + "/")
    wait.until(EC.presence_of_element_located((By.ID, "login-submit")))
    assert not _violations(driver)
