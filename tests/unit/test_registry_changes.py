"""The registry change log and the patched snapshot: after any mix of registry writes, patching
the old snapshot with the cameras the log names gives exactly what re-reading every camera gives,
and writes the log cannot describe (bulk inserts, raw SQL, pruned versions) fall back to a full read."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import delete, select, text

from dashboard.db import bump_registry_version
from dashboard.models import Camera, CameraSite, Owner, RegistryChange, utcnow
from dashboard.registry import cache as registry
from dashboard.registry.cache import RegistryCache, load_snapshot, refresh_snapshot
from dashboard.registry.snapshot import BASE_COLUMNS
from dashboard.tools.seed import seed_demo


@pytest.fixture
def seeded(db):
    seed_demo(db, cameras=400, incidents=0, demo_users=False)
    return db


@pytest.fixture
def full_loads(monkeypatch) -> list[int]:
    """Counts the full reads refresh_snapshot falls back to."""
    calls: list[int] = []
    real = registry.load_snapshot

    def counted(db):
        calls.append(1)
        return real(db)

    monkeypatch.setattr(registry, "load_snapshot", counted)
    return calls


def as_frame(snap) -> pd.DataFrame:
    """The snapshot's base columns, beats as text (their codes depend on the order seen)."""
    columns = {name: np.asarray(snap.columns[name]) for name in BASE_COLUMNS if name != "beat_code"}
    return pd.DataFrame({**columns, "beat": snap.beat})


def assert_same(patched, full) -> None:
    assert patched.version == full.version
    by_id = [as_frame(s).sort_values("camera_id", kind="stable").reset_index(drop=True) for s in (patched, full)]
    pd.testing.assert_frame_equal(*by_id)
    assert (patched.morton[1:] >= patched.morton[:-1]).all()  # still sorted: every map cell one slice
    assert sorted(patched.morton.tolist()) == sorted(full.morton.tolist())
    assert np.array_equal(np.sort(patched.per_combo), np.sort(full.per_combo))


def _active_camera(s, offset: int = 0) -> Camera:
    return s.scalars(select(Camera).where(Camera.status == "active").order_by(Camera.id).offset(offset)).first()


def _edit_camera(s):
    cam = _active_camera(s)
    cam.retention_days, cam.verified_at, cam.direction_deg = 45, utcnow() - timedelta(days=2), 123.0


def _withdraw_camera(s):
    _active_camera(s, 3).status = "withdrawn"


def _reactivate_camera(s):
    s.scalars(select(Camera).where(Camera.status != "active").order_by(Camera.id)).first().status = "active"


def _camera_at_existing_site(s):
    site = s.get(CameraSite, _active_camera(s, 5).site_id)
    s.add(Camera(site=site, label="New side door", camera_type="dome", status="active", live_access=True))


def _new_owner_site_camera(s):
    owner = Owner(owner_type="organization", name="New Church", email="office@newchurch.example")
    site = CameraSite(owner=owner, latitude=32.7901, longitude=-96.8012, division="CENTRAL", beat="134")
    s.add_all([owner, site, Camera(site=site, label="Steps", camera_type="bullet", status="active")])


def _owner_type_changes(s):
    owner = s.get(Owner, s.get(CameraSite, _active_camera(s, 7).site_id).owner_id)
    owner.owner_type = "government" if owner.owner_type != "government" else "business"


def _site_moves(s):
    site = s.get(CameraSite, _active_camera(s, 9).site_id)
    site.latitude, site.longitude, site.division, site.beat = 32.70, -96.90, "SOUTHWEST", "421"


def _camera_deleted(s):
    s.delete(_active_camera(s, 11))


WRITES = [_edit_camera, _withdraw_camera, _reactivate_camera, _camera_at_existing_site, _new_owner_site_camera,
          _owner_type_changes, _site_moves, _camera_deleted]


@pytest.mark.parametrize("write", WRITES, ids=[w.__name__.strip("_") for w in WRITES])
def test_each_kind_of_write_is_patched_exactly(seeded, full_loads, write):
    old = load_snapshot(seeded)
    with seeded.session() as s:
        write(s)
    patched = refresh_snapshot(seeded, old)
    assert full_loads == [] and patched.version == old.version + 1
    assert_same(patched, load_snapshot(seeded))


def test_many_versions_between_two_refreshes_are_patched_at_once(seeded, full_loads):
    old = load_snapshot(seeded)
    for write in WRITES:
        with seeded.session() as s:
            write(s)
    patched = refresh_snapshot(seeded, old)
    assert full_loads == [] and patched.version == old.version + len(WRITES)
    assert_same(patched, load_snapshot(seeded))
    assert refresh_snapshot(seeded, patched) is patched  # nothing new: the same object


def test_one_transaction_is_one_version_naming_each_object_once(seeded):
    old = load_snapshot(seeded)
    with seeded.session() as s:
        cam = _active_camera(s)
        cam.retention_days = 90
        s.flush()
        cam.label = "Renamed in a second flush"
        _new_owner_site_camera(s)
    with seeded.session() as s:
        logged = s.execute(select(RegistryChange.version, RegistryChange.camera_id, RegistryChange.site_id,
                                  RegistryChange.owner_id).where(RegistryChange.version > old.version)).all()
    assert {r.version for r in logged} == {old.version + 1}
    named = [(r.camera_id, r.site_id, r.owner_id) for r in logged]
    assert len(named) == len(set(named)) == 4  # the edited camera, and the new owner, site and camera


def test_bulk_writes_and_raw_sql_reload_in_full(seeded, full_loads):
    old = load_snapshot(seeded)
    seed_demo(seeded, cameras=50, incidents=0, demo_users=False)  # Core bulk insert: bump_registry_version
    refreshed = refresh_snapshot(seeded, old)
    assert full_loads == [1] and len(refreshed) > len(old)
    with seeded.session() as s:
        s.execute(text("UPDATE cameras SET retention_days = 3 WHERE id = (SELECT MIN(id) FROM cameras)"))
        bump_registry_version(s)
    assert_same(refresh_snapshot(seeded, refreshed), load_snapshot(seeded))
    assert len(full_loads) == 2


def test_versions_missing_from_the_log_reload_in_full(seeded, full_loads):
    old = load_snapshot(seeded)
    for write in WRITES[:3]:
        with seeded.session() as s:
            write(s)
    with seeded.session() as s:  # pruned (or written before the log existed)
        s.execute(delete(RegistryChange).where(RegistryChange.version == old.version + 2))
    assert_same(refresh_snapshot(seeded, old), load_snapshot(seeded))
    assert full_loads == [1]


def test_registry_cache_patches_instead_of_reloading(seeded, full_loads):
    cache = RegistryCache(seeded, check_every=0, background=False)
    first = cache.get()
    assert full_loads == [1]  # the first load is a full read
    with seeded.session() as s:
        _withdraw_camera(s)
    second = cache.get()
    assert full_loads == [1] and len(second) == len(first) - 1 and second.version == first.version + 1
