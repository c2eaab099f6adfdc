"""A cold start: a process that finds the host's snapshot file maps it and serves the first map
without importing or building what only other paths need (pandas: a build from the database;
scipy.spatial: the nearest cameras; the beat polygons: the CAD API and the portal), and those
paths still work when they come (benchmarks/share.py measures the time this saves)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from dashboard.app import create_app
from dashboard.config import load_settings
from dashboard.db import Database
from dashboard.migrate import upgrade
from dashboard.tools.seed import seed_demo

FIRST_MAP = textwrap.dedent("""
    import json, sys
    from dashboard.app import create_app
    from dashboard.config import load_settings
    from dashboard.geo.geography import get_geography
    from dashboard.registry.mapview import CameraFilter, Viewport, camera_layer

    settings = load_settings(overrides=json.loads(sys.argv[1]), environ={})
    svc = create_app(settings).server.extensions["connect_dallas"]
    svc.registry.background = False  # no index thread: what the first map itself needs
    snap = svc.registry.get()
    layer = camera_layer(snap, CameraFilter(), Viewport.from_bounds([[32.61, -97.0], [33.02, -96.55]], 11),
                         svc.filters, cell_px=settings.cluster_cell_px, points_max_zoom=settings.points_max_zoom)
    loaded = {name: name in sys.modules for name in ("pandas", "scipy.spatial")}
    print(json.dumps({"total": layer["meta"]["total"], "cameras": len(snap), "loaded": loaded,
                      "geography_built": get_geography.cache_info().currsize > 0,
                      "mapped": any(type(a).__name__ == "memmap" for a in snap.columns.values())}))
    nearest = snap.nearest(float(snap.lat[0]), float(snap.lon[0]), k=3)  # the lazy paths still work
    assert int(nearest.camera_id[0]) == int(snap.ids[0])
    assert svc.geo.in_city([32.7767], [-96.797])[0]
    """)


def test_a_worker_mapping_the_hosts_file_serves_the_first_map_without_pandas_scipy_or_geography(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db = Database(url)
    try:
        upgrade(db)
        seed_demo(db, cameras=300, incidents=0, demo_users=False)
    finally:
        db.dispose()
    overrides = {"database_url": url, "secret_key": "s" * 48, "env": "demo", "tile_url": "",
                 "base_dir": str(tmp_path)}
    first = create_app(load_settings(overrides=overrides, environ={})).server.extensions["connect_dallas"]
    first.registry.background = False
    expected = len(first.registry.get())  # the host's first process writes the snapshot file
    first.db.dispose()

    done = subprocess.run([sys.executable, "-c", FIRST_MAP, json.dumps(overrides)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout.splitlines()[0])
    assert answer["mapped"] and answer["cameras"] == answer["total"] == expected > 0
    assert answer["loaded"] == {"pandas": False, "scipy.spatial": False}
    assert answer["geography_built"] is False
