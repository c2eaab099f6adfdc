"""Counts of the cameras matching a filter, by division and by access level (for the summary chart).

Pure numpy over the registry snapshot: one bincount over the filter's mask, no database.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .mapview import ACCESS_LEVELS, CameraFilter, FilterCache
from .registry import CATEGORIES, RegistrySnapshot

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


def summarize(snap: RegistrySnapshot, filt: CameraFilter, cache: FilterCache | None = None) -> FilterSummary:
    """Per-division and per-access counts of the cameras matching `filt`."""
    names = tuple(CATEGORIES["division"])
    k = len(names)
    if cache is not None:
        cum = cache.prefix(snap, filt)
        mask = None if cum is None else (cum[1:] - cum[:-1]).astype(bool)
    else:
        mask = filt.mask(snap)
    codes = snap.codes["division"].astype(np.int64)
    codes = np.where(codes < 0, k, codes)             # unknown division -> extra last slot
    live = snap.live
    if mask is not None:
        codes, live = codes[mask], live[mask]
    # slot = division * 2 + live
    counts = np.bincount(codes * 2 + live.astype(np.int64), minlength=2 * (k + 1)).reshape(k + 1, 2)
    if counts[k].sum() > 0:
        names = (*names, UNKNOWN_DIVISION)
    else:
        counts = counts[:k]
    return FilterSummary(divisions=names, registered=tuple(int(x) for x in counts[:, 0]),
                         live=tuple(int(x) for x in counts[:, 1]), total=int(counts.sum()))


__all__ = ["FilterSummary", "summarize", "ACCESS_LEVELS", "UNKNOWN_DIVISION"]
