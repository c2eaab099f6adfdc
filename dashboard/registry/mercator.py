"""Web Mercator pixels and Morton (Z-order) codes: how the registry snapshot orders cameras so
that every map cell at every zoom level is one contiguous slice of its arrays, and the unit
vectors its nearest-camera search indexes."""

from __future__ import annotations

import numpy as np

MAX_ZOOM = 20       # pixel grid of the Morton code
WORLD_BITS = 28     # 256 px tiles * 2**20 tiles = 2**28 px across the world at zoom 20


def lonlat_to_pixels(lon, lat, zoom: int = MAX_ZOOM) -> tuple[np.ndarray, np.ndarray]:
    """Web-Mercator pixel coordinates (float) at `zoom` (256 px tiles)."""
    scale = 256.0 * (2.0 ** zoom)
    lat = np.clip(np.asarray(lat, dtype=float), -85.05112878, 85.05112878)
    x = (np.asarray(lon, dtype=float) + 180.0) / 360.0 * scale
    s = np.sin(np.radians(lat))
    y = (0.5 - np.log((1 + s) / (1 - s)) / (4 * np.pi)) * scale
    return x, y


def pixels_to_lonlat(x, y, zoom: int = MAX_ZOOM) -> tuple[np.ndarray, np.ndarray]:
    scale = 256.0 * (2.0 ** zoom)
    lon = np.asarray(x, dtype=float) / scale * 360.0 - 180.0
    n = np.pi - 2.0 * np.pi * np.asarray(y, dtype=float) / scale
    lat = np.degrees(np.arctan(np.sinh(n)))
    return lon, lat


def _spread_bits(v: np.ndarray) -> np.ndarray:
    """Insert a zero bit between each of the low 32 bits of v (uint64)."""
    v = v.astype(np.uint64) & np.uint64(0xFFFFFFFF)
    for shift, mask in ((16, 0x0000FFFF0000FFFF), (8, 0x00FF00FF00FF00FF), (4, 0x0F0F0F0F0F0F0F0F),
                        (2, 0x3333333333333333), (1, 0x5555555555555555)):
        v = (v | (v << np.uint64(shift))) & np.uint64(mask)
    return v


def morton(ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
    return _spread_bits(ix) | (_spread_bits(iy) << np.uint64(1))


def unit_vectors(lat, lon) -> np.ndarray:
    la, lo = np.radians(np.asarray(lat, dtype=float)), np.radians(np.asarray(lon, dtype=float))
    return np.column_stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)))
