"""The login gate in a real browser: redirect, the generic error, sign-in and sign-out."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def _on_login_page(driver) -> bool:
    return driver.current_url.split("?")[0].endswith("/login") and \
        bool(driver.find_elements(By.ID, "username"))


def test_anonymous_visitor_is_sent_to_login(driver, live_server, wait):
    driver.get(live_server + "/")
    wait.until(EC.visibility_of_element_located((By.ID, "username")))
    assert driver.current_url.startswith(live_server + "/login"), driver.current_url
    assert driver.find_element(By.ID, "password").get_attribute("type") == "password"
    assert driver.find_element(By.ID, "login-submit").is_displayed()
    assert not driver.find_elements(By.ID, "login-error")  # no error before any attempt
    assert not driver.find_elements(By.ID, "camera-map")


def test_wrong_password_and_unknown_user_get_the_same_error(driver, live_server, make_user, wait):
    make_user("dana", "analyst")

    sign_in(driver, live_server, "dana", "not the password at all")
    error = wait.until(EC.visibility_of_element_located((By.ID, "login-error")))
    wrong_password = error.text.strip()
    assert wrong_password
    assert _on_login_page(driver)

    sign_in(driver, live_server, "nobody-by-that-name", "not the password at all")
    error = wait.until(EC.visibility_of_element_located((By.ID, "login-error")))
    unknown_user = error.text.strip()
    assert _on_login_page(driver)

    assert unknown_user == wrong_password  # never says whether the account exists
    for leak in ("dana", "nobody-by-that-name", "not found", "unknown user", "does not exist"):
        assert leak not in unknown_user.lower()
    assert not driver.find_elements(By.ID, "camera-map")


def test_sign_in_then_sign_out(driver, live_server, make_user, wait):
    make_user("avery", "analyst")
    sign_in(driver, live_server, "avery")
    wait.until(EC.visibility_of_element_located((By.ID, "camera-map")))
    assert driver.current_url.rstrip("/") == live_server

    driver.find_element(By.ID, "logout-link").click()
    wait.until(lambda d: _on_login_page(d))
    driver.get(live_server + "/")  # the session is gone: back to the gate
    wait.until(lambda d: _on_login_page(d))
    assert not driver.find_elements(By.ID, "camera-map")
