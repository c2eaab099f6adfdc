"""Drawing on the map: the cameras inside a circle or polygon, ranked, checked against the DB."""

from __future__ import annotations

import json

from sqlalchemy import text

from callbacks.draw_area import drawn_shape
from dashboard.geo.geography import haversine_m
from dashboard.tools.seed import seed_demo
from tests.conftest import dash_headers


def _post_draw(client, app, geojson):
    key = next(k for k in app.callback_map if "nearest-cameras.children" in k and
               any(i["id"] == "draw-control" for i in app.callback_map[k]["inputs"]))
    outputs = [{"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1].split("@")[0]}
               for o in key.strip(".").split("...")]  # the list and the rows' numbers on the map
    body = {"output": key, "outputs": outputs,
            "inputs": [{"id": "draw-control", "property": "geojson", "value": geojson}],
            "changedPropIds": ["draw-control.geojson"], "state": []}
    client.get("/")
    client.get("/_dash-layout")
    return client.post("/_dash-update-component", json=body, headers=dash_headers(client))


def _active(db):
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT c.id, s.latitude, s.longitude FROM cameras c JOIN camera_sites s "
                                 "ON s.id = c.site_id WHERE c.status = 'active'")).all()


def test_drawn_circle_lists_the_cameras_inside(app, db, login_as):
    seed_demo(db, cameras=800, incidents=0, seed=4, demo_users=False)
    client = login_as("analyst")
    centre, radius = (32.7801, -96.8005), 600.0
    circle = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [centre[1], centre[0]]},
              "properties": {"type": "circle", "_radius": radius, "_leaflet_id": 77}}
    response = _post_draw(client, app, {"type": "FeatureCollection", "features": [circle]})
    assert response.status_code == 200
    text_out = json.dumps(response.get_json())
    inside = [c for c in _active(db) if haversine_m(centre[0], centre[1], c.latitude, c.longitude) <= radius]
    assert inside, "the seeded registry has cameras downtown"
    assert f"{len(inside)} camera" in text_out
    for cam in sorted(inside, key=lambda c: haversine_m(centre[0], centre[1], c.latitude, c.longitude))[:5]:
        assert f"#{cam.id}" in text_out


def test_drawn_polygon_and_bad_shapes(app, db, login_as):
    seed_demo(db, cameras=800, incidents=0, seed=4, demo_users=False)
    client = login_as("analyst")
    square = [[-96.81, 32.77], [-96.79, 32.77], [-96.79, 32.79], [-96.81, 32.79], [-96.81, 32.77]]
    polygon = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [square]},
               "properties": {"type": "rectangle"}}
    response = _post_draw(client, app, {"type": "FeatureCollection", "features": [polygon]})
    expected = [c for c in _active(db) if -96.81 <= c.longitude <= -96.79 and 32.77 <= c.latitude <= 32.79]
    assert f"{len(expected)} camera" in json.dumps(response.get_json())
    huge = [[-97.0, 32.6], [-96.5, 32.6], [-96.5, 33.0], [-97.0, 33.0], [-97.0, 32.6]]
    too_big = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [huge]}, "properties": {}}
    response = _post_draw(client, app, {"type": "FeatureCollection", "features": [too_big]})
    assert response.status_code == 200 and "km" in json.dumps(response.get_json())


def test_drawn_shape_parsing():
    assert drawn_shape({"geometry": {"type": "Point", "coordinates": [-96.8, 32.78]},
                        "properties": {"_radius": 120}}) == {"type": "circle", "center": [32.78, -96.8],
                                                             "radius_m": 120.0}
    assert drawn_shape({"geometry": {"type": "Point", "coordinates": [-96.8, 32.78]}, "properties": {}}) is None
    assert drawn_shape({"geometry": {"type": "LineString", "coordinates": []}}) is None
