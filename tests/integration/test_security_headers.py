"""Security headers on every response, from one place (dashboard/security_headers.py)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from dashboard.app import create_app
from dashboard.security_headers import content_security_policy, tile_source
from tests.conftest import CAD_TOKEN

ROOT = Path(__file__).resolve().parents[2]
SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "X-Content-Type-Options",
                    "Strict-Transport-Security")


def _check(response, *, referrer: str) -> None:
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'" and directives["form-action"] == "'self'"
    script = directives["script-src"].split()
    assert script[0] == "'self'" and all(re.fullmatch(r"'sha256-[A-Za-z0-9+/=]+'", s) for s in script[1:])
    assert len(headers.getlist("Content-Security-Policy")) == 1
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == referrer


def test_every_kind_of_response_carries_the_headers(app, client, login_as):
    anonymous = {"/login": "same-origin", "/register": "no-referrer", "/register/manage": "no-referrer",
                 "/register/requests/" + "A" * 43: "no-referrer", "/healthz": "same-origin",
                 "/assets/style.css": "same-origin", "/": "same-origin", "/no-such-page": "same-origin",
                 "/live/s/nope/status": "no-referrer"}
    for path, referrer in anonymous.items():
        _check(client.get(path), referrer=referrer)
    _check(client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {CAD_TOKEN}"}), referrer="same-origin")
    login_as("supervisor")
    for path in ("/", "/audit", "/_dash-layout", "/logout", "/api/v1/incidents"):
        response = client.get(path)
        assert response.status_code == 200, path
        _check(response, referrer="same-origin")
        assert "Strict-Transport-Security" not in response.headers  # demo mode serves plain http


def test_the_dashboard_page_scripts_are_allowed_by_hash(app, client, login_as):
    """Dash's inline renderer script is allowed by its hash, nothing else inline is."""
    import base64
    import hashlib

    login_as("analyst")
    response = client.get("/")
    page = re.sub(r"<!--.*?-->", "", response.get_data(as_text=True), flags=re.S)  # Dash's IE-only comment
    inline = [s for attrs, s in re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
              if "src=" not in attrs and "application/json" not in attrs]
    assert "var renderer = new DashRenderer();" in inline and len(inline) >= 2  # and the clientside callbacks
    policy = response.headers["Content-Security-Policy"]
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy


def test_hsts_in_production(settings):
    app = create_app(replace(settings, env="production"))
    try:
        client = app.server.test_client()
        client.environ_base["wsgi.url_scheme"] = "https"
        response = client.get("/login")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    finally:
        app.server.extensions["connect_dallas"].db.dispose()


@pytest.mark.parametrize(("template", "source"), [
    ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
    ("https://tiles.example.gov/{z}/{x}/{y}.png", "https://tiles.example.gov"),
    ("/tiles/{z}/{x}/{y}.png", None), ("", None)])
def test_tile_server_joins_img_src(template, source):
    assert tile_source(template) == source
    img = dict(p.strip().split(" ", 1) for p in content_security_policy([], template).split(";"))["img-src"]
    assert (source in img.split()) if source else img == "'self' data: blob:"


def test_no_other_module_sets_security_headers():
    """One place: a header set in a view would drift from the policy (five places did before)."""
    offenders = []
    for path in [*ROOT.glob("dashboard/**/*.py"), *ROOT.glob("auth/**/*.py"), *ROOT.glob("callbacks/**/*.py")]:
        if path.name == "security_headers.py" or "migrations" in path.parts:
            continue
        text = path.read_text()
        offenders += [f"{path.relative_to(ROOT)}: {h}" for h in SECURITY_HEADERS if f'"{h}"' in text]
    assert offenders == []
