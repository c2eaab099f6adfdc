"""Benchmark 1: the k=10 nearest cameras to a point.

ours    RegistrySnapshot.nearest(lat, lon, k=10) (distance, bearing, "faces the point")
brute   baseline A, what a naive implementation does: numpy haversine to every camera,
        np.argpartition for the k smallest, sort those k
bare    baseline B, the floor: snapshot._tree.query(unit_vector, k=10) on the same tree, the
        unit vector computed beforehand
All of them (and the candidate below) are timed interleaved, point by point, so noise from
neighbours on the shared machine hits them alike (brute force only in the first pass(es)).

Also here:
- a correctness check: ours must return the same 10 cameras as brute force for every query
  point (ties at the 10th distance, i.e. cameras of one site sharing a position, may be
  resolved either way: then the other nine must match and the 10th be equally far);
- where the time goes in `nearest`, stage by stage (a step-by-step replica of its code for
  the default call: no mask, no radius);
- a candidate rewrite of that path (not in dashboard/: a suggestion), checked against ours
  and timed beside it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from dashboard.geo import EARTH_RADIUS_M, angle_within, bearing_deg, haversine_m
from dashboard.registry import NearestResult, RegistrySnapshot, unit_vectors

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


# -- the candidate (suggested change to RegistrySnapshot.nearest) -----------------------------
@dataclass
class Precomputed:
    """Per-camera arrays the candidate wants built once in RegistrySnapshot.__post_init__."""

    sin_lat: np.ndarray
    cos_lat: np.ndarray
    lon_rad: np.ndarray
    direction0: np.ndarray   # NaN -> 0     (what nan_to_num(direction) gives today)
    half_fov: np.ndarray     # NaN -> 90/2  (nan_to_num(fov, nan=90) / 2)
    range_inf: np.ndarray    # NaN -> inf   ("unknown range" never limits)
    known: np.ndarray        # ~isnan(direction)

    @classmethod
    def of(cls, snap: RegistrySnapshot) -> Precomputed:
        la = np.radians(snap.lat)
        return cls(np.sin(la), np.cos(la), np.radians(snap.lon), np.nan_to_num(snap.direction),
                   np.nan_to_num(snap.fov, nan=90.0) / 2.0, np.nan_to_num(snap.range_m, nan=np.inf),
                   ~np.isnan(snap.direction))


def candidate_nearest(snap: RegistrySnapshot, pre: Precomputed, lat: float, lon: float,
                      k: int = K) -> NearestResult:
    """The no-mask, no-radius path of `nearest`, with the same results:
    - the query unit vector from `math` (a tuple), not unit_vectors([lat], [lon])[0];
    - the distance from the chord the tree already returns (2R asin(c/2)) instead of a
      haversine recomputation, and no argsort: cKDTree returns its k nearest sorted;
    - NaN handling precomputed per camera (no nan_to_num / isnan per query);
    - the bearing from precomputed sin/cos of the camera latitudes."""
    rlat, rlon = math.radians(lat), math.radians(lon)
    clat, slat = math.cos(rlat), math.sin(rlat)
    chord, idx = snap._tree.query((clat * math.cos(rlon), clat * math.sin(rlon), slat), k=k)
    dist = (2.0 * EARTH_RADIUS_M) * np.arcsin(np.minimum(chord * 0.5, 1.0))
    dl = rlon - pre.lon_rad[idx]
    x = np.sin(dl) * clat
    y = pre.cos_lat[idx] * slat - pre.sin_lat[idx] * clat * np.cos(dl)
    bearing = (np.degrees(np.arctan2(x, y)) + 360.0) % 360.0
    diff = (bearing - pre.direction0[idx] + 540.0) % 360.0 - 180.0
    faces = (np.abs(diff) <= pre.half_fov[idx]) & (dist <= pre.range_inf[idx])
    return NearestResult(idx, snap.ids[idx], snap.lat[idx], snap.lon[idx], dist, bearing, faces, pre.known[idx])


# -- where the time goes ----------------------------------------------------------------------
STAGES = (
    "unit_vectors([lat], [lon])[0]",
    "cKDTree.query (distances discarded)",
    "atleast_1d + drop misses + [:k]",
    "haversine_m recomputed for the k",
    "argsort + reorder",
    "bearing_deg",
    "3 gathers + 2x nan_to_num + angle_within",
    "in_range: isnan + nan_to_num",
    "NearestResult(...) + 3 gathers + ~isnan",
)


def _replica(self: RegistrySnapshot, lat: float, lon: float, out: list[list[int]], k: int = K) -> None:
    """RegistrySnapshot.nearest(lat, lon, k) step by step (mask=None, radius_m=None)."""
    pc = time.perf_counter_ns
    t0 = pc()
    query = unit_vectors([lat], [lon])[0]
    t1 = pc()
    _, idx = self._tree.query(query, k=min(k, len(self)), distance_upper_bound=np.inf)
    t2 = pc()
    idx = np.atleast_1d(idx)
    idx = idx[idx < len(self)]
    idx = idx[:k]
    t3 = pc()
    dist = haversine_m(self.lat[idx], self.lon[idx], lat, lon)
    t4 = pc()
    order = np.argsort(dist, kind="stable")
    idx, dist = idx[order], dist[order]
    t5 = pc()
    bearing = bearing_deg(self.lat[idx], self.lon[idx], lat, lon)
    t6 = pc()
    direction, fov, rng = self.direction[idx], self.fov[idx], self.range_m[idx]
    in_cone = angle_within(bearing, np.nan_to_num(direction), np.nan_to_num(fov, nan=90.0))
    t7 = pc()
    in_range = np.isnan(rng) | (dist <= np.nan_to_num(rng, nan=np.inf))
    t8 = pc()
    NearestResult(idx, self.ids[idx], self.lat[idx], self.lon[idx], dist, bearing, in_cone & in_range,
                  ~np.isnan(direction))
    t9 = pc()
    stamps = (t0, t1, t2, t3, t4, t5, t6, t7, t8, t9)
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
    candidate_s: float
    exact: int
    tie_resolved: int
    candidate_mismatch_faces: int
    candidate_max_diff_m: float

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
    pre = Precomputed.of(snap)
    tree = snap._tree
    pc = time.perf_counter_ns

    # correctness first (also warms caches): ours vs brute force vs the candidate
    exact = tied = faces_mismatch = 0
    max_diff = 0.0
    for i in range(POINTS):
        rows, d_all = brute_knn(snap.lat, snap.lon, qlat_l[i], qlon_l[i])
        ours = snap.nearest(qlat_l[i], qlon_l[i], k=K)
        if _check_same_cameras(snap, ours, rows, d_all):
            exact += 1
        else:
            tied += 1
        cand = candidate_nearest(snap, pre, qlat_l[i], qlon_l[i])
        assert cand.camera_id.tolist() == ours.camera_id.tolist(), "candidate differs from nearest()"
        max_diff = max(max_diff, float(np.abs(cand.distance_m - ours.distance_m).max()))
        assert np.allclose(cand.bearing_deg, ours.bearing_deg, atol=1e-6)
        assert (cand.direction_known == ours.direction_known).all()
        faces_mismatch += int((cand.faces != ours.faces).sum())
    assert max_diff < 1e-3, f"candidate distance off by {max_diff} m"

    # timing: all four interleaved point by point (brute force only in the first brute_reps
    # passes: at 1M one pass is 200 x ~35 ms)
    brute_times: list[int] = []
    ours_t: list[int] = []
    bare_t: list[int] = []
    cand_t: list[int] = []
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
            candidate_nearest(snap, pre, la, lo)
            t3 = pc()
            ours_t.append(t1 - t0)
            bare_t.append(t2 - t1)
            cand_t.append(t3 - t2)

    fig = NearestFigures(reg.n, len(snap), median_s(ours_t) / 1e9, median_s(brute_times) / 1e9,
                         median_s(bare_t) / 1e9, median_s(cand_t) / 1e9, exact, tied, faces_mismatch, max_diff)
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
        print(f"  candidate rewrite (benchmarks/nearest.py: candidate_nearest): {fmt_us(fig.candidate_s)} us "
              f"= {fig.candidate_s / fig.bare_s:.2f}x bare; same ids and order at all {POINTS} points, distances "
              f"within {fig.candidate_max_diff_m:.1e} m, 'faces' differs in {faces_mismatch} of {POINTS * K}",
              flush=True)
    return fig


def summarise(figs: list[NearestFigures], report: Report) -> None:
    rows = []
    for f in figs:
        rows.append((fmt_n(f.n), f"{f.active:,}", fmt_us(f.ours_s), fmt_us(f.brute_s), fmt_us(f.bare_s),
                     f"{f.speedup:,.0f}x", f"{f.ratio:.2f}x", fmt_us(f.candidate_s),
                     f"{f.candidate_s / f.bare_s:.2f}x",
                     f"{f.exact + f.tie_resolved}/{POINTS} ({f.tie_resolved} ties)"))
    print(table(("cameras", "active", "ours us", "brute us (A)", "bare tree us (B)", "speed-up vs A",
                 "ours/B", "candidate us", "cand/B", "ids = brute"), rows,
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
