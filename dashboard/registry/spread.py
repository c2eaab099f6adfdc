"""Cameras that share one position (a business site has 8-12 at the same point) drawn apart at
street zoom: each on a small circle around the site, in a fixed order, so every one can be
hovered and opened. The feature keeps its site (`site`: [lon, lat]) for the line drawn to it."""

from __future__ import annotations

import math

TILE_PX = 256
MARKER_GAP_PX = 16      # centre-to-centre distance of neighbours on the circle
MIN_RADIUS_PX = 18


def spread_colocated(layer: dict, zoom: float) -> dict:
    """The camera layer with co-located cameras (not clusters) moved onto a circle around their
    site; the order on the circle follows the camera id, so the layout is the same on every draw."""
    groups: dict[tuple[float, float], list[dict]] = {}
    for feature in layer.get("features", ()):
        if not feature["properties"].get("cluster"):
            lon, lat = feature["geometry"]["coordinates"]
            groups.setdefault((round(lon, 6), round(lat, 6)), []).append(feature)
    shared = {key: members for key, members in groups.items() if len(members) > 1}
    if not shared:
        return layer
    degrees_per_px = 360.0 / (TILE_PX * 2 ** float(zoom))
    spread: dict[int, dict] = {}
    for (lon, lat), members in shared.items():
        n = len(members)
        radius_px = max(MIN_RADIUS_PX, MARKER_GAP_PX * n / (2 * math.pi))
        d_lon = radius_px * degrees_per_px
        d_lat = d_lon * math.cos(math.radians(lat))
        for i, feature in enumerate(sorted(members, key=lambda f: f["properties"].get("id", 0))):
            angle = 2 * math.pi * i / n
            moved = [round(lon + d_lon * math.sin(angle), 7), round(lat + d_lat * math.cos(angle), 7)]
            spread[id(feature)] = {**feature, "geometry": {"type": "Point", "coordinates": moved},
                                   "properties": {**feature["properties"], "site": [lon, lat], "k": n}}
    return {**layer, "features": [spread.get(id(f), f) for f in layer["features"]]}
