"""/api/v1 through the Flask test client: every status code docs/interfaces.md names, on both databases."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from openapi_spec_validator import validate
from sqlalchemy import func, select

from dashboard.api import schemas
from dashboard.api.routes import MAX_BATCH
from dashboard.geo.geography import haversine_m
from dashboard.models import Camera, CameraSite, Incident, Owner
from tests.conftest import CAD_TOKEN, post_form

BEARER = {"Authorization": f"Bearer {CAD_TOKEN}"}
CONTRACT_FIELDS = {"incident_number", "nature_of_call", "priority", "status", "received_at", "latitude",
                   "longitude", "block", "location", "beat", "division"}
CAMERA_FIELDS = {"camera_id", "latitude", "longitude", "distance_m", "bearing_deg", "faces_point", "live_access",
                 "live_sharing"}
PUBLIC = "https://ops.example.test/dallas"


@pytest.fixture
def settings_overrides() -> dict:
    return {"public_base_url": PUBLIC}


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
    schemas.Incident.model_validate(body)  # the documented answer, no undocumented key
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
    schemas.BatchResult.model_validate(body)


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
            assert url.startswith(f"{PUBLIC}/api/v1/incidents?")  # the configured address
            parts = urlsplit(url)
            query = parse_qs(parts.query)
            assert set(query) == {"since", "after", "limit"} and query["limit"] == ["5"]
            url = url.removeprefix(PUBLIC)  # the test client serves the app at /, not at the public prefix
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
    ("since=2025-02-17T12:00:00Z&after=2147483648", "after", "must be from 0 to 2147483647 (got 2147483648)"),
    ("since=2025-02-17T12:00:00Z&after=" + "9" * 400, "after", "must be from 0 to 2147483647 (got 99999"),
    ("since=2025-02-17%0012:00:00Z", "since", "is not an ISO-8601 date and time"),
])
def test_get_incidents_bad_parameters_are_422(client, query, param, message):
    response = client.get(f"/api/v1/incidents?{query}", headers=BEARER)
    assert response.status_code == 422
    assert message in response.get_json()["errors"][param]
    schemas.ValidationErrors.model_validate(response.get_json())


def test_next_link_ignores_a_forged_host_header(client):
    post(client, [incident(f"25-{n}") for n in range(3)])
    body = client.get("/api/v1/incidents?limit=2", headers={**BEARER, "Host": "evil.example",
                                                             "X-Forwarded-Host": "evil.example"}).get_json()
    schemas.IncidentPage.model_validate(body)
    assert body["next"].startswith(f"{PUBLIC}/api/v1/incidents?")
    assert "evil" not in body["next"]


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
    schemas.NearestCameras.model_validate(response.get_json())
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
    bearer = doc["components"]["securitySchemes"]["bearerAuth"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")
    assert "CAD_API_TOKENS" in bearer["description"]
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


def test_openapi_document_is_valid_openapi_3_1(client):
    doc = client.get("/api/v1/openapi.json", headers=BEARER).get_json()
    validate(doc)  # raises on any structural error
    incident_input = doc["components"]["schemas"]["IncidentInput"]["properties"]
    assert incident_input["incident_number"]["minLength"] == 1 and incident_input["priority"]["maximum"] == 4


def test_unknown_api_routes_and_methods_answer_json(client):
    missing = client.get("/api/v1/nothing-here", headers=BEARER)
    assert missing.status_code == 404 and missing.is_json and missing.get_json()["error"] == "not_found"
    assert "openapi.json" in missing.get_json()["message"]
    assert client.post("/api/v1/nothing-here", headers=BEARER, json={}).status_code == 404
    other = client.get("/api/v2/incidents", headers=BEARER)
    assert other.status_code == 404 and other.get_json()["error"] == "not_found"
    schemas.Error.model_validate(other.get_json())
    wrong = client.delete("/api/v1/incidents", headers=BEARER)
    assert wrong.status_code == 405 and wrong.is_json
    assert "GET" in wrong.headers["Allow"] and "POST" in wrong.headers["Allow"]


def test_error_handlers_belong_to_the_api_blueprint(app):
    """The API's JSON errors must not leak onto the rest of the app: no app-wide handler of ours."""
    server = app.server
    app_wide = [handler for by_code in server.error_handler_spec[None].values() for handler in by_code.values()]
    assert not [h for h in app_wide if h.__module__.startswith("dashboard.api")]
    scoped = [handler for by_code in server.error_handler_spec["api"].values() for handler in by_code.values()]
    assert {h.__name__ for h in scoped} >= {"_api_error", "_forbidden", "_http_error", "_unexpected"}


# --- hostile input: refused per field, never a database error ---------------------------------------------------
def test_a_nul_in_one_incident_rejects_that_one_and_stores_the_rest(client, db):
    response = post(client, [incident("25-1"), incident("25-2", nature_of_call="19 - Shoot\x00ing"),
                             incident("25-3", status="At\x07Scene"), incident("25-4")])
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert [i["incident_number"] for i in body["stored"]] == ["25-1", "25-4"]
    assert body["rejected"] == [
        {"index": 1, "errors": {"nature_of_call": "must not contain control characters (found U+0000)"}},
        {"index": 2, "errors": {"status": "must not contain control characters (found U+0007)"}}]
    assert stored_count(db) == 2
    one = post(client, incident("25-5", location="Bryan\x00St"))
    assert one.status_code == 422 and "control characters" in one.get_json()["errors"]["location"]


@pytest.mark.parametrize("number", ["RT-../../etc", "25/0001", "25 0001", "-25", "25_0001", "<b>25</b>"])
def test_incident_numbers_hold_letters_digits_and_dashes(client, db, number):
    response = post(client, incident(number))
    assert response.status_code == 422
    assert response.get_json()["errors"]["incident_number"].startswith("may hold only letters, digits and dashes")
    assert stored_count(db) == 0


def test_real_cad_incident_numbers_pass(client):
    for number in ("25-0282681", "009773-2024", "250009876", "BENCH-1733000000-0001"):
        assert post(client, incident(number)).status_code == 201, number


def test_a_lone_surrogate_is_refused(client, db):
    response = post(client, b'{"incident_number": "25-1", "nature_of_call": "x\\ud800", "priority": 1, '
                            b'"latitude": 32.788, "longitude": -96.795}')
    assert response.status_code == 422
    assert "nature_of_call" in response.get_json()["errors"]
    assert stored_count(db) == 0


def test_canvass_refuses_control_characters_and_bad_numbers(client, login_as, db):
    post(client, incident("25-0282681"))
    login_as("detective")
    base = "/api/v1/incidents/25-0282681/canvass.csv"
    reason = post_form(client, base, {"include_owner": "1", "case": "25-0280079", "category": "burglary",
                                      "reason": "canvass for the \x00 shooting"})
    assert reason.status_code == 422
    assert reason.get_json()["errors"] == {"reason": "must not contain control characters (found U+0000)"}
    nul = client.get("/api/v1/incidents/25%000001/cameras")
    assert nul.get_json()["errors"] == {"incident_number": "must not contain control characters (found U+0000)"}
    dots = post_form(client, "/api/v1/incidents/RT-..%5C..%5Cetc/canvass.csv")
    assert dots.status_code == 422
    assert "letters, digits and dashes" in dots.get_json()["errors"]["incident_number"]
    ranked = client.get("/api/v1/incidents/25-0282681/cameras").get_json()
    schemas.IncidentCameras.model_validate(ranked)


# --- the OpenAPI document's limits are the ones the API enforces ---------------------------------------------------
def _doc(client) -> dict:
    return client.get("/api/v1/openapi.json", headers=BEARER).get_json()


def _plain(schema: dict) -> dict:
    """The non-null branch of an optional field's schema."""
    branches = [b for b in schema.get("anyOf", [schema]) if b.get("type") != "null"]
    return branches[0]


def test_documented_incident_limits_are_enforced(client):
    model = _doc(client)["components"]["schemas"]["IncidentInput"]
    props, required = model["properties"], set(model["required"])
    assert required == {"incident_number", "nature_of_call", "priority"}
    for name in [*props, "coordinates"]:
        if name in ("latitude", "longitude"):
            continue  # a pair: required together unless a geocoder is configured (below)
        left_out = ("latitude", "longitude") if name == "coordinates" else (name,)
        body = {k: v for k, v in incident(f"25-{len(name)}{name[:3]}".replace("_", "")).items() if k not in left_out}
        response = post(client, body)
        if name in required or name == "coordinates":
            assert response.status_code == 422 and left_out[0] in response.get_json()["errors"], name
        else:
            assert response.status_code in (200, 201), (name, response.get_json())
    checked = 0
    for n, (name, prop) in enumerate(props.items()):
        plain = _plain(prop)
        if "maxLength" in plain and plain.get("pattern", "").endswith("]*$"):
            size, fill = plain["maxLength"], "A" if name == "incident_number" else "7"
            inside = incident(f"25-{n}", **{name: fill * size})
            outside = incident(f"25-{n}", **{name: fill * (size + 1)})
            assert post(client, inside).status_code in (200, 201), name
            refused = post(client, outside)
            assert refused.status_code == 422 and f"at most {size} characters" in refused.get_json()["errors"][name]
            checked += 1
        if "maximum" in plain and name == "priority":
            for value in (plain["minimum"], plain["maximum"]):
                assert post(client, incident(f"25-9{value}", priority=value)).status_code in (200, 201)
            for value in (plain["minimum"] - 1, plain["maximum"] + 1):
                assert post(client, incident("25-99", priority=value)).status_code == 422
            checked += 1
        if "enum" in plain:
            for value in plain["enum"]:
                assert post(client, incident("25-98", **{name: value})).status_code in (200, 201), value
            assert post(client, incident("25-98", **{name: "NOWHERE"})).status_code == 422
            checked += 1
        if name in ("latitude", "longitude"):  # beyond the documented range: refused for that reason
            message = post(client, incident("25-97", **{name: plain["maximum"] + 0.001})).get_json()["errors"][name]
            assert message.startswith(f"must be between {plain['minimum']:g} and {plain['maximum']:g}")
            checked += 1
    assert checked >= 8


def _numeric_bounds(schema: dict) -> list[tuple[str, bool]]:
    """(value, accepted) pairs at each documented bound of a numeric parameter."""
    step = 1 if schema["type"] == "integer" else 0.001
    pairs = []
    if "minimum" in schema:
        pairs += [(schema["minimum"], True), (schema["minimum"] - step, False)]
    if "exclusiveMinimum" in schema:
        pairs += [(schema["exclusiveMinimum"] + step, True), (schema["exclusiveMinimum"], False)]
    if "maximum" in schema:
        pairs += [(schema["maximum"], True), (schema["maximum"] + step, False)]
    return pairs


@pytest.mark.parametrize(("path", "base"), [
    ("/api/v1/incidents", {"since": "2025-01-01T00:00:00Z"}),
    ("/api/v1/cameras/nearest", {"lat": "32.788", "lon": "-96.795"}),
    ("/api/v1/incidents/{incident_number}/cameras", {}),
])
def test_documented_parameter_limits_are_enforced(client, path, base):
    post(client, incident("25-0282681"))
    operation = _doc(client)["paths"][path]["get"]
    url = path.replace("{incident_number}", "25-0282681")
    checked = 0
    for parameter in operation["parameters"]:
        if parameter["in"] != "query" or parameter["schema"].get("type") not in ("integer", "number"):
            continue
        for value, accepted in _numeric_bounds(parameter["schema"]):
            response = client.get(url, query_string={**base, parameter["name"]: value}, headers=BEARER)
            assert response.status_code == (200 if accepted else 422), (parameter["name"], value, response.get_json())
            checked += 1
        if parameter["required"]:
            rest = {k: v for k, v in base.items() if k != parameter["name"]}
            response = client.get(url, query_string=rest, headers=BEARER)
            assert response.get_json()["errors"][parameter["name"]] == "is required"
    assert checked >= 4
