"""Benchmark 2: one map update, server side: dashboard.mapview.camera_layer, the function the
`update_camera_layer` Dash callback calls.

Views (a 1280 x 800 px map): city-wide (the callback's CITY_BOUNDS, zoom 11), mid (zoom 13)
and street (zoom 17), both centred on downtown (32.78, -96.80).
Actions:
  filter change   CameraFilter(divisions=("CENTRAL", "NORTHEAST")) with a cold FilterCache:
                  the first computation of the mask and its prefix sum is inside the time;
  pan/zoom        the same filter, warm cache, the view moved by a quarter of its size
                  (cycling through 8 moves);
  no filter       CameraFilter(), first load of the page (city-wide only: for the bytes target).
Server time = camera_layer() (median); json = json.dumps(result, separators=(",", ":")),
timed separately; bytes = its length.

Baseline, same run: the idiomatic dash-leaflet page, one FeatureCollection of ALL matching
cameras for `dl.GeoJSON(data=..., cluster=True)`: mask + vectorised build of the feature
list + json.dumps. It carries the same compact per-camera properties as our layer (id, owner
code, live, direction, fov), so its byte count is a lower bound. Its server cost on pan/zoom
is zero (the browser re-clusters all points), which the table says.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import numpy as np

from dashboard.registry.mapview import (
    CameraFilter,
    FilterCache,
    Viewport,
    _level,
    camera_layer,
    combo_lut,
    count_matching,
)
from dashboard.registry.mercator import MAX_ZOOM
from dashboard.registry.snapshot import RegistrySnapshot

from .common import (
    PAN_STEPS,
    Registry,
    Report,
    fmt_bytes,
    fmt_ms,
    fmt_n,
    median_s,
    shifted,
    table,
    view_bounds,
)

CITY_BOUNDS = [[32.61, -97.0], [33.02, -96.55]]  # callbacks/map_view.py CITY_BOUNDS
DOWNTOWN = (32.78, -96.80)
VIEWS = {
    "city z11": (CITY_BOUNDS, 11),
    "mid z13": (view_bounds(*DOWNTOWN, 13), 13),
    "street z17": (view_bounds(*DOWNTOWN, 17), 17),
}
FILTER = CameraFilter(divisions=("CENTRAL", "NORTHEAST"))
NO_FILTER = CameraFilter()
TARGET_BYTES = 150 * 1024
TARGET_GROWTH = 3.0


def dumps(obj) -> str:
    return json.dumps(obj, separators=(",", ":"))


def idiomatic_geojson(snap: RegistrySnapshot, filt: CameraFilter) -> dict:
    """Baseline: every matching camera as a GeoJSON Point feature (vectorised columns, then
    one dict per camera, the way a dl.GeoJSON(cluster=True) page is fed)."""
    mask = filt.mask(snap)
    idx = np.arange(len(snap)) if mask is None else np.flatnonzero(mask)
    return point_features(snap.ids[idx], snap.lat[idx], snap.lon[idx], snap.codes["owner_type"][idx],
                          snap.live[idx], snap.direction[idx], snap.fov[idx])


def point_features(ids, lat, lon, owner_code, live, direction, fov) -> dict:
    """The idiomatic page's FeatureCollection: one Point per camera with the few properties its
    icons need (id, owner-type code, live flag, direction and field of view when known)."""
    known = ~np.isnan(direction)
    d = np.where(known, np.round(np.nan_to_num(direction)), 0).astype(np.int64).tolist()
    f = np.round(np.nan_to_num(fov, nan=90.0)).astype(np.int64).tolist()
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
         "properties": {"id": i, "o": o, "l": li, "d": dd, "f": ff} if k else {"id": i, "o": o, "l": li}}
        for i, y, x, o, li, k, dd, ff in zip(np.asarray(ids).tolist(), np.round(lat, 6).tolist(),
                                             np.round(lon, 6).tolist(), np.asarray(owner_code).tolist(),
                                             np.asarray(live).astype(np.int8).tolist(), known.tolist(), d, f,
                                             strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


@dataclass
class Cell:
    """One (size, view, action) measurement."""

    n: int
    view: str
    action: str
    layer_s: float
    json_s: float
    bytes: float
    features: int
    visible: int


@dataclass
class Baseline:
    n: int
    filt: str
    matching: int
    build_s: float
    json_s: float
    bytes: int
    reps: int


class _ViewBench:
    """One view at one registry size; `step` runs one repetition of every action, so that the
    sizes can be interleaved rep by rep (the 1M/10k ratio then compares the same minutes)."""

    def __init__(self, snap: RegistrySnapshot, n: int, view: str):
        self.snap, self.n, self.view = snap, n, view
        bounds, zoom = VIEWS[view]
        self.base = Viewport.from_bounds(bounds, zoom)
        self.pans = [Viewport.from_bounds(shifted(bounds, dx, dy), zoom) for dx, dy in PAN_STEPS]
        self.warm = FilterCache()
        camera_layer(snap, FILTER, self.base, self.warm)  # warm the pan/zoom cache
        self.cold_t: list[float] = []
        self.pan_t: list[float] = []
        self.free_t: list[float] = []
        self.pan_out: list[dict] = []
        self.cold = self.free = None

    def step(self, rep: int) -> None:
        snap = self.snap
        cache = FilterCache()
        t0 = time.perf_counter()
        self.cold = camera_layer(snap, FILTER, self.base, cache)
        t1 = time.perf_counter()
        pan = camera_layer(snap, FILTER, self.pans[rep % len(self.pans)], self.warm)
        t2 = time.perf_counter()
        self.cold_t.append(t1 - t0)
        self.pan_t.append(t2 - t1)
        if rep < len(self.pans):
            self.pan_out.append(pan)  # bytes of every distinct move, measured afterwards
        if self.view == "city z11":
            t3 = time.perf_counter()
            self.free = camera_layer(snap, NO_FILTER, self.base, FilterCache())
            self.free_t.append(time.perf_counter() - t3)

    def cells(self) -> list[Cell]:
        def serialised(result: dict) -> tuple[float, int]:
            times, text = [], ""
            for _ in range(5):
                t = time.perf_counter()
                text = dumps(result)
                times.append(time.perf_counter() - t)
            return median_s(times), len(text)

        cj, cb = serialised(self.cold)
        pans = [serialised(p) for p in self.pan_out]
        out = [Cell(self.n, self.view, "filter change", median_s(self.cold_t), cj, cb, len(self.cold["features"]),
                    self.cold["meta"]["visible"]),
               Cell(self.n, self.view, "pan/zoom", median_s(self.pan_t), median_s([p[0] for p in pans]),
                    median_s([p[1] for p in pans]), int(np.median([len(p["features"]) for p in self.pan_out])),
                    int(np.median([p["meta"]["visible"] for p in self.pan_out])))]
        if self.free is not None:
            fj, fb = serialised(self.free)
            out.append(Cell(self.n, self.view, "no filter", median_s(self.free_t), fj, fb, len(self.free["features"]),
                            self.free["meta"]["visible"]))
        return out


def _measure_views(regs: list[Registry], reps: int) -> list[Cell]:
    cells: list[Cell] = []
    for view in VIEWS:
        benches = [_ViewBench(reg.snap, reg.n, view) for reg in regs]
        for rep in range(reps):
            for bench in (benches if rep % 2 == 0 else benches[::-1]):
                bench.step(rep)
        for bench in benches:
            cells.extend(bench.cells())
    return cells


def _cold_breakdown(snap: RegistrySnapshot, reps: int) -> tuple[float, float, float, float]:
    """Filter change, city view, the categorical path (combo_lut + per-zoom level table):
    (combo_lut ms, count_matching ms, whole camera_layer with a cold FilterCache ms,
    level table build ms). The level table is built once per snapshot and zoom (lazily, by the
    first map update at that zoom); it is timed here on a throw-away dict and put back."""
    bounds, zoom = VIEWS["city z11"]
    vp = Viewport.from_bounds(bounds, zoom)
    shift = (MAX_ZOOM - zoom) + 6  # cell_px 64, camera_layer's default
    l_t, c_t, w_t, b_t = [], [], [], []
    for rep in range(reps):
        t0 = time.perf_counter()
        combo_lut(FILTER)
        t1 = time.perf_counter()
        count_matching(snap, FILTER, FilterCache())
        t2 = time.perf_counter()
        camera_layer(snap, FILTER, vp, FilterCache())
        t3 = time.perf_counter()
        l_t.append(t1 - t0)
        c_t.append(t2 - t1)
        w_t.append(t3 - t2)
        if rep < 3:
            kept = snap.combo_levels
            snap.combo_levels = {}
            t4 = time.perf_counter()
            _level(snap, shift)
            b_t.append(time.perf_counter() - t4)
            snap.combo_levels = kept
    return median_s(l_t), median_s(c_t), median_s(w_t), median_s(b_t)


def _baseline(snap: RegistrySnapshot, filt: CameraFilter, label: str, reps: int) -> Baseline:
    builds, sers = [], []
    size = matching = 0
    for _ in range(reps):
        t0 = time.perf_counter()
        fc = idiomatic_geojson(snap, filt)
        t1 = time.perf_counter()
        text = dumps(fc)
        t2 = time.perf_counter()
        builds.append(t1 - t0)
        sers.append(t2 - t1)
        size, matching = len(text), len(fc["features"])
        del fc, text
    return Baseline(len(snap), label, matching, median_s(builds), median_s(sers), size, reps)


@dataclass
class MapFigures:
    n: int
    cells: list[Cell]
    baselines: list[Baseline]
    breakdown: tuple[float, float, float, float]


def run(regs: list[Registry], reps: int, quick: bool) -> list[MapFigures]:
    """All sizes together: the views interleaved across sizes; then per size the cold-path
    breakdown and the idiomatic baseline."""
    cells = _measure_views(regs, reps)
    figs = []
    for reg in regs:
        snap = reg.snap
        breakdown = _cold_breakdown(snap, max(5, reps // 2))
        baseline_reps = 1 if reg.n >= 1_000_000 or quick else 3 if reg.n >= 100_000 else 5
        baselines = [_baseline(snap, FILTER, "CENTRAL+NORTHEAST", baseline_reps),
                     _baseline(snap, NO_FILTER, "none", baseline_reps)]
        for b in baselines:
            b.n = reg.n
        mine = [c for c in cells if c.n == reg.n]
        city = [c for c in mine if c.view == "city z11"]
        print(f"  map update at {fmt_n(reg.n)}: city-wide "
              + ", ".join(f"{c.action} {fmt_ms(c.layer_s)} ms / {fmt_bytes(c.bytes)}" for c in city)
              + f"; idiomatic all-points GeoJSON {fmt_ms(baselines[0].build_s + baselines[0].json_s)} ms / "
                f"{fmt_bytes(baselines[0].bytes)}", flush=True)
        figs.append(MapFigures(reg.n, mine, baselines, breakdown))
    return figs


def summarise(figs: list[MapFigures], report: Report) -> None:
    base_by = {(b.n, b.filt): b for f in figs for b in f.baselines}
    rows = []
    for f in figs:
        for c in f.cells:
            b = base_by[(f.n, "none" if c.action == "no filter" else "CENTRAL+NORTHEAST")]
            if c.action == "pan/zoom":
                base_time = "0 (client re-clusters)"
            else:
                base_time = fmt_ms(b.build_s + b.json_s)
            rows.append((fmt_n(f.n), c.view, c.action, fmt_ms(c.layer_s), fmt_ms(c.json_s), fmt_bytes(c.bytes),
                         f"{c.features:,}", f"{c.visible:,}", base_time, fmt_bytes(b.bytes)))
    print(table(("cameras", "view", "action", "server ms", "+json ms", "bytes", "features", "cameras in view",
                 "idiomatic ms", "idiomatic bytes"), rows,
                "== Benchmark 2: one map update (camera_layer), medians; beside it the idiomatic "
                "all-points GeoJSON measured in the same run =="))
    brows = [(fmt_n(b.n), b.filt, f"{b.matching:,}", fmt_ms(b.build_s), fmt_ms(b.json_s), fmt_bytes(b.bytes),
              str(b.reps)) for f in figs for b in f.baselines]
    print(table(("cameras", "filter", "features", "build ms", "json.dumps ms", "bytes", "reps"), brows,
                "-- baseline detail: idiomatic dl.GeoJSON(data=<all matching points>, cluster=True) payload "
                "(built in full at every size, no extrapolation) --"))
    krows = [(fmt_n(f.n), fmt_ms(f.breakdown[0]), fmt_ms(f.breakdown[1]), fmt_ms(f.breakdown[2]),
              fmt_ms(f.breakdown[3])) for f in figs]
    print(table(("cameras", "combo_lut ms", "count_matching ms", "camera_layer, cold FilterCache ms",
                 "level table build ms (once per snapshot and zoom)"), krows,
                "-- where the time goes in a filter change, city view (categorical filter: lookup tables) --"))

    by = {(f.n, c.view, c.action): c for f in figs for c in f.cells}
    if (1_000_000, "city z11", "no filter") in by:
        worst = max((by[(1_000_000, "city z11", a)] for a in ("no filter", "filter change", "pan/zoom")),
                    key=lambda c: c.bytes)
        report.add("bytes of one city-wide map update, 1M", f"{fmt_bytes(worst.bytes)} ({worst.action})",
                   "<= 150 KB", worst.bytes <= TARGET_BYTES)
    else:
        report.add("bytes of one city-wide map update, 1M", "1M not in --sizes", "", None)
    for action in ("filter change", "pan/zoom"):
        for view in VIEWS:
            small, big = by.get((10_000, view, action)), by.get((1_000_000, view, action))
            name = f"map update, {action}, {view}: time at 1M / at 10k"
            if small and big:
                growth = big.layer_s / small.layer_s
                report.add(name, f"{growth:.1f}x ({fmt_ms(big.layer_s)} / {fmt_ms(small.layer_s)} ms)",
                           f"<= {TARGET_GROWTH:.0f}x", growth <= TARGET_GROWTH)
            else:
                report.add(name, "needs 10k and 1M in --sizes", "", None)
