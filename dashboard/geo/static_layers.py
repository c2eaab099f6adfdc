"""The map's reference layers (divisions, beats, hot-spot areas, city limits) as fingerprinted
static files: each is slimmed once (the properties the map shows, coordinates at 5 decimals,
about 1 m) and named by a hash of its bytes, so a browser keeps it for a year and never asks
again until the data itself changes. Served by dashboard/routes.py under /geo/."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache

from dashboard.geo.geography import DallasGeography

PRECISION = 5  # decimal places: about 1 m
URL_PREFIX = "/geo/"
# name on the map -> (display file, properties the map's styles and tooltips read)
LAYERS = {
    "divisions": ("dpd_divisions_display", ("division",)),
    "beats": ("dpd_beats_display", ("beat", "division")),
    "taag": ("dpd_taag", ("TAAG_Name",)),
    "city": ("dallas_city_limits_display", ()),
}


@dataclass(frozen=True)
class StaticLayer:
    name: str
    filename: str
    body: bytes

    @property
    def url(self) -> str:
        return URL_PREFIX + self.filename


def _round_coords(coords, ndigits: int = PRECISION):
    if coords and isinstance(coords[0], int | float):
        return [round(c, ndigits) for c in coords]
    return [_round_coords(c, ndigits) for c in coords]


def slim(fc: dict, keep: tuple[str, ...]) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {k: f["properties"].get(k) for k in keep},
         "geometry": {"type": f["geometry"]["type"], "coordinates": _round_coords(f["geometry"]["coordinates"])}}
        for f in fc["features"] if f.get("geometry")]}


@lru_cache(maxsize=1)
def reference_layers() -> dict[str, dict]:
    """Each layer as GeoJSON, as the files hold it."""
    return {name: slim(DallasGeography.display_layer(source), keep) for name, (source, keep) in LAYERS.items()}


@lru_cache(maxsize=1)
def static_layers() -> dict[str, StaticLayer]:
    out = {}
    for name, layer in reference_layers().items():
        body = json.dumps(layer, separators=(",", ":")).encode()
        digest = hashlib.sha256(body).hexdigest()[:16]
        out[name] = StaticLayer(name, f"{name}.{digest}.geojson", body)
    return out


def layer_url(name: str) -> str:
    return static_layers()[name].url


def layer_file(filename: str) -> StaticLayer | None:
    """The layer a /geo/ file name names, or None (an old fingerprint, a made-up name)."""
    return next((layer for layer in static_layers().values() if layer.filename == filename), None)


def _points(coords):
    if coords and isinstance(coords[0], int | float):
        yield coords
        return
    for c in coords:
        yield from _points(c)


@lru_cache(maxsize=64)
def division_bounds(divisions: tuple[str, ...]) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """((south, west), (north, east)) around these police divisions' boundaries; None for none known."""
    wanted = {d.upper() for d in divisions}
    lons, lats = [], []
    for f in reference_layers()["divisions"]["features"]:
        if str(f["properties"].get("division") or "").upper() in wanted:
            for lon, lat in _points(f["geometry"]["coordinates"]):
                lons.append(lon)
                lats.append(lat)
    if not lons:
        return None
    return (min(lats), min(lons)), (max(lats), max(lons))
