"""/api/v1 through the Flask test client: every status code docs/interfaces.md names, on both databases."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from sqlalchemy import func, select

from dashboard.api.routes import MAX_BATCH
from dashboard.geo.geography import haversine_m
from dashboard.models import Camera, CameraSite, Incident, Owner
from tests.conftest import CAD_TOKEN

BEARER = {"Authorization": f"Bearer {CAD_TOKEN}"}
CONTRACT_FIELDS = {"incident_number", "nature_of_call", "priority", "status", "received_at", "latitude",
                   "longitude", "block", "location", "beat", "division"}
CAMERA_FIELDS = {"camera_id", "latitude", "longitude", "distance_m", "bearing_deg", "faces_point"}


def incident(number: str = "25-0282681", **changes) -> dict:
    obj = {"incident_number": number, "nature_of_call": "DAEF-Dist Armed Encounter Foot", "priority": 1,
           "status": "Dispatched", "received_at": "2025-02-17T12:30:44-06:00", "latitude": 32.7880,
           "longitude": -96.7950, "block": "2400", "location": "Bryan St"}
    obj.update(changes)
    return obj


def post(client, body, headers=BEARER):
    if isinstance(body, bytes | str):
        return client.post("/api/v1/incidents", data=body, headers={**headers, "Content-Type": "application/json"})
    return client.post("/api/v1/incidents", json=body, headers=headers)


def stored_count(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Incident))


# --- POST: one object ----------------------------------------------------------------------------------
def test_post_one_new_then_the_same_again(client, db):
    first = post(client, incident())
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert CONTRACT_FIELDS | {"id", "updated_at", "source"} <= set(body)
    assert (body["beat"], body["division"]) == ("132", "CENTRAL")  # computed from the coordinates
    assert body["received_at"] == "2025-02-17T18:30:44+00:00"
    second = post(client, incident(status="At Scene"))
    assert second.status_code == 200
    assert second.get_json()["id"] == body["id"] and second.get_json()["status"] == "At Scene"
    assert post(client, incident(status="At Scene")).status_code == 200  # unchanged: still 200, no new row
    assert stored_count(db) == 1


def test_post_one_invalid_is_422_and_stores_nothing(client, db):
    response = post(client, incident(priority=7, received_at="2025-02-17T12:30:44"))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"priority", "received_at"}
    assert "no UTC offset" in errors["received_at"]
    assert stored_count(db) == 0


def test_post_a_point_far_outside_dallas_is_422(client):
    response = post(client, incident(latitude=33.11, longitude=-96.8))
    assert response.status_code == 422
    assert "outside the Dallas city limits (limit 2000 m)" in response.get_json()["errors"]["latitude"]


# --- POST: arrays ------------------------------------------------------------------------------------------
def test_post_batch_stores_the_good_and_lists_the_rejected(client, db):
    response = post(client, [incident("25-1"), incident("25-2", nature_of_call=""), incident("25-3")])
    assert response.status_code == 200
    body = response.get_json()
    assert [i["incident_number"] for i in body["stored"]] == ["25-1", "25-3"]
    assert body["rejected"] == [{"index": 1, "errors": {"nature_of_call": "is required"}}]
    assert stored_count(db) == 2


def test_post_batch_with_nothing_good_is_422_with_the_same_body(client, db):
    response = post(client, [incident("25-1", priority=0), "not an object"])
    assert response.status_code == 422
    body = response.get_json()
    assert body["stored"] == []
    assert [r["index"] for r in body["rejected"]] == [0, 1]
    assert stored_count(db) == 0


@pytest.mark.parametrize(("raw", "message"), [
    ("", "is empty"),
    ("{not json", "is not valid JSON"),
    ('{"priority": NaN}', "is not valid JSON: NaN is not a JSON number"),
    ("42", "must be one incident object or an array of them (got int)"),
    ('"text"', "must be one incident object or an array of them (got str)"),
    ("[]", "is an empty array"),
    (b"\xff\xfe\x00", "is not valid JSON"),
])
def test_post_bad_bodies_are_422_json(client, raw, message):
    response = post(client, raw)
    assert response.status_code == 422 and response.is_json
    assert message in response.get_json()["errors"]["body"]


def test_post_too_many_incidents_is_413(client, db):
    response = post(client, [incident(f"25-{n}") for n in range(MAX_BATCH + 1)])
    assert response.status_code == 413 and response.is_json
    assert f"at most {MAX_BATCH}" in response.get_json()["errors"]["body"]
    assert stored_count(db) == 0


# --- who may call --------------------------------------------------------------------------------------------
def test_post_needs_the_bearer_token(client, login_as, db):
    assert post(client, incident(), headers={}).status_code == 401
    bad = post(client, incident(), headers={"Authorization": "Bearer wrong-token"})
    assert bad.status_code == 401 and bad.is_json
    login_as("analyst")
    response = post(client, incident(), headers={})
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"
    assert "bearer token" in response.get_json()["message"]
    assert stored_count(db) == 0


@pytest.mark.parametrize("path", ["/api/v1/incidents", "/api/v1/cameras/nearest?lat=32.78&lon=-96.8",
                                  "/api/v1/openapi.json"])
def test_reads_refuse_anonymous_and_accept_token_or_session(client, login_as, path):
    anonymous = client.get(path)
    assert anonymous.status_code == 401 and anonymous.is_json
    assert client.get(path, headers=BEARER).status_code == 200
    login_as("analyst")
    assert client.get(path).status_code == 200


# --- GET incidents ---------------------------------------------------------------------------------------------
def test_get_incidents_by_bearer_and_by_analyst(client, login_as):
    post(client, [incident("25-1"), incident("25-2")])
    by_token = client.get("/api/v1/incidents", headers=BEARER).get_json()
    assert [i["incident_number"] for i in by_token["incidents"]] == ["25-1", "25-2"]
    assert by_token["next"] is None
    login_as("analyst")
    assert client.get("/api/v1/incidents").get_json() == by_token


def test_pagination_follows_next_without_loss_or_repeat(client):
    post(client, [incident(f"25-{n:03d}") for n in range(12)])  # one batch: all share one updated_at
    post(client, [incident(f"25-{n:03d}") for n in range(12, 17)])
    seen, url, pages = [], "/api/v1/incidents?limit=5", 0
    while url:
        response = client.get(url, headers=BEARER)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert len(body["incidents"]) <= 5
        seen += [i["incident_number"] for i in body["incidents"]]
        url, pages = body["next"], pages + 1
        if url:
            parts = urlsplit(url)
            assert parts.scheme == "http" and parts.path == "/api/v1/incidents"
            query = parse_qs(parts.query)
            assert set(query) == {"since", "after", "limit"} and query["limit"] == ["5"]
    assert seen == [f"25-{n:03d}" for n in range(17)]
    assert pages == 4


def test_since_selects_changes_and_accepts_an_unencoded_plus(client):
    first = post(client, incident("25-1")).get_json()
    post(client, incident("25-2"))
    changed = post(client, incident("25-1", status="Cleared")).get_json()
    assert changed["updated_at"] > first["updated_at"]
    since = changed["updated_at"]  # "...+00:00": sent raw, the + arrives as a space
    body = client.get(f"/api/v1/incidents?since={since}", headers=BEARER).get_json()
    assert [i["incident_number"] for i in body["incidents"]] == ["25-1"]
    after = client.get(f"/api/v1/incidents?since={since.replace('+00:00', 'Z')}&after={changed['id']}",
                       headers=BEARER).get_json()
    assert after == {"incidents": [], "next": None}
    local = client.get("/api/v1/incidents?since=2000-01-01T00:00:00 05:00", headers=BEARER)  # "+05:00" unencoded
    assert local.status_code == 200 and len(local.get_json()["incidents"]) == 2


@pytest.mark.parametrize(("query", "param", "message"), [
    ("limit=0", "limit", "must be from 1 to 5000 (got 0)"),
    ("limit=5001", "limit", "must be from 1 to 5000 (got 5001)"),
    ("limit=abc", "limit", "must be a whole number from 1 to 5000"),
    ("limit=2.5", "limit", "must be a whole number from 1 to 5000"),
    ("since=yesterday", "since", "is not an ISO-8601 date and time"),
    ("since=2025-02-17T12:00:00", "since", "has no UTC offset"),
    ("since=2025-02-17 12:00", "since", "has no UTC offset"),
    ("after=3", "after", "needs since"),
    ("since=2025-02-17T12:00:00Z&after=-1", "after", "must be from 0"),
])
def test_get_incidents_bad_parameters_are_422(client, query, param, message):
    response = client.get(f"/api/v1/incidents?{query}", headers=BEARER)
    assert response.status_code == 422
    assert message in response.get_json()["errors"][param]


# --- nearest cameras -------------------------------------------------------------------------------------------
POINT = (32.7880, -96.7950)


@pytest.fixture
def cameras(db, services) -> dict[int, tuple[float, float]]:
    """Active cameras on a ring around POINT at growing distances, plus ones that must not show."""
    rng = np.random.default_rng(3)
    active: dict[int, tuple[float, float]] = {}
    with db.session() as s:
        owner = Owner(owner_type="business", name="Secret Owner LLC", contact_person="Pat Private",
                      email="pat@example.org", phone="214-555-0100", address="1 Hidden Way")
        s.add(owner)
        for n in range(15):
            lat = POINT[0] + rng.uniform(-0.01, 0.01)
            lon = POINT[1] + rng.uniform(-0.01, 0.01)
            site = CameraSite(owner=owner, address=f"{n} Main St", latitude=lat, longitude=lon,
                              division="CENTRAL", beat="132")
            status = "active" if n % 5 else "pending"  # every fifth is not active
            camera = Camera(site=site, label=f"cam {n}", camera_type="dome", status=status,
                            direction_deg=None if n % 3 == 0 else float(n * 24), fov_deg=90.0)
            s.add(camera)
            s.flush()
            if status == "active":
                active[camera.id] = (lat, lon)
    services.registry.invalidate()
    return active


def brute_force(active: dict[int, tuple[float, float]], lat: float, lon: float) -> list[tuple[int, float]]:
    ids = list(active)
    coords = np.array([active[i] for i in ids])
    dist = haversine_m(coords[:, 0], coords[:, 1], lat, lon)
    return sorted(zip(ids, dist.tolist(), strict=True), key=lambda pair: pair[1])


def test_nearest_cameras_match_a_brute_force_ranking(client, cameras):
    response = client.get(f"/api/v1/cameras/nearest?lat={POINT[0]}&lon={POINT[1]}&k=5", headers=BEARER)
    assert response.status_code == 200
    found = response.get_json()["cameras"]
    expected = brute_force(cameras, *POINT)[:5]
    assert [c["camera_id"] for c in found] == [i for i, _ in expected]
    assert [c["distance_m"] for c in found] == pytest.approx([d for _, d in expected], abs=0.1)
    assert [c["distance_m"] for c in found] == sorted(c["distance_m"] for c in found)
    for camera in found:
        assert set(camera) == CAMERA_FIELDS
        assert 0 <= camera["bearing_deg"] < 360
        assert camera["faces_point"] in (True, False, None)
    text = response.get_data(as_text=True)
    for secret in ("Secret Owner", "Pat Private", "pat@example.org", "214-555-0100", "Hidden Way", "Main St"):
        assert secret not in text


def test_nearest_defaults_to_ten_and_honours_radius(client, cameras):
    everything = client.get(f"/api/v1/cameras/nearest?lat={POINT[0]}&lon={POINT[1]}", headers=BEARER)
    assert len(everything.get_json()["cameras"]) == min(10, len(cameras))
    ranked = brute_force(cameras, *POINT)
    radius = (ranked[2][1] + ranked[3][1]) / 2
    within = client.get(f"/api/v1/cameras/nearest?lat={POINT[0]}&lon={POINT[1]}&k=100&radius_m={radius}",
                        headers=BEARER).get_json()["cameras"]
    assert [c["camera_id"] for c in within] == [i for i, _ in ranked[:3]]


@pytest.mark.parametrize(("query", "param", "message"), [
    ("lon=-96.8", "lat", "is required"),
    ("lat=32.78", "lon", "is required"),
    ("lat=abc&lon=-96.8", "lat", "must be a number"),
    ("lat=91&lon=-96.8", "lat", "must be a number from -90 up to 90"),
    ("lat=nan&lon=-96.8", "lat", "must be a number from -90"),
    ("lat=32.78&lon=-200", "lon", "must be a number from -180 up to 180"),
    ("lat=32.78&lon=-96.8&k=0", "k", "must be from 1 to 100 (got 0)"),
    ("lat=32.78&lon=-96.8&k=101", "k", "must be from 1 to 100 (got 101)"),
    ("lat=32.78&lon=-96.8&k=2.5", "k", "must be a whole number from 1 to 100"),
    ("lat=32.78&lon=-96.8&radius_m=0", "radius_m", "must be a number greater than 0"),
    ("lat=32.78&lon=-96.8&radius_m=-5", "radius_m", "must be a number greater than 0"),
    ("lat=32.78&lon=-96.8&radius_m=inf", "radius_m", "must be a number greater than 0"),
])
def test_nearest_bad_parameters_are_422(client, query, param, message):
    response = client.get(f"/api/v1/cameras/nearest?{query}", headers=BEARER)
    assert response.status_code == 422
    assert message in response.get_json()["errors"][param]


# --- OpenAPI and errors ------------------------------------------------------------------------------------------
def test_openapi_describes_every_route_of_the_blueprint(app, client):
    response = client.get("/api/v1/openapi.json", headers=BEARER)
    assert response.status_code == 200
    doc = json.loads(response.get_data(as_text=True))
    assert doc["openapi"].startswith("3.")
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": doc["components"]["securitySchemes"]["bearerAuth"][
            "description"]}
    # every route of the blueprint but its JSON 404 for unknown paths
    rules = [r for r in app.server.url_map.iter_rules()
             if r.rule.startswith("/api/v1/") and r.endpoint != "api.unknown"]
    assert len(rules) >= 3
    for rule in rules:
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        assert path in doc["paths"], path
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            operation = doc["paths"][path][method.lower()]
            assert operation["responses"] and operation["security"]
    # every $ref points at a schema that exists
    refs = set(re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(doc)))
    assert refs and refs <= set(doc["components"]["schemas"])


def test_unknown_api_routes_and_methods_answer_json(client):
    missing = client.get("/api/v1/nothing-here", headers=BEARER)
    assert missing.status_code == 404 and missing.is_json and missing.get_json()["error"] == "not_found"
    assert "openapi.json" in missing.get_json()["message"]
    assert client.post("/api/v1/nothing-here", headers=BEARER, json={}).status_code in (404, 405)
    wrong = client.delete("/api/v1/incidents", headers=BEARER)
    assert wrong.status_code == 405 and wrong.is_json
    assert "GET" in wrong.headers["Allow"] and "POST" in wrong.headers["Allow"]
