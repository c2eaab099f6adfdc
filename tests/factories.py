"""Small synthetic test data shared by several test modules."""

from __future__ import annotations

import math

import pandas as pd


def tiny_snapshot(cameras: list[dict]):
    """A RegistrySnapshot from a few hand-placed cameras: keys lat, lon and optionally id,
    live, direction, fov, range_m, retention."""
    from dashboard.registry.snapshot import RegistrySnapshot

    rows = []
    for i, cam in enumerate(cameras, start=1):
        rows.append({"camera_id": cam.get("id", i), "lat": cam["lat"], "lon": cam["lon"], "division": "CENTRAL",
                     "beat": "134", "owner_type": "resident", "camera_type": "dome", "placement": "outdoor",
                     "live": cam.get("live", False), "direction": cam.get("direction"), "fov": cam.get("fov"),
                     "range_m": cam.get("range_m"), "retention_days": cam.get("retention", 7),
                     "registered_at": pd.Timestamp("2025-01-01", tz="UTC"), "verified_at": pd.NaT})
    frame = pd.DataFrame(rows)
    for column in ("direction", "fov", "range_m"):
        frame[column] = frame[column].astype(float)
    return RegistrySnapshot.from_frame(frame, 1)


def offset_point(lat: float, lon: float, bearing: float, metres: float) -> tuple[float, float]:
    """The point `metres` from (lat, lon) along `bearing` (great circle)."""
    d = metres / 6_371_008.8
    b = math.radians(bearing)
    la = math.radians(lat)
    lat2 = math.asin(math.sin(la) * math.cos(d) + math.cos(la) * math.sin(d) * math.cos(b))
    lon2 = math.radians(lon) + math.atan2(math.sin(b) * math.sin(d) * math.cos(la),
                                          math.cos(d) - math.sin(la) * math.sin(lat2))
    return math.degrees(lat2), math.degrees(lon2)


def layout_props(node, wanted: str) -> dict | None:
    """The props of the component with id `wanted` in a serialized Dash layout (GET /_dash-layout)."""
    if isinstance(node, list):
        return next((found for child in node if (found := layout_props(child, wanted))), None)
    if not isinstance(node, dict):
        return None
    props = node.get("props", {})
    if props.get("id") == wanted:
        return props
    return layout_props(props.get("children"), wanted)
