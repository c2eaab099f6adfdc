"""Counts of the cameras matching a filter, by division and by access level (for the summary chart).

Pure numpy over the registry snapshot, no database. Filters on the categorical columns and
access only (the common case) cost O(1,680): the snapshot's cameras-per-combo-code counts,
masked by the filter's lookup table (dashboard.mapview.combo_lut), reshaped to division x
live. Other filters take one bincount over the filter's (cached) mask.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely

from dashboard.geo.geography import get_geography, to_metric
from dashboard.registry.mapview import ACCESS_LEVELS, CameraFilter, FilterCache, combo_lut
from dashboard.registry.snapshot import CATEGORIES, RegistrySnapshot

UNKNOWN_DIVISION = "UNKNOWN"


@dataclass(frozen=True)
class FilterSummary:
    """Matching cameras: `by_division[division][access]` with access in ACCESS_LEVELS."""

    divisions: tuple[str, ...]                 # every division, in CATEGORIES order (+ UNKNOWN if any)
    registered: tuple[int, ...]                # per division: no live view
    live: tuple[int, ...]                      # per division: live access
    total: int

    @property
    def by_division(self) -> dict[str, dict[str, int]]:
        return {d: {"registered": r, "live": v}
                for d, r, v in zip(self.divisions, self.registered, self.live, strict=True)}

    @property
    def by_access(self) -> dict[str, int]:
        return {"registered": sum(self.registered), "live": sum(self.live)}


def _counts_from_combos(snap: RegistrySnapshot, lut: np.ndarray, k: int) -> np.ndarray:
    """(k + 1, 2) counts [division (unknown last), live] from the per-combo-code counts.
    Division is the first (slowest) dimension of the combo code and live the last."""
    per = np.where(lut, snap.per_combo[:len(lut)], 0).reshape(k + 1, -1, 2).sum(axis=1)
    return np.vstack([per[1:], per[:1]])  # slot 0 is the unknown division: move it last


def _counts_from_mask(snap: RegistrySnapshot, mask: np.ndarray | None, k: int) -> np.ndarray:
    codes = snap.codes["division"].astype(np.int64)
    codes = np.where(codes < 0, k, codes)             # unknown division -> extra last slot
    live = snap.live
    if mask is not None:
        codes, live = codes[mask], live[mask]
    return np.bincount(codes * 2 + live.astype(np.int64), minlength=2 * (k + 1)).reshape(k + 1, 2)


def summarize(snap: RegistrySnapshot, filt: CameraFilter, cache: FilterCache | None = None, *,
              use_combos: bool = True) -> FilterSummary:
    """Per-division and per-access counts of the cameras matching `filt`."""
    names = tuple(CATEGORIES["division"])
    k = len(names)
    lut = combo_lut(filt) if use_combos and hasattr(snap, "per_combo") else None
    if lut is not None:
        counts = _counts_from_combos(snap, lut, k)
    elif cache is not None:
        cum = cache.prefix(snap, filt)
        counts = _counts_from_mask(snap, None if cum is None else (cum[1:] - cum[:-1]).astype(bool), k)
    else:
        counts = _counts_from_mask(snap, filt.mask(snap), k)
    if counts[k].sum() > 0:
        names = (*names, UNKNOWN_DIVISION)
    else:
        counts = counts[:k]
    return FilterSummary(divisions=names, registered=tuple(int(x) for x in counts[:, 0]),
                         live=tuple(int(x) for x in counts[:, 1]), total=int(counts.sum()))


__all__ = ["FilterSummary", "summarize", "ACCESS_LEVELS", "UNKNOWN_DIVISION", "per_beat_counts", "beat_areas_km2",
           "per_beat_density", "density_breaks"]


def per_beat_counts(snap: RegistrySnapshot, filt: CameraFilter, cache: FilterCache | None = None) -> dict[str, int]:
    """Matching cameras per beat (the density layer), beats with none left out."""
    if filt.is_empty:
        mask = None
    else:
        lut = combo_lut(filt)
        if lut is not None:
            mask = lut[snap.combo]
        else:
            cum = (cache or FilterCache()).prefix(snap, filt)
            mask = np.diff(cum) > 0
    codes = snap.beat_codes if mask is None else snap.beat_codes[mask]
    counts = np.bincount(codes[codes >= 0], minlength=len(snap.beat_values))
    return {beat: int(n) for beat, n in zip(snap.beat_values, counts.tolist(), strict=True) if n}


# --- camera density: cameras per km² of each beat -------------------------------------------------
DENSITY_CLASSES = 5      # the legend's classes (the colours are the layout's)


@lru_cache(maxsize=1)
def beat_areas_km2() -> dict[str, float]:
    """Each DPD beat's area in km², from the beat polygons the process already holds
    (dashboard.geo.geography) in the local metric projection (`to_metric`: under 0.5 % off inside
    the city). Computed once per process (about 20 ms)."""
    geo = get_geography()
    areas: dict[str, float] = {}
    for beat, polygon in zip(geo.beat_ids, geo.beat_shapes_lonlat, strict=True):
        metric = shapely.transform(polygon, lambda xy: np.column_stack(to_metric(xy[:, 0], xy[:, 1])))
        areas[str(beat)] = areas.get(str(beat), 0.0) + metric.area / 1e6
    return areas


def per_beat_density(counts: dict[str, int], areas: dict[str, float] | None = None) -> dict[str, float]:
    """Cameras per km² for each beat with cameras and a known area (2 decimals)."""
    areas = beat_areas_km2() if areas is None else areas
    return {beat: round(n / areas[beat], 2) for beat, n in counts.items() if areas.get(beat, 0) > 0}


def _nice(value: float) -> float:
    """`value` rounded to two significant figures (a legend reads 12 or 1.3, not 12.3471)."""
    if value <= 0:
        return 0.0
    digits = 1 - math.floor(math.log10(value))
    return round(value, digits) if digits > 0 else float(round(value, digits))


def density_breaks(densities: dict[str, float], classes: int = DENSITY_CLASSES) -> list[float]:
    """Ascending class limits (at most classes - 1) from the quantiles of the beats' densities,
    rounded to read well: a beat below breaks[0] is in the first class, one at or above breaks[-1]
    in the last. Empty when no beat has a camera."""
    values = np.array([v for v in densities.values() if v > 0], dtype=float)
    if not len(values):
        return []
    qs = np.quantile(values, [i / classes for i in range(1, classes)])
    breaks: list[float] = []
    for q in qs:
        nice = _nice(float(q))
        if nice > 0 and (not breaks or nice > breaks[-1]):
            breaks.append(nice)
    return breaks
