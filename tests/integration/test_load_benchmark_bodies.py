"""The load benchmark (benchmarks/load_cluster.py) posts the callbacks a browser posts: each body
it builds from /_dash-dependencies is answered by the app (not refused as malformed), so its
latencies are those of real work."""

from __future__ import annotations

import json

from benchmarks.load_clients import Callbacks
from dashboard.geo.geography import get_geography
from dashboard.incidents.ingest import upsert_incidents
from dashboard.tools.seed import seed_demo


def test_the_load_benchmarks_callback_bodies_are_answered(app, client, login_as, db, settings):
    seed_demo(db, cameras=300, incidents=0, demo_users=False)
    with db.session() as s:
        upsert_incidents(s, [{"incident_number": "BENCH-1-0001", "nature_of_call": "19 - Shooting", "priority": 1,
                              "latitude": 32.7801, "longitude": -96.8005}], geo=get_geography(), settings=settings)
    login_as("analyst")
    assert client.get("/").status_code == 200 and client.get("/_dash-layout").status_code == 200
    headers = {"X-CSRFToken": client.get_cookie("_csrf_token").value, "Content-Type": "application/json"}
    callbacks = Callbacks(client.get("/_dash-dependencies").get_json())

    def post(kind, values, changed):
        r = client.post("/_dash-update-component", data=json.dumps(callbacks.body(kind, values, changed)),
                        headers=headers)
        assert r.status_code in (200, 204), (kind, r.status_code, r.get_data(as_text=True)[:300])
        return r.get_json() if r.status_code == 200 else None

    polled = post("poll", {("poll", "n_intervals"): 1, ("ref-loaded", "data"): True}, ["poll.n_intervals"])
    ops = polled["response"]["incident-store"]["data"]["operations"]
    record = next(op["params"]["value"] for op in ops if op["location"] == ["BENCH-1-0001"])
    bounds = [[32.76, -96.83], [32.80, -96.77]]
    layer = post("pan", {("camera-map", "bounds"): bounds, ("camera-map", "zoom"): 14,
                         ("camera-map", "center"): {"lat": 32.78, "lng": -96.80}}, ["camera-map.bounds"])
    assert layer["response"]["camera-layer"]["data"]["meta"]["total"] > 0
    post("url", {("url", "search"): "", ("camera-map", "zoom"): 14, ("camera-map", "center"): {"lat": 32.78, "lng": -96.8}},
         ["camera-map.center"])
    nearest = post("nearest", {("selected-incident-record", "data"): record, ("selected-incident", "data"): "BENCH-1-0001",
                               ("nearest-radius", "value"): 150, ("nearest-more", "value"): []},
                   ["selected-incident.data", "selected-incident-record.data"])
    assert "BENCH-1-0001" in json.dumps(nearest["response"]["nearest-cameras"])
