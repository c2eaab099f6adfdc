"""The registry snapshot and the map view against plain computations over the database."""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from dashboard.geo.geography import haversine_m
from dashboard.registry.cache import RegistryCache, load_snapshot
from dashboard.registry.mapview import CameraFilter, FilterCache, Viewport, camera_layer, count_matching
from dashboard.registry.mercator import morton
from dashboard.tools.seed import seed_demo
from dashboard.vocabulary import CAMERA_TYPES, DIVISIONS, OWNER_TYPES, PLACEMENTS
from tests.factories import offset_point as _offset
from tests.factories import tiny_snapshot as _tiny_snapshot

CITY = [[32.61, -97.0], [33.02, -96.55]]


@pytest.fixture
def seeded(db):
    seed_demo(db, cameras=3000, incidents=0, seed=11, demo_users=False)
    return db


def _db_frame(db) -> pd.DataFrame:
    sql = text("""SELECT c.id, s.latitude AS lat, s.longitude AS lon, s.division, s.beat, o.owner_type,
                         c.camera_type, c.placement, c.live_access, c.retention_days, c.registered_at,
                         c.verified_at, c.status
                  FROM cameras c JOIN camera_sites s ON s.id = c.site_id JOIN owners o ON o.id = s.owner_id""")
    with db.engine.connect() as conn:
        frame = pd.read_sql(sql, conn)
    frame["registered_at"] = pd.to_datetime(frame["registered_at"], utc=True)
    return frame[frame["status"] == "active"]


def _pandas_count(frame: pd.DataFrame, f: CameraFilter) -> int:
    m = pd.Series(True, index=frame.index)
    if f.divisions:
        m &= frame["division"].isin(f.divisions)
    if f.owner_types:
        m &= frame["owner_type"].isin(f.owner_types)
    if f.camera_types:
        m &= frame["camera_type"].isin(f.camera_types)
    if f.placements:
        m &= frame["placement"].isin(f.placements)
    if f.access == "live":
        m &= frame["live_access"].astype(bool)
    elif f.access == "registered":
        m &= ~frame["live_access"].astype(bool)
    if f.min_retention_days:
        m &= frame["retention_days"] >= f.min_retention_days
    if f.registered_since:
        m &= frame["registered_at"] >= pd.Timestamp(f.registered_since, tz="UTC")
    if f.verified_only:
        m &= frame["verified_at"].notna()
    if f.beats:
        m &= frame["beat"].isin(f.beats)
    return int(m.sum())


def _random_filter(rng: random.Random, beats: list[str]) -> CameraFilter:
    pick = lambda values: tuple(sorted(rng.sample(values, rng.randint(1, min(3, len(values)))))) if rng.random() < 0.5 else ()  # noqa: E731
    return CameraFilter(
        divisions=pick(list(DIVISIONS)), owner_types=pick(list(OWNER_TYPES)), camera_types=pick(list(CAMERA_TYPES)),
        placements=pick(list(PLACEMENTS)), access=rng.choice([None, "live", "registered"]),
        min_retention_days=rng.choice([None, 7, 30]),
        registered_since=rng.choice([None, date(2025, 1, 1), date(2026, 6, 1)]),
        verified_only=rng.random() < 0.3, beats=pick(beats) if rng.random() < 0.2 else (),
    )


def test_random_filter_counts_equal_pandas_over_the_database(seeded):
    snap = load_snapshot(seeded)
    frame = _db_frame(seeded)
    assert len(snap) == len(frame)
    cache = FilterCache()
    rng = random.Random(5)
    beats = sorted(frame["beat"].dropna().unique().tolist())
    for _ in range(60):
        f = _random_filter(rng, beats)
        expected = _pandas_count(frame, f)
        assert count_matching(snap, f, cache) == expected, f
        layer = camera_layer(snap, f, Viewport.from_bounds(CITY, 10), cache)
        assert layer["meta"]["total"] == expected
        # city-wide, every matching camera is inside some cluster or drawn on its own
        shown = sum(p["properties"].get("n", 1) for p in layer["features"])
        assert shown == layer["meta"]["visible"] == expected, f


def test_viewport_only_returns_what_is_visible(seeded):
    snap = load_snapshot(seeded)
    cache = FilterCache()
    bounds = [[32.77, -96.81], [32.79, -96.79]]
    layer = camera_layer(snap, CameraFilter(), Viewport.from_bounds(bounds, 18), cache)
    assert all(not f["properties"].get("cluster") for f in layer["features"])
    ids = {f["properties"]["id"] for f in layer["features"]}
    inside = set(snap.ids[(snap.lat >= 32.77) & (snap.lat <= 32.79) & (snap.lon >= -96.81) & (snap.lon <= -96.79)])
    assert inside <= ids  # everything in view is drawn (a one-cell margin may add a few more)
    assert len(ids) < len(snap) / 2
    for feature in layer["features"]:
        assert set(feature["properties"]) <= {"id", "o", "l", "d", "f"}  # never owner details


def test_zoomed_out_update_is_small_and_clustered(seeded):
    snap = load_snapshot(seeded)
    layer = camera_layer(snap, CameraFilter(), Viewport.from_bounds(CITY, 10), FilterCache())
    clusters = [f for f in layer["features"] if f["properties"].get("cluster")]
    assert clusters and len(layer["features"]) < 400


def test_nearest_matches_brute_force(seeded):
    snap = load_snapshot(seeded)
    frame = _db_frame(seeded)
    rng = np.random.default_rng(3)
    for lat, lon in zip(rng.uniform(32.70, 32.90, 25), rng.uniform(-96.90, -96.70, 25), strict=True):
        result = snap.nearest(lat, lon, k=10)
        dist = haversine_m(frame["lat"].to_numpy(), frame["lon"].to_numpy(), lat, lon)
        order = np.argsort(dist, kind="stable")
        assert np.all(np.diff(result.distance_m) >= 0)
        assert np.allclose(result.distance_m, dist[order[:10]], atol=0.05)
        # cameras of one site share a position: compare ids strictly nearer than the 10th
        cutoff = dist[order[9]] - 0.01
        assert {int(c) for c, d in zip(result.camera_id, result.distance_m, strict=True) if d < cutoff} == \
            {int(c) for c in frame["id"].to_numpy()[dist < cutoff]}


def test_nearest_radius_and_mask(seeded):
    snap = load_snapshot(seeded)
    result = snap.nearest(32.7801, -96.8005, k=100, radius_m=500)
    assert len(result) and np.all(result.distance_m <= 500)
    mask = snap.live.copy()
    live_only = snap.nearest(32.7801, -96.8005, k=5, mask=mask)
    assert len(live_only) == 5 and all(snap.live[live_only.index])


def test_nearest_records_shape(seeded):
    rec = load_snapshot(seeded).nearest(32.78, -96.80, k=3).records()
    assert len(rec) == 3
    assert set(rec[0]) == {"camera_id", "latitude", "longitude", "distance_m", "bearing_deg", "faces_point",
                           "live_access", "live_sharing"}


def test_registry_cache_rebuilds_when_version_changes(seeded):
    cache = RegistryCache(seeded, check_every=0, background=False)
    first = cache.get()
    assert cache.get() is first  # unchanged version: same snapshot
    with seeded.session() as s:
        s.execute(text("UPDATE cameras SET status = 'withdrawn' WHERE id = (SELECT MIN(id) FROM cameras "
                       "WHERE status = 'active')"))
        from dashboard.db import bump_registry_version

        bump_registry_version(s)
    second = cache.get()
    assert second is not first and len(second) == len(first) - 1


def test_orm_change_bumps_version_automatically(seeded):
    from dashboard.db import registry_version
    from dashboard.models import Camera

    with seeded.session() as s:
        before = registry_version(s)
    with seeded.session() as s:
        s.get(Camera, 1).label = "Renamed"
    with seeded.session() as s:
        assert registry_version(s) == before + 1


def test_morton_order_keeps_cells_contiguous():
    xs = np.array([0, 1, 0, 1, 2, 3], dtype=np.uint64)
    ys = np.array([0, 0, 1, 1, 0, 0], dtype=np.uint64)
    codes = morton(xs, ys)
    assert list(codes) == [0, 1, 2, 3, 4, 5]  # a 2x2 block, then the next block's first row


@pytest.mark.parametrize(("direction", "fov", "bearing_to_point", "faces"), [
    (350, 40, 10, True),     # the cone wraps at north: 330..10 degrees
    (350, 40, 329, False),
    (350, 40, 331, True),
    (10, 40, 352, True),
    (10, 40, 35, False),
    (180, 90, 222, True),
    (180, 90, 228, False),
    (0, 360, 123, True),     # panoramic
])
def test_faces_point_cone_geometry(direction, fov, bearing_to_point, faces):
    cam_lat, cam_lon = 32.78, -96.80
    lat, lon = _offset(cam_lat, cam_lon, bearing_to_point, 20)
    snap = _tiny_snapshot([{"lat": cam_lat, "lon": cam_lon, "direction": direction, "fov": fov, "range_m": 50}])
    rec = snap.nearest(lat, lon, k=1).records()[0]
    assert rec["bearing_deg"] == pytest.approx(bearing_to_point, abs=0.2)
    assert rec["distance_m"] == pytest.approx(20, abs=0.1)
    assert rec["faces_point"] is faces


def test_faces_point_respects_range_and_unknown_direction():
    cam = {"lat": 32.78, "lon": -96.80}
    lat, lon = _offset(32.78, -96.80, 90, 80)
    near_range = _tiny_snapshot([{**cam, "direction": 90, "fov": 60, "range_m": 50}])
    assert near_range.nearest(lat, lon, k=1).records()[0]["faces_point"] is False  # 80 m > 50 m range
    no_range = _tiny_snapshot([{**cam, "direction": 90, "fov": 60, "range_m": None}])
    assert no_range.nearest(lat, lon, k=1).records()[0]["faces_point"] is True
    unknown = _tiny_snapshot([{**cam, "direction": None, "fov": None, "range_m": 50}])
    assert unknown.nearest(lat, lon, k=1).records()[0]["faces_point"] is None


@pytest.mark.parametrize("zoom_bounds", [(10, CITY), (13, [[32.74, -96.86], [32.82, -96.74]]),
                                         (17, [[32.775, -96.805], [32.785, -96.795]])])
def test_lookup_table_path_equals_mask_path(seeded, zoom_bounds):
    """Categorical filters use the per-code lookup; adding min_retention_days=1 (true of every
    camera) forces the mask path over the same cameras: the layers must be identical."""
    zoom, bounds = zoom_bounds
    snap = load_snapshot(seeded)
    assert snap.retention.min() >= 1
    vp = Viewport.from_bounds(bounds, zoom)
    for f in (CameraFilter(divisions=("CENTRAL", "NORTHEAST")), CameraFilter(owner_types=("business",), access="live"),
              CameraFilter(camera_types=("doorbell", "lpr"), placements=("outdoor",), access="registered")):
        fast = camera_layer(snap, f, vp, FilterCache())
        from dataclasses import replace

        slow = camera_layer(snap, replace(f, min_retention_days=1), vp, FilterCache())
        assert fast == slow


def test_registry_cache_rebuilds_in_background_and_serves_the_old_snapshot(seeded):
    import time as _time

    cache = RegistryCache(seeded, check_every=0)
    first = cache.get()
    with seeded.session() as s:
        s.execute(text("UPDATE cameras SET status = 'withdrawn' WHERE id = (SELECT MIN(id) FROM cameras "
                       "WHERE status = 'active')"))
        from dashboard.db import bump_registry_version

        bump_registry_version(s)
    served = cache.get()  # answers at once with what it has
    assert served is first  # the old snapshot, however fast the rebuild
    deadline = _time.monotonic() + 10
    while len(cache.get()) != len(first) - 1 and _time.monotonic() < deadline:
        _time.sleep(0.05)
    assert len(cache.get()) == len(first) - 1


@pytest.mark.parametrize("zoom", [11, 14, 17])
def test_viewport_around_a_centre_spans_the_given_pixels(zoom):
    from dashboard.registry.mercator import lonlat_to_pixels

    vp = Viewport.around((32.78, -96.80), zoom, 1920, 1080)
    (x0, x1), (y0, y1) = lonlat_to_pixels(np.array([vp.west, vp.east]), np.array([vp.north, vp.south]), zoom)
    assert vp.zoom == zoom and vp.south < 32.78 < vp.north and vp.west < -96.80 < vp.east
    assert x1 - x0 == pytest.approx(1920, abs=1e-6) and y1 - y0 == pytest.approx(1080, abs=1e-6)
    assert (vp.north + vp.south) / 2 == pytest.approx(32.78, abs=0.01)
