"""The browser benchmark's two idiomatic pages show the same cameras as the registry snapshot:
a baseline that drew fewer (or other) cameras would flatter ours."""

from __future__ import annotations

from benchmarks.browser import _read_registry
from benchmarks.mapview import NO_FILTER, idiomatic_geojson
from dashboard.registry.cache import load_snapshot
from dashboard.tools.seed import seed_demo


def _by_id(fc: dict) -> dict:
    return {f["properties"]["id"]: (tuple(f["geometry"]["coordinates"]), f["properties"]) for f in fc["features"]}


def test_live_idiomatic_page_reads_the_same_cameras_as_the_snapshot(db):
    seed_demo(db, cameras=400, incidents=0, demo_users=False)
    from_snapshot = _by_id(idiomatic_geojson(load_snapshot(db), NO_FILTER))
    from_database = _by_id(_read_registry(db.engine))
    assert len(from_database) > 300 and from_database == from_snapshot
    assert any("d" in props for _, props in from_database.values())          # directions where known
    assert {props["o"] for _, props in from_database.values()} <= {0, 1, 2, 3}  # owner-type codes, no names
