"""A supervisor lands on their division: the map zoomed to it, the camera filter and the CAD
board filtered to it; a link's own filters or view still win (issue 13, item 2)."""

from __future__ import annotations

from dashboard.geo.static_layers import division_bounds
from dashboard.tools.seed import seed_demo
from tests.factories import layout_props
from tests.integration.test_map_callbacks import DEFAULTS, call


def _layout(client, referrer: str | None = None) -> dict:
    headers = {"Referer": referrer} if referrer is not None else {}
    return client.get("/_dash-layout", headers=headers).get_json()


def test_supervisor_lands_zoomed_to_their_division_with_the_cad_board_filtered(app, db, login_as, settings):
    seed_demo(db, cameras=100, incidents=0, demo_users=False)
    client = login_as("supervisor", division="SOUTHWEST")
    layout = _layout(client)
    assert layout_props(layout, "division-filter")["value"] == ["SOUTHWEST"]
    assert layout_props(layout, "incident-division-filter")["value"] == ["SOUTHWEST"]
    assert layout_props(layout, "incident-status-filter")["value"] == "open"
    view = layout_props(layout, "camera-map")
    (south, west), (north, east) = division_bounds(("SOUTHWEST",))
    assert south < view["center"][0] < north and west < view["center"][1] < east
    assert view["zoom"] > settings.map_zoom  # closer than the whole city
    # the map reporting that start view is the page loading, not a move: the URL stays clean
    out = call(client, app, "url.search", {**DEFAULTS, "url.search": "", "division-filter": ["SOUTHWEST"],
                                           "camera-map.zoom": view["zoom"], "camera-map.center": view["center"]},
               changed="camera-map.center")
    assert "z=" not in ((out.get("url") or {}).get("search") or "")
    moved = call(client, app, "url.search", {**DEFAULTS, "url.search": "", "division-filter": ["SOUTHWEST"],
                                             "camera-map.zoom": view["zoom"] + 2, "camera-map.center": view["center"]},
                 changed="camera-map.zoom")
    assert f"z={view['zoom'] + 2}" in moved["url"]["search"]  # a real move is written as ever


def test_a_links_filters_or_view_win_over_the_home_division(app, db, login_as, settings):
    seed_demo(db, cameras=100, incidents=0, demo_users=False)
    client = login_as("supervisor", division="SOUTHWEST")
    linked = _layout(client, "http://localhost/?div=CENTRAL")
    assert layout_props(linked, "camera-map")["zoom"] == settings.map_zoom  # the link's filters: the city view
    assert layout_props(linked, "incident-division-filter")["value"] == ["SOUTHWEST"]  # the board stays theirs
    viewed = _layout(client, "http://localhost/?z=15&c=32.7,-96.8")
    assert layout_props(viewed, "camera-map")["zoom"] == 15


def test_other_roles_start_on_the_city_with_every_division(app, db, login_as, settings):
    seed_demo(db, cameras=100, incidents=0, demo_users=False)
    layout = _layout(login_as("analyst"))
    assert layout_props(layout, "camera-map")["zoom"] == settings.map_zoom
    assert list(layout_props(layout, "camera-map")["center"]) == list(settings.map_center)
    assert layout_props(layout, "incident-division-filter")["value"] == []
