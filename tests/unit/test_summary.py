"""The summary chart's counts (dashboard.summary) against a pandas groupby over the database."""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from dashboard.registry.cache import load_snapshot
from dashboard.registry.mapview import CameraFilter, FilterCache
from dashboard.registry.summary import summarize
from dashboard.tools.seed import seed_demo
from dashboard.vocabulary import CAMERA_TYPES, DIVISIONS, OWNER_TYPES, PLACEMENTS


@pytest.fixture
def seeded(db):
    seed_demo(db, cameras=2500, incidents=0, seed=23, demo_users=False)
    return db


def _db_frame(db) -> pd.DataFrame:
    sql = text("""SELECT c.id, s.division, s.beat, o.owner_type, c.camera_type, c.placement, c.live_access,
                         c.retention_days, c.registered_at, c.verified_at, c.status
                  FROM cameras c JOIN camera_sites s ON s.id = c.site_id JOIN owners o ON o.id = s.owner_id""")
    with db.engine.connect() as conn:
        frame = pd.read_sql(sql, conn)
    frame["registered_at"] = pd.to_datetime(frame["registered_at"], utc=True)
    frame["live_access"] = frame["live_access"].astype(bool)
    return frame[frame["status"] == "active"]


def _pandas_mask(frame: pd.DataFrame, f: CameraFilter) -> pd.Series:
    m = pd.Series(True, index=frame.index)
    for column, wanted in (("division", f.divisions), ("owner_type", f.owner_types),
                           ("camera_type", f.camera_types), ("placement", f.placements), ("beat", f.beats)):
        if wanted:
            m &= frame[column].isin(wanted)
    if f.access == "live":
        m &= frame["live_access"]
    elif f.access == "registered":
        m &= ~frame["live_access"]
    if f.min_retention_days:
        m &= frame["retention_days"] >= f.min_retention_days
    if f.registered_since:
        m &= frame["registered_at"] >= pd.Timestamp(f.registered_since, tz="UTC")
    if f.verified_only:
        m &= frame["verified_at"].notna()
    return m


def _groupby_counts(frame: pd.DataFrame, f: CameraFilter) -> dict[tuple[str, str], int]:
    matched = frame[_pandas_mask(frame, f)]
    access = np.where(matched["live_access"], "live", "registered")
    grouped = matched.groupby([matched["division"], access]).size()
    return {(d, a): int(n) for (d, a), n in grouped.items()}


def _summary_counts(summary) -> dict[tuple[str, str], int]:
    return {(d, a): n for d, by in summary.by_division.items() for a, n in by.items() if n}


def test_unfiltered_summary_equals_groupby(seeded):
    snap, frame = load_snapshot(seeded), _db_frame(seeded)
    summary = summarize(snap, CameraFilter())
    assert summary.total == len(frame) == len(snap)
    assert summary.divisions[:len(DIVISIONS)] == DIVISIONS  # every division, even with no camera
    assert _summary_counts(summary) == _groupby_counts(frame, CameraFilter())
    assert summary == summarize(snap, CameraFilter(), use_combos=False)
    assert summary.by_access == {"registered": int((~frame["live_access"]).sum()),
                                 "live": int(frame["live_access"].sum())}


def test_random_filters_equal_groupby_with_and_without_cache(seeded):
    snap, frame = load_snapshot(seeded), _db_frame(seeded)
    beats = sorted(frame["beat"].dropna().unique().tolist())
    cache = FilterCache()
    rng = random.Random(3)
    pick = lambda values: tuple(sorted(rng.sample(values, rng.randint(1, min(3, len(values)))))) if rng.random() < 0.5 else ()  # noqa: E731
    for _ in range(60):
        f = CameraFilter(
            divisions=pick(list(DIVISIONS)), owner_types=pick(list(OWNER_TYPES)), camera_types=pick(list(CAMERA_TYPES)),
            placements=pick(list(PLACEMENTS)), access=rng.choice([None, "live", "registered"]),
            min_retention_days=rng.choice([None, 7, 30]),
            registered_since=rng.choice([None, date(2025, 1, 1), date(2026, 6, 1)]),
            verified_only=rng.random() < 0.3, beats=pick(beats) if rng.random() < 0.3 else (),
        )
        expected = _groupby_counts(frame, f)
        for summary in (summarize(snap, f), summarize(snap, f, cache),
                        summarize(snap, f, use_combos=False), summarize(snap, f, cache, use_combos=False)):
            assert _summary_counts(summary) == expected, f
            assert summary.total == sum(expected.values())
            if f.access == "live":
                assert summary.by_access["registered"] == 0
            if f.divisions:
                assert all(summary.by_division[d] == {"registered": 0, "live": 0}
                           for d in DIVISIONS if d not in f.divisions)


def test_empty_registry(db):
    summary = summarize(load_snapshot(db), CameraFilter(access="live"))
    assert summary.total == 0 and summary.divisions == DIVISIONS
    assert summary.by_access == {"registered": 0, "live": 0}


def test_per_beat_counts_match_pandas(tmp_path):
    from dashboard.db import Database
    from dashboard.migrate import upgrade
    from dashboard.registry.cache import load_snapshot
    from dashboard.registry.mapview import CameraFilter, FilterCache
    from dashboard.registry.summary import per_beat_counts
    from dashboard.tools.seed import seed_demo

    db = Database(f"sqlite:///{tmp_path}/d.db")
    upgrade(db)
    seed_demo(db, cameras=1500, incidents=0, seed=9, demo_users=False)
    snap = load_snapshot(db)
    beats = pd.Series(snap.beat)
    filters = [CameraFilter(), CameraFilter(divisions=("CENTRAL",)), CameraFilter(access="live"),
               CameraFilter(min_retention_days=30), CameraFilter(owner_types=("business",), verified_only=True)]
    for f in filters:
        mask = f.mask(snap)
        expected = (beats if mask is None else beats[mask]).value_counts().to_dict()
        assert per_beat_counts(snap, f, FilterCache()) == {str(k): int(v) for k, v in expected.items()}, f
