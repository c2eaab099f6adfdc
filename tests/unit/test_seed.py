"""The synthetic demo registry: deterministic, inside Dallas, safe contact data, correct writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from auth.users import authenticate
from dashboard.db import Database, registry_version
from dashboard.geo.address import split_block
from dashboard.geo.geography import get_geography, haversine_m
from dashboard.incidents.priorities import priority_for_call
from dashboard.models import Base, Camera, CameraSite, Incident, Owner, User
from dashboard.tools.demo_incidents import demo_incident_rows, nature_of_call
from dashboard.tools.demo_places import DOWNTOWN
from dashboard.tools.demo_registry import generate_camera_frame, generate_registry
from dashboard.tools.seed import DEMO_USERS, seed_demo
from dashboard.vocabulary import CAMERA_TYPES, DIVISIONS, OWNER_TYPES

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def registry():
    return generate_registry(5000, seed=7)


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path}/t.db")
    Base.metadata.create_all(database.engine)
    yield database
    database.dispose()


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# -- the pure generator ------------------------------------------------------------------------
def test_same_seed_same_rows_and_other_seed_other_rows(registry):
    pd.testing.assert_frame_equal(generate_camera_frame(5000, 7), registry.cameras)
    pd.testing.assert_frame_equal(generate_registry(5000, 7).owners, registry.owners)
    other = generate_camera_frame(5000, 8)
    assert not np.allclose(other["latitude"].to_numpy()[:500], registry.cameras["latitude"].to_numpy()[:500])


def test_exact_camera_count_and_consistent_keys(registry):
    cams = registry.cameras
    assert len(cams) == 5000
    assert cams["camera_key"].is_unique
    assert set(cams["site_key"]) == set(registry.sites["site_key"])
    assert len(generate_camera_frame(1, 3)) == 1


def test_every_site_is_inside_dallas_with_beat_and_division(registry):
    sites = registry.sites
    assert get_geography().in_city(sites["latitude"], sites["longitude"]).all()
    assert sites["beat"].str.fullmatch(r"\d{3}").all()
    assert set(sites["division"]) <= set(DIVISIONS)


def test_cameras_at_a_site_share_its_position(registry):
    merged = registry.cameras.merge(registry.sites, on="site_key", suffixes=("", "_site"))
    assert (merged["latitude"] == merged["latitude_site"]).all()
    assert (merged["division"] == merged["division_site"]).all()


def test_all_owner_and_camera_types_and_plausible_shares(registry):
    cams = registry.cameras
    assert set(registry.owners["owner_type"]) == set(OWNER_TYPES)
    assert registry.owners["owner_type"].value_counts().idxmax() == "resident"
    assert set(cams["camera_type"]) == set(CAMERA_TYPES)
    assert 0.05 <= cams["live_access"].mean() <= 0.15
    assert (cams["placement"] == "outdoor").mean() > 0.7
    assert 0.05 <= cams["direction_deg"].isna().mean() <= 0.15
    assert 0.94 <= (cams["status"] == "active").mean() <= 0.995
    assert set(cams["retention_days"]) <= {3, 7, 14, 30, 60, 90}
    assert cams["range_m"].between(15, 60).all()
    panoramic = cams["camera_type"] == "panoramic"
    assert (cams.loc[panoramic, "fov_deg"] == 360).all()
    assert cams.loc[~panoramic, "fov_deg"].between(60, 180).all()


def test_cameras_per_owner_follow_the_owner_type(registry):
    per_owner = registry.cameras.groupby("owner_key").size()
    owners = registry.owners.set_index("owner_key")
    bounds = {"resident": (1, 2), "business": (2, 8), "organization": (3, 12), "government": (4, 16)}
    # The last owner is trimmed so the total is exact; every other one is within its range.
    for key, count in per_owner.iloc[:-1].items():
        low, high = bounds[owners.at[key, "owner_type"]]
        assert low <= count <= high


def test_downtown_is_denser_than_the_city_average(registry):
    geo = get_geography()
    sites = registry.sites
    cams = registry.cameras
    near = haversine_m(cams["latitude"], cams["longitude"], DOWNTOWN[0], DOWNTOWN[1]) <= 3000
    rng = np.random.default_rng(0)
    min_lon, min_lat, max_lon, max_lat = geo.city_lonlat.bounds
    lat, lon = rng.uniform(min_lat, max_lat, 100_000), rng.uniform(min_lon, max_lon, 100_000)
    inside = geo.in_city(lat, lon)
    area_share = np.mean(haversine_m(lat[inside], lon[inside], DOWNTOWN[0], DOWNTOWN[1]) <= 3000)
    assert len(sites) > 1000
    assert near.mean() > 3 * area_share


def test_contact_details_are_fictional(registry):
    owners = registry.owners
    assert owners["email"].str.fullmatch(r"[a-z0-9.]+@example\.(com|org|net)").all()
    assert owners["email"].is_unique
    assert owners["phone"].str.fullmatch(r"\(\d{3}\) 555-01\d\d").all()
    assert owners["address"].str.fullmatch(r"\d+ .+, Dallas, TX").all()
    assert registry.sites["address"].str.fullmatch(r"\d+00 block of .+, Dallas, TX").all()
    assert owners["name"].str.len().gt(0).all()


# -- incidents ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("call", "priority"), [
    ("19 - SHOOTING", 1), ("41/11R - BURG RES IN PROGRESS", 1), ("15 - ASSIST OFFICER", 1),
    ("6X - MAJOR DIST (VIOLENCE)", 2), ("20 - ROBBERY", 2), ("11B - BURG OF BUS", 3),
    ("PSE/11V - BURG MOTOR VEH", 4), ("58 - ROUTINE INVESTIGATION", 4),
])
def test_incident_priority_from_call_type(call, priority):
    assert priority_for_call(call) == priority


def test_nature_of_call_and_address_split():
    assert nature_of_call("41/11R - BURG RES IN PROGRESS") == "41/11R - Burg Res in Progress"
    assert nature_of_call("6X - MAJOR DIST (VIOLENCE)") == "6X - Major Dist (Violence)"
    assert split_block("7545 E NORTHWEST HWY") == ("7500", "E NORTHWEST HWY")
    assert split_block("NORTHWEST HWY / PRESTON RD") == (None, "NORTHWEST HWY / PRESTON RD")
    assert split_block(None) == (None, None)


def test_demo_incidents_land_in_the_last_six_hours_in_order():
    rows = demo_incident_rows(50, NOW, seed=7)
    assert len(rows) == 50
    received = [r["received_at"] for r in rows]
    assert received == sorted(received)
    assert all(NOW - timedelta(hours=6) <= t < NOW for t in received)
    assert len({r["incident_number"] for r in rows}) == 50
    assert {r["status"] for r in rows} <= {"Dispatched", "At Scene", "Cleared"}
    assert all(1 <= r["priority"] <= 4 and r["source"] == "demo" for r in rows)


# -- writing -----------------------------------------------------------------------------------
def test_seed_demo_writes_everything_and_users_can_sign_in(db):
    report = seed_demo(db, cameras=300, incidents=20, seed=3, now=NOW)
    assert report.cameras == 300 and report.incidents == 20
    assert report.owners == report.sites > 0
    with db.session() as s:
        assert _count(s, Camera) == 300
        assert _count(s, Owner) == _count(s, CameraSite) == report.owners
        assert _count(s, Incident) == 20
        assert registry_version(s) == 1
        live = s.scalars(select(Camera).where(Camera.live_access.is_(True))).all()
        assert all(c.stream_url == f"rtsp://stream.example.net/cam/{c.id}" for c in live)
        assert all(c.registered_at <= NOW for c in s.scalars(select(Camera)))
        assert {u.role for u in s.scalars(select(User))} == {"analyst", "detective", "supervisor", "admin"}
    assert [(u, r) for u, r, _p in report.users] == [(u[0], u[1]) for u in DEMO_USERS]
    for username, _role, password in report.users:
        assert len(password) >= 12
        with db.session() as s:
            result = authenticate(s, username, password, client_addr=None, lockout_threshold=5,
                                  lockout_minutes=30)
            assert result.ok, username
    with db.session() as s:
        supervisor = s.scalar(select(User).where(User.username == "supervisor"))
        assert supervisor.division == "CENTRAL"


def test_second_seed_adds_without_collisions_and_no_users_when_asked(db):
    first = seed_demo(db, cameras=120, incidents=10, seed=1, demo_users=False, now=NOW)
    second = seed_demo(db, cameras=80, incidents=10, seed=2, demo_users=False, now=NOW)
    assert first.users == second.users == []
    with db.session() as s:
        assert _count(s, User) == 0
        assert _count(s, Camera) == 200
        assert _count(s, Owner) == first.owners + second.owners
        assert _count(s, Incident) == 20  # the second run took calls not stored yet
        assert registry_version(s) == 2
        orphans = s.scalar(select(func.count()).select_from(Camera).outerjoin(CameraSite)
                           .where(CameraSite.id.is_(None)))
        assert orphans == 0


def test_ordinary_inserts_work_after_seeding(db_url):
    """Seeding writes explicit ids; PostgreSQL's sequences must be moved past them (this test
    takes the shared db_url fixture so it also runs on PostgreSQL)."""
    db = Database(db_url)
    from dashboard.models import Camera, CameraSite, Incident, Owner
    from dashboard.models import utcnow as _now

    seed_demo(db, cameras=50, incidents=5, seed=3, demo_users=False)
    with db.session() as s:
        owner = Owner(owner_type="resident", name="After Seed", email="after@example.com")
        site = CameraSite(owner=owner, latitude=32.78, longitude=-96.80, division="CENTRAL", beat="134")
        s.add_all([owner, site, Camera(site=site, label="New", camera_type="dome", retention_days=7,
                                      status="active"),
                   Incident(incident_number="99-0000001", nature_of_call="test", priority=3, received_at=_now(),
                            updated_at=_now())])
        s.flush()
        # the new rows take the ids after the seeded ones (a stale sequence would collide or reuse)
        new_ids = (owner.id, site.id)
    with db.session() as s:
        assert new_ids == (s.scalar(select(func.max(Owner.id))), s.scalar(select(func.max(CameraSite.id))))
        assert s.scalar(select(func.count()).select_from(Owner)) == new_ids[0]
        assert s.scalar(select(func.count()).select_from(Incident)) == 6
