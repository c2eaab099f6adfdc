"""Issue 13's finishing touches on the map, through the Flask test client: the ranked cameras
numbered on the map and opened from their row or marker, "Clear filters" on empty results, the
density layer in cameras per km² with its legend."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from dashboard.models import utcnow
from dashboard.registry.summary import beat_areas_km2
from dashboard.tools.seed import seed_demo
from tests.conftest import dash_headers

INCIDENT = "26-0000013"


@pytest.fixture
def analyst(app, db, login_as):
    seed_demo(db, cameras=800, incidents=0, demo_users=False)
    client = login_as("analyst")
    assert client.get("/_dash-layout").status_code == 200  # as the page does: sets the CSRF token
    return client


def _key(app, output: str) -> str:
    return next(k for k in app.callback_map if output in k.strip(".").split("..."))


def _outputs(key: str) -> list[dict]:
    out = []
    for o in key.strip(".").split("..."):
        cid, prop = o.rsplit(".", 1)
        out.append({"id": json.loads(cid) if cid.startswith("{") else cid, "property": prop.split("@")[0]})
    return out


def update(client, app, output: str, inputs: list, state: list | None = None, changed: list | None = None):
    """POST the body Dash's renderer sends for the callback writing `output`; -> the response."""
    key = _key(app, output)
    outputs = _outputs(key)
    body = {"output": key, "outputs": outputs if len(outputs) > 1 else outputs[0], "inputs": inputs,
            "state": state or [], "changedPropIds": changed or []}
    return client.post("/_dash-update-component", json=body, headers=dash_headers(client))


def _busiest_site(db) -> tuple[float, float]:
    with db.engine.connect() as conn:
        row = conn.execute(text("SELECT s.latitude, s.longitude FROM cameras c JOIN camera_sites s ON s.id = c.site_id "
                                "WHERE c.status = 'active' GROUP BY s.id, s.latitude, s.longitude "
                                "ORDER BY COUNT(*) DESC, s.id LIMIT 1")).one()
    return float(row[0]), float(row[1])


def _store(lat: float, lon: float) -> dict:
    now = utcnow().isoformat()
    return {INCIDENT: {"id": 1, "incident_number": INCIDENT, "nature_of_call": "BURGLARY", "priority": 2,
                       "status": "open", "received_at": now, "updated_at": now, "latitude": lat, "longitude": lon,
                       "block": None, "location": None, "beat": None, "division": None}}


def _nearest(client, app, store, more: bool):
    inputs = [{"id": "selected-incident-record", "property": "data", "value": store[INCIDENT]},
              {"id": "selected-incident", "property": "data", "value": INCIDENT},
              {"id": "nearest-radius", "property": "value", "value": 1000},
              {"id": "nearest-more", "property": "value", "value": ["more"] if more else []}]
    response = update(client, app, "ranked-layer.data", inputs, [], ["selected-incident.data"])
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]


def _row_ids(children) -> list[int]:
    """The camera ids of the ranked rows, in list order, from the rendered #nearest-cameras."""
    found = []

    def walk(node):
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            props = node.get("props", {})
            if isinstance(props.get("id"), dict) and props["id"].get("type") == "ranked-row":
                found.append((props["id"]["index"], props["children"][0]["props"]["data-rank"]))
            walk(props.get("children"))
    walk(children)
    assert [int(rank) for _, rank in found] == list(range(1, len(found) + 1))  # numbered 1, 2, 3... in order
    return [cid for cid, _ in found]


def _positions(db, ids: list[int]) -> dict[int, tuple[float, float]]:
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT c.id, s.latitude, s.longitude FROM cameras c JOIN camera_sites s "
                                 "ON s.id = c.site_id")).all()
    return {r[0]: (r[1], r[2]) for r in rows if r[0] in ids}


def test_ranked_cameras_on_the_map_are_the_rows_with_their_numbers(app, db, analyst):
    lat, lon = _busiest_site(db)
    store = _store(lat, lon)
    for more in (False, True):
        out = _nearest(analyst, app, store, more)
        rows = _row_ids(out["nearest-cameras"]["children"])
        features = out["ranked-layer"]["data"]["features"]
        assert len(rows) == 4 if not more else 4 < len(rows) <= 20  # 4 docked, more on demand
        assert [f["properties"]["camera_id"] for f in features] == rows
        assert [f["properties"]["rank"] for f in features] == list(range(1, len(rows) + 1))
        where = _positions(db, rows)
        for f in features:
            flon, flat = f["geometry"]["coordinates"]
            assert (flat, flon) == pytest.approx(where[f["properties"]["camera_id"]], abs=1e-6)
        assert not any(k in json.dumps(features) for k in ("email", "phone", "owner_name"))


def test_an_unlocated_incident_clears_the_numbers(app, analyst):
    store = _store(None, None)  # type: ignore[arg-type]
    out = _nearest(analyst, app, store, False)
    assert out["ranked-layer"]["data"] == {"type": "FeatureCollection", "features": []}


def _open(client, app, camera_id, n_clicks=1, marker=None, trigger="row"):
    row = {"type": "ranked-row", "index": camera_id}
    inputs = [[{"id": row, "property": "n_clicks", "value": n_clicks}],
              {"id": "ranked-layer", "property": "clickData", "value": marker}]
    changed = [json.dumps(row, separators=(",", ":"), sort_keys=True) + ".n_clicks"] if trigger == "row" else ["ranked-layer.clickData"]
    key = next(k for k, spec in app.callback_map.items()
               if any("ranked-row" in str(i["id"]) for i in spec["inputs"]))
    outputs = _outputs(key)
    body = {"output": key, "outputs": outputs, "inputs": inputs,
            "state": [{"id": "camera-map", "property": "zoom", "value": 15}], "changedPropIds": changed}
    return client.post("/_dash-update-component", json=body, headers=dash_headers(client))


def test_a_row_click_opens_the_camera_and_centres_the_map(app, db, analyst):
    lat, lon = _busiest_site(db)
    rows = _row_ids(_nearest(analyst, app, _store(lat, lon), False)["nearest-cameras"]["children"])
    third = rows[2]
    response = _open(analyst, app, third)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    out = response.get_json()["response"]
    with db.engine.connect() as conn:
        label = conn.execute(text("SELECT label FROM cameras WHERE id = :id"), {"id": third}).scalar_one()
    detail = json.dumps(out["camera-detail"]["children"])
    assert '"Camera #"' in detail and f'"{third}"' in detail and json.dumps(label) in detail
    viewport = out["camera-map"]["viewport"]
    assert viewport["center"] == pytest.approx(list(_positions(db, [third])[third]), abs=1e-6)
    assert viewport["zoom"] == 18  # at least street zoom


def test_a_marker_click_opens_the_camera_too(app, db, analyst):
    lat, lon = _busiest_site(db)
    rows = _row_ids(_nearest(analyst, app, _store(lat, lon), False)["nearest-cameras"]["children"])
    marker = {"type": "Feature", "properties": {"ranked": True, "rank": 1, "camera_id": rows[0]},
              "geometry": {"type": "Point", "coordinates": [lon, lat]}}
    response = _open(analyst, app, rows[0], n_clicks=0, marker=marker, trigger="marker")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.get_json()["response"]["camera-map"]["viewport"]["center"] == pytest.approx(
        list(_positions(db, [rows[0]])[rows[0]]), abs=1e-6)


def test_a_row_redrawn_without_a_click_or_a_crafted_id_opens_nothing(app, db, analyst):
    lat, lon = _busiest_site(db)
    rows = _row_ids(_nearest(analyst, app, _store(lat, lon), False)["nearest-cameras"]["children"])
    assert _open(analyst, app, rows[0], n_clicks=0).status_code == 204
    assert _open(analyst, app, "1; DROP TABLE cameras").status_code == 400
    out = _open(analyst, app, 99_999_999).get_json()["response"]
    assert "no longer in the registry" in json.dumps(out["camera-detail"]["children"])


# --- Clear filters ------------------------------------------------------------------------------------
def _clear(client, app, scope: str, output: str, n_clicks: int = 1):
    button = {"scope": scope, "type": "clear-filters"}
    wanted = json.dumps(button, separators=(",", ":"), sort_keys=True)
    key = next(k for k, spec in app.callback_map.items() if any(i["id"] == wanted for i in spec["inputs"]))
    assert output in key
    outputs = _outputs(key)
    body = {"output": key, "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": [{"id": button, "property": "n_clicks", "value": n_clicks}], "state": [],
            "changedPropIds": [wanted + ".n_clicks"]}
    return client.post("/_dash-update-component", json=body, headers=dash_headers(client))


def test_clear_filters_resets_every_map_filter(app, analyst):
    response = _clear(analyst, app, "map", "verified-filter.value")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    out = response.get_json()["response"]
    assert out["division-filter"]["value"] == [] and out["owner-type-filter"]["value"] == []
    assert out["access-filter"]["value"] == "all" and out["retention-filter"]["value"] == "any"
    assert out["registered-since-filter"]["date"] is None and out["verified-filter"]["value"] == []
    assert out["beat-filter"]["value"] == [] and out["placement-filter"]["value"] == []


def test_clear_filters_on_the_cad_board_and_the_search(app, analyst):
    out = _clear(analyst, app, "incidents", "incident-status-filter.value").get_json()["response"]
    assert out == {"incident-division-filter": {"value": []}, "incident-priority-filter": {"value": []},
                   "incident-status-filter": {"value": "all"}}
    out = _clear(analyst, app, "search", "search-box.value").get_json()["response"]
    assert out == {"search-box": {"value": ""}, "search-result": {"children": []}}


def test_a_clear_button_just_drawn_changes_nothing(app, analyst):
    for scope, output in (("map", "verified-filter.value"), ("incidents", "incident-status-filter.value"),
                          ("search", "search-box.value")):
        assert _clear(analyst, app, scope, output, n_clicks=0).status_code == 204


def test_the_empty_search_offers_clear_filters(app, analyst):
    # the CAD drawer's empty list is drawn in the browser (assets/board.js): tests/unit/test_board_js.py
    from tests.integration.test_map_callbacks import call  # the same renderer body as the map tests

    out = call(analyst, app, "search-result.children", {"search-box.value": "zzzz qqqq nowhere"},
               changed="search-box.value")
    shown = json.dumps(out["search-result"]["children"])
    assert "No registered camera site matches" in shown and '"scope": "search"' in shown


def test_the_map_notice_and_its_button_are_on_the_page(analyst):
    from tests.factories import layout_props

    layout = analyst.get("/_dash-layout").get_json()
    notice = layout_props(layout, "filters-empty")
    assert notice["hidden"] is True and "No camera matches these filters." in json.dumps(notice)
    assert '"scope": "map"' in json.dumps(notice)


# --- density per km² ----------------------------------------------------------------------------------
def test_density_is_cameras_per_square_km_with_a_legend(app, db, analyst):
    from tests.integration.test_map_callbacks import call, layer_values

    out = call(analyst, app, "density-layer.hideout", {**layer_values(), "ref-loaded.data": True},
               changed="ref-loaded.data")
    hideout = out["density-layer"]["hideout"]
    with db.engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT s.beat, COUNT(*) FROM cameras c JOIN camera_sites s ON s.id = c.site_id "
                                      "WHERE c.status = 'active' AND s.beat IS NOT NULL GROUP BY s.beat")).all())
    areas = beat_areas_km2()
    assert hideout["density"] == pytest.approx({b: round(n / areas[b], 2) for b, n in rows.items()}, abs=0.006)
    breaks = hideout["breaks"]
    assert breaks == sorted(breaks) and 1 <= len(breaks) <= 4 and len(hideout["colours"]) == len(breaks) + 1
    legend = json.dumps(out["density-legend"]["children"], ensure_ascii=False)
    assert "Cameras per km²" in legend and f"≥ {breaks[-1]:g}" in legend and "no camera" in legend
    for colour in hideout["colours"]:
        assert colour in legend  # the legend shows the map's colours


def test_density_with_no_matching_camera_says_so(app, analyst):
    from tests.integration.test_map_callbacks import call, layer_values

    filters = layer_values(registered_since="2999-01-01")
    out = call(analyst, app, "density-layer.hideout", {**filters, "ref-loaded.data": True},
               changed="registered-since-filter.date")
    assert out["density-layer"]["hideout"]["density"] == {} and out["density-layer"]["hideout"]["breaks"] == []
    assert "No camera matches the filters." in json.dumps(out["density-legend"]["children"], ensure_ascii=False)


def test_a_drawn_area_numbers_its_rows_on_the_map_too(app, db, analyst):
    from tests.integration.test_draw_area import _post_draw

    lat, lon = _busiest_site(db)
    circle = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
              "properties": {"type": "circle", "_radius": 400.0, "_leaflet_id": 5}}
    response = _post_draw(analyst, app, {"type": "FeatureCollection", "features": [circle]})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    out = response.get_json()["response"]
    rows = _row_ids(out["nearest-cameras"]["children"])
    features = out["ranked-layer"]["data"]["features"]
    assert rows and [f["properties"]["camera_id"] for f in features] == rows
