"""The report's time windows: the last 30 days, and the last 12 calendar months in Dallas time
(the current month so far and the 11 before it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("America/Chicago")
RECENT_DAYS = 30
MONTHS = 12


@dataclass(frozen=True)
class Periods:
    now: datetime
    recent_start: datetime             # now - 30 days
    month_starts: tuple[datetime, ...]  # 12 local month starts (UTC), oldest first
    month_labels: tuple[str, ...]       # "2026-01", ...

    @property
    def year_start(self) -> datetime:
        return self.month_starts[0]


def _month_start(year: int, month: int) -> datetime:
    while month < 1:
        year, month = year - 1, month + 12
    return datetime(year, month, 1, tzinfo=LOCAL_TZ)


def periods(now: datetime) -> Periods:
    if now.tzinfo is None:
        raise ValueError("now must carry a time zone")
    local = now.astimezone(LOCAL_TZ)
    starts = [_month_start(local.year, local.month - back) for back in range(MONTHS - 1, -1, -1)]
    return Periods(now=now.astimezone(UTC), recent_start=(now - timedelta(days=RECENT_DAYS)).astimezone(UTC),
                   month_starts=tuple(s.astimezone(UTC) for s in starts),
                   month_labels=tuple(f"{s.year:04d}-{s.month:02d}" for s in starts))
