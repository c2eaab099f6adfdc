"""The registry snapshot: each worker's read-only view of the active cameras.

A cache of the database, never a source of truth: it is rebuilt when the registry version
counter changes. It holds no owner details, only what the map, the filters and the
nearest-camera search need.

Its columns are plain arrays, so the workers of one host can map one file per registry version
instead of each holding a copy (dashboard/registry/shared.py). Rows are sorted by the Morton (Z-order) code of their Web-Mercator pixel position at zoom
20, so every map cell at every zoom level is one contiguous slice of the arrays: the map
view finds a cell's cameras with a binary search instead of a scan.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from dashboard.geo.geography import DEFAULT_FOV_DEG, EARTH_RADIUS_M, bearing_from_trig, off_axis_deg
from dashboard.registry.columns import BASE_COLUMNS, CATEGORIES
from dashboard.registry.mercator import unit_vectors
from dashboard.vocabulary import LIVE_SHARING

if TYPE_CHECKING:
    import pandas as pd
    from scipy.spatial import cKDTree

COMBO_DIMS = ("division", "owner_type", "camera_type", "placement")  # plus the live flag
COMBO_SIZE = int(np.prod([len(CATEGORIES[d]) + 1 for d in COMBO_DIMS])) * 2  # 1,680 values


# --- the snapshot ------------------------------------------------------------------------
@dataclass(frozen=True)
class NearestResult:
    """Nearest cameras as parallel arrays (cheap to build; `records()` for JSON)."""

    index: np.ndarray         # rows of the snapshot
    camera_id: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    distance_m: np.ndarray
    bearing_deg: np.ndarray   # from the camera to the point, clockwise from north
    faces: np.ndarray         # point inside the camera's cone and range
    direction_known: np.ndarray
    live: np.ndarray          # a live-access device
    sharing: np.ndarray       # the owner's live_sharing, as codes into LIVE_SHARING (-1: unknown)

    @classmethod
    def empty(cls) -> NearestResult:
        e = np.empty(0)
        return cls(e.astype(np.int64), e.astype(np.int64), e, e, e, e, e.astype(bool), e.astype(bool),
                   e.astype(bool), e.astype(np.int8))

    def __len__(self) -> int:
        return len(self.camera_id)

    def records(self) -> list[dict]:
        return [
            {"camera_id": cid, "latitude": la, "longitude": lo, "distance_m": round(d, 1),
             "bearing_deg": round(b, 1), "faces_point": bool(f) if known else None,
             "live_access": bool(live), "live_sharing": LIVE_SHARING[sharing] if sharing >= 0 else "none"}
            for cid, la, lo, d, b, f, known, live, sharing in zip(
                self.camera_id.tolist(), self.latitude.tolist(), self.longitude.tolist(),
                self.distance_m.tolist(), self.bearing_deg.tolist(), self.faces.tolist(),
                self.direction_known.tolist(), self.live.tolist(), self.sharing.tolist(), strict=True)
        ]


def derive_columns(base: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Everything a query needs precomputed per camera, from the base columns."""
    lat, lon, direction = base["lat"], base["lon"], base["direction"]
    rad_lat = np.radians(lat)
    # mapview: one code per camera packing the categorical filter columns
    combo = np.zeros(len(lat), dtype=np.int32)
    for name in COMBO_DIMS:
        combo = combo * (len(CATEGORIES[name]) + 1) + (base[name].astype(np.int32) + 1)
    combo = (combo * 2 + base["live"]).astype(np.uint16)
    return {
        # nearest(): so a query does ~10 small numpy ops
        "sin_lat": np.sin(rad_lat), "cos_lat": np.cos(rad_lat), "lon_rad": np.radians(lon),
        "direction0": np.nan_to_num(direction),                                # unknown -> 0 (masked by known)
        "half_fov": np.nan_to_num(base["fov"], nan=DEFAULT_FOV_DEG) / 2.0,     # unknown field of view
        "range": np.nan_to_num(base["range_m"], nan=np.inf),                   # unknown range never limits
        "known": ~np.isnan(direction),
        "combo": combo,
        "per_combo": np.bincount(combo, minlength=COMBO_SIZE).astype(np.int64),
        # prefix sums make "centre of the cameras in cell [a, b)" an O(1) lookup
        "cum_lat": np.concatenate(([0.0], np.cumsum(lat))),
        "cum_lon": np.concatenate(([0.0], np.cumsum(lon))),
        "unit": np.ascontiguousarray(unit_vectors(lat, lon)),
    }


class RegistrySnapshot:
    """Column arrays (in memory, or mapped read-only from a file shared by the workers of a
    host) plus a per-process spatial index and lazily built per-zoom tables."""

    def __init__(self, version: int, columns: dict[str, np.ndarray], beat_values: list[str],
                 built_seconds: float = 0.0, changed_at: str | None = None):
        self.version = version
        self.changed_at = changed_at   # the registry version's timestamp: with `version`, names the file
        self.columns = columns
        self.built_seconds = built_seconds
        c = columns
        self.ids, self.site_ids, self.owner_ids = c["camera_id"], c["site_id"], c["owner_id"]
        self.lat, self.lon, self.morton = c["lat"], c["lon"], c["morton"]
        self.codes = {name: c[name] for name in CATEGORIES}
        self.live, self.retention = c["live"], c["retention_days"]
        self.registered, self.verified = c["registered_s"], c["verified"]
        self.direction, self.fov, self.range_m = c["direction"], c["fov"], c["range_m"]
        self.beat_codes, self.beat_values = c["beat_code"], list(beat_values)
        self._sin_lat, self._cos_lat, self._lon_rad = c["sin_lat"], c["cos_lat"], c["lon_rad"]
        self._direction0, self._half_fov, self._range, self._known = (
            c["direction0"], c["half_fov"], c["range"], c["known"])
        self.combo, self.per_combo = c["combo"], c["per_combo"]
        self.cum_lat, self.cum_lon = c["cum_lat"], c["cum_lon"]
        self.combo_levels: dict[int, object] = {}   # per-zoom (cell, code) -> count tables (mapview)
        self.combo_lock = threading.Lock()
        # the nearest-camera index is per process (a few % of the columns' size) and built on
        # first use (`index()`): the first map needs only the columns, so a cold start does not
        # wait for it; the cache builds it in the background, a preloading server before forking
        self._tree_index: cKDTree | None = None
        self._tree_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ids)

    def index(self) -> cKDTree | None:
        """The KD-tree over the cameras' unit vectors (None for no camera), built once; building
        it releases the GIL."""
        if self._tree_index is None and len(self.ids):
            with self._tree_lock:
                if self._tree_index is None:
                    # imported here: scipy.spatial (~0.2 s, with scipy.sparse) is needed by the
                    # nearest cameras, not by the first map, and a cold start is measured to it
                    from scipy.spatial import cKDTree

                    self._tree_index = cKDTree(self.columns["unit"], copy_data=False)
        return self._tree_index

    @property
    def _tree(self) -> cKDTree | None:
        return self.index()

    @cached_property
    def beat(self) -> np.ndarray:
        """Each camera's beat as text (None when unknown), built on first use."""
        values = np.array([*self.beat_values, None], dtype=object)
        return values[self.beat_codes]  # code -1 -> the trailing None

    @classmethod
    def from_base(cls, base: dict[str, np.ndarray], beat_values: list[str], version: int,
                  changed_at: str | None = None) -> RegistrySnapshot:
        """From unsorted base columns: sorted by Morton code, derived columns added."""
        started = time.perf_counter()
        order = np.argsort(base["morton"], kind="stable")
        columns = {name: np.ascontiguousarray(base[name][order], dtype=dtype) for name, dtype in BASE_COLUMNS.items()}
        columns.update(derive_columns(columns))
        snap = cls(version, columns, beat_values, changed_at=changed_at)
        snap.built_seconds = time.perf_counter() - started
        return snap

    @classmethod
    def from_frame(cls, raw: pd.DataFrame, version: int, changed_at: str | None = None) -> RegistrySnapshot:
        """From what SNAPSHOT_QUERY returns (frames built elsewhere may leave out site_id and
        owner_id: -1, which only the change-log patch uses)."""
        from dashboard.registry.frames import base_columns  # pandas: only a build from rows needs it

        started = time.perf_counter()
        base, beats = base_columns(raw, [])
        snap = cls.from_base(base, beats, version, changed_at)
        snap.built_seconds = time.perf_counter() - started
        return snap

    def patched(self, fresh: pd.DataFrame | None, camera_ids, site_ids, owner_ids, version: int,
                changed_at: str | None = None) -> RegistrySnapshot:
        """This snapshot with every camera named (directly, or through its site or owner)
        replaced by `fresh` (their rows as SNAPSHOT_QUERY returns them now: none for a camera
        no longer active; None for no row): what the database holds at `version`, without re-reading the rest."""
        started = time.perf_counter()
        keep = ~(np.isin(self.ids, np.fromiter(camera_ids, np.int64))
                 | np.isin(self.site_ids, np.fromiter(site_ids, np.int64))
                 | np.isin(self.owner_ids, np.fromiter(owner_ids, np.int64)))
        base = {name: self.columns[name][keep] for name in BASE_COLUMNS}
        beats = list(self.beat_values)
        if fresh is not None and len(fresh):
            from dashboard.registry.frames import base_columns  # pandas: only a build from rows needs it

            added, beats = base_columns(fresh, beats)
            base = {name: np.concatenate((base[name], added[name])) for name in BASE_COLUMNS}
        snap = type(self).from_base(base, beats, version, changed_at)
        snap.built_seconds = time.perf_counter() - started
        return snap

    # -- nearest cameras ------------------------------------------------------------------
    def nearest(self, lat: float, lon: float, k: int = 10, radius_m: float | None = None,
                mask: np.ndarray | None = None) -> NearestResult:
        """The k nearest cameras (great-circle), nearest first, with distance, bearing from
        the camera to the point, and whether the point lies in the camera's view (inside its
        cone and its range)."""
        if self._tree is None or k <= 0:
            return NearestResult.empty()
        rlat, rlon = math.radians(lat), math.radians(lon)
        clat, slat = math.cos(rlat), math.sin(rlat)
        query = np.array((clat * math.cos(rlon), clat * math.sin(rlon), slat))  # cKDTree converts tuples slowly
        # chord length of the radius on the unit sphere, a hair wider for rounding
        upper = np.inf if radius_m is None else 2 * math.sin(min(radius_m / EARTH_RADIUS_M, math.pi) / 2) * 1.0001
        if mask is None and radius_m is None and min(k, len(self)) > 1:
            # the hot path: k nearest, no radius, no filter; arrays back, no misses possible
            chord, idx = self._tree.query(query, k=min(k, len(self)))
        else:
            chord, idx = self._query_filtered(query, k, upper, mask)
        chord, idx = chord[:k], idx[:k]  # the tree returns them nearest first
        dist = (2.0 * EARTH_RADIUS_M) * np.arcsin(np.minimum(chord * 0.5, 1.0))
        if radius_m is not None:
            keep = dist <= radius_m
            idx, dist = idx[keep], dist[keep]
        bearing = bearing_from_trig(self._sin_lat[idx], self._cos_lat[idx], self._lon_rad[idx], slat, clat, rlon)
        off_axis = off_axis_deg(bearing, self._direction0[idx])
        faces = (np.abs(off_axis) <= self._half_fov[idx]) & (dist <= self._range[idx])
        return NearestResult(idx, self.ids[idx], self.lat[idx], self.lon[idx], dist, bearing, faces,
                             self._known[idx], self.live[idx], self.codes["live_sharing"][idx])

    def _query_filtered(self, query: np.ndarray, k: int, upper: float,
                        mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Nearest within a chord bound, keeping only rows the mask allows; widens the
        search until k allowed rows are found or the registry is exhausted."""
        want = k if mask is None else min(len(self), max(4 * k, 64))
        while True:
            chord, idx = self._tree.query(query, k=min(want, len(self)), distance_upper_bound=upper)
            chord, idx = np.atleast_1d(chord), np.atleast_1d(idx)
            hit = idx < len(self)  # misses beyond the radius come back as len(self)
            chord, idx = chord[hit], idx[hit]
            if mask is None:
                return chord, idx
            keep = mask[idx]
            if keep.sum() >= k or want >= len(self) or len(idx) < want:
                return chord[keep], idx[keep]
            want = min(len(self), want * 4)

    def index_of(self, camera_id: int) -> int | None:
        hits = np.flatnonzero(self.ids == camera_id)
        return int(hits[0]) if hits.size else None
