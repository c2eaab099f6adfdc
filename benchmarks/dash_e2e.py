"""Benchmark 2b: the map update end to end through the real app, in process.

The app is built with dashboard.app.create_app on a private copy of a SQLite database under
/tmp seeded with dashboard.seed.seed_demo(db, cameras=n) (common.seeded_db, reused across
runs); the Flask test client logs in as the demo analyst
and POSTs to /_dash-update-component the body the browser sends for `update_camera_layer`
(callbacks/map_view.py), with the X-CSRFToken header copied from the `_csrf_token` cookie.
So the time covers the login gate, CSRF, Dash's dispatch and JSON encoding, the registry
version check and camera_layer (no network, no browser).

Same-run baselines beside it: camera_layer called directly on the app's own snapshot with
the same inputs (the difference is the Flask + Dash + auth overhead), and GET /healthz, a
bare Flask JSON route (one SELECT 1) through the same client.
A filter change gets a cold FilterCache (services.filters replaced before each request,
outside the timing); pan/zoom keeps the cache warm and moves the view.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from dashboard.registry.mapview import FilterCache, Viewport, camera_layer

from .common import (
    PAN_STEPS,
    Report,
    copy_of_seeded,
    fmt_bytes,
    fmt_ms,
    fmt_n,
    fmt_seed,
    median_s,
    shifted,
    table,
)
from .mapview import FILTER, VIEWS

USERNAME, PASSWORD = "analyst", "demo-analyst-2026"  # dashboard.seed.DEMO_USERS
CALLBACK_OUTPUT = "camera-layer.data"
# What the page's controls hold when untouched (layouts/main.py); any other input gets None,
# which the callback reads as "no filter" too.
UNTOUCHED = {("access-filter", "value"): "all", ("retention-filter", "value"): "any",
             ("registered-since-filter", "date"): None}


def find_callback(app) -> tuple[str, list[dict], list[dict]]:
    """The `update_camera_layer` callback as the renderer sees it: (output key, outputs, inputs),
    read from the app itself so the body follows the callback's current signature."""
    for key, spec in app.callback_map.items():
        if CALLBACK_OUTPUT in key:
            outputs = [dict(zip(("id", "property"), part.rsplit(".", 1), strict=True))
                       for part in key.strip(".").split("...")]
            return key, outputs, [{"id": i["id"], "property": i["property"]} for i in spec["inputs"]]
    raise LookupError(f"no callback outputs {CALLBACK_OUTPUT}")


def callback_body(spec: tuple[str, list[dict], list[dict]], bounds, zoom: int, divisions, changed: str) -> dict:
    key, outputs, inputs = spec
    given = {("camera-map", "bounds"): bounds, ("camera-map", "zoom"): zoom,
             ("division-filter", "value"): list(divisions)}
    values = []
    for i in inputs:
        ident = (i["id"], i["property"])
        default = UNTOUCHED.get(ident, [] if i["property"] == "value" else None)
        values.append({**i, "value": given.get(ident, default)})
    return {"output": key, "outputs": outputs, "inputs": values, "changedPropIds": [changed], "state": []}


@dataclass
class E2ERow:
    n: int
    view: str
    action: str
    http_s: float
    bytes: int
    direct_s: float


@dataclass
class E2EFigures:
    n: int
    seed_s: float | None
    first_s: float
    healthz_s: float
    rows: list[E2ERow]


def _build_app(url: str):
    from dashboard.app import create_app
    from dashboard.config import load_settings

    settings = load_settings(overrides={"database_url": url, "secret_key": "b" * 48, "env": "demo",
                                        "tile_url": ""}, environ={})
    app = create_app(settings)
    app.server.config["TESTING"] = True
    return app


def _login(client) -> dict:
    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, "login form has no csrf_token"
    response = client.post("/login", data={"username": USERNAME, "password": PASSWORD, "csrf_token": match.group(1)})
    assert response.status_code == 302, f"login failed: {response.status_code}"
    client.get("/")  # the index sets the _csrf_token cookie Dash's renderer copies into the header
    cookie = client.get_cookie("_csrf_token")
    assert cookie, "no _csrf_token cookie after login"
    return {"X-CSRFToken": cookie.value, "Content-Type": "application/json"}


def run(n: int, reps: int, report: Report) -> E2EFigures | None:
    try:
        import callbacks  # noqa: F401 - fail early if the app (or a module it imports) is not ready
        import dashboard.app  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any import failure means "app not buildable yet"
        report.note(f"end-to-end Dash benchmark skipped: the app cannot be imported ({type(exc).__name__}: {exc})")
        return None

    workdir = Path(tempfile.mkdtemp(prefix="connect_dallas_bench_"))  # under /tmp, never in the repo
    app = None
    try:
        url, seed_s = copy_of_seeded(n, str(workdir))
        try:
            app = _build_app(url)
        except Exception as exc:  # noqa: BLE001
            report.note(f"end-to-end Dash benchmark skipped: create_app failed ({type(exc).__name__}: {exc})")
            return None
        svc = app.server.extensions["connect_dallas"]
        client = app.server.test_client()
        headers = _login(client)

        def post(body: dict):
            response = client.post("/_dash-update-component", data=json.dumps(body), headers=headers)
            assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])
            return response

        spec = find_callback(app)
        bounds0, zoom0 = VIEWS["city z11"]
        t0 = time.perf_counter()
        first = post(callback_body(spec, bounds0, zoom0, FILTER.divisions, "camera-map.bounds"))
        first_s = time.perf_counter() - t0
        payload = first.get_json()["response"]
        st = svc.settings
        kw = {"cell_px": st.cluster_cell_px, "points_max_zoom": st.points_max_zoom}
        direct = camera_layer(svc.registry.get(), FILTER, Viewport.from_bounds(bounds0, zoom0), FilterCache(), **kw)
        got = payload["camera-layer"]["data"]
        assert got["meta"] == direct["meta"] and len(got["features"]) == len(direct["features"]), \
            "the callback's layer differs from camera_layer called directly"

        health = []
        for _ in range(reps):
            t0 = time.perf_counter()
            client.get("/healthz")
            health.append(time.perf_counter() - t0)

        rows: list[E2ERow] = []
        for view, (bounds, zoom) in VIEWS.items():
            cold_t, cold_b, pan_t, pan_b = [], [], [], []
            direct_cold, direct_pan = [], []
            for rep in range(reps):
                svc.filters = FilterCache()
                body = callback_body(spec, bounds, zoom, FILTER.divisions, "division-filter.value")
                t0 = time.perf_counter()
                r = post(body)
                cold_t.append(time.perf_counter() - t0)
                cold_b.append(len(r.get_data()))
                pan_bounds = shifted(bounds, *PAN_STEPS[rep % len(PAN_STEPS)])
                t0 = time.perf_counter()
                r = post(callback_body(spec, pan_bounds, zoom, FILTER.divisions, "camera-map.bounds"))
                pan_t.append(time.perf_counter() - t0)
                pan_b.append(len(r.get_data()))
                # the same work called directly, on the app's own snapshot and settings
                snap = svc.registry.get()
                t0 = time.perf_counter()
                camera_layer(snap, FILTER, Viewport.from_bounds(bounds, zoom), FilterCache(), **kw)
                direct_cold.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                camera_layer(snap, FILTER, Viewport.from_bounds(pan_bounds, zoom), svc.filters, **kw)
                direct_pan.append(time.perf_counter() - t0)
            rows.append(E2ERow(n, view, "filter change", median_s(cold_t), int(median_s(cold_b)),
                               median_s(direct_cold)))
            rows.append(E2ERow(n, view, "pan/zoom", median_s(pan_t), int(median_s(pan_b)), median_s(direct_pan)))
        figs = E2EFigures(n, seed_s, first_s, median_s(health), rows)
        print(f"  dash end to end at {fmt_n(n)}: seeding {fmt_seed(seed_s)}, first callback (loads the snapshot) "
              f"{fmt_ms(first_s)} ms; city filter change {fmt_ms(rows[0].http_s)} ms / {fmt_bytes(rows[0].bytes)}",
              flush=True)
        return figs
    finally:
        if app is not None:
            app.server.extensions["connect_dallas"].db.dispose()
        shutil.rmtree(workdir, ignore_errors=True)


def summarise(figs: list[E2EFigures]) -> None:
    if not figs:
        return
    rows = []
    for f in figs:
        for r in f.rows:
            rows.append((fmt_n(f.n), r.view, r.action, fmt_ms(r.http_s), fmt_bytes(r.bytes), fmt_ms(r.direct_s),
                         fmt_ms(r.http_s - r.direct_s), fmt_ms(f.healthz_s)))
    print(table(("cameras", "view", "action", "POST /_dash-update-component ms", "response bytes",
                 "camera_layer direct ms", "Flask+Dash+auth ms", "GET /healthz ms"), rows,
                "== Benchmark 2b: update_camera_layer end to end (Flask test client, logged in), medians =="))
    srows = [(fmt_n(f.n), fmt_seed(f.seed_s), fmt_ms(f.first_s)) for f in figs]
    print(table(("cameras", "seed_demo", "first callback ms (snapshot load from SQLite)"), srows))
