"""Benchmark 1: the k=10 nearest cameras to a point.

ours    RegistrySnapshot.nearest(lat, lon, k=10) (distance, bearing, "faces the point")
brute   baseline A, what a naive implementation does: numpy haversine to every camera,
        np.argpartition for the k smallest, sort those k
bare    baseline B, the floor: snapshot._tree.query(unit_vector, k=10) on the same tree, the
        unit vector computed beforehand
All of them are timed interleaved, point by point, so noise from
neighbours on the shared machine hits them alike (brute force only in the first pass(es)).

Also here:
- a correctness check: ours must return the same 10 cameras as brute force for every query
  point (ties at the 10th distance, i.e. cameras of one site sharing a position, may be
  resolved either way: then the other nine must match and the 10th be equally far);
  the distances, bearings and "faces the point" flags are checked too, against the reference
  formulas of dashboard.geo (haversine_m, bearing_deg, angle_within) on the same cameras;
- where the time goes in `nearest`, stage by stage (a step-by-step replica of its code for
  the default call: no mask, no radius).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from dashboard.geo.geography import (
    EARTH_RADIUS_M,
    angle_within,
    bearing_deg,
    bearing_from_trig,
    haversine_m,
    off_axis_deg,
)
from dashboard.registry.mercator import unit_vectors
from dashboard.registry.snapshot import NearestResult, RegistrySnapshot

from .common import Registry, Report, city_points, fmt_n, fmt_us, median_s, table

K = 10
POINTS = 200
TARGET_SPEEDUP = 200.0
TARGET_RATIO = 3.0
TIE_EPS_M = 1e-6


def brute_knn(lat: np.ndarray, lon: np.ndarray, qlat: float, qlon: float, k: int = K):
    """Baseline A: haversine to all, argpartition, sort the k. Returns (rows, all distances)."""
    d = haversine_m(lat, lon, qlat, qlon)
    part = np.argpartition(d, k - 1)[:k]
    return part[np.argsort(d[part], kind="stable")], d


# -- where the time goes ----------------------------------------------------------------------
STAGES = (
    "query unit vector (math, a tuple)",
    "cKDTree.query (chord distances kept)",
    "atleast_1d + drop misses + [:k]",
    "distance from the chord (arcsin)",
    "bearing from precomputed trig",
    "faces: cone + range (precomputed NaN fills)",
    "NearestResult(...) + 3 gathers",
)


def _replica(self: RegistrySnapshot, lat: float, lon: float, out: list[list[int]], k: int = K) -> None:
    """RegistrySnapshot.nearest(lat, lon, k) step by step (mask=None, radius_m=None), a copy
    of its current code with a clock between the steps."""
    pc = time.perf_counter_ns
    t0 = pc()
    rlat, rlon = math.radians(lat), math.radians(lon)
    clat, slat = math.cos(rlat), math.sin(rlat)
    query = (clat * math.cos(rlon), clat * math.sin(rlon), slat)
    t1 = pc()
    chord, idx = self._tree.query(query, k=min(k, len(self)), distance_upper_bound=np.inf)
    t2 = pc()
    chord, idx = np.atleast_1d(chord), np.atleast_1d(idx)
    hit = idx < len(self)
    chord, idx = chord[hit], idx[hit]
    chord, idx = chord[:k], idx[:k]
    t3 = pc()
    dist = (2.0 * EARTH_RADIUS_M) * np.arcsin(np.minimum(chord * 0.5, 1.0))
    t4 = pc()
    bearing = bearing_from_trig(self._sin_lat[idx], self._cos_lat[idx], self._lon_rad[idx], slat, clat, rlon)
    t5 = pc()
    off_axis = off_axis_deg(bearing, self._direction0[idx])
    faces = (np.abs(off_axis) <= self._half_fov[idx]) & (dist <= self._range[idx])
    t6 = pc()
    NearestResult(idx, self.ids[idx], self.lat[idx], self.lon[idx], dist, bearing, faces, self._known[idx],
                  self.live[idx], self.codes["live_sharing"][idx])
    t7 = pc()
    stamps = (t0, t1, t2, t3, t4, t5, t6, t7)
    for i in range(len(STAGES)):
        out[i].append(stamps[i + 1] - stamps[i])


# -- the benchmark ----------------------------------------------------------------------------
@dataclass
class NearestFigures:
    n: int
    active: int
    ours_s: float
    brute_s: float
    bare_s: float
    exact: int
    tie_resolved: int
    max_diff_m: float

    @property
    def speedup(self) -> float:
        return self.brute_s / self.ours_s

    @property
    def ratio(self) -> float:
        return self.ours_s / self.bare_s


def _check_same_cameras(snap: RegistrySnapshot, ours: NearestResult, brute_rows: np.ndarray,
                        d_all: np.ndarray) -> bool:
    """True if identical ids; False if they differ only among cameras tied at the kth distance.
    Raises AssertionError otherwise."""
    ours_ids = ours.camera_id.tolist()
    brute_ids = snap.ids[brute_rows].tolist()
    if ours_ids == brute_ids or sorted(ours_ids) == sorted(brute_ids):
        return True
    kth = float(d_all[brute_rows].max())
    d_ours = d_all[ours.index]
    must = set(snap.ids[brute_rows[d_all[brute_rows] < kth - TIE_EPS_M]].tolist())
    assert len(ours_ids) == len(brute_ids) == K, (ours_ids, brute_ids)
    assert len(set(ours_ids)) == K, ours_ids
    assert must <= set(ours_ids), f"nearest() missed cameras closer than the 10th: {must - set(ours_ids)}"
    assert float(d_ours.max()) <= kth + TIE_EPS_M, "nearest() returned a camera farther than the 10th"
    return False


def run(reg: Registry, reps: int, brute_reps: int, report: Report, breakdown: bool) -> NearestFigures:
    snap = reg.snap
    qlat, qlon = city_points(POINTS)
    queries = unit_vectors(qlat, qlon)
    qlat_l, qlon_l = qlat.tolist(), qlon.tolist()
    tree = snap._tree
    pc = time.perf_counter_ns

    # correctness first (also warms caches): ours vs brute force and the reference formulas
    exact = tied = 0
    max_diff = 0.0
    for i in range(POINTS):
        rows, d_all = brute_knn(snap.lat, snap.lon, qlat_l[i], qlon_l[i])
        ours = snap.nearest(qlat_l[i], qlon_l[i], k=K)
        if _check_same_cameras(snap, ours, rows, d_all):
            exact += 1
        else:
            tied += 1
        idx = ours.index
        max_diff = max(max_diff, float(np.abs(ours.distance_m - d_all[idx]).max()))
        ref_bearing = bearing_deg(snap.lat[idx], snap.lon[idx], qlat_l[i], qlon_l[i])
        off = (ours.bearing_deg - ref_bearing + 540.0) % 360.0 - 180.0
        assert np.abs(off).max() < 1e-6, "nearest() bearing differs from dashboard.geo.bearing_deg"
        direction, fov, rng = snap.direction[idx], snap.fov[idx], snap.range_m[idx]
        ref_faces = angle_within(ref_bearing, np.nan_to_num(direction), np.nan_to_num(fov, nan=90.0)) & (
            np.isnan(rng) | (d_all[idx] <= np.nan_to_num(rng, nan=np.inf)))
        assert (ours.faces == ref_faces).all(), "nearest() 'faces' differs from the reference formulas"
        assert (ours.direction_known == ~np.isnan(direction)).all()
    assert max_diff < 1e-3, f"nearest() distance differs from haversine_m by {max_diff} m"

    # timing: all four interleaved point by point (brute force only in the first brute_reps
    # passes: at 1M one pass is 200 x ~35 ms)
    brute_times: list[int] = []
    ours_t: list[int] = []
    bare_t: list[int] = []
    nearest = snap.nearest
    lat_all, lon_all = snap.lat, snap.lon
    for rep in range(reps):
        order = range(POINTS) if rep % 2 == 0 else range(POINTS - 1, -1, -1)
        for i in order:
            la, lo, q = qlat_l[i], qlon_l[i], queries[i]
            if rep < brute_reps:
                t0 = pc()
                brute_knn(lat_all, lon_all, la, lo)
                brute_times.append(pc() - t0)
            t0 = pc()
            nearest(la, lo, k=K)
            t1 = pc()
            tree.query(q, k=K)
            t2 = pc()
            ours_t.append(t1 - t0)
            bare_t.append(t2 - t1)

    fig = NearestFigures(reg.n, len(snap), median_s(ours_t) / 1e9, median_s(brute_times) / 1e9,
                         median_s(bare_t) / 1e9, exact, tied, max_diff)
    print(f"  nearest k={K} at {fmt_n(reg.n)}: ours {fmt_us(fig.ours_s)} us, brute {fmt_us(fig.brute_s)} us, "
          f"bare {fmt_us(fig.bare_s)} us; ids match brute force at {exact}/{POINTS} points"
          + (f" (+{tied} differing only among cameras tied at the 10th distance)" if tied else ""), flush=True)

    if breakdown:
        stages: list[list[int]] = [[] for _ in STAGES]
        for _ in range(reps):
            for i in range(POINTS):
                _replica(snap, qlat_l[i], qlon_l[i], stages)
        meds = [median_s(s) / 1e9 for s in stages]
        total = sum(meds)
        rows = [(name, fmt_us(m), f"{100 * m / total:.0f}%") for name, m in zip(STAGES, meds, strict=True)]
        rows.append(("sum of stage medians", fmt_us(total), "100%"))
        rows.append(("(ours, measured whole)", fmt_us(fig.ours_s), ""))
        rows.append(("(bare tree query, measured whole)", fmt_us(fig.bare_s), ""))
        print(table(("stage of RegistrySnapshot.nearest (k=10, no mask, no radius)", "median us", "share"),
                    rows, f"-- where the time goes in nearest() at {fmt_n(reg.n)} cameras --"))
        print(f"  distances within {fig.max_diff_m:.1e} m of haversine_m; bearings and 'faces' equal to the "
              f"reference formulas at all {POINTS} points", flush=True)
    return fig


def summarise(figs: list[NearestFigures], report: Report) -> None:
    rows = []
    for f in figs:
        rows.append((fmt_n(f.n), f"{f.active:,}", fmt_us(f.ours_s), fmt_us(f.brute_s), fmt_us(f.bare_s),
                     f"{f.speedup:,.0f}x", f"{f.ratio:.2f}x",
                     f"{f.exact + f.tie_resolved}/{POINTS} ({f.tie_resolved} ties)"))
    print(table(("cameras", "active", "ours us", "brute us (A)", "bare tree us (B)", "speed-up vs A",
                 "ours/B", "ids = brute"), rows,
                f"== Benchmark 1: k={K} nearest cameras, median per query over {POINTS} points in Dallas =="))
    at_1m = [f for f in figs if f.n == 1_000_000]
    if at_1m:
        f = at_1m[0]
        report.add("nearest k=10, 1M: speed-up vs brute-force haversine", f"{f.speedup:,.0f}x",
                   f">= {TARGET_SPEEDUP:.0f}x", f.speedup >= TARGET_SPEEDUP)
        report.add("nearest k=10, 1M: ours / bare cKDTree query", f"{f.ratio:.2f}x", f"<= {TARGET_RATIO:.0f}x",
                   f.ratio <= TARGET_RATIO)
    else:
        report.add("nearest k=10, 1M (speed-up, ratio)", "1M not in --sizes", "", None)
