"""Headless Chromium as the browser tests and the benchmarks start it: Debian's chromium and
chromium-driver (`make browser` installs them), a profile directory of the caller's, and the
DevTools logs the caller reads back."""

from __future__ import annotations

from collections.abc import Iterable

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,900", "--disable-dev-shm-usage")
# video plays without a click (the live wall's tiles, the first-frame benchmark)
AUTOPLAY = "--autoplay-policy=no-user-gesture-required"


def start_chromium(profile: str, logs: Iterable[str] = (), extra_flags: Iterable[str] = ()):
    """A headless Chromium using `profile` as its user-data directory; `logs` names the logging
    preferences to switch on ("browser" for console messages, "performance" for the network log)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROME_FLAGS, f"--user-data-dir={profile}", *extra_flags):
        options.add_argument(flag)
    if logs:
        options.set_capability("goog:loggingPrefs", {kind: "ALL" for kind in logs})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
