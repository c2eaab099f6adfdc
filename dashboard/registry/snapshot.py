"""The registry snapshot: each worker's in-memory, read-only view of the active cameras.

A cache of the database, never a source of truth: it is rebuilt when the registry version
counter changes. It holds no owner details, only what the map, the filters and the
nearest-camera search need.

Rows are sorted by the Morton (Z-order) code of their Web-Mercator pixel position at zoom
20, so every map cell at every zoom level is one contiguous slice of the arrays: the map
view finds a cell's cameras with a binary search instead of a scan.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from dashboard.geo.geography import DEFAULT_FOV_DEG, EARTH_RADIUS_M, bearing_from_trig, off_axis_deg
from dashboard.registry.mercator import lonlat_to_pixels, morton, unit_vectors
from dashboard.vocabulary import CAMERA_TYPES, DIVISIONS, LIVE_SHARING, OWNER_TYPES, PLACEMENTS

CATEGORIES = {
    "division": DIVISIONS,
    "owner_type": OWNER_TYPES,
    "camera_type": CAMERA_TYPES,
    "placement": PLACEMENTS,
    "live_sharing": LIVE_SHARING,  # the owner's choice; filtered through the mask, not the combo code
}
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


@dataclass
class RegistrySnapshot:
    version: int
    frame: pd.DataFrame  # sorted by `morton`; categorical columns as codes
    morton: np.ndarray = field(repr=False)
    built_seconds: float = 0.0

    def __post_init__(self) -> None:
        f = self.frame
        self.ids = f["camera_id"].to_numpy(np.int64)
        self.site_ids = f["site_id"].to_numpy(np.int64)
        self.owner_ids = f["owner_id"].to_numpy(np.int64)
        self.lat = f["lat"].to_numpy(np.float64)
        self.lon = f["lon"].to_numpy(np.float64)
        self.codes = {name: f[name].cat.codes.to_numpy(np.int8) for name in CATEGORIES}
        self.live = f["live"].to_numpy(bool)
        self.retention = f["retention_days"].to_numpy(np.int32)
        self.registered = f["registered_s"].to_numpy(np.int64)
        self.verified = f["verified"].to_numpy(bool)
        self.direction = f["direction"].to_numpy(np.float64)
        self.fov = f["fov"].to_numpy(np.float64)
        self.range_m = f["range_m"].to_numpy(np.float64)
        self.beat = f["beat"].to_numpy(object)
        codes, values = pd.factorize(f["beat"], use_na_sentinel=True)
        self.beat_codes, self.beat_values = codes.astype(np.int32), [str(v) for v in values]
        # nearest(): per-camera values precomputed once, so a query does ~10 small numpy ops
        rad_lat = np.radians(self.lat)
        self._sin_lat, self._cos_lat, self._lon_rad = np.sin(rad_lat), np.cos(rad_lat), np.radians(self.lon)
        self._direction0 = np.nan_to_num(self.direction)              # unknown direction -> 0 (masked below)
        self._half_fov = np.nan_to_num(self.fov, nan=DEFAULT_FOV_DEG) / 2.0  # unknown field of view
        self._range = np.nan_to_num(self.range_m, nan=np.inf)         # unknown range never limits
        self._known = ~np.isnan(self.direction)
        # mapview: one code per camera packing the categorical filter columns, and lazily
        # built per-zoom (cell, code) -> count tables (see dashboard.mapview)
        combo = np.zeros(len(f), dtype=np.int32)
        for name in COMBO_DIMS:
            combo = combo * (len(CATEGORIES[name]) + 1) + (self.codes[name].astype(np.int32) + 1)
        self.combo = (combo * 2 + self.live).astype(np.uint16)
        self.per_combo = np.bincount(self.combo, minlength=COMBO_SIZE).astype(np.int64)
        self.combo_levels: dict[int, object] = {}
        self.combo_lock = threading.Lock()
        # prefix sums make "centre of the cameras in cell [a, b)" an O(1) lookup
        self.cum_lat = np.concatenate(([0.0], np.cumsum(self.lat)))
        self.cum_lon = np.concatenate(([0.0], np.cumsum(self.lon)))
        self._tree = cKDTree(unit_vectors(self.lat, self.lon)) if len(f) else None

    def __len__(self) -> int:
        return len(self.frame)

    @classmethod
    def from_frame(cls, raw: pd.DataFrame, version: int) -> RegistrySnapshot:
        """From what SNAPSHOT_QUERY returns (frames built elsewhere may leave out site_id and
        owner_id: -1, which only the change-log patch uses)."""
        started = time.perf_counter()
        snap = cls._sorted(_prepare(raw), version)
        snap.built_seconds = time.perf_counter() - started
        return snap

    @classmethod
    def _sorted(cls, f: pd.DataFrame, version: int) -> RegistrySnapshot:
        px, py = lonlat_to_pixels(f["lon"].to_numpy(), f["lat"].to_numpy())
        codes = morton(px.astype(np.uint64), py.astype(np.uint64))
        order = np.argsort(codes, kind="stable")
        return cls(version=version, frame=f.iloc[order].reset_index(drop=True), morton=codes[order])

    def patched(self, fresh: pd.DataFrame, camera_ids, site_ids, owner_ids, version: int) -> RegistrySnapshot:
        """This snapshot with every camera named (directly, or through its site or owner)
        replaced by `fresh` (their rows as SNAPSHOT_QUERY returns them now: none for a camera
        no longer active): what the database holds at `version`, without re-reading the rest."""
        started = time.perf_counter()
        drop = (np.isin(self.ids, np.fromiter(camera_ids, np.int64))
                | np.isin(self.site_ids, np.fromiter(site_ids, np.int64))
                | np.isin(self.owner_ids, np.fromiter(owner_ids, np.int64)))
        kept = self.frame.loc[~drop]
        frame = pd.concat([kept, _prepare(fresh)], ignore_index=True) if len(fresh) else kept.reset_index(drop=True)
        snap = type(self)._sorted(frame, version)
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


_FLOATS = ("lat", "lon", "direction", "fov", "range_m")


def _prepare(raw: pd.DataFrame) -> pd.DataFrame:
    """SNAPSHOT_QUERY's columns -> the snapshot's (codes, flags, epoch seconds), unsorted, with
    fixed dtypes so a patch's few rows concatenate with the rest without changing any."""
    f = raw.copy()
    for name, values in CATEGORIES.items():
        f[name] = pd.Categorical(f[name] if name in f else [None] * len(f), categories=list(values))
    f["camera_id"] = f["camera_id"].astype(np.int64)
    for name in ("site_id", "owner_id"):
        f[name] = f[name].astype(np.int64) if name in f else np.int64(-1)
    for name in _FLOATS:
        f[name] = f[name].astype(np.float64)
    f["live"] = f["live"].fillna(False).astype(bool)
    f["retention_days"] = f["retention_days"].fillna(0).astype(np.int32)
    f["registered_s"] = _epoch_seconds(f["registered_at"])
    f["verified"] = f["verified_at"].notna()
    return f.drop(columns=["registered_at", "verified_at"])


def _epoch_seconds(series: pd.Series) -> np.ndarray:
    """Seconds since 1970, whatever resolution pandas chose (pandas 3 infers us or s, not ns)."""
    ts = pd.to_datetime(series, utc=True)
    return ((ts - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy(np.int64)
