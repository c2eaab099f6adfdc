"""The login gate: every route but docs/interfaces.md's public ones refuses an anonymous client.

The route list is read from the live Flask url_map (Dash's routes included), so a route
added later is covered without anyone adding it here.
"""

from __future__ import annotations

import re

import pytest

from auth.gate import is_public

# docs/interfaces.md: the only routes anyone may reach without signing in.
CONTRACT_PUBLIC = {"/healthz", "/readyz", "/login"}
CONTRACT_PUBLIC_PREFIXES = ("/register/", "/assets/", "/_dash-component-suites/")


def _concrete(rule: str) -> str:
    """Fill each <converter:arg> with a plausible value."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: "1" if "id" in m.group(1) else "x", rule)


def all_routes(app) -> list[tuple[str, str]]:
    routes = []
    for rule in app.server.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, _concrete(rule.rule)))
    return routes


def test_url_map_includes_dash_routes(app):
    paths = {p for _, p in all_routes(app)}
    for dash_route in ("/_dash-layout", "/_dash-dependencies", "/_dash-update-component", "/"):
        assert dash_route in paths


def test_every_non_public_route_refuses_anonymous(app, client):
    checked = 0
    for method, path in all_routes(app):
        if path in CONTRACT_PUBLIC or path == "/register" or path.startswith(CONTRACT_PUBLIC_PREFIXES) or path in (
                "/favicon.ico", "/_favicon.ico"):
            continue
        response = client.open(path, method=method, json={} if method in ("POST", "PUT", "PATCH") else None)
        checked += 1
        if path.startswith(("/_", "/api/")):
            assert response.status_code == 401, (method, path, response.status_code)
            assert response.is_json and response.get_json()["error"] == "unauthorized"
        else:
            assert response.status_code == 302, (method, path, response.status_code)
            assert response.headers["Location"].startswith("/login")
        body = response.get_data(as_text=True)
        assert "camera-map" not in body and "owner" not in body.lower()
    assert checked >= 6


@pytest.mark.parametrize("path", ["/some/page/added/later", "/_dash-anything-new", "/api/v9/secret"])
def test_unknown_routes_are_refused_too(client, path):
    response = client.get(path)
    assert response.status_code in (302, 401)


def test_gate_allow_list_matches_contract():
    assert is_public("/healthz") and is_public("/readyz") and is_public("/login")
    assert is_public("/register") and is_public("/register/confirm/abc")
    assert is_public("/assets/style.css") and is_public("/_dash-component-suites/dash/x.js")
    for private in ("/", "/_dash-layout", "/_dash-dependencies", "/_dash-update-component", "/api/v1/incidents",
                    "/logout", "/loginx", "/healthz/extra", "/registerX", "/registration", "/register-admin"):
        assert not is_public(private), private


def test_healthz_is_public_and_minimal(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_static_assets_are_public_and_local(client):
    assert client.get("/assets/style.css").status_code == 200
    assert client.get("/assets/map.js").status_code == 200


def test_dash_index_served_after_login_without_cdn(login_as):
    client = login_as("analyst")
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(r'<link[^>]+href="([^"]+)"', html)
    assert scripts, "the index page loads scripts"
    for url in scripts:
        assert url.startswith("/"), f"{url} is not served by the app"
        assert client.get(url.split("?")[0]).status_code == 200, url


def test_unknown_api_paths_answer_json_404_to_token_callers(client):
    from tests.conftest import CAD_TOKEN

    for path in ("/api/v2/anything", "/api/v1/nope", "/api/x"):
        response = client.get(path, headers={"Authorization": f"Bearer {CAD_TOKEN}"})
        assert response.status_code == 404 and response.is_json, path


def _layout_links(client) -> set[str]:
    import json

    layout = json.dumps(client.get("/_dash-layout").get_json())
    return {href for href in ("/audit", "/admin/registrations") if f'"href": "{href}"' in layout}


def test_header_links_follow_the_role(login_as):
    assert _layout_links(login_as("analyst")) == set()


def test_header_links_for_admin(login_as):
    assert _layout_links(login_as("admin")) == {"/audit", "/admin/registrations"}


def test_header_links_for_supervisor(login_as):
    assert _layout_links(login_as("supervisor", "CENTRAL")) == {"/audit"}
