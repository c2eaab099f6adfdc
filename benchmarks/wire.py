"""Benchmark 9: the bytes of the first screen. A real headless Chromium (fresh profile: a first
visit, cold HTTP cache) signs in through the form and opens the dashboard of the real app at 1M
cameras (waitress, snapshot loaded); Chrome's own network log (CDP performance log) gives, for
every data response the page fetched (the layout, Dash's dependencies, every callback, the
reference layers: not scripts, styles or the HTML), the bytes on the wire (`encodedDataLength`,
headers included) and the body before compression (the sum of `dataReceived.dataLength`), up to
the moment the first screen is complete: the first cameras drawn and the reference layers loaded.
Beside it, from the same page load: the same responses uncompressed (the baseline).
Target (docs/design.md): <= 150 KB in all at 1M cameras.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass

from .common import Report, fmt_bytes, fmt_n, fmt_seed, table

CAMERAS = 1_000_000
TARGET_BYTES = 150 * 1024
DATA_PATHS = ("/_dash-layout", "/_dash-dependencies", "/_dash-update-component", "/geo/")
SETTLE_S = 3.0       # no further reference layer for this long: the first screen is complete
SETTLE_CAP_S = 30.0
MIN_LAYERS = 2       # the checked overlays: division boundaries (with the layout) and city limits
TIMEOUT_S = 90


@dataclass
class WireFigures:
    n: int
    wire: int
    decoded: int
    requests: int
    by_kind: dict
    seed_s: float | None


def _kind(url: str) -> str | None:
    path = "/" + url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
    for prefix in DATA_PATHS:
        if path.startswith(prefix):
            return prefix.strip("/") or path
    return None


def _data_bytes(driver) -> tuple[dict[str, list[int]], int]:
    """-> {request id: [wire bytes, decoded bytes, kind]} of the data responses so far."""
    seen: dict[str, list] = {}
    kinds: dict[str, str] = {}
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        method, params = msg.get("method"), msg.get("params", {})
        rid = params.get("requestId")
        if method == "Network.requestWillBeSent":
            kind = _kind(params["request"]["url"])
            if kind:
                kinds[rid] = kind
                seen.setdefault(rid, [0, 0, kind])
        elif rid in kinds and method == "Network.dataReceived":
            seen[rid][1] += params.get("dataLength", 0)
        elif rid in kinds and method == "Network.loadingFinished":
            seen[rid][0] = int(params.get("encodedDataLength", 0))
    return seen, len(seen)


def _visit(driver, base: str) -> dict[str, list]:
    from selenium.webdriver.common.by import By

    from .browser import PASSWORD, USERNAME, _first_visible

    driver.get(base + "/login")
    _first_visible(driver, "#username", 20)
    driver.get_log("performance")  # the login page's own requests are not the first screen
    driver.find_element(By.ID, "username").send_keys(USERNAME)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "login-submit").click()
    _first_visible(driver, ".cd-cluster", TIMEOUT_S)
    found: dict[str, list] = {}
    deadline = time.monotonic() + SETTLE_CAP_S
    layers_since, layers = time.monotonic(), 0
    while time.monotonic() < deadline:
        new, _ = _data_bytes(driver)
        for rid, (wire, decoded, kind) in new.items():
            had = found.setdefault(rid, [0, 0, kind])
            had[0] = max(had[0], wire)
            had[1] += decoded
        now_layers = sum(1 for v in found.values() if v[2] == "geo")
        if now_layers != layers:
            layers, layers_since = now_layers, time.monotonic()
        # done: the layers the first screen shows have arrived
        if layers >= MIN_LAYERS and time.monotonic() - layers_since >= SETTLE_S:
            break
        time.sleep(0.2)
    return found


def run(report: Report, n: int = CAMERAS) -> WireFigures:
    from .browser import _serve_app
    from .chromium import start_chromium
    from .common import copy_of_seeded

    with tempfile.TemporaryDirectory(prefix="connect_dallas_wire_") as workdir:
        url, seed_s = copy_of_seeded(n, workdir)
        app, server, _ = _serve_app(url, workdir)
        profile = tempfile.mkdtemp(prefix="cd-bench-chromium-")
        driver = start_chromium(profile, logs=("performance",))
        try:
            first = _visit(driver, server.base)
        finally:
            driver.quit()
            shutil.rmtree(profile, ignore_errors=True)
            server.close()
            app.server.extensions["connect_dallas"].db.dispose()
    by_kind: dict[str, list[int]] = {}
    for wire, decoded, kind in first.values():
        k = by_kind.setdefault(kind, [0, 0, 0])
        k[0] += wire
        k[1] += decoded
        k[2] += 1
    fig = WireFigures(n, sum(v[0] for v in first.values()), sum(v[1] for v in first.values()), len(first),
                      by_kind, seed_s)
    print(f"  [{fmt_n(n)}] first screen data: {fmt_bytes(fig.wire)} on the wire ({fmt_bytes(fig.decoded)} "
          f"uncompressed) in {fig.requests} responses", flush=True)
    return fig


def summarise(fig: WireFigures | None, report: Report) -> None:
    if fig is None:
        return
    rows = [(f"{kind} ({count} responses)", fmt_bytes(wire), fmt_bytes(decoded))
            for kind, (wire, decoded, count) in sorted(fig.by_kind.items())]
    rows.append(("all data responses of the first screen", fmt_bytes(fig.wire), fmt_bytes(fig.decoded)))
    print(table(("response", "on the wire", "uncompressed (baseline)"), rows,
                f"== Benchmark 9: first-screen data bytes after login, {fmt_n(fig.n)} cameras, headless Chromium, "
                f"cold cache (seeding: {fmt_seed(fig.seed_s)}) =="))
    report.add(f"first-screen data responses after login, {fmt_n(fig.n)}",
               f"{fmt_bytes(fig.wire)} ({fmt_bytes(fig.decoded)} uncompressed, {fig.requests} responses)",
               f"<= {fmt_bytes(TARGET_BYTES)}", fig.wire <= TARGET_BYTES)
