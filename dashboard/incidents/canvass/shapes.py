"""Shapes drawn on the map (a circle or a GeoJSON polygon): the cameras inside, ranked."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon

from dashboard.geo.geography import DEFAULT_FOV_DEG, angle_within, bearing_deg, haversine_m, metres_per_degree
from dashboard.registry.snapshot import RegistrySnapshot

from .ranking import (
    MAX_K,
    MAX_POLYGON_VERTICES,
    MAX_SHAPE_AREA_M2,
    MAX_SHAPE_CAMERAS,
    CanvassInputError,
    RankedCamera,
    check_k,
    rank_rows,
    require_aware,
)


# --- shapes drawn on the map ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Shape:
    kind: str                     # "circle" | "polygon"
    center: tuple[float, float]   # lat, lon: circle centre or polygon centroid
    radius_m: float | None = None
    polygon: Polygon | None = None  # lon/lat


def _local_area_m2(poly: Polygon) -> float:
    """Area in m^2 on an equirectangular projection about the polygon's own latitude."""
    kx, ky = metres_per_degree(poly.centroid.y)
    return shapely.transform(poly, lambda xy: xy * np.array([kx, ky])).area


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError
    v = float(value)
    if not math.isfinite(v):
        raise ValueError
    return v


def _parse_shape(shape: Any) -> _Shape:
    if isinstance(shape, Mapping) and shape.get("type") == "Feature":
        shape = shape.get("geometry")
    if not isinstance(shape, Mapping):
        raise CanvassInputError("Shape: send a circle or a GeoJSON Polygon object.", "shape")
    kind = shape.get("type")
    if kind == "circle":
        return _parse_circle(shape)
    if kind == "Polygon":
        return _parse_polygon(shape)
    raise CanvassInputError(f"Shape: type must be 'circle' or 'Polygon' (got {str(kind)[:40]!r}).", "shape")


def _parse_circle(shape: Mapping) -> _Shape:
    center = shape.get("center")
    try:
        if not isinstance(center, Sequence) or isinstance(center, str) or len(center) != 2:
            raise TypeError
        lat, lon = _number(center[0]), _number(center[1])
    except (TypeError, ValueError):
        raise CanvassInputError("Circle: center must be [latitude, longitude].", "shape") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise CanvassInputError("Circle: center is out of range (send [latitude, longitude]).", "shape")
    try:
        radius = _number(shape.get("radius_m"))
    except (TypeError, ValueError):
        raise CanvassInputError("Circle: radius_m must be a number of metres.", "shape") from None
    if radius <= 0:
        raise CanvassInputError("Circle: radius_m must be more than 0.", "shape")
    if math.pi * radius * radius > MAX_SHAPE_AREA_M2:
        limit = math.sqrt(MAX_SHAPE_AREA_M2 / math.pi)
        raise CanvassInputError(f"Circle: too large; at most {MAX_SHAPE_AREA_M2 / 1e6:g} km² "
                                f"(radius up to {limit:,.0f} m).", "shape")
    return _Shape("circle", (lat, lon), radius_m=radius)


def _parse_polygon(shape: Mapping) -> _Shape:
    rings = shape.get("coordinates")
    if not isinstance(rings, Sequence) or isinstance(rings, str) or not rings:
        raise CanvassInputError("Polygon: coordinates must be a list of rings of [longitude, latitude].", "shape")
    parsed: list[list[tuple[float, float]]] = []
    vertices = 0
    for ring in rings:
        if not isinstance(ring, Sequence) or isinstance(ring, str):
            raise CanvassInputError("Polygon: each ring must be a list of [longitude, latitude].", "shape")
        vertices += len(ring)
        if vertices > MAX_POLYGON_VERTICES:
            raise CanvassInputError(f"Polygon: at most {MAX_POLYGON_VERTICES} vertices.", "shape")
        points = []
        for pos in ring:
            try:
                if not isinstance(pos, Sequence) or isinstance(pos, str) or len(pos) < 2:
                    raise TypeError
                lon, lat = _number(pos[0]), _number(pos[1])
            except (TypeError, ValueError):
                raise CanvassInputError("Polygon: every position must be [longitude, latitude].", "shape") from None
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise CanvassInputError("Polygon: a position is out of range (GeoJSON order is "
                                        "[longitude, latitude]).", "shape")
            points.append((lon, lat))
        if len(set(points)) < 3:
            raise CanvassInputError("Polygon: a ring needs at least three distinct corners.", "shape")
        parsed.append(points)
    poly = Polygon(parsed[0], parsed[1:])
    if not poly.is_valid or poly.is_empty or poly.area <= 0:
        raise CanvassInputError("Polygon: its edges cross each other; redraw it.", "shape")
    if _local_area_m2(poly) > MAX_SHAPE_AREA_M2:
        raise CanvassInputError(f"Polygon: too large; at most {MAX_SHAPE_AREA_M2 / 1e6:g} km².", "shape")
    shapely.prepare(poly)
    c = poly.centroid
    return _Shape("polygon", (c.y, c.x), polygon=poly)


def _members(snapshot: RegistrySnapshot, s: _Shape) -> np.ndarray:
    if len(snapshot) == 0:
        return np.empty(0, dtype=np.int64)
    if s.kind == "circle":
        lat, lon = s.center
        idx = snapshot.nearest(lat, lon, k=MAX_SHAPE_CAMERAS + 1, radius_m=s.radius_m).index
    else:
        minx, miny, maxx, maxy = s.polygon.bounds
        box = np.flatnonzero((snapshot.lon >= minx) & (snapshot.lon <= maxx)
                             & (snapshot.lat >= miny) & (snapshot.lat <= maxy))
        idx = box[shapely.contains_xy(s.polygon, snapshot.lon[box], snapshot.lat[box])]
    if len(idx) > MAX_SHAPE_CAMERAS:
        raise CanvassInputError(f"The shape holds more than {MAX_SHAPE_CAMERAS:,} cameras: draw a smaller one.",
                                "shape")
    return np.sort(np.asarray(idx, dtype=np.int64))


def cameras_in_shape(snapshot: RegistrySnapshot, shape: dict) -> list[int]:
    """Snapshot row indices (ascending) of the cameras inside a drawn shape:
    ``{"type": "circle", "center": [lat, lon], "radius_m": r}`` or a GeoJSON Polygon
    ``{"type": "Polygon", "coordinates": [[[lon, lat], ...], ...holes]}`` (a GeoJSON Feature
    holding one is accepted too). At most 25 km² and 2,000 cameras, else CanvassInputError."""
    return _members(snapshot, _parse_shape(shape)).tolist()


def shape_center(shape: dict) -> tuple[float, float]:
    """(lat, lon) that distances are measured from: the circle's centre, the polygon's centroid."""
    return _parse_shape(shape).center


def measure(snapshot: RegistrySnapshot, idx, lat: float, lon: float):
    """Distance, bearing (camera -> point), faces and direction-known for given snapshot rows,
    with the same rules as RegistrySnapshot.nearest: unknown field of view counts as 90°,
    unknown range never limits."""
    idx = np.asarray(idx, dtype=np.int64)
    clat, clon = snapshot.lat[idx], snapshot.lon[idx]
    dist = haversine_m(clat, clon, lat, lon)
    bearing = bearing_deg(clat, clon, lat, lon)
    direction = snapshot.direction[idx]
    known = ~np.isnan(direction)
    fov = np.nan_to_num(snapshot.fov[idx], nan=DEFAULT_FOV_DEG)
    reach = np.nan_to_num(snapshot.range_m[idx], nan=np.inf)
    faces = angle_within(bearing, np.nan_to_num(direction), fov) & (dist <= reach) & known
    return np.atleast_1d(dist), np.atleast_1d(bearing), np.atleast_1d(faces), np.atleast_1d(known)


def rank_in_shape(snapshot: RegistrySnapshot, shape: dict, reference_time: datetime, now: datetime,
                  k: int = MAX_K) -> list[RankedCamera]:
    """The cameras inside a drawn shape, ranked like `rank_cameras`, distance, bearing and facing
    measured from the circle's centre or the polygon's centroid."""
    k = check_k(k)
    require_aware(reference_time, "reference_time")
    require_aware(now, "now")
    s = _parse_shape(shape)
    idx = _members(snapshot, s)
    dist, bearing, faces, known = measure(snapshot, idx, *s.center)
    return rank_rows(snapshot, idx, dist, bearing, faces, known, reference_time, now, k)
