"""A candidate for dashboard/mapview.py (a suggestion, not used by the app): a filter change
whose cost does not grow with N.

Today a filter change builds a boolean mask over all N cameras and its prefix sum
(FilterCache.prefix): O(N), about 5 ms at 1M, so a filter change at 1M costs ~30x one at 10k.

The candidate:
- once per snapshot: a per-camera "combo" code (uint16) packing the categorical columns the
  map filters on (division, owner type, camera type, placement, live) into 8*5*7*3*2 = 1,680
  values, the count of cameras per combo, and per zoom level a small table of
  (Morton cell, combo) -> count, kept only where it is much smaller than N (the coarse levels);
- per request: the filter becomes a 1,680-entry lookup table (no O(N) mask, no cache needed);
  the total is lut @ counts_per_combo; the count of each visible cell is a prefix sum of
  lut[combo] * count over the span of the level table the viewport covers, or, when that is
  smaller, of lut[combo_of_row] over the span of rows the viewport covers (street zoom).
Filters on retention / registration date / verification / beats keep the mask path.

`candidate_layer` returns exactly what camera_layer returns (checked in the benchmark).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from dashboard.mapview import (
    CameraFilter,
    FilterCache,
    Viewport,
    _camera_features,
    _cell_ranges,
    _visible_cells,
    camera_layer,
)
from dashboard.registry import CATEGORIES, MAX_ZOOM, RegistrySnapshot, morton

from .common import Registry, fmt_ms, fmt_n, median_s, table

DIMS = ("division", "owner_type", "camera_type", "placement")
FIELDS = {"division": "divisions", "owner_type": "owner_types", "camera_type": "camera_types",
          "placement": "placements"}
MAX_POINTS = 4000  # dashboard.mapview.MAX_POINTS
LEVEL_MAX_SHARE = 0.25  # keep a level table only if it has at most this many entries per camera


@dataclass
class Level:
    cells: np.ndarray    # uint64 Morton cell codes, sorted (with repeats: one row per present combo)
    combo: np.ndarray    # uint16
    count: np.ndarray    # int32


@dataclass
class ComboIndex:
    combo: np.ndarray              # per camera, uint16
    per_combo: np.ndarray          # cameras per combo value
    levels: dict[int, Level | None] = field(default_factory=dict)
    build_s: float = 0.0

    @classmethod
    def of(cls, snap: RegistrySnapshot) -> ComboIndex:
        started = time.perf_counter()
        key = np.zeros(len(snap), dtype=np.int32)
        for dim in DIMS:
            key = key * (len(CATEGORIES[dim]) + 1) + (snap.codes[dim].astype(np.int32) + 1)  # -1 (unknown) -> 0
        key = key * 2 + snap.live
        size = int(np.prod([len(CATEGORIES[d]) + 1 for d in DIMS])) * 2
        combo = key.astype(np.uint16)
        idx = cls(combo, np.bincount(combo, minlength=size).astype(np.int64))
        idx.build_s = time.perf_counter() - started
        return idx

    def level(self, snap: RegistrySnapshot, shift: int) -> Level | None:
        """(cell, combo) -> count at Morton level `shift`; None where it would not be small."""
        if shift not in self.levels:
            started = time.perf_counter()
            cell = snap.morton >> np.uint64(2 * shift)
            pair = (cell << np.uint64(11)) | self.combo.astype(np.uint64)
            uniq, counts = np.unique(pair, return_counts=True)
            small = len(uniq) <= LEVEL_MAX_SHARE * max(len(snap), 1)
            self.levels[shift] = Level(uniq >> np.uint64(11), (uniq & np.uint64(2047)).astype(np.uint16),
                                       counts.astype(np.int32)) if small else None
            self.build_s += time.perf_counter() - started
        return self.levels[shift]


def filter_lut(filt: CameraFilter) -> np.ndarray | None:
    """Boolean table over combo values; None if the filter needs columns outside the combo."""
    if filt.min_retention_days or filt.registered_since or filt.verified_only or filt.beats:
        return None
    lut = np.ones(1, dtype=bool)
    for dim in DIMS:
        wanted = getattr(filt, FIELDS[dim])
        values = CATEGORIES[dim]
        allowed = np.ones(len(values) + 1, dtype=bool)
        if wanted:
            allowed[:] = False
            for v in wanted:
                if v in values:
                    allowed[values.index(v) + 1] = True
        lut = (lut[:, None] & allowed[None, :]).ravel()
    live = np.array([filt.access != "live", filt.access != "registered"])
    return (lut[:, None] & live[None, :]).ravel()


def candidate_layer(snap: RegistrySnapshot, filt: CameraFilter, vp: Viewport, index: ComboIndex,
                    cache: FilterCache, *, cell_px: int = 64, points_max_zoom: int = 17) -> dict:
    lut = None if filt.is_empty else filter_lut(filt)
    if lut is None and not filt.is_empty:
        return camera_layer(snap, filt, vp, cache, cell_px=cell_px, points_max_zoom=points_max_zoom)
    cell_shift = (MAX_ZOOM - vp.zoom) + int(np.log2(cell_px))
    cx, cy = _visible_cells(vp, cell_shift)
    a, b = _cell_ranges(snap, cx, cy, cell_shift)
    if lut is None:
        total, counts = len(snap), b - a
    else:
        total = int(index.per_combo[lut].sum())
        row_lo, row_hi = int(a.min()), int(b.max())
        level = index.level(snap, cell_shift)
        if level is not None:
            cells = morton(cx, cy)
            ea = np.searchsorted(level.cells, cells, side="left")
            eb = np.searchsorted(level.cells, cells + np.uint64(1), side="left")
            s, e = int(ea.min()), int(eb.max())
        if level is not None and e - s < row_hi - row_lo:
            w = np.zeros(e - s + 1, dtype=np.int64)
            np.cumsum(lut[level.combo[s:e]] * level.count[s:e], out=w[1:])
            counts = w[eb - s] - w[ea - s]
        else:
            w = np.zeros(row_hi - row_lo + 1, dtype=np.int64)
            np.cumsum(lut[index.combo[row_lo:row_hi]], out=w[1:])
            counts = w[b - row_lo] - w[a - row_lo]
    nonempty = counts > 0
    a, b, counts = a[nonempty], b[nonempty], counts[nonempty]
    visible = int(counts.sum())
    if vp.zoom >= points_max_zoom and visible <= MAX_POINTS:
        single = np.ones(len(a), dtype=bool)
    else:
        single = counts == 1
    sa, sb = a[single], b[single]
    if len(sa):
        idx = np.concatenate([np.arange(s0, e0) for s0, e0 in zip(sa.tolist(), sb.tolist(), strict=True)])
        if lut is not None:
            idx = idx[lut[index.combo[idx]]]
    else:
        idx = np.empty(0, dtype=np.int64)
    features = _camera_features(snap, idx)
    ca, cb, cn = a[~single], b[~single], counts[~single]
    if len(ca):
        lat = (snap.cum_lat[cb] - snap.cum_lat[ca]) / (cb - ca)
        lon = (snap.cum_lon[cb] - snap.cum_lon[ca]) / (cb - ca)
        for la, lo, n in zip(np.round(lat, 5).tolist(), np.round(lon, 5).tolist(), cn.tolist(), strict=True):
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lo, la]},
                             "properties": {"cluster": True, "n": n}})
    return {"type": "FeatureCollection", "features": features,
            "meta": {"total": total, "visible": visible, "zoom": vp.zoom, "registry": len(snap)}}


CHECK_FILTERS = (
    CameraFilter(divisions=("CENTRAL", "NORTHEAST")),
    CameraFilter(owner_types=("business",), access="live"),
    CameraFilter(camera_types=("doorbell", "lpr"), placements=("outdoor",), access="registered"),
    CameraFilter(),
)


@dataclass
class CandidateFigures:
    n: int
    build_s: float
    rows: list[tuple[str, float, float]]  # view, today's cold filter change, candidate


def run(regs: list[Registry], views: dict, filt: CameraFilter, reps: int) -> list[CandidateFigures]:
    """Check the candidate against camera_layer, then time both, interleaved across sizes."""
    indexes = []
    for reg in regs:
        snap = reg.snap
        index = ComboIndex.of(snap)
        for _bounds, zoom in views.values():  # the level tables the views need (once per snapshot)
            index.level(snap, MAX_ZOOM - zoom + 6)
        for check in CHECK_FILTERS:  # same output as camera_layer, feature for feature
            for bounds, zoom in views.values():
                vp = Viewport.from_bounds(bounds, zoom)
                want = camera_layer(snap, check, vp, FilterCache())
                got = candidate_layer(snap, check, vp, index, FilterCache())
                assert got == want, f"candidate differs from camera_layer for {check} at zoom {zoom}"
        indexes.append(index)
    figs = [CandidateFigures(reg.n, index.build_s, []) for reg, index in zip(regs, indexes, strict=True)]
    for view, (bounds, zoom) in views.items():
        vp = Viewport.from_bounds(bounds, zoom)
        today: list[list[float]] = [[] for _ in regs]
        cand: list[list[float]] = [[] for _ in regs]
        for rep in range(reps):
            order = range(len(regs)) if rep % 2 == 0 else range(len(regs) - 1, -1, -1)
            for i in order:
                snap = regs[i].snap
                t0 = time.perf_counter()
                camera_layer(snap, filt, vp, FilterCache())
                t1 = time.perf_counter()
                candidate_layer(snap, filt, vp, indexes[i], FilterCache())
                t2 = time.perf_counter()
                today[i].append(t1 - t0)
                cand[i].append(t2 - t1)
        for i, fig in enumerate(figs):
            fig.rows.append((view, median_s(today[i]), median_s(cand[i])))
    return figs


def summarise(figs: list[CandidateFigures]) -> None:
    if not figs:
        return
    small = figs[0]
    cand0 = {view: cand for view, _, cand in small.rows}
    today0 = {view: today for view, today, _ in small.rows}
    rows = []
    for f in figs:
        for view, today, cand in f.rows:
            rows.append((fmt_n(f.n), view, fmt_ms(today), fmt_ms(cand), f"{cand / cand0[view]:.1f}x",
                         f"{cand / today0[view]:.1f}x", fmt_ms(f.build_s)))
    print(table(("cameras", "view", "filter change today ms", "candidate ms", f"candidate / candidate at {fmt_n(small.n)}",
                 f"candidate / today at {fmt_n(small.n)}", "index build ms (once per snapshot)"), rows,
                "-- candidate for mapview.py (benchmarks/mapview_candidate.py): a filter change without an O(N) "
                "mask; output identical to camera_layer (asserted) --"))
