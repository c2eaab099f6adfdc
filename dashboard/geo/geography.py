"""Dallas geography: which beat and division a point lies in, and whether it is in the city.

Built on the real DPD beat polygons with a shapely STRtree. Geometry is held in a local
metric projection (equirectangular about Dallas, error well under 0.5 % inside the city)
so that distances, margins and "nearest beat" are in metres without pulling in pyproj.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.strtree import STRtree

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
EARTH_RADIUS_M = 6_371_008.8
LAT0 = 32.8  # projection centre: Dallas
LON0 = -96.8
DEFAULT_FOV_DEG = 90.0  # a camera whose field of view nobody gave


def metres_per_degree(lat_deg: float) -> tuple[float, float]:
    """(east, north) metres per degree of longitude and latitude on an equirectangular
    projection about `lat_deg`: fine over a city, the only flat projection the product uses."""
    ky = math.radians(1) * EARTH_RADIUS_M
    return ky * math.cos(math.radians(lat_deg)), ky


_KX, _KY = metres_per_degree(LAT0)


def to_metric(lon, lat):
    """lon/lat (arrays or scalars) -> local x/y metres."""
    return (np.asarray(lon, dtype=float) - LON0) * _KX, (np.asarray(lat, dtype=float) - LAT0) * _KY


def _project_geometry(geom):
    return shapely.transform(geom, lambda xy: np.column_stack(to_metric(xy[:, 0], xy[:, 1])))


def sector_of(beat: str | None) -> str | None:
    """DPD: the sector is the beat's first two digits followed by 0 (423 -> 420)."""
    if beat and len(beat) == 3 and beat.isdigit():
        return beat[:2] + "0"
    return None


@dataclass(frozen=True)
class Placement:
    beat: str | None
    division: str | None
    inside_beat: bool          # False: outside every beat, nearest beat given
    outside_city_m: float      # 0 inside the city limits

    @property
    def sector(self) -> str | None:
        return sector_of(self.beat)


class DallasGeography:
    def __init__(self, beats_path: Path = DATA_DIR / "dpd_beats.geojson",
                 city_path: Path = DATA_DIR / "dallas_city_limits.geojson"):
        features = json.loads(beats_path.read_text())["features"]
        self.beat_ids = np.array([str(f["properties"]["BEAT"]) for f in features], dtype=object)
        self.beat_divisions = np.array([str(f["properties"]["DIVISION"]).upper() for f in features], dtype=object)
        self.beat_shapes_lonlat = [shape(f["geometry"]) for f in features]
        self._beats_m = np.array([_project_geometry(g) for g in self.beat_shapes_lonlat], dtype=object)
        self._tree = STRtree(self._beats_m)
        city = shapely.union_all([shape(f["geometry"]) for f in json.loads(city_path.read_text())["features"]])
        self.city_lonlat = city
        self._city_m = _project_geometry(city)
        shapely.prepare(self._city_m)
        shapely.prepare(self.city_lonlat)
        self.divisions = tuple(sorted(set(self.beat_divisions)))

    # -- single points -------------------------------------------------------------------
    def locate(self, lat: float, lon: float) -> Placement:
        beats, divisions, inside = self.locate_many(np.array([lat]), np.array([lon]))
        return Placement(beats[0], divisions[0], bool(inside[0]), self.outside_city_m(lat, lon))

    def outside_city_m(self, lat: float, lon: float) -> float:
        x, y = to_metric(lon, lat)
        return float(shapely.distance(self._city_m, shapely.points(x, y)))

    # -- many points (seed, import, tests) ------------------------------------------------
    def locate_many(self, lats, lons) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Beat and division per point; points outside every beat get the nearest one."""
        x, y = to_metric(lons, lats)
        points = shapely.points(x, y)
        beat_idx = np.full(len(points), -1, dtype=np.int64)
        pt_i, beat_i = self._tree.query(points, predicate="within")
        beat_idx[pt_i] = beat_i  # a point on a shared edge keeps one of its beats
        inside = beat_idx >= 0
        missing = np.flatnonzero(~inside)
        if missing.size:
            pt_j, beat_j = self._tree.query_nearest(points[missing], return_distance=False)
            beat_idx[missing[pt_j]] = beat_j
        return self.beat_ids[beat_idx], self.beat_divisions[beat_idx], inside

    def in_city(self, lats, lons) -> np.ndarray:
        return shapely.contains_xy(self.city_lonlat, np.asarray(lons, float), np.asarray(lats, float))

    # -- display layers ---------------------------------------------------------------------
    @staticmethod
    def display_layer(name: str) -> dict:
        """A pre-built, simplified GeoJSON (see dashboard.geo_build) for the map."""
        return _display_layer(name)


@lru_cache(maxsize=8)
def _display_layer(name: str) -> dict:
    return json.loads((DATA_DIR / f"{name}.geojson").read_text())


@lru_cache(maxsize=1)
def get_geography() -> DallasGeography:
    """The city's geography is static: load it once per process."""
    return DallasGeography()


def haversine_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres (vectorised)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def bearing_deg(lat1, lon1, lat2, lon2):
    """Initial bearing from point 1 to point 2, clockwise from north, 0-360 (vectorised)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    return bearing_from_trig(np.sin(p1), np.cos(p1), np.radians(lon1), np.sin(p2), np.cos(p2), np.radians(lon2))


def bearing_from_trig(sin_lat1, cos_lat1, lon1_rad, sin_lat2, cos_lat2, lon2_rad):
    """`bearing_deg` from precomputed sines, cosines and radians (the snapshot keeps them per
    camera, so its hot path does no trigonometry on the camera side)."""
    dl = lon2_rad - lon1_rad
    x = np.sin(dl) * cos_lat2
    y = cos_lat1 * sin_lat2 - sin_lat1 * cos_lat2 * np.cos(dl)
    return (np.degrees(np.arctan2(x, y)) + 360.0) % 360.0


def off_axis_deg(bearing, direction):
    """Signed angle from a camera's direction to `bearing`, -180..180, wrapping at north."""
    return (np.asarray(bearing) - np.asarray(direction) + 540.0) % 360.0 - 180.0


def angle_within(bearing, direction, fov) -> np.ndarray:
    """True where `bearing` lies inside the cone `direction` +/- fov/2, wrapping at north."""
    return np.abs(off_axis_deg(bearing, direction)) <= np.asarray(fov) / 2.0
