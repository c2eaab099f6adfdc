"""Small-count suppression: every count the public sees goes through `published`.

A count from 1 to 4 could point at one household (one camera in a beat, two reveals for a rare
offense in one month), so it is published as "fewer than 5": `{"count": null, "suppressed": true}`.
Zero is published as zero: it says nothing about anyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SUPPRESS_BELOW = 5


def published(n: int) -> dict[str, Any]:
    n = int(n)
    if 0 < n < SUPPRESS_BELOW:
        return {"count": None, "suppressed": True}
    return {"count": n, "suppressed": False}


def published_map(counts: Mapping[str, int], keys: list[str] | tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """Each of `keys` (zero when absent) and then any other key present, each published."""
    ordered = list(dict.fromkeys([*keys, *counts]))
    return {key: published(counts.get(key, 0)) for key in ordered}
