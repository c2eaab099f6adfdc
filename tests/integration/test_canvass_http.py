"""The canvass routes through the Flask test client, on both databases:
GET /api/v1/incidents/<n>/cameras (ranked JSON) and POST /api/v1/incidents/<n>/canvass.csv
(the audited export, owner columns only for roles that may see them)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import select

from dashboard.audit.chain import verify_chain
from dashboard.incidents.canvass import CSV_COLUMNS, OWNER_COLUMNS
from dashboard.models import AuditEvent, Camera, CameraSite, Incident, Owner, utcnow
from tests.conftest import CAD_TOKEN, csrf_token_of, post_form
from tests.factories import offset_point as _offset

BEARER = {"Authorization": f"Bearer {CAD_TOKEN}"}
P = (32.7880, -96.7950)
NUMBER = "25-0282681"
CASE = "25-0280079"
REASON = "Shooting at Bryan St; canvass cameras for the suspect vehicle."
SECRETS = ("Secret Owner LLC", "Pat Private", "pat@example.org", "214-555-0100", "1 Hidden Way")


@pytest.fixture
def seeded(db, services) -> dict[str, int]:
    """Cameras around the incident (one facing it, one urgent, one pending, one far) and two incidents."""
    ids: dict[str, int] = {}
    with db.session() as s:
        owner = Owner(owner_type="business", name="Secret Owner LLC", contact_person="Pat Private",
                      email="pat@example.org", phone="214-555-0100", address="1 Hidden Way")
        specs = {  # name: (bearing from the incident, metres, direction, retention days, live, status)
            "near_away": (90, 15, 90.0, 30, False, "active"),         # looks away from the incident
            "facing": (0, 80, 180.0, 30, True, "active"),            # north of it, looking south
            "urgent": (180, 40, None, 2, False, "active"),           # 48 h retention, incident 20 h ago
            "pending": (270, 10, 90.0, 30, True, "pending"),         # not in the registry yet
            "far": (0, 900, 180.0, 30, True, "active"),              # outside the default 150 m
        }
        for name, (bearing, metres, direction, retention, live, status) in specs.items():
            lat, lon = _offset(*P, bearing, metres)
            site = CameraSite(owner=owner, address="1 Hidden Way", latitude=lat, longitude=lon,
                              division="CENTRAL", beat="132")
            camera = Camera(site=site, label=name, camera_type="dome", status=status, direction_deg=direction,
                            fov_deg=90.0, range_m=150.0, retention_days=retention, live_access=live)
            s.add(camera)
            s.flush()
            ids[name] = camera.id
        received = utcnow() - timedelta(hours=20)
        s.add(Incident(incident_number=NUMBER, nature_of_call="DAEF-Dist Armed Encounter Foot", priority=1,
                       received_at=received, latitude=P[0], longitude=P[1]))
        s.add(Incident(incident_number="25-0000001", nature_of_call="PSE/Lost Property", priority=4,
                       received_at=received))
    services.registry.invalidate()
    return ids


def _events(db, outcome: str | None = None) -> list[AuditEvent]:
    with db.session() as s:
        query = select(AuditEvent).where(AuditEvent.action == "canvass_export").order_by(AuditEvent.id)
        if outcome:
            query = query.where(AuditEvent.outcome == outcome)
        return list(s.scalars(query))


def _export(client, fields: dict | None = None, number: str = NUMBER):
    """The export as the dashboard's form sends it: a POST with the CSRF token."""
    return post_form(client, f"/api/v1/incidents/{number}/canvass.csv", fields)


def _fetch(client, path: str, number: str, fields: dict | None = None):
    if path == "canvass.csv":
        return _export(client, fields, number)
    return client.get(f"/api/v1/incidents/{number}/{path}", query_string=fields)


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


# --- ranked JSON --------------------------------------------------------------------------------------
def test_ranked_cameras_json_for_a_session_and_for_cad(client, login_as, seeded, db):
    login_as("analyst")
    response = client.get(f"/api/v1/incidents/{NUMBER}/cameras")
    assert response.status_code == 200
    body = response.get_json()
    assert body["incident"]["incident_number"] == NUMBER
    assert (body["radius_m"], body["k"], body["auto_dock"]) == (150, 20, 4)
    cams = body["cameras"]
    assert [c["camera_id"] for c in cams] == [seeded["facing"], seeded["urgent"], seeded["near_away"]]
    assert [c["score"] for c in cams] == [2, 1, 0]
    facing, urgent, away = cams
    assert facing["faces"] is True and facing["live_access"] is True and facing["hours_left"] == pytest.approx(700)
    assert urgent["faces"] is None and urgent["urgent"] is True and urgent["hours_left"] == pytest.approx(28, abs=0.1)
    assert away["faces"] is False and away["distance_m"] == pytest.approx(15, abs=0.1)
    text = response.get_data(as_text=True)
    for secret in SECRETS:
        assert secret not in text
    # k and radius; CAD's bearer token may read the list too
    small = client.get(f"/api/v1/incidents/{NUMBER}/cameras?k=1&radius_m=1000", headers=BEARER).get_json()
    assert [c["camera_id"] for c in small["cameras"]] == [seeded["facing"]]
    wide = client.get(f"/api/v1/incidents/{NUMBER}/cameras?radius_m=1000").get_json()
    assert seeded["far"] in [c["camera_id"] for c in wide["cameras"]]
    assert _events(db) == []  # reading is not an export


@pytest.mark.parametrize(("query", "param"), [("radius_m=0", "radius_m"), ("radius_m=abc", "radius_m"),
                                              ("radius_m=2001", "radius_m"), ("k=0", "k"), ("k=101", "k"),
                                              ("k=2.5", "k")])
def test_bad_radius_or_k_is_422(client, login_as, seeded, query, param):
    login_as("analyst")
    for path in ("cameras", "canvass.csv"):
        response = _fetch(client, path, NUMBER, dict(parse_qsl(query)))
        assert response.status_code == 422
        assert param in response.get_json()["errors"]


def test_unknown_incident_is_404_and_unlocated_is_422(client, login_as, seeded, db):
    login_as("detective")
    for path in ("cameras", "canvass.csv"):
        missing = _fetch(client, path, "25-9999999")
        assert missing.status_code == 404
        assert missing.get_json()["error"] == "not_found"
        unlocated = _fetch(client, path, "25-0000001")
        assert unlocated.status_code == 422
        assert "incident has no location" in json.dumps(unlocated.get_json())
    assert _events(db) == []


def test_routes_refuse_anonymous(client, seeded):
    assert client.get(f"/api/v1/incidents/{NUMBER}/cameras").status_code == 401
    assert client.post(f"/api/v1/incidents/{NUMBER}/canvass.csv").status_code == 401


# --- the CSV export -------------------------------------------------------------------------------------
def test_analyst_export_has_no_owner_columns_and_is_audited(client, login_as, seeded, db):
    login_as("analyst")
    response = _export(client, {"k": "20"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="canvass-{NUMBER}.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert tuple(text.splitlines()[0].split(",")) == CSV_COLUMNS
    rows = _csv(response)
    assert [int(r["camera_id"]) for r in rows] == [seeded["facing"], seeded["urgent"], seeded["near_away"]]
    assert [r["rank"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["faces_incident"] == "yes" and rows[1]["urgent"] == "yes"
    for secret in SECRETS:
        assert secret not in text
    (ev,) = _events(db)
    assert (ev.outcome, ev.username, ev.object_type, ev.object_id) == ("ok", "analyst1", "incident", NUMBER)
    assert ev.client_addr == "127.0.0.1"
    detail = json.loads(ev.detail)
    assert (detail["count"], detail["with_owner"]) == (3, False)
    with db.session() as s:
        assert verify_chain(s).ok


def test_detective_export_with_owner_columns_is_audited(client, login_as, seeded, db):
    login_as("detective")
    response = _export(client, {"include_owner": "1", "case": CASE, "category": "burglary", "reason": REASON})
    assert response.status_code == 200, response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    assert tuple(text.splitlines()[0].split(",")) == CSV_COLUMNS + OWNER_COLUMNS
    rows = _csv(response)
    assert len(rows) == 3
    assert {r["email"] for r in rows} == {"pat@example.org"}
    assert rows[0]["owner_name"] == "Secret Owner LLC" and rows[0]["owner_address"] == "1 Hidden Way"
    (ev,) = _events(db)
    assert (ev.outcome, ev.username, ev.object_id, ev.case_number, ev.reason) == (
        "ok", "detective1", NUMBER, CASE, REASON)
    detail = json.loads(ev.detail)
    assert detail["with_owner"] is True and detail["count"] == 3
    assert sorted(detail["camera_ids"]) == sorted([seeded["facing"], seeded["urgent"], seeded["near_away"]])


@pytest.mark.parametrize(("query", "field"), [({"include_owner": "1", "category": "burglary", "reason": REASON}, "case"),
                                              ({"include_owner": "1", "case": CASE, "reason": REASON}, "category"),
                                              ({"include_owner": "1", "case": CASE, "category": "burglary"}, "reason"),
                                              ({"include_owner": "maybe"}, "include_owner")])
def test_detective_owner_export_needs_case_and_reason(client, login_as, seeded, db, query, field):
    login_as("detective")
    response = _export(client, query)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert _events(db) == []


def test_analyst_asking_for_owners_is_403_and_audited_denied(client, login_as, seeded, db):
    login_as("analyst")
    response = _export(client, {"include_owner": "1", "case": CASE, "category": "burglary", "reason": REASON})
    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"
    for secret in SECRETS:
        assert secret not in response.get_data(as_text=True)
    (ev,) = _events(db)
    assert (ev.outcome, ev.username, ev.object_id, ev.case_number) == ("denied", "analyst1", NUMBER, CASE)
    assert _events(db, "ok") == []


def test_bearer_token_may_not_export(client, seeded, db):
    response = client.post(f"/api/v1/incidents/{NUMBER}/canvass.csv", headers=BEARER)
    assert response.status_code == 403
    assert "signed-in" in response.get_json()["message"]
    assert _events(db) == []


def test_openapi_documents_the_canvass_routes(client, login_as):
    login_as("analyst")
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "get" in doc["paths"]["/api/v1/incidents/{incident_number}/cameras"]
    csv_op = doc["paths"]["/api/v1/incidents/{incident_number}/canvass.csv"]["post"]
    assert "get" not in doc["paths"]["/api/v1/incidents/{incident_number}/canvass.csv"]
    assert csv_op["security"] == [{"sessionCookie": []}]
    assert {"RankedCamera", "IncidentCameras"} <= set(doc["components"]["schemas"])


def test_export_is_never_a_get_and_a_cookie_post_needs_the_csrf_token(client, login_as, seeded, db):
    """A link on another site (GET) or a cross-site form (POST without the token) must not make a
    detective's browser download owner details or write an audit event in their name."""
    login_as("detective")
    query = {"include_owner": "1", "case": CASE, "category": "burglary", "reason": REASON}
    link = client.get(f"/api/v1/incidents/{NUMBER}/canvass.csv", query_string=query)
    assert link.status_code == 405 and "POST" in link.headers["Allow"]
    forged = client.post(f"/api/v1/incidents/{NUMBER}/canvass.csv", data=query)
    assert forged.status_code == 400 and "CSRF" in forged.get_json()["message"]
    header = client.post(f"/api/v1/incidents/{NUMBER}/canvass.csv", data=query,
                         headers={"X-CSRFToken": csrf_token_of(client)})  # what a script of ours would send
    assert header.status_code == 200
    assert [e.outcome for e in _events(db)] == ["ok"]
