"""The map's Dash callbacks through the Flask test client, signed in, against SQL counts."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from sqlalchemy import text

from dashboard.tools.seed import seed_demo
from tests.conftest import dash_headers
from tests.factories import layout_props

FILTER_IDS = ("division-filter", "owner-type-filter", "camera-type-filter", "access-filter", "beat-filter",
              "placement-filter", "retention-filter", "registered-since-filter", "verified-filter")
DEFAULTS = {"division-filter": [], "owner-type-filter": [], "camera-type-filter": [], "access-filter": "all",
            "beat-filter": [], "placement-filter": [], "retention-filter": "any", "registered-since-filter": None,
            "verified-filter": []}
CITY = [[32.61, -97.0], [33.02, -96.55]]


@pytest.fixture
def analyst(app, db, login_as):
    seed_demo(db, cameras=800, incidents=0, demo_users=False)
    client = login_as("analyst")
    assert client.get("/_dash-layout").status_code == 200  # as the page does: sets the CSRF token
    return client


def _spec(app, output: str) -> tuple[str, dict]:
    key = next(k for k in app.callback_map if output in k.strip(".").split("..."))
    return key, app.callback_map[key]


def call(client, app, output: str, values: dict, changed: str | None = None) -> dict:
    """POST the body Dash's renderer sends for the callback that has `output`; -> {id: {prop: value}}."""
    key, spec = _spec(app, output)
    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1), strict=True)) for o in key.strip(".").split("...")]
    inputs = [{**i, "value": values.get(f"{i['id']}.{i['property']}", values.get(i["id"]))} for i in spec["inputs"]]
    state = [{**s, "value": values.get(f"{s['id']}.{s['property']}", values.get(s["id"]))} for s in spec["state"]]
    body = {"output": key, "outputs": outputs if len(outputs) > 1 else outputs[0], "inputs": inputs, "state": state,
            "changedPropIds": [changed] if changed else []}
    response = client.post("/_dash-update-component", json=body, headers=dash_headers(client))
    if response.status_code == 204:
        return {}
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]


def sql_count(db, where: str = "1=1", **params) -> int:
    sql = f"""SELECT COUNT(*) FROM cameras c JOIN camera_sites s ON s.id = c.site_id JOIN owners o ON o.id = s.owner_id
              WHERE c.status = 'active' AND {where}"""  # noqa: S608 (test-only, constant fragments)
    with db.engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar())


def top_beats(db, n: int = 3) -> list[str]:
    sql = """SELECT s.beat FROM cameras c JOIN camera_sites s ON s.id = c.site_id WHERE c.status = 'active'
             GROUP BY s.beat ORDER BY COUNT(*) DESC, s.beat LIMIT :n"""
    with db.engine.connect() as conn:
        return [str(r[0]) for r in conn.execute(text(sql), {"n": n})]


def layer_values(**filters) -> dict:
    values = {"camera-map.bounds": CITY, "camera-map.zoom": 11, **DEFAULTS}
    values.update({k.replace("_", "-") + "-filter" if not k.endswith("-filter") else k: v for k, v in filters.items()})
    return values


def test_new_filters_are_inputs_of_the_layer_and_the_summary(app):
    for output in ("camera-layer.data", "summary-chart.figure"):
        _, spec = _spec(app, output)
        ids = {f"{i['id']}.{i['property']}" for i in spec["inputs"]}
        assert {"beat-filter.value", "placement-filter.value", "retention-filter.value",
                "registered-since-filter.date", "verified-filter.value"} <= ids
    _, summary = _spec(app, "summary-chart.figure")
    assert not any(i["id"] == "camera-map" for i in summary["inputs"])  # not on pan/zoom


def test_unfiltered_count_equals_sql(app, db, analyst):
    out = call(analyst, app, "camera-layer.data", layer_values())
    assert out["camera-count"]["children"] == f"{sql_count(db):,}"
    assert out["camera-layer"]["data"]["meta"]["total"] == sql_count(db)


@pytest.mark.parametrize("case", ["beat", "placement", "retention", "since", "verified", "combined"])
def test_layer_count_with_new_filters_equals_sql(app, db, analyst, case):
    beats = top_beats(db)
    filters, where, params = {
        "beat": ({"beat": beats}, "s.beat IN (:b0, :b1, :b2)", {"b0": beats[0], "b1": beats[1], "b2": beats[2]}),
        "placement": ({"placement": ["indoor"]}, "c.placement = 'indoor'", {}),
        "retention": ({"retention": "30"}, "c.retention_days >= 30", {}),
        "since": ({"registered-since-filter": "2025-06-01"}, "c.registered_at >= :since", {"since": "2025-06-01"}),
        "verified": ({"verified": ["verified"]}, "c.verified_at IS NOT NULL", {}),
        "combined": ({"beat": beats, "placement": ["outdoor"], "retention": "14", "access": "live"},
                     "s.beat IN (:b0, :b1, :b2) AND c.placement = 'outdoor' AND c.retention_days >= 14 "
                     "AND c.live_access", {"b0": beats[0], "b1": beats[1], "b2": beats[2]}),
    }[case]
    if case == "combined":
        filters = {**filters, "access-filter": filters.pop("access")}
    expected = sql_count(db, where, **params)
    assert 0 < expected < sql_count(db)
    out = call(analyst, app, "camera-layer.data", layer_values(**filters))
    assert out["camera-count"]["children"] == f"{expected:,}"

    figure = call(analyst, app, "summary-chart.figure", layer_values(**filters))["summary-chart"]["figure"]
    registered, live = figure["data"]
    assert sum(registered["x"]) + sum(live["x"]) == expected


def test_summary_by_division_and_access_equals_sql(app, db, analyst):
    filters = {"retention": "7", "placement": ["outdoor"]}
    figure = call(analyst, app, "summary-chart.figure", layer_values(**filters))["summary-chart"]["figure"]
    assert figure["layout"]["template"] == "plotly_dark" and figure["layout"]["barmode"] == "stack"
    registered, live = figure["data"]
    assert registered["y"][0] == "Central" and len(registered["y"]) >= 7
    sql = """SELECT s.division, c.live_access, COUNT(*) FROM cameras c JOIN camera_sites s ON s.id = c.site_id
             WHERE c.status = 'active' AND c.retention_days >= 7 AND c.placement = 'outdoor'
             GROUP BY s.division, c.live_access"""
    with db.engine.connect() as conn:
        rows = conn.execute(text(sql)).all()
    labels = {"CENTRAL": "Central", "NORTHEAST": "Northeast", "SOUTHEAST": "Southeast", "SOUTHWEST": "Southwest",
              "NORTHWEST": "Northwest", "NORTH CENTRAL": "N Central", "SOUTH CENTRAL": "S Central"}
    expected = {(labels[d], bool(lv)): n for d, lv, n in rows}
    got = {(y, False): x for y, x in zip(registered["y"], registered["x"], strict=True) if x}
    got |= {(y, True): x for y, x in zip(live["y"], live["x"], strict=True) if x}
    assert got == expected


def test_division_filter_limits_the_summary_to_that_division(app, db, analyst):
    figure = call(analyst, app, "summary-chart.figure", layer_values(division=["NORTHEAST"]))["summary-chart"]["figure"]
    registered, live = figure["data"]
    per_division = {y: r + v for y, r, v in zip(registered["y"], registered["x"], live["x"], strict=True)}
    assert per_division["Northeast"] == sql_count(db, "s.division = 'NORTHEAST'")
    assert sum(per_division.values()) == per_division["Northeast"]


def test_reference_layers_and_beat_options(app, analyst):
    # loaded after the first cameras are counted (never before: no delay to the markers), and
    # only the layers switched on: city limits at first
    first = {"camera-count.children": "", "ref-loaded.data": False, "city-overlay.checked": True}
    assert call(analyst, app, "beat-layer.url", first) == {}
    out = call(analyst, app, "beat-layer.url", {**first, "camera-count.children": "800"},
               changed="camera-count.children")
    assert out["ref-loaded"]["data"] is True and set(out) == {"city-layer", "ref-loaded"}
    city_url = out["city-layer"]["url"]
    assert call(analyst, app, "beat-layer.url", {**first, "camera-count.children": "790", "ref-loaded.data": True,
                                                  "city-layer.url": city_url},
                changed="camera-count.children") == {}  # a later filter change does not resend them
    # beats and TAAGs when switched on (the density layer needs the beats too)
    on = call(analyst, app, "beat-layer.url", {**first, "camera-count.children": "790", "ref-loaded.data": True,
                                                "city-layer.url": city_url, "density-overlay.checked": True,
                                                "taag-overlay.checked": True}, changed="density-overlay.checked")
    assert set(on) == {"beat-layer", "taag-layer"}
    out = {**out, **on}
    # the callback sends URLs only; each is a fingerprinted file the browser keeps for a year
    layers = {}
    for name in ("beat-layer", "taag-layer", "city-layer"):
        url = out[name]["url"]
        assert re.fullmatch(r"/geo/[a-z]+\.[0-9a-f]{16}\.geojson", url), url
        response = analyst.get(url, headers={"Accept-Encoding": "br"})
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["Content-Encoding"] == "br"  # compressed on the wire
        import brotli

        layers[name] = json.loads(brotli.decompress(response.get_data()))
        assert hashlib.sha256(json.dumps(layers[name], separators=(",", ":")).encode()).hexdigest()[:16] in url
    beats, taag, city = layers["beat-layer"], layers["taag-layer"], layers["city-layer"]
    assert len(taag["features"]) == 54 and all(set(f["properties"]) == {"TAAG_Name"} for f in taag["features"])
    assert len(beats["features"]) > 200 and set(beats["features"][0]["properties"]) == {"beat", "division"}
    assert city["features"]
    coords = json.dumps(beats["features"][0]["geometry"]["coordinates"])
    assert max(len(x.split(".")[1]) for x in re.findall(r"-?\d+\.\d+", coords)) <= 5  # about 1 m
    assert analyst.get("/geo/beats.0000000000000000.geojson").status_code == 404  # an unknown fingerprint
    sync = call(analyst, app, "url.search", {"url.search": "", **DEFAULTS})
    options = sync["beat-filter"]["options"]
    assert {"label": "134 · Central", "value": "134"} in options
    assert "division-filter" not in sync  # no filter in the URL: the layout's values stay


def test_url_sync_both_ways(app, analyst):
    # a filter changed -> the query string
    values = {**DEFAULTS, "url.search": "", "division-filter": ["CENTRAL"], "beat-filter": ["134", "131"],
              "retention-filter": "30", "registered-since-filter": "2025-01-01", "verified-filter": ["verified"]}
    out = call(analyst, app, "url.search", values, changed="beat-filter.value")
    search = out["url"]["search"]
    assert search == "?div=CENTRAL&beat=131,134&ret=30&since=2025-01-01&verified=1"
    assert set(out) == {"url"}
    # the URL on load -> the filters (unknown values dropped)
    out = call(analyst, app, "url.search", {**DEFAULTS, "url.search": search + "&owner=nobody&access=live&place=indoor"},
               changed="url.search")
    assert out["division-filter"]["value"] == ["CENTRAL"]
    assert out["beat-filter"]["value"] == ["131", "134"]
    assert out["retention-filter"]["value"] == "30"
    assert out["registered-since-filter"]["date"] == "2025-01-01"
    assert out["verified-filter"]["value"] == ["verified"]
    assert out["access-filter"]["value"] == "live"
    assert out["placement-filter"]["value"] == ["indoor"]
    assert "owner-type-filter" not in out  # [] -> unchanged from the default
    assert "url" not in out


def test_callbacks_refuse_anonymous(app, client):
    key, spec = _spec(app, "summary-chart.figure")
    body = {"output": key, "outputs": {"id": "summary-chart", "property": "figure"}, "state": [],
            "inputs": [{**i, "value": None} for i in spec["inputs"]], "changedPropIds": []}
    response = client.post("/_dash-update-component", json=body, headers=dash_headers(client))
    assert response.status_code == 401  # the gate, before CSRF or Dash: JSON, not a redirect
    assert response.get_json() == {"error": "unauthorized", "message": "sign in required"}


def test_layout_keeps_ids_and_adds_filters_chart_layers_and_url(app, analyst):
    layout = analyst.get("/_dash-layout").get_data(as_text=True)
    for element_id in ("camera-map", "camera-layer", "incident-layer", "division-layer", "division-filter",
                       "owner-type-filter", "camera-type-filter", "access-filter", "search-box", "camera-count",
                       "incident-list", "nearest-cameras", "camera-detail", "beat-filter", "placement-filter",
                       "retention-filter", "registered-since-filter", "verified-filter", "summary-slot",
                       "layers-control", "beat-layer", "taag-layer", "city-layer", "url"):
        assert f'"id": "{element_id}"' in layout or f'"id":"{element_id}"' in layout, element_id
    assert "connectDallas.map.beatTooltip" in layout and "connectDallas.map.cameraToLayer" in layout


def test_supervisor_division_is_preselected(app, db, login_as):
    client = login_as("supervisor", division="SOUTHWEST")
    layout = client.get("/_dash-layout").get_json()
    assert layout_props(layout, "division-filter")["value"] == ["SOUTHWEST"]


def test_density_layer_counts_per_beat_match_sql(app, db, analyst):
    out = call(analyst, app, "density-layer.hideout", {**layer_values(division=["CENTRAL"]), "ref-loaded.data": True},
               changed="division-filter.value")
    hideout = out["density-layer"]["hideout"]
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT s.beat, COUNT(*) FROM cameras c JOIN camera_sites s ON s.id = c.site_id "
                                 "WHERE c.status = 'active' AND s.division = 'CENTRAL' GROUP BY s.beat")).all()
    assert hideout["counts"] == {beat: n for beat, n in rows}
    assert hideout["max"] == max(n for _, n in rows)


# --- the map view (z=<zoom>&c=<lat>,<lon>) in the URL, next to the filters ------------------------------
def test_map_move_writes_the_view_after_the_filters(app, analyst):
    values = {**DEFAULTS, "url.search": "?div=CENTRAL", "division-filter": ["CENTRAL"],
              "camera-map.zoom": 15, "camera-map.center": {"lat": 32.7812345678, "lng": -96.8012345678}}
    out = call(analyst, app, "url.search", values, changed="camera-map.zoom")
    assert out == {"url": {"search": "?div=CENTRAL&z=15&c=32.78123,-96.80123"}}
    # moved again: the view replaced, not appended; nothing written when the URL already says it
    values["url.search"] = out["url"]["search"]
    values["camera-map.center"] = [32.8, -96.7]
    out = call(analyst, app, "url.search", values, changed="camera-map.center")
    assert out["url"]["search"] == "?div=CENTRAL&z=15&c=32.80000,-96.70000"
    values["url.search"] = out["url"]["search"]
    assert call(analyst, app, "url.search", values, changed="camera-map.zoom") == {}
    # a filter change keeps the view
    values["owner-type-filter"] = ["business"]
    out = call(analyst, app, "url.search", values, changed="owner-type-filter.value")
    assert out["url"]["search"] == "?div=CENTRAL&owner=business&z=15&c=32.80000,-96.70000"


def test_map_start_view_leaves_a_clean_url(app, analyst):
    settings = app.server.extensions["connect_dallas"].settings
    lat, lon = settings.map_center
    values = {**DEFAULTS, "url.search": "", "camera-map.zoom": settings.map_zoom,
              "camera-map.center": {"lat": lat, "lng": lon}}
    ready = call(analyst, app, "url.search", values, changed="camera-map.center")  # the map, just ready
    assert "url" not in ready and "camera-map" not in ready
    # ... on a page whose URL names a view: that view is applied, the URL kept
    ready = call(analyst, app, "url.search", {**values, "url.search": "?div=CENTRAL&z=15&c=32.80000,-96.70000"},
                 changed="camera-map.zoom")
    assert "url" not in ready and ready["camera-map"]["viewport"] == {"center": [32.8, -96.7], "zoom": 15}
    assert ready["division-filter"]["value"] == ["CENTRAL"]
    out = call(analyst, app, "url.search", {**values, "camera-map.zoom": settings.map_zoom + 1},
               changed="camera-map.zoom")
    assert out["url"]["search"] == f"?z={settings.map_zoom + 1}&c={lat:.5f},{lon:.5f}"


@pytest.mark.parametrize("invalid", [{"camera-map.zoom": None}, {"camera-map.zoom": 0}, {"camera-map.zoom": 21},
                                     {"camera-map.center": {"lat": 91, "lng": -96.8}},
                                     {"camera-map.center": [32.8, "east"]}, {"camera-map.center": None}])
def test_map_move_with_an_invalid_view_writes_none(app, analyst, invalid):
    values = {**DEFAULTS, "url.search": "?div=CENTRAL&z=12&c=32.80000,-96.70000", "division-filter": ["CENTRAL"],
              "camera-map.zoom": 14, "camera-map.center": [32.8, -96.7], **invalid}
    out = call(analyst, app, "url.search", values, changed=next(iter(invalid)))
    assert out["url"]["search"] == "?div=CENTRAL"


def test_url_on_load_sets_the_viewport_and_the_filters(app, analyst):
    values = {**DEFAULTS, "url.search": "?div=CENTRAL&access=live&z=16&c=32.78123,-96.80123",
              "camera-map.zoom": 11, "camera-map.center": [32.7767, -96.797]}
    for changed in (None, "url.search"):  # the page's first call, and back/forward
        out = call(analyst, app, "url.search", values, changed=changed)
        assert out["camera-map"]["viewport"] == {"center": [32.78123, -96.80123], "zoom": 16}
        assert out["division-filter"]["value"] == ["CENTRAL"]
        assert out["access-filter"]["value"] == "live"
        assert "url" not in out
    # the map reporting a move never sets the viewport back (no feedback loop)
    out = call(analyst, app, "url.search", {**values, "camera-map.zoom": 16, "camera-map.center": [32.78123, -96.80123]},
               changed="camera-map.zoom")
    assert "camera-map" not in out


def test_url_with_only_a_view_keeps_the_layout_filters(app, analyst):
    out = call(analyst, app, "url.search", {**DEFAULTS, "url.search": "?z=13&c=32.9,-96.75"})
    assert out["camera-map"]["viewport"] == {"center": [32.9, -96.75], "zoom": 13}
    assert not {"division-filter", "access-filter", "verified-filter"} & set(out)  # a supervisor's division stays


@pytest.mark.parametrize("search", ["?z=0&c=32.9,-96.75", "?z=21&c=32.9,-96.75", "?z=abc&c=32.9,-96.75",
                                    "?z=13&c=95,-96.75", "?z=13&c=32.9,-181", "?z=13&c=32.9", "?z=13&c=a,b",
                                    "?z=13", "?c=32.9,-96.75", "?z=nan&c=32.9,-96.75", "?z=13&c=inf,-96.75"])
def test_url_with_an_invalid_view_is_ignored(app, analyst, search):
    out = call(analyst, app, "url.search", {**DEFAULTS, "url.search": search}, changed="url.search")
    assert "camera-map" not in out
    assert "beat-filter" in out  # the rest of the URL handling still ran


def test_viewport_has_one_url_writer_among_duplicates(app):
    keys = [k for k in app.callback_map if "camera-map.viewport" in k]
    assert len(keys) >= 4  # camera detail, incidents, search, and the URL
    key, spec = _spec(app, "url.search")
    assert any(part.startswith("camera-map.viewport") for part in key.strip(".").split("..."))
    assert {"camera-map.zoom", "camera-map.center"} <= {f"{i['id']}.{i['property']}" for i in spec["inputs"]}


# --- the page's start view: the layout carries the URL's filters and view and the first cameras ----
def _layout(client, referrer: str | None = None) -> dict:
    headers = {"Referer": referrer} if referrer is not None else {}
    return client.get("/_dash-layout", headers=headers).get_json()


def _loaded(app) -> None:
    app.server.extensions["connect_dallas"].registry.get()  # what the first callback (or `serve`'s warm-up) does


def test_layout_carries_the_first_cameras_once_the_registry_is_loaded(app, db, analyst):
    _loaded(app)
    layout = _layout(analyst)
    data = layout_props(layout, "camera-layer")["data"]
    assert data["features"] and data["meta"]["total"] == sql_count(db)
    assert layout_props(layout, "camera-count")["children"] == f"{sql_count(db):,}"
    # the same layer the first callback draws for that view, clusters and all
    assert {f["properties"].get("cluster") for f in data["features"]} <= {True, None}
    assert sum(f["properties"].get("n", 1) for f in data["features"]) == sql_count(db)


def test_layout_never_waits_for_a_first_registry_load(app, db, login_as):
    seed_demo(db, cameras=50, incidents=0, demo_users=False)
    client = login_as("analyst")
    assert app.server.extensions["connect_dallas"].registry.peek() is None
    layout = _layout(client)
    assert layout_props(layout, "camera-layer")["data"]["features"] == []
    assert layout_props(layout, "camera-count")["children"] == ""
    assert app.server.extensions["connect_dallas"].registry.peek() is None  # still not loaded by the layout


def test_layout_follows_the_pages_url_filters_and_view(app, db, analyst):
    _loaded(app)
    layout = _layout(analyst, "http://localhost/?div=CENTRAL,NORTHEAST&access=live&verified=1&ret=30"
                              "&z=14&c=32.78000,-96.80000")
    assert layout_props(layout, "division-filter")["value"] == ["CENTRAL", "NORTHEAST"]
    assert layout_props(layout, "access-filter")["value"] == "live"
    assert layout_props(layout, "verified-filter")["value"] == ["verified"]
    assert layout_props(layout, "retention-filter")["value"] == "30"
    camera_map = layout_props(layout, "camera-map")
    assert camera_map["center"] == [32.78, -96.8] and camera_map["zoom"] == 14
    expected = sql_count(db, "s.division IN ('CENTRAL', 'NORTHEAST') AND c.live_access AND c.verified_at IS NOT NULL"
                             " AND c.retention_days >= 30")
    assert layout_props(layout, "camera-layer")["data"]["meta"]["total"] == expected
    assert layout_props(layout, "division-layer")["hideout"] == {"selected": ["CENTRAL", "NORTHEAST"]}


def test_layout_with_beats_in_the_url_carries_their_options(app, db, analyst):
    beats = top_beats(db, 2)
    layout = _layout(analyst, f"http://localhost/?beat={','.join(beats)}")
    beat_filter = layout_props(layout, "beat-filter")
    assert beat_filter["value"] == sorted(beats)
    assert set(beats) <= {o["value"] for o in beat_filter["options"]}


@pytest.mark.parametrize("referrer", [
    "http://elsewhere.example/?div=CENTRAL&z=14&c=32.78,-96.8",       # another site's page: not ours
    "http://localhost/?div=<script>&access=root&z=99&c=1e9,2",        # junk: every value dropped
    "not a url at all",
])
def test_layout_ignores_foreign_or_invalid_urls(app, db, analyst, referrer):
    _loaded(app)
    layout = _layout(analyst, referrer)
    assert layout_props(layout, "division-filter")["value"] == []
    assert layout_props(layout, "access-filter")["value"] == "all"
    settings = app.server.config["SETTINGS"]
    camera_map = layout_props(layout, "camera-map")
    assert camera_map["center"] == list(settings.map_center) and camera_map["zoom"] == settings.map_zoom
    assert layout_props(layout, "camera-layer")["data"]["meta"]["total"] == sql_count(db)


def test_supervisor_link_with_filters_shows_the_links_filters(app, db, login_as):
    seed_demo(db, cameras=100, incidents=0, demo_users=False)
    client = login_as("supervisor", division="SOUTHWEST")
    assert layout_props(_layout(client, "http://localhost/?div=CENTRAL"), "division-filter")["value"] == ["CENTRAL"]
    assert layout_props(_layout(client, "http://localhost/?z=13&c=32.7,-96.8"), "division-filter")["value"] == [
        "SOUTHWEST"]  # only a view in the link: the home division stays


def test_first_screen_chunks_load_with_the_page_and_are_served(app, analyst):
    response = analyst.get("/")
    # the start view reads the page's URL from the layout request's Referer: a stricter policy
    # would silently drop it (the URL callback would still apply the URL, one round trip later)
    assert response.headers["Referrer-Policy"] == "same-origin"
    page = response.get_data(as_text=True)
    renderer_at = page.index("_dash-renderer")
    for package, chunk in (("dash_leaflet", "async-GeoJSON"), ("dash_leaflet", "async-EditControl"),
                           ("dash/dcc", "async-dropdown"), ("dash/dcc", "async-datepicker")):
        # fingerprinted like Dash's own bundles (version + file time): cached for a year
        tag = re.search(rf'<script src="(/_dash-component-suites/{package}/{chunk}\.v[\w-]+m\d+\.[\w.]+)"></script>',
                        page)
        assert tag and tag.start() < renderer_at, chunk
        response = analyst.get(tag.group(1))
        assert response.status_code == 200 and b"webpackChunk" in response.get_data()
        assert response.headers["Cache-Control"] == "max-age=31536000"


def test_layout_carries_cameras_only_for_roles_that_may_see_the_map(app, db, analyst, monkeypatch):
    from auth.permissions import PERMISSIONS

    _loaded(app)
    assert layout_props(_layout(analyst), "camera-layer")["data"]["features"]
    monkeypatch.setitem(PERMISSIONS, "view_map", frozenset({"admin"}))  # a future role without the map
    layout = _layout(analyst)
    assert layout_props(layout, "camera-layer")["data"]["features"] == []
    assert layout_props(layout, "camera-count")["children"] == ""
