"""The simulated clients of the load benchmark (benchmarks/load_cluster.py): dashboards that post
the callbacks a browser posts, a CAD system posting incidents, residents registering cameras.

Every request is recorded as (kind, seconds, ok) in one Recorder. Callback bodies are built from
the server's own `/_dash-dependencies` (what the renderer reads), so they follow the callbacks'
current signatures; inputs nobody touched carry what the page's controls hold when untouched.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import defaultdict

import requests

from .common import PAN_STEPS, shifted, view_bounds
from .dash_e2e import UNTOUCHED
from .incidents import DALLAS, PASSWORD, TIMEOUT_S, USERNAME, Dashboard

NUMBER = re.compile(r"BENCH-[0-9]+-[0-9]{4,}")
NATURES = ("19 - Shooting", "6X - Major Disturbance", "09V - Unauthorized Use of Motor Vehicle",
           "40 - Other", "12B - Business Alarm", "31 - Criminal Mischief")


class Recorder:
    """Latency and outcome of every request, by kind; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_samples: list[str] = []
        self.recording = False

    def add(self, kind: str, seconds: float, ok: bool, detail: str = "") -> None:
        if not self.recording:
            return
        with self._lock:
            self.times[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1
                if len(self.error_samples) < 20:
                    self.error_samples.append(f"{kind}: {detail[:200]}")


def _outputs(key: str) -> list[dict]:
    out = []
    for part in key.strip(".").split("..."):
        ident, prop = part.rsplit(".", 1)
        out.append({"id": ident, "property": prop.split("@")[0]})
    return out


class Callbacks:
    """The server-side callbacks the load posts, read from /_dash-dependencies."""

    WANTED = {"poll": "incident-cursor.data", "pan": "camera-layer.data", "url": "url.search",
              "nearest": "nearest-cameras.children"}

    def __init__(self, dependencies: list[dict]):
        self.specs = {}
        for kind, output in self.WANTED.items():
            spec = next((d for d in dependencies if output in d["output"] and not d.get("clientside_function")), None)
            if spec is None:
                raise LookupError(f"no server callback with output {output}")
            self.specs[kind] = spec

    def body(self, kind: str, values: dict, changed: list[str]) -> dict:
        spec = self.specs[kind]

        def dep(d):
            ident = (d["id"], d["property"])
            default = UNTOUCHED.get(ident, [] if d["property"] == "value" else None)
            return {"id": d["id"], "property": d["property"], "value": values.get(ident, default)}

        out = _outputs(spec["output"])
        return {"output": spec["output"], "outputs": out if spec["output"].startswith("..") else out[0],
                "inputs": [dep(d) for d in spec["inputs"]], "state": [dep(d) for d in spec["state"]],
                "changedPropIds": changed}


class LoadDashboard(Dashboard):
    """An open dashboard: polls on the browser's schedule over one connection and, on a second
    connection (a browser has six), pans the map and selects incidents now and then."""

    def __init__(self, base: str, callbacks: Callbacks, recorder: Recorder, rng: random.Random):
        super().__init__(base, None)
        self.callbacks, self.rec, self.rng = callbacks, recorder, rng
        self.side = requests.Session()
        self.side_lock = threading.Lock()
        self.records: dict[str, dict] = {}  # incident number -> slim record, as the store holds them
        self.view = (DALLAS[0] + rng.uniform(-0.06, 0.06), DALLAS[1] + rng.uniform(-0.08, 0.08), rng.choice((12, 13, 14)))
        self.bounds = view_bounds(*self.view)

    def login(self) -> None:
        for attempt in range(5):
            try:
                super().login()
                break
            except (AssertionError, requests.RequestException):
                if attempt == 4:
                    raise
                time.sleep(1 + attempt)
        self.side.cookies.update(self.http.cookies)

    def _post(self, http, kind: str, body: dict) -> requests.Response | None:
        t0 = time.perf_counter()
        try:
            r = http.post(self.base + "/_dash-update-component", data=json.dumps(body), headers=self.headers,
                          timeout=TIMEOUT_S)
        except requests.RequestException as exc:
            self.rec.add(kind, time.perf_counter() - t0, False, repr(exc))
            return None
        ok = r.status_code in (200, 204)
        self.rec.add(kind, time.perf_counter() - t0, ok, f"{r.status_code} {r.text[:150]}")
        return r

    def poll(self) -> int:
        self.n += 1
        body = self.callbacks.body("poll", {("poll", "n_intervals"): self.n, ("ref-loaded", "data"): True,
                                            ("incident-cursor", "data"): self.cursor}, ["poll.n_intervals"])
        r = self._post(self.http, "poll", body)
        now = time.perf_counter()
        if r is None:
            self.errors += 1
            return 0
        if r.status_code == 200:
            payload = r.json()["response"]
            self.cursor = payload["incident-cursor"]["data"]
            store = payload["incident-store"]["data"]
            # a Patch ({"__dash_patch_update": ..., "operations": [...]}) or, first time, the whole store
            for number in NUMBER.findall(json.dumps(store)):
                self.seen_at.setdefault(number, now)
            ops = store.get("operations", []) if isinstance(store, dict) and "operations" in store else []
            for op in ops:
                if op.get("operation") == "Assign" and op.get("location"):
                    self.records[str(op["location"][-1])] = op["params"]["value"]
            if len(self.records) > 400:
                for k in list(self.records)[:200]:
                    del self.records[k]
        elif r.status_code != 204:
            self.errors += 1
        return r.status_code

    def pan(self) -> None:
        """A drag of the map: the camera layer for the new bounds, and the URL's query string."""
        dx, dy = self.rng.choice(PAN_STEPS)
        self.bounds = shifted(self.bounds, dx, dy)
        (s, w), (n, e) = self.bounds
        center = {"lat": (s + n) / 2, "lng": (w + e) / 2}
        zoom = self.view[2]
        with self.side_lock:
            self._post(self.side, "pan (camera layer)", self.callbacks.body(
                "pan", {("camera-map", "bounds"): self.bounds, ("camera-map", "zoom"): zoom,
                        ("camera-map", "center"): center}, ["camera-map.bounds"]))
            self._post(self.side, "pan (url sync)", self.callbacks.body(
                "url", {("url", "search"): "", ("camera-map", "zoom"): zoom, ("camera-map", "center"): center},
                ["camera-map.center"]))

    def select(self) -> None:
        """A click on an incident: the nearest cameras for it (the list and pins are clientside)."""
        located = [r for r in list(self.records.values()) if isinstance(r, dict) and r.get("latitude") is not None]
        if not located:
            return
        record = self.rng.choice(located)
        with self.side_lock:
            self._post(self.side, "select (nearest cameras)", self.callbacks.body(
                "nearest", {("selected-incident-record", "data"): record,
                            ("selected-incident", "data"): record["incident_number"],
                            ("nearest-radius", "value"): 150, ("nearest-more", "value"): []},
                ["selected-incident.data", "selected-incident-record.data"]))


def post_incident(base: str, token: str, number: str, rng: random.Random, rec: Recorder,
                  http: requests.Session) -> bool:
    body = {"incident_number": number, "nature_of_call": rng.choice(NATURES), "priority": rng.choice((1, 2, 2, 3, 3, 4)),
            "latitude": DALLAS[0] + rng.uniform(-0.08, 0.08), "longitude": DALLAS[1] + rng.uniform(-0.08, 0.08)}
    t0 = time.perf_counter()
    try:
        r = http.post(base + "/api/v1/incidents", json=body, headers={"Authorization": f"Bearer {token}"},
                      timeout=TIMEOUT_S)
    except requests.RequestException as exc:
        rec.add("CAD POST /api/v1/incidents", time.perf_counter() - t0, False, repr(exc))
        return False
    ok = r.status_code == 201
    rec.add("CAD POST /api/v1/incidents", time.perf_counter() - t0, ok, f"{r.status_code} {r.text[:150]}")
    return ok


def register(base: str, email: str, rec: Recorder) -> bool:
    """A resident's visit: the form, then the post (a fresh session, as a new visitor)."""
    with requests.Session() as http:
        t0 = time.perf_counter()
        try:
            page = http.get(base + "/register", timeout=TIMEOUT_S)
            rec.add("GET /register", time.perf_counter() - t0, page.status_code == 200, str(page.status_code))
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            form = {"csrf_token": token, "owner_type": "resident", "name": "Load Test", "email": email,
                    "phone": "214-555-0100", "address": "1500 Marilla St", "camera_count": "1", "consent": "on",
                    "website": "", "latitude": "32.7767", "longitude": "-96.7970", "cam-0-label": "Front door",
                    "cam-0-placement": "outdoor", "cam-0-direction": "N", "cam-0-retention": "7",
                    "cam-0-type": "doorbell"}
            t1 = time.perf_counter()
            r = http.post(base + "/register", data=form, timeout=TIMEOUT_S)
        except (requests.RequestException, AttributeError) as exc:
            rec.add("POST /register", time.perf_counter() - t0, False, repr(exc))
            return False
        ok = r.status_code == 200 and "Check your email" in r.text
        rec.add("POST /register", time.perf_counter() - t1, ok, f"{r.status_code} {r.text[:150]}")
        return ok


__all__ = ["Callbacks", "LoadDashboard", "Recorder", "post_incident", "register", "PASSWORD", "USERNAME"]
