"""What the camera layer shows for one viewport: clusters at low zoom, cameras up close.

The work and the bytes grow with what is visible, not with the registry:
- a filter is turned into a boolean mask and a prefix sum once, then cached, so panning
  and zooming under the same filter never touches all N cameras again;
- the viewport is cut into cells of `cell_px` screen pixels aligned with the Morton order
  of the snapshot, so each visible cell is one slice found by binary search, and its
  count is a difference of two prefix-sum entries.
Owner details are never in the snapshot, so they can never reach the map.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import numpy as np

from dashboard.registry.mercator import MAX_ZOOM, lonlat_to_pixels, morton, pixels_to_lonlat
from dashboard.registry.snapshot import CATEGORIES, COMBO_DIMS, RegistrySnapshot

ACCESS_LEVELS = ("registered", "live")
# the access filter: ACCESS_LEVELS, or live cameras by the owner's sharing choice
ACCESS_FILTERS = (*ACCESS_LEVELS, "live_always", "live_emergency")
MAX_POINTS = 4000  # beyond this many cameras in view, keep clustering even at street zoom


@dataclass(frozen=True)
class CameraFilter:
    """Every filter combines with AND; an empty tuple or None means 'any'."""

    divisions: tuple[str, ...] = ()
    owner_types: tuple[str, ...] = ()
    camera_types: tuple[str, ...] = ()
    placements: tuple[str, ...] = ()
    access: str | None = None            # one of ACCESS_FILTERS: "registered" (no live view), "live", ...
    min_retention_days: int | None = None
    registered_since: date | None = None
    verified_only: bool = False
    beats: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self == CameraFilter()

    def mask(self, snap: RegistrySnapshot) -> np.ndarray | None:
        """Boolean mask over the snapshot rows, or None when nothing is filtered."""
        if self.is_empty:
            return None
        m = np.ones(len(snap), dtype=bool)
        for column, wanted in (("division", self.divisions), ("owner_type", self.owner_types),
                               ("camera_type", self.camera_types), ("placement", self.placements)):
            if wanted:
                allowed = np.zeros(len(CATEGORIES[column]) + 1, dtype=bool)  # last slot: code -1 (unknown)
                for value in wanted:
                    if value in CATEGORIES[column]:
                        allowed[CATEGORIES[column].index(value)] = True
                m &= allowed[snap.codes[column]]
        if self.access == "live":
            m &= snap.live
        elif self.access == "registered":
            m &= ~snap.live
        elif self.access in ("live_always", "live_emergency"):
            sharing = CATEGORIES["live_sharing"].index(self.access.removeprefix("live_"))
            m &= snap.live & (snap.codes["live_sharing"] == sharing)
        if self.min_retention_days:
            m &= snap.retention >= self.min_retention_days
        if self.registered_since:
            since = datetime.combine(self.registered_since, time.min, tzinfo=UTC).timestamp()
            m &= snap.registered >= int(since)
        if self.verified_only:
            m &= snap.verified
        if self.beats:
            m &= np.isin(snap.beat, list(self.beats))
        return m


@dataclass(frozen=True)
class Viewport:
    south: float
    west: float
    north: float
    east: float
    zoom: int

    @classmethod
    def from_bounds(cls, bounds, zoom) -> Viewport:
        """From Leaflet's [[south, west], [north, east]]."""
        (south, west), (north, east) = bounds
        z = int(max(0, min(MAX_ZOOM, round(float(zoom)))))
        return cls(float(south), float(west), float(north), float(east), z)

    @classmethod
    def around(cls, center, zoom, width_px: int, height_px: int) -> Viewport:
        """The view a map of width_px x height_px shows around center=(lat, lon) at zoom: what
        the page will report once Leaflet has measured its container, known before it has."""
        z = int(max(0, min(MAX_ZOOM, round(float(zoom)))))
        cx, cy = lonlat_to_pixels(center[1], center[0], z)
        (west, east), (north, south) = pixels_to_lonlat(np.array([cx - width_px / 2, cx + width_px / 2]),
                                                        np.array([cy - height_px / 2, cy + height_px / 2]), z)
        return cls(float(south), float(west), float(north), float(east), z)


class FilterCache:
    """Per-worker LRU of (snapshot version, filter) -> prefix sum of the mask."""

    def __init__(self, size: int = 32):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def level_weights(self, snap: RegistrySnapshot, filt: CameraFilter, lut: np.ndarray,
                      shift: int) -> tuple[_Level, np.ndarray] | None:
        """Running total of matching cameras over a zoom level's (cell, code) table."""
        key = (id(snap), snap.version, filt, "level", shift)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        level = _level(snap, shift)
        if level is None:
            return None
        weights = np.zeros(len(level.cells) + 1, dtype=np.int64)
        np.cumsum(lut[level.combo] * level.count, out=weights[1:])
        with self._lock:
            self._items[key] = (level, weights)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return level, weights

    def prefix(self, snap: RegistrySnapshot, filt: CameraFilter) -> np.ndarray | None:
        if filt.is_empty:
            return None
        key = (id(snap), snap.version, filt)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        mask = filt.mask(snap)
        cum = np.zeros(len(snap) + 1, dtype=np.int32)
        np.cumsum(mask, out=cum[1:])
        with self._lock:
            self._items[key] = cum
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return cum


# --- categorical filters without touching every camera -----------------------------------
# Division, owner type, camera type, placement and live access are packed into one code per
# camera (RegistrySnapshot.combo, 1,680 values). A filter on those becomes a 1,680-entry
# lookup table, so its total is a dot product with the cameras-per-code counts, and a cell's
# count comes from a small per-zoom table of (cell, code) -> count: a filter change costs
# O(visible cells x codes present), not O(N). Other filters fall back to the cached mask.
LEVEL_MAX_SHARE = 0.25  # keep a level table only when it is much smaller than the registry
_FILTER_FIELDS = {"division": "divisions", "owner_type": "owner_types", "camera_type": "camera_types",
                  "placement": "placements"}


@dataclass(frozen=True)
class _Level:
    cells: np.ndarray  # sorted Morton cell codes, one row per (cell, code) present
    combo: np.ndarray
    count: np.ndarray


def combo_lut(filt: CameraFilter) -> np.ndarray | None:
    """Boolean table over combo codes; None when the filter needs other columns."""
    if filt.min_retention_days or filt.registered_since or filt.verified_only or filt.beats:
        return None
    if filt.access not in (None, *ACCESS_LEVELS):
        return None  # the sharing choice is not in the combo code
    lut = np.ones(1, dtype=bool)
    for dim in COMBO_DIMS:
        wanted = getattr(filt, _FILTER_FIELDS[dim])
        values = CATEGORIES[dim]
        allowed = np.ones(len(values) + 1, dtype=bool)  # slot 0: unknown value
        if wanted:
            allowed[:] = False
            for value in wanted:
                if value in values:
                    allowed[values.index(value) + 1] = True
        lut = (lut[:, None] & allowed[None, :]).ravel()
    live = np.array([filt.access != "live", filt.access != "registered"])
    return (lut[:, None] & live[None, :]).ravel()


def _level(snap: RegistrySnapshot, shift: int) -> _Level | None:
    levels = snap.combo_levels
    if shift not in levels:
        with snap.combo_lock:
            if shift not in levels:
                cell = snap.morton >> np.uint64(2 * shift)
                pair = (cell << np.uint64(11)) | snap.combo.astype(np.uint64)
                uniq, counts = np.unique(pair, return_counts=True)
                small = len(uniq) <= LEVEL_MAX_SHARE * max(len(snap), 1)
                levels[shift] = _Level(uniq >> np.uint64(11), (uniq & np.uint64(2047)).astype(np.uint16),
                                       counts.astype(np.int32)) if small else None
    return levels[shift]


def count_matching(snap: RegistrySnapshot, filt: CameraFilter, cache: FilterCache) -> int:
    if filt.is_empty:
        return len(snap)
    lut = combo_lut(filt)
    if lut is not None:
        return int(snap.per_combo[lut].sum())
    return int(cache.prefix(snap, filt)[-1])


def _visible_cells(vp: Viewport, cell_shift: int):
    """Cell coordinates (at the Morton level `cell_shift` bits below zoom 20) covering vp,
    with a one-cell margin so markers at the edge do not pop in and out."""
    x0, y0 = lonlat_to_pixels(vp.west, vp.north)
    x1, y1 = lonlat_to_pixels(vp.east, vp.south)
    cx0, cx1 = (int(x0) >> cell_shift) - 1, (int(x1) >> cell_shift) + 1
    cy0, cy1 = (int(y0) >> cell_shift) - 1, (int(y1) >> cell_shift) + 1
    limit = (1 << (28 - cell_shift)) - 1
    cx0, cy0 = max(cx0, 0), max(cy0, 0)
    cx1, cy1 = min(cx1, limit), min(cy1, limit)
    xs, ys = np.meshgrid(np.arange(cx0, cx1 + 1, dtype=np.uint64), np.arange(cy0, cy1 + 1, dtype=np.uint64))
    return xs.ravel(), ys.ravel()


def _cell_ranges(snap: RegistrySnapshot, cx: np.ndarray, cy: np.ndarray, cell_shift: int):
    lo = morton(cx, cy) << np.uint64(2 * cell_shift)
    hi = lo + (np.uint64(1) << np.uint64(2 * cell_shift))
    return np.searchsorted(snap.morton, lo, side="left"), np.searchsorted(snap.morton, hi, side="left")


def camera_layer(snap: RegistrySnapshot, filt: CameraFilter, vp: Viewport, cache: FilterCache, *,
                 cell_px: int = 64, points_max_zoom: int = 17) -> dict:
    """GeoJSON for the camera layer plus counts. Clusters carry `cluster` and `n`; a camera
    carries its id, owner-type code, live flag and direction/field of view (for cones)."""
    cell_shift = (MAX_ZOOM - vp.zoom) + int(np.log2(cell_px))
    cx, cy = _visible_cells(vp, cell_shift)
    a, b = _cell_ranges(snap, cx, cy, cell_shift)
    lut = None if filt.is_empty else combo_lut(filt)
    cum = None if filt.is_empty or lut is not None else cache.prefix(snap, filt)
    total = count_matching(snap, filt, cache)
    if filt.is_empty:
        counts = b - a
    elif lut is not None:
        counts = _lut_counts(snap, lut, cx, cy, a, b, cell_shift, cache.level_weights(snap, filt, lut, cell_shift))
    else:
        counts = cum[b] - cum[a]
    nonempty = counts > 0
    a, b, counts = a[nonempty], b[nonempty], counts[nonempty]
    visible = int(counts.sum())

    features: list[dict] = []
    if vp.zoom >= points_max_zoom and visible <= MAX_POINTS:
        single_cells = np.ones(len(a), dtype=bool)
    else:
        single_cells = counts == 1
    # cameras drawn one by one: every camera of "single" cells
    idx = _members(a[single_cells], b[single_cells], cum)
    if lut is not None and len(idx):
        idx = idx[lut[snap.combo[idx]]]
    features.extend(_camera_features(snap, idx))
    # clusters: the other cells, placed at the mean position of their cameras
    ca, cb, cn = a[~single_cells], b[~single_cells], counts[~single_cells]
    if len(ca):
        lat = (snap.cum_lat[cb] - snap.cum_lat[ca]) / (cb - ca)
        lon = (snap.cum_lon[cb] - snap.cum_lon[ca]) / (cb - ca)
        for la, lo, n in zip(np.round(lat, 5).tolist(), np.round(lon, 5).tolist(), cn.tolist(), strict=True):
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lo, la]},
                             "properties": {"cluster": True, "n": n}})
    return {"type": "FeatureCollection", "features": features,
            "meta": {"total": total, "visible": visible, "zoom": vp.zoom, "registry": len(snap)}}


def _lut_counts(snap: RegistrySnapshot, lut: np.ndarray, cx, cy, a, b, cell_shift: int,
                level_weights: tuple[_Level, np.ndarray] | None) -> np.ndarray:
    """Matching cameras per visible cell: from the level table's running total (cached per
    filter and zoom, so a pan costs one binary search per visible cell), or from the
    visible rows when the level has no table (street zoom)."""
    if not len(a):
        return np.zeros(0, dtype=np.int64)
    if level_weights is not None:
        level, weights = level_weights
        cells = morton(cx, cy)
        ea = np.searchsorted(level.cells, cells, side="left")
        eb = np.searchsorted(level.cells, cells + np.uint64(1), side="left")
        return weights[eb] - weights[ea]
    row_lo, row_hi = int(a.min()), int(b.max())
    weights = np.zeros(row_hi - row_lo + 1, dtype=np.int64)
    np.cumsum(lut[snap.combo[row_lo:row_hi]], out=weights[1:])
    return weights[b - row_lo] - weights[a - row_lo]


def _members(a: np.ndarray, b: np.ndarray, cum: np.ndarray | None) -> np.ndarray:
    if not len(a):
        return np.empty(0, dtype=np.int64)
    idx = np.concatenate([np.arange(s, e) for s, e in zip(a.tolist(), b.tolist(), strict=True)])
    if cum is not None:
        idx = idx[(cum[idx + 1] - cum[idx]) > 0]
    return idx


def _camera_features(snap: RegistrySnapshot, idx: np.ndarray) -> list[dict]:
    owner_codes = snap.codes["owner_type"][idx].tolist()
    direction = snap.direction[idx]
    fov = snap.fov[idx]
    out = []
    for cid, la, lo, ot, live, d, f in zip(
            snap.ids[idx].tolist(), np.round(snap.lat[idx], 6).tolist(),
            np.round(snap.lon[idx], 6).tolist(), owner_codes, snap.live[idx].tolist(),
            direction.tolist(), fov.tolist(), strict=True):
        props = {"id": cid, "o": ot, "l": int(live)}
        if d == d:  # not NaN
            props["d"] = round(d)
            props["f"] = round(f) if f == f else 90
        out.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lo, la]}, "properties": props})
    return out


def viewport_center_for(snap: RegistrySnapshot) -> tuple[float, float]:
    if not len(snap):
        return (32.7767, -96.7970)
    return float(np.median(snap.lat)), float(np.median(snap.lon))


__all__ = ["CameraFilter", "Viewport", "FilterCache", "camera_layer", "count_matching", "ACCESS_LEVELS",
           "ACCESS_FILTERS", "pixels_to_lonlat"]
