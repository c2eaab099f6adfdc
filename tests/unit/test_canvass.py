"""The camera canvass: ranking against a brute force, retention arithmetic, drawn shapes, and
the audited CSV export (service level; the HTTP routes are in tests/integration)."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, Polygon
from sqlalchemy import select

from auth.permissions import PermissionDenied
from auth.users import SessionUser, add_or_update_user, find_user
from dashboard.audit.chain import verify_chain
from dashboard.geo.geography import angle_within, bearing_deg, haversine_m
from dashboard.incidents.canvass import (
    CSV_COLUMNS,
    OWNER_COLUMNS,
    CanvassInputError,
    IncidentNotFound,
    IncidentPoint,
    cameras_in_shape,
    canvass_csv,
    hours_left,
    rank_cameras,
    rank_in_shape,
)
from dashboard.incidents.canvass import shapes as canvass_shapes
from dashboard.models import AuditEvent, Camera, CameraSite, Incident, Owner
from dashboard.registry.cache import load_snapshot
from tests.factories import offset_point as _offset
from tests.factories import tiny_snapshot as _tiny_snapshot

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
P = (32.7800, -96.8000)  # the incident
CASE = "25-0280079"
REASON = "Aggravated robbery at the corner store; canvass for suspect vehicle."


# --- a synthetic snapshot and positions: tests/factories.py -------------------------------------


def _camera_at(bearing_from_point: float, metres: float, *, facing: bool | None, **extra) -> dict:
    """A camera `metres` from P; facing=True points it at P, False away, None: direction unknown."""
    lat, lon = _offset(*P, bearing_from_point, metres)
    to_point = (bearing_from_point + 180) % 360
    direction = None if facing is None else (to_point if facing else (to_point + 180) % 360)
    return {"lat": lat, "lon": lon, "direction": direction, "fov": None if facing is None else 60.0,
            "range_m": None, **extra}


def _brute_force(snapshot, lat, lon, incident_time, now, radius_m, k):
    """Every camera measured one by one, ranked by the documented rule."""
    elapsed = max((now - incident_time).total_seconds() / 3600, 0.0)
    rows = []
    for i in range(len(snapshot)):
        clat, clon = snapshot.lat[i], snapshot.lon[i]
        dist = float(haversine_m(clat, clon, lat, lon))
        if dist > radius_m:
            continue
        bearing = float(bearing_deg(clat, clon, lat, lon))
        direction = snapshot.direction[i]
        if math.isnan(direction):
            faces = None
        else:
            fov = 90.0 if math.isnan(snapshot.fov[i]) else snapshot.fov[i]
            reach = math.inf if math.isnan(snapshot.range_m[i]) else snapshot.range_m[i]
            faces = bool(angle_within(bearing, direction, fov)) and bool(dist <= reach)
        left = snapshot.retention[i] * 24.0 - elapsed
        urgent = 0 < left <= 48
        score = -1 if left <= 0 else 2 * (faces is True) + urgent
        rows.append((-score, dist, int(snapshot.ids[i]), faces, left))
    rows.sort()
    return rows[:k]


# --- ranking ------------------------------------------------------------------------------------------
def test_faces_first_then_urgent_then_distance_and_overwritten_last():
    incident_time = NOW - timedelta(hours=36)
    snap = _tiny_snapshot([
        {"id": 1, **_camera_at(0, 100, facing=True, retention=30)},        # faces, not urgent      -> 2
        {"id": 2, **_camera_at(90, 20, facing=False, retention=30)},       # neither               -> 0
        {"id": 3, **_camera_at(180, 60, facing=False, retention=3)},       # urgent: 72 - 36 = 36 h -> 1
        {"id": 4, **_camera_at(270, 10, facing=True, retention=1)},        # 24 - 36 < 0: gone      -> -1
        {"id": 5, **_camera_at(45, 120, facing=True, retention=2)},        # faces and urgent       -> 3
        {"id": 6, **_camera_at(135, 5, facing=None, retention=30, live=True)},  # unknown direction -> 0
    ])
    ranked = rank_cameras(snap, *P, incident_time, NOW, radius_m=150, k=20)
    assert [c.camera_id for c in ranked] == [5, 1, 3, 6, 2, 4]
    assert [c.score for c in ranked] == [3, 2, 1, 0, 0, -1]
    assert [c.rank for c in ranked] == [1, 2, 3, 4, 5, 6]
    by_id = {c.camera_id: c for c in ranked}
    assert (by_id[5].faces, by_id[5].urgent, by_id[5].overwritten) == (True, True, False)
    assert (by_id[2].faces, by_id[6].faces) == (False, None)
    assert by_id[4].overwritten and by_id[4].faces is True and not by_id[4].urgent
    assert by_id[4].hours_left == pytest.approx(-12)
    assert by_id[3].hours_left == pytest.approx(36)
    assert by_id[6].live_access is True and by_id[1].live_access is False
    assert by_id[1].retention_days == 30
    assert by_id[1].distance_m == pytest.approx(100, abs=0.01)
    assert by_id[2].bearing_deg == pytest.approx(270, abs=0.1)  # camera east of P looks west to it
    # k cuts after ranking: the nearest cameras (6, 4, 2) do not crowd out the facing ones
    assert [c.camera_id for c in rank_cameras(snap, *P, incident_time, NOW, radius_m=150, k=2)] == [5, 1]
    # the radius bounds the candidates
    assert {c.camera_id for c in rank_cameras(snap, *P, incident_time, NOW, radius_m=50, k=20)} == {2, 4, 6}
    d = ranked[0].to_dict()
    assert set(d) == {"camera_id", "latitude", "longitude", "distance_m", "bearing_deg", "faces", "live_access",
                      "retention_days", "hours_left", "urgent", "overwritten", "score", "rank"}
    json.dumps(d)


def test_ties_break_by_distance_then_camera_id():
    same = _camera_at(10, 40, facing=False)
    snap = _tiny_snapshot([{"id": 9, **same}, {"id": 3, **same}, {"id": 5, **_camera_at(200, 30, facing=False)}])
    ranked = rank_cameras(snap, *P, NOW - timedelta(hours=1), NOW, radius_m=150)
    assert [c.camera_id for c in ranked] == [5, 3, 9]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("radius_m", "k"), [(400, 100), (250, 20), (150, 4)])
def test_ranking_matches_a_brute_force(seed, radius_m, k):
    rng = np.random.default_rng(seed)
    cams = []
    for _ in range(400):
        lat, lon = _offset(*P, rng.uniform(0, 360), rng.uniform(1, 600))
        cams.append({"lat": lat, "lon": lon,
                     "direction": None if rng.random() < 0.2 else rng.uniform(0, 360),
                     "fov": None if rng.random() < 0.1 else rng.choice([40.0, 90.0, 120.0, 360.0]),
                     "range_m": None if rng.random() < 0.3 else rng.uniform(20, 300),
                     "retention": int(rng.choice([0, 1, 2, 3, 7, 14, 30])), "live": bool(rng.random() < 0.3)})
    snap = _tiny_snapshot(cams)
    incident_time = NOW - timedelta(hours=float(rng.uniform(0, 100)))
    ranked = rank_cameras(snap, *P, incident_time, NOW, radius_m=radius_m, k=k)
    expected = _brute_force(snap, *P, incident_time, NOW, radius_m, k)
    assert [c.camera_id for c in ranked] == [row[2] for row in expected]
    assert [c.score for c in ranked] == [-row[0] for row in expected]
    assert [c.distance_m for c in ranked] == pytest.approx([row[1] for row in expected], abs=1e-3)
    assert [c.faces for c in ranked] == [row[3] for row in expected]
    assert [c.hours_left for c in ranked] == pytest.approx([row[4] for row in expected])
    assert [c.rank for c in ranked] == list(range(1, len(ranked) + 1))
    scores = [c.score for c in ranked]
    assert scores == sorted(scores, reverse=True)  # overwritten (-1) only at the end


def test_hours_left_arithmetic():
    assert hours_left(7, NOW - timedelta(hours=30), NOW) == pytest.approx(7 * 24 - 30)
    assert hours_left(2, NOW - timedelta(hours=47, minutes=30), NOW) == pytest.approx(0.5)
    assert hours_left(1, NOW - timedelta(days=3), NOW) == pytest.approx(-48)
    # an incident stamped in the future (CAD clock drift) keeps the full retention
    assert hours_left(7, NOW + timedelta(hours=2), NOW) == pytest.approx(168)
    # offsets are respected: midnight in Dallas (-06:00) is 06:00 UTC, 6 h before NOW
    dallas = datetime(2025, 3, 10, 0, 0, tzinfo=timezone(timedelta(hours=-6)))
    assert hours_left(1, dallas, NOW) == pytest.approx(18)
    with pytest.raises(ValueError, match="timezone-aware"):
        hours_left(7, datetime(2025, 3, 10), NOW)


def test_urgency_boundaries():
    incident_time = NOW - timedelta(hours=24)
    snap = _tiny_snapshot([
        {"id": 1, **_camera_at(0, 10, facing=False, retention=3)},   # 72 - 24 = 48: urgent (<= 48)
        {"id": 2, **_camera_at(0, 20, facing=False, retention=4)},   # 96 - 24 = 72: not urgent
        {"id": 3, **_camera_at(0, 30, facing=False, retention=1)},   # 24 - 24 = 0: overwritten
    ])
    by_id = {c.camera_id: c for c in rank_cameras(snap, *P, incident_time, NOW)}
    assert (by_id[1].urgent, by_id[1].overwritten) == (True, False)
    assert (by_id[2].urgent, by_id[2].overwritten) == (False, False)
    assert (by_id[3].urgent, by_id[3].overwritten) == (False, True)


@pytest.mark.parametrize(("kwargs", "field"), [({"radius_m": 0}, "radius_m"), ({"radius_m": -5}, "radius_m"),
                                               ({"radius_m": 5000}, "radius_m"), ({"radius_m": float("nan")}, "radius_m"),
                                               ({"k": 0}, "k"), ({"k": 101}, "k"), ({"k": 2.5}, "k"),
                                               ({"k": True}, "k")])
def test_rank_cameras_refuses_bad_radius_and_k(kwargs, field):
    snap = _tiny_snapshot([_camera_at(0, 10, facing=True)])
    with pytest.raises(CanvassInputError) as info:
        rank_cameras(snap, *P, NOW, NOW, **kwargs)
    assert info.value.field == field


# --- shapes ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def scattered():
    rng = np.random.default_rng(11)
    cams = []
    for _ in range(1500):
        lat, lon = _offset(*P, rng.uniform(0, 360), rng.uniform(0, 1500))
        cams.append({"lat": lat, "lon": lon, "direction": rng.uniform(0, 360), "fov": 90.0, "range_m": 200.0,
                     "retention": int(rng.choice([1, 3, 30]))})
    return _tiny_snapshot(cams)


@pytest.mark.parametrize("radius_m", [50, 300, 900])
def test_circle_membership_matches_a_brute_force(scattered, radius_m):
    center = _offset(*P, 30, 200)
    found = cameras_in_shape(scattered, {"type": "circle", "center": list(center), "radius_m": radius_m})
    dist = haversine_m(scattered.lat, scattered.lon, *center)
    assert not np.any(np.abs(dist - radius_m) < 0.01)  # nothing sits on the edge
    assert found == np.flatnonzero(dist <= radius_m).tolist()
    assert found == sorted(found)


def _square(center, half_m):
    corners = [_offset(*center, b, half_m * math.sqrt(2)) for b in (45, 135, 225, 315)]
    ring = [[lon, lat] for lat, lon in corners]
    return ring + [ring[0]]


@pytest.mark.parametrize("with_hole", [False, True])
def test_polygon_membership_matches_shapely_on_every_camera(scattered, with_hole):
    outer = [[-96.8100, 32.7760], [-96.7950, 32.7745], [-96.7900, 32.7830], [-96.8020, 32.7870],
             [-96.8060, 32.7810], [-96.8100, 32.7760]]
    rings = [outer] + ([_square(P, 150)] if with_hole else [])
    shape = {"type": "Polygon", "coordinates": rings}
    found = cameras_in_shape(scattered, shape)
    poly = Polygon(rings[0], rings[1:])
    expected = [i for i in range(len(scattered)) if poly.contains(Point(scattered.lon[i], scattered.lat[i]))]
    assert found == expected
    assert 20 < len(found) < len(scattered)
    # a GeoJSON Feature (what a drawing tool hands back) is accepted too, and an unclosed ring
    assert cameras_in_shape(scattered, {"type": "Feature", "properties": {}, "geometry": shape}) == found
    assert cameras_in_shape(scattered, {"type": "Polygon", "coordinates": [outer[:-1]] + rings[1:]}) == found


def test_rank_in_shape_measures_from_the_centre_or_centroid(scattered):
    ref = NOW - timedelta(hours=30)
    center = _offset(*P, 200, 300)
    circle = {"type": "circle", "center": list(center), "radius_m": 250}
    ranked = rank_in_shape(scattered, circle, ref, NOW, k=100)
    expected = _brute_force(scattered, *center, ref, NOW, 250, 100)
    assert [c.camera_id for c in ranked] == [row[2] for row in expected]
    square = {"type": "Polygon", "coordinates": [_square(center, 200)]}
    centroid = shapely.centroid(Polygon(square["coordinates"][0]))
    members = set(cameras_in_shape(scattered, square))
    ranked = rank_in_shape(scattered, square, ref, NOW, k=100)
    brute = [row for row in _brute_force(scattered, centroid.y, centroid.x, ref, NOW, 1e9, 10_000)
             if scattered.index_of(row[2]) in members][:100]
    assert [c.camera_id for c in ranked] == [row[2] for row in brute]
    assert len(ranked) == min(100, len(members))


BIG = 3000  # m: a circle of this radius is 28 km^2, over the 25 km^2 limit


@pytest.mark.parametrize(("shape", "message"), [
    (None, "circle or a GeoJSON Polygon"),
    ([1, 2], "circle or a GeoJSON Polygon"),
    ({"type": "Point", "coordinates": [-96.8, 32.78]}, "type must be"),
    ({"type": "circle", "center": [32.78], "radius_m": 50}, "center must be"),
    ({"type": "circle", "center": "32.78,-96.8", "radius_m": 50}, "center must be"),
    ({"type": "circle", "center": [32.78, "x"], "radius_m": 50}, "center must be"),
    ({"type": "circle", "center": [-96.8, 132.78], "radius_m": 50}, "out of range"),
    ({"type": "circle", "center": [32.78, -96.8], "radius_m": 0}, "more than 0"),
    ({"type": "circle", "center": [32.78, -96.8], "radius_m": float("inf")}, "radius_m must be"),
    ({"type": "circle", "center": [32.78, -96.8], "radius_m": True}, "radius_m must be"),
    ({"type": "circle", "center": [32.78, -96.8], "radius_m": BIG}, "too large"),
    ({"type": "Polygon", "coordinates": []}, "list of rings"),
    ({"type": "Polygon", "coordinates": [[[-96.8, 32.78], [-96.79, 32.78], [-96.8, 32.78]]]}, "three distinct"),
    ({"type": "Polygon", "coordinates": [[[32.78, -96.8], [32.79, -96.8], [32.79, -96.79], [32.78, -96.8]]]},
     "out of range"),
    ({"type": "Polygon", "coordinates": [[[-96.8, 32.78], [-96.79, 32.78], "x", [-96.8, 32.78]]]},
     "every position"),
    ({"type": "Polygon", "coordinates": [[[-96.80, 32.78], [-96.79, 32.79], [-96.79, 32.78], [-96.80, 32.79],
                                          [-96.80, 32.78]]]}, "cross"),  # a bow tie
    ({"type": "Polygon", "coordinates": [[[-96.9, 32.7], [-96.8, 32.7], [-96.8, 32.8], [-96.9, 32.8],
                                          [-96.9, 32.7]]]}, "too large"),  # ~100 km^2
    ({"type": "Polygon", "coordinates": [[[-96.8 + i * 1e-5, 32.78 + (i % 2) * 1e-5] for i in range(1200)]]},
     "at most 1000 vertices"),
])
def test_invalid_shapes_are_refused(scattered, shape, message):
    with pytest.raises(CanvassInputError, match=message) as info:
        cameras_in_shape(scattered, shape)
    assert info.value.field == "shape"
    assert isinstance(info.value, ValueError)


def test_a_shape_holding_too_many_cameras_is_refused(scattered, monkeypatch):
    circle = {"type": "circle", "center": list(P), "radius_m": 1500}
    polygon = {"type": "Polygon", "coordinates": [_square(P, 1200)]}
    assert len(cameras_in_shape(scattered, circle)) == len(scattered)
    monkeypatch.setattr(canvass_shapes, "MAX_SHAPE_CAMERAS", 100)
    for shape in (circle, polygon):
        with pytest.raises(CanvassInputError, match="more than 100 cameras"):
            cameras_in_shape(scattered, shape)


# --- the export (service) ---------------------------------------------------------------------------
OWNER = {"owner_type": "business", "name": "=HYPERLINK(\"http://evil\")", "contact_person": "Dana Doorbell",
         "email": "dana@example.org", "phone": "+1 214-555-0199", "address": "100 Elm St, Dallas, TX 75201"}


def _user(db, role: str) -> SessionUser:
    with db.session() as s:
        add_or_update_user(s, f"{role}1", role=role, full_name=f"Test {role.title()}", password=None)
        return SessionUser.from_model(find_user(s, f"{role}1"))


@pytest.fixture
def seeded(db):
    """Three active cameras near the incident, one pending one, one far away; and the incident."""
    with db.session() as s:
        owner = Owner(**OWNER)
        other = Owner(owner_type="resident", name="Robin Resident", contact_person=None, email="robin@example.org",
                      phone=None, address="7 Oak Ln")
        specs = [(owner, 0, 30, True, 7, "active"), (other, 90, 60, False, 2, "active"),
                 (owner, 180, 90, None, 30, "active"), (other, 270, 20, True, 7, "pending"),
                 (owner, 0, 5000, True, 7, "active")]
        ids = []
        for who, bearing, metres, facing, retention, status in specs:
            cam = _camera_at(bearing, metres, facing=facing)
            site = CameraSite(owner=who, address=who.address, latitude=cam["lat"], longitude=cam["lon"],
                              division="CENTRAL", beat="131")
            camera = Camera(site=site, label="cam", camera_type="dome", status=status,
                            direction_deg=cam["direction"], fov_deg=cam["fov"], retention_days=retention,
                            live_access=bearing == 90)
            s.add(camera)
            s.flush()
            ids.append(camera.id)
        s.add(Incident(incident_number="25-0001234", nature_of_call="31 - Robbery", priority=1,
                       received_at=NOW - timedelta(hours=10), latitude=P[0], longitude=P[1]))
        s.add(Incident(incident_number="25-0009999", nature_of_call="6X - Major Dist", priority=2,
                       received_at=NOW - timedelta(hours=10)))
    return ids


def _events(db) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == "canvass_export")
                              .order_by(AuditEvent.id)))


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_export_without_owner_columns_is_audited(db, seeded):
    snap = load_snapshot(db)
    analyst = _user(db, "analyst")
    text = canvass_csv(db, snap, analyst, "25-0001234", radius_m=150, k=20, client_addr="10.1.1.1", now=NOW)
    header = text.splitlines()[0].split(",")
    assert tuple(header) == CSV_COLUMNS
    rows = _rows(text)
    assert [int(r["camera_id"]) for r in rows] == [seeded[0], seeded[1], seeded[2]]  # faces; urgent; other
    assert rows[0]["faces_incident"] == "yes" and rows[2]["faces_incident"] == "unknown"
    assert rows[1]["urgent"] == "yes" and rows[1]["hours_left"] == "38.0" and rows[1]["live_access"] == "yes"
    for secret in ("HYPERLINK", "Dana", "dana@example.org", "555", "Elm St", "Robin"):
        assert secret not in text
    (ev,) = _events(db)
    assert (ev.outcome, ev.user_id, ev.object_type, ev.object_id) == ("ok", analyst.id, "incident", "25-0001234")
    assert ev.client_addr == "10.1.1.1" and ev.case_number is None
    detail = json.loads(ev.detail)
    assert detail["count"] == 3 and detail["with_owner"] is False and detail["camera_ids"] == seeded[:3]
    with db.session() as s:
        assert verify_chain(s).ok


def test_export_with_owner_columns_for_a_detective(db, seeded):
    detective = _user(db, "detective")
    text = canvass_csv(db, load_snapshot(db), detective, "25-0001234", radius_m=150, k=20, case_number=f" {CASE} ",
                       reason=REASON, category="burglary", include_owner=True, now=NOW)
    assert tuple(text.splitlines()[0].split(",")) == CSV_COLUMNS + OWNER_COLUMNS
    rows = _rows(text)
    assert rows[0]["email"] == "dana@example.org" and rows[0]["contact_person"] == "Dana Doorbell"
    assert rows[0]["owner_name"] == "'=HYPERLINK(\"http://evil\")"  # defused for spreadsheets
    assert rows[0]["phone"] == "'+1 214-555-0199"
    assert rows[1]["owner_name"] == "Robin Resident" and rows[1]["phone"] == ""
    (ev,) = _events(db)
    assert (ev.outcome, ev.case_number, ev.reason, ev.category) == ("ok", CASE, REASON, "burglary")
    assert json.loads(ev.detail)["with_owner"] is True


@pytest.mark.parametrize("category", [None, "", "  ", "espionage", 3])
def test_owner_export_needs_an_offense_category(db, seeded, category):
    with pytest.raises(CanvassInputError, match="Offense category") as info:
        canvass_csv(db, load_snapshot(db), _user(db, "detective"), "25-0001234", radius_m=150, k=20,
                    case_number=CASE, reason=REASON, category=category, include_owner=True, now=NOW)
    assert info.value.field == "category"
    assert _events(db) == []


def test_export_without_owner_columns_records_a_category_when_given(db, seeded):
    canvass_csv(db, load_snapshot(db), _user(db, "analyst"), "25-0001234", radius_m=150, k=20,
                category="Vehicle crimes", now=NOW)
    canvass_csv(db, load_snapshot(db), _user(db, "analyst"), "25-0001234", radius_m=150, k=20, now=NOW)
    assert [e.category for e in _events(db)] == ["vehicle_crimes", None]


def test_owner_columns_refused_to_an_analyst_and_the_refusal_audited(db, seeded):
    analyst = _user(db, "analyst")
    for incident in ("25-0001234", "no-such-incident"):  # refused before the incident is looked up
        with pytest.raises(PermissionDenied):
            canvass_csv(db, load_snapshot(db), analyst, incident, radius_m=150, k=20, case_number=CASE,
                        reason=REASON, category="burglary", include_owner=True, client_addr="10.1.1.2", now=NOW)
    events = _events(db)
    assert [(e.outcome, e.object_id, e.case_number) for e in events] == [
        ("denied", "25-0001234", CASE), ("denied", "no-such-incident", CASE)]
    assert json.loads(events[0].detail) == {"with_owner": True}


@pytest.mark.parametrize(("case", "reason", "field"), [("", REASON, "case"), ("2025-123", REASON, "case"),
                                                       (CASE, "", "reason"), (CASE, "short", "reason"),
                                                       (CASE, "x" * 501, "reason")])
def test_owner_export_needs_case_and_reason_and_bad_input_is_not_audited(db, seeded, case, reason, field):
    with pytest.raises(CanvassInputError) as info:
        canvass_csv(db, load_snapshot(db), _user(db, "detective"), "25-0001234", radius_m=150, k=20,
                    case_number=case, reason=reason, category="burglary", include_owner=True, now=NOW)
    assert info.value.field == field
    assert _events(db) == []


def test_unknown_and_unlocated_incidents(db, seeded):
    snap, detective = load_snapshot(db), _user(db, "detective")
    with pytest.raises(IncidentNotFound):
        canvass_csv(db, snap, detective, "25-7777777", radius_m=150, k=20)
    with pytest.raises(CanvassInputError, match="incident has no location"):
        canvass_csv(db, snap, detective, "25-0009999", radius_m=150, k=20)
    assert _events(db) == []


def test_an_incident_may_be_passed_as_a_row_or_point(db, seeded):
    snap, analyst = load_snapshot(db), _user(db, "analyst")
    point = IncidentPoint("25-0001234", P[0], P[1], NOW - timedelta(hours=10))
    by_point = canvass_csv(db, snap, analyst, point, radius_m=150, k=2, now=NOW)
    with db.session() as s:
        row = s.scalar(select(Incident).where(Incident.incident_number == "25-0001234"))
        by_row = canvass_csv(db, snap, analyst, row, radius_m=150, k=2, now=NOW)
    assert by_point == by_row and len(_rows(by_row)) == 2
    assert [e.object_id for e in _events(db)] == ["25-0001234", "25-0001234"]
