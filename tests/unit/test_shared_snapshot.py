"""One snapshot per host: the first worker writes each registry version to files, the others map
them (read-only, shared pages) instead of reading the database, and what they map is exactly
what a full read gives; a change is patched once and picked up by every worker."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from dashboard.models import Camera
from dashboard.registry import cache as registry
from dashboard.registry.cache import RegistryCache, load_snapshot, registry_stamp
from dashboard.registry.shared import SnapshotFiles, Stamp
from dashboard.registry.snapshot import BASE_COLUMNS
from dashboard.tools.seed import seed_demo


def as_frame(snap) -> pd.DataFrame:
    columns = {name: np.asarray(snap.columns[name]) for name in BASE_COLUMNS if name != "beat_code"}
    return pd.DataFrame({**columns, "beat": snap.beat}).sort_values("camera_id", kind="stable").reset_index(drop=True)


def mapped_from(snap) -> set[str]:
    """The files the snapshot's columns are mapped from (empty: it holds its own copy)."""
    return {str(a.filename) for a in snap.columns.values() if isinstance(a, np.memmap)}


@pytest.fixture
def seeded(db):
    seed_demo(db, cameras=300, incidents=0, demo_users=False)
    return db


def test_workers_of_a_host_map_one_file_per_version(seeded, tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "CHILD_BUILD_MIN_CAMERAS", 0)  # the full read runs in a child process
    first = RegistryCache.for_host(seeded, tmp_path)
    second = RegistryCache.for_host(seeded, tmp_path)
    first.background = second.background = False
    a = first.get()
    with seeded.session() as s:
        stamp = registry_stamp(s)
    folder = first.files.path(stamp)
    assert (folder / "meta.json").exists()
    files_before = {p.name: p.stat().st_ino for p in folder.iterdir()}
    b = second.get()
    assert mapped_from(a) and mapped_from(a) == mapped_from(b)  # both map the same files
    assert {p.name: p.stat().st_ino for p in folder.iterdir()} == files_before  # nobody rewrote them
    pd.testing.assert_frame_equal(as_frame(b), as_frame(load_snapshot(seeded)))
    assert np.array_equal(b.nearest(32.78, -96.80, k=5).camera_id, a.nearest(32.78, -96.80, k=5).camera_id)

    # a change: the first worker patches and writes the new version; the second maps it
    with seeded.session() as s:
        camera = s.scalars(select(Camera).where(Camera.status == "active").order_by(Camera.id)).first()
        camera.status = "withdrawn"
        withdrawn = camera.id
    first.check_every = second.check_every = 0.0
    a2 = first.get()
    assert a2.version == a.version + 1 and withdrawn not in set(np.asarray(a2.ids).tolist())
    b2 = second.get()
    assert mapped_from(b2) == mapped_from(a2) and mapped_from(b2) != mapped_from(a)
    pd.testing.assert_frame_equal(as_frame(b2), as_frame(load_snapshot(seeded)))


def test_a_file_for_another_moment_of_the_same_version_is_not_used(seeded, tmp_path):
    files = SnapshotFiles(tmp_path, seeded.url)
    snap = load_snapshot(seeded)
    files.write(snap)
    assert files.open(Stamp(snap.version, snap.changed_at)) is not None
    assert files.open(Stamp(snap.version, "2020-01-01T00:00:00+00:00")) is None  # a re-created database
    assert files.open(Stamp(snap.version + 1, snap.changed_at)) is None


def test_in_memory_sqlite_keeps_its_own_copy(tmp_path):
    from dashboard.db import Database

    assert RegistryCache.for_host(Database("sqlite://"), tmp_path).files is None


def test_the_nearest_camera_index_is_built_on_first_use_not_before_the_first_map(seeded, tmp_path):
    cache = RegistryCache.for_host(seeded, tmp_path)
    cache.background = False
    snap = cache.get()
    assert snap._tree_index is None  # the first map needs only the columns: a cold start does not wait
    lat, lon = float(snap.lat[0]), float(snap.lon[0])
    found = snap.nearest(lat, lon, k=3)
    assert snap._tree_index is not None and int(found.camera_id[0]) == int(snap.ids[0])
    assert snap.index() is snap._tree_index  # built once

    background = RegistryCache.for_host(seeded, tmp_path)  # serving: the index follows in a thread
    warm = background.get()
    for thread in [t for t in threading.enumerate() if t.name == "registry-index"]:
        thread.join(timeout=30)
    assert warm._tree_index is not None
