"""The supervisors' analytics services against independent computations: coverage by brute
force over every camera, the funnel, the access review and growth from what the test wrote."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select, text

from dashboard.analytics.access_review import access_review
from dashboard.analytics.coverage import (
    call_coverage,
    coverage_table,
    recruitment_csv,
    recruitment_targets,
    urgent_calls,
)
from dashboard.analytics.funnel import acceptance_by_owner_type, funnel, request_steps
from dashboard.analytics.growth import registry_growth
from dashboard.audit import chain as audit
from dashboard.geo.geography import angle_within, bearing_deg, haversine_m
from dashboard.models import Camera, CameraSite, Incident, Owner
from dashboard.models.footage import FootageRequest, FootageRequestEvent
from dashboard.registry.cache import load_snapshot
from dashboard.tools.seed import seed_demo
from tests.factories import offset_point

NOW = datetime(2026, 6, 15, 17, 0, tzinfo=UTC)


def _near_calls(db, n: int, seed: int) -> None:
    """n priority 1-3 calls, each 20-140 m from a random active camera, in May and June."""
    rng = random.Random(seed)
    with db.session() as s:
        sites = s.execute(select(CameraSite.latitude, CameraSite.longitude, CameraSite.division, CameraSite.beat)
                          .join(Camera, Camera.site_id == CameraSite.id).where(Camera.status == "active")).all()
        for i in range(n):
            lat, lon, division, beat = rng.choice(sites)
            lat, lon = offset_point(lat, lon, rng.uniform(0, 360), rng.uniform(20, 140))
            s.add(Incident(incident_number=f"T{i:05d}", nature_of_call="19 - Shooting", priority=rng.choice((1, 2, 3)),
                           received_at=NOW - timedelta(days=rng.uniform(1, 40)), latitude=lat, longitude=lon,
                           division=division, beat=beat))


def _brute_force(db, calls: pd.DataFrame) -> pd.DataFrame:
    with db.engine.connect() as conn:
        cams = pd.read_sql(text("SELECT s.latitude AS lat, s.longitude AS lon, c.direction_deg, c.fov_deg, c.range_m "
                                "FROM cameras c JOIN camera_sites s ON c.site_id = s.id WHERE c.status = 'active'"),
                           conn)
    covered, faced = [], []
    for lat, lon in zip(calls["lat"], calls["lon"], strict=True):
        dist = haversine_m(cams["lat"].to_numpy(), cams["lon"].to_numpy(), lat, lon)
        near = dist <= 150
        bearing = bearing_deg(cams["lat"].to_numpy(), cams["lon"].to_numpy(), lat, lon)
        known = cams["direction_deg"].notna().to_numpy()
        inside = angle_within(bearing, cams["direction_deg"].fillna(0).to_numpy(), cams["fov_deg"].fillna(90).to_numpy())
        in_range = dist <= cams["range_m"].fillna(np.inf).to_numpy()
        covered.append(bool(near.any()))
        faced.append(bool((near & known & inside & in_range).any()))
    return calls.assign(covered=covered, faced=faced)


def test_coverage_and_recruitment_match_a_brute_force_count(db):
    seed_demo(db, cameras=1500, incidents=80, seed=8, demo_users=False, now=NOW - timedelta(days=3))
    _near_calls(db, 60, seed=3)
    with db.session() as s:  # the demo places its calls beside cameras: leave one division without any
        s.execute(text("UPDATE cameras SET status = 'inactive' WHERE site_id IN "
                       "(SELECT id FROM camera_sites WHERE division = 'SOUTHEAST')"))
    with db.session() as s:
        calls = urgent_calls(s, NOW - timedelta(days=60), NOW)
        priorities = dict(s.execute(select(Incident.id, Incident.priority)).all())
    assert len(calls) > 50 and {priorities[i] for i in calls["incident_id"]} <= {1, 2}
    snapshot = load_snapshot(db)
    ours = call_coverage(snapshot, calls)
    reference = _brute_force(db, calls)
    assert ours["covered"].tolist() == reference["covered"].tolist()
    assert ours["faced"].tolist() == reference["faced"].tolist()
    assert 0 < reference["faced"].sum() < reference["covered"].sum() < len(calls)

    for by in ("division", "beat", "month"):
        table = coverage_table(ours, by).set_index(by)
        expected = reference.groupby(by).agg(calls=("covered", "size"), covered=("covered", "sum"),
                                             faced=("faced", "sum"))
        assert table["calls"].to_dict() == expected["calls"].to_dict()
        assert table["covered"].to_dict() == expected["covered"].astype(int).to_dict()
        assert table["faced"].to_dict() == expected["faced"].astype(int).to_dict()
        assert np.allclose(table["covered_share"], expected["covered"] / expected["calls"])

    targets = recruitment_targets(ours, snapshot)
    uncovered = reference[~reference["covered"]].groupby("beat").size()
    assert targets.set_index("beat")["uncovered_calls"][uncovered.index].tolist() == uncovered.tolist()
    assert targets["uncovered_calls"].is_monotonic_decreasing
    with db.engine.connect() as conn:
        per_beat = pd.read_sql(text("SELECT s.beat, COUNT(*) AS n FROM cameras c JOIN camera_sites s "
                                    "ON c.site_id = s.id WHERE c.status = 'active' GROUP BY s.beat"), conn)
    per_beat = dict(zip(per_beat["beat"], per_beat["n"], strict=True))
    for beat, cameras in zip(targets["beat"], targets["cameras"], strict=True):
        assert cameras == per_beat.get(beat, 0)
    csv = recruitment_csv(targets.head(3)).splitlines()
    assert csv[0] == "beat,division,calls,uncovered_calls,cameras" and len(csv) == 4


@pytest.fixture
def owners(db):
    with db.session() as s:
        kinds = {}
        for kind in ("resident", "business"):
            owner = Owner(owner_type=kind, name=kind, email=f"{kind}@example.org")
            site = CameraSite(owner=owner, latitude=32.78, longitude=-96.8)
            cam = Camera(site=site, label=kind, camera_type="dome", status="active")
            s.add_all([owner, site, cam])
            s.flush()
            kinds[kind] = (owner.id, cam.id)
        inc = Incident(incident_number="260000001", nature_of_call="x", priority=1, received_at=NOW,
                       latitude=32.78, longitude=-96.8)
        s.add(inc)
        s.flush()
        return kinds, inc.id


# (owner type, hours after the request of: sent, opened, accepted, footage received; None = never)
REQUESTS = [("resident", 0.1, 2, 3, 5), ("resident", 0.1, 4, None, None), ("resident", 0.2, None, None, None),
            ("business", 0.1, 1, 1.5, 2), ("business", 0.3, 6, 7, None), ("business", None, None, None, None),
            ("business", 0.1, 10, 12, 30)]


def test_funnel(db, owners):
    kinds, incident = owners
    with db.session() as s:
        for i, (kind, *hours) in enumerate(REQUESTS):
            created = NOW - timedelta(days=i + 1)
            req = FootageRequest(incident_id=incident, camera_id=kinds[kind][1], owner_id=kinds[kind][0],
                                 window_start=created, window_end=created, token_hash=f"{i:064d}",
                                 created_at=created, expires_at=created + timedelta(days=14))
            s.add(req)
            s.flush()
            s.add(FootageRequestEvent(request_id=req.id, at=created, status="queued", actor="x"))
            for status, h in zip(("sent", "opened", "accepted", "footage_received"), hours, strict=True):
                if h is not None:
                    s.add(FootageRequestEvent(request_id=req.id, at=created + timedelta(hours=h), status=status,
                                              actor="owner"))
        # outside the period
        old = FootageRequest(incident_id=incident, camera_id=kinds["resident"][1], owner_id=kinds["resident"][0],
                             window_start=NOW, window_end=NOW, token_hash="9" * 64,
                             created_at=NOW - timedelta(days=90), expires_at=NOW)
        s.add(old)
    with db.session() as s:
        steps = request_steps(s, NOW - timedelta(days=30), NOW)
    table = funnel(steps).set_index("step")
    assert table.loc["requested", "requests"] == 7
    for j, step in enumerate(("sent", "opened", "accepted", "footage_received")):
        reached = [r[j + 1] for r in REQUESTS if r[j + 1] is not None]
        assert table.loc[step, "requests"] == len(reached)
        assert table.loc[step, "median_hours"] == pytest.approx(float(np.median(reached)))
    acceptance = acceptance_by_owner_type(steps).set_index("owner_type")
    assert acceptance.loc["resident", ["requests", "accepted"]].tolist() == [3, 1]
    assert acceptance.loc["business", ["requests", "accepted"]].tolist() == [4, 3]


def test_access_review(db, owners):
    kinds, _ = owners
    monday_noon = datetime(2026, 6, 8, 17, 0, tzinfo=UTC)       # 12:00 in Dallas
    monday_night = datetime(2026, 6, 9, 4, 0, tzinfo=UTC)       # 23:00 in Dallas
    saturday_noon = datetime(2026, 6, 13, 17, 0, tzinfo=UTC)
    with db.session() as s:
        s.add(FootageRequest(incident_id=owners[1], camera_id=kinds["resident"][1], owner_id=kinds["resident"][0],
                             case_number="26-0000001", window_start=NOW, window_end=NOW, token_hash="1" * 64,
                             created_at=NOW, expires_at=NOW))
        s.flush()
        for at, user, action, obj, case in [
            (monday_noon, "dana", "owner_reveal", "1", "26-0000001"),      # known case
            (monday_night, "dana", "owner_reveal", "1", "26-9999999"),     # out of hours, unknown case
            (monday_noon, "dana", "canvass_export", "260000001", None),    # a known incident
            (saturday_noon, "sam", "canvass_export", "269999999", None),   # weekend, unknown incident
            (monday_noon, "sam", "live_view", "2", "26-0000001"),
            (monday_noon, "lee", "owner_reveal", "2", "26-0000001"),
        ]:
            audit.record(s, action, username=user, object_type="camera", object_id=obj, case_number=case, at=at)
        audit.record(s, "owner_reveal", username="lee", object_id="2", outcome="denied", at=monday_night)
        audit.record(s, "owner_reveal", username="old", object_id="2", at=NOW - timedelta(days=60))
    with db.session() as s:
        table = access_review(s, NOW - timedelta(days=30), NOW).set_index("username")
    assert list(table.index) == ["dana", "sam", "lee"]
    assert table.loc["dana"].tolist() == [2, 1, 0, 1, 1]
    assert table.loc["sam"].tolist() == [0, 1, 1, 1, 1]
    assert table.loc["lee"].tolist() == [1, 0, 0, 0, 0]


def test_registry_growth(db):
    def at(month: int, day: int = 10) -> datetime:
        return datetime(2026, month, day, 18, 0, tzinfo=UTC)

    with db.session() as s:
        owner = Owner(owner_type="resident", name="x", email="x@example.org")
        site = CameraSite(owner=owner, latitude=32.78, longitude=-96.8)
        s.add_all([owner, site])
        s.flush()
        for status, registered, updated in [("active", at(1), at(1)), ("active", at(1), at(2)),
                                            ("withdrawn", at(1), at(3)), ("active", at(3), at(3)),
                                            ("pending", at(3), at(3)), ("inactive", at(2), at(4)),
                                            ("active", at(4, 1), at(4, 1))]:
            s.add(Camera(site_id=site.id, label="c", camera_type="dome", status=status, registered_at=registered,
                         updated_at=updated))
    with db.session() as s:
        growth = registry_growth(s)
    assert growth["month"].tolist() == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert growth["registered"].tolist() == [3, 1, 1, 1]   # the pending camera never joined
    assert growth["withdrawn"].tolist() == [0, 0, 1, 1]
    assert growth["active_at_month_end"].tolist() == [3, 4, 4, 4]


def test_a_registration_late_in_the_evening_counts_in_dallas_month(db):
    with db.session() as s:
        owner = Owner(owner_type="resident", name="x", email="x@example.org")
        site = CameraSite(owner=owner, latitude=32.78, longitude=-96.8)
        s.add_all([owner, site])
        s.flush()
        evening = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)  # 22:00 on 30 April in Dallas
        s.add(Camera(site_id=site.id, label="c", camera_type="dome", status="active", registered_at=evening))
    with db.session() as s:
        assert registry_growth(s)["month"].tolist() == ["2026-04"]
