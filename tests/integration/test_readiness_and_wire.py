"""Readiness for load balancers (/readyz: ok only once the map can be served) and the wire:
data responses compressed, HTML pages (CSRF tokens beside reflected input) not."""

from __future__ import annotations

import gzip
import json

import brotli

from dashboard.tools.seed import seed_demo


def test_readyz_waits_for_the_registry_snapshot(app, client, db, services):
    seed_demo(db, cameras=200, incidents=0, demo_users=False)
    assert client.get("/healthz").status_code == 200  # alive from the start
    not_yet = client.get("/readyz")
    assert not_yet.status_code == 503
    assert not_yet.get_json() == {"status": "unavailable", "reason": "registry snapshot loading"}
    services.registry.get()
    ready = client.get("/readyz")  # anonymous, like /healthz
    assert ready.status_code == 200 and ready.get_json() == {"status": "ok"}


def test_data_responses_are_compressed_html_pages_are_not(app, db, login_as):
    seed_demo(db, cameras=300, incidents=0, demo_users=False)
    client = login_as("analyst")
    layout = client.get("/_dash-layout", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert layout.status_code == 200 and layout.headers["Content-Encoding"] == "br"
    assert "camera-map" in json.dumps(json.loads(brotli.decompress(layout.get_data())))
    plain = client.get("/_dash-layout", headers={"Accept-Encoding": "gzip"})
    assert plain.headers["Content-Encoding"] == "gzip" and gzip.decompress(plain.get_data())
    assert len(layout.get_data()) < len(brotli.decompress(layout.get_data())) / 3
    page = app.server.test_client().get("/login", headers={"Accept-Encoding": "gzip, br"})
    assert page.status_code == 200 and len(page.get_data()) > 1024 and "csrf" in page.get_data(as_text=True)
    assert "Content-Encoding" not in page.headers
