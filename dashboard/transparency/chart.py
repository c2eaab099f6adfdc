"""A bar chart of monthly counts as plain SVG geometry, drawn by the template: no script, so
it works under a strict Content-Security-Policy and without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT = 600, 180
TOP, BOTTOM, SIDE = 18, 30, 6   # room for the value above a bar and the month below it
SUPPRESSED_HEIGHT = 3           # a "fewer than 5" month: a stub, not a guess at its size


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    month: str          # "2026-03"
    month_short: str    # "03"
    value: str          # "12", "0" or "<5"
    suppressed: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: float
    bars: tuple[Bar, ...]


def bar_chart(by_month: dict[str, dict[str, Any]]) -> Chart:
    """`by_month`: month label -> published count ({"count": n | None, "suppressed": bool})."""
    labels = list(by_month)
    tallest = max([c["count"] or 0 for c in by_month.values()] + [1])
    slot = (WIDTH - 2 * SIDE) / max(len(labels), 1)
    room = HEIGHT - TOP - BOTTOM
    baseline = HEIGHT - BOTTOM
    bars = []
    for i, label in enumerate(labels):
        cell = by_month[label]
        if cell["suppressed"]:
            height, value = SUPPRESSED_HEIGHT, "<5"
        else:
            height, value = room * (cell["count"] / tallest), str(cell["count"])
        width = slot * 0.7
        bars.append(Bar(x=round(SIDE + i * slot + (slot - width) / 2, 1), y=round(baseline - height, 1),
                        width=round(width, 1), height=round(height, 1), month=label, month_short=label[-2:],
                        value=value, suppressed=cell["suppressed"]))
    return Chart(WIDTH, HEIGHT, baseline, tuple(bars))
