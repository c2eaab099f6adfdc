"""Everything the /analytics page shows, produced in one place that checks the permission first.

`analytics_report` and `recruitment_export` are what the web side calls: both `require` the
`view_analytics` permission (supervisors and admins) before a single row is read, so a crafted
request from another role gets PermissionDenied whatever page it came from. No Flask, no Dash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from auth.permissions import require
from dashboard.audit import chain as audit
from dashboard.db import Database
from dashboard.models import utcnow
from dashboard.registry.snapshot import RegistrySnapshot

from .access_review import access_review
from .coverage import call_coverage, coverage_table, recruitment_csv, recruitment_targets, urgent_calls
from .funnel import acceptance_by_owner_type, funnel, request_steps
from .growth import registry_growth

PERMISSION = "view_analytics"
PERIODS_DAYS = (30, 90, 365)     # the page's choices
DEFAULT_DAYS = 365
EXPORT_ACTION = "analytics_export"


@dataclass(frozen=True)
class AnalyticsReport:
    start: datetime
    end: datetime
    calls: int                        # P1/P2 calls with a position in the period
    covered: int
    faced: int
    by_division: pd.DataFrame         # coverage_table columns
    by_beat: pd.DataFrame
    by_month: pd.DataFrame
    targets: pd.DataFrame             # recruitment_targets columns
    funnel: pd.DataFrame
    acceptance: pd.DataFrame
    growth: pd.DataFrame
    access: pd.DataFrame

    @property
    def covered_share(self) -> float:
        return self.covered / self.calls if self.calls else 0.0

    @property
    def faced_share(self) -> float:
        return self.faced / self.calls if self.calls else 0.0


def period(days: int, now: datetime | None = None) -> tuple[datetime, datetime]:
    if days not in PERIODS_DAYS:
        raise ValueError(f"days must be one of {', '.join(map(str, PERIODS_DAYS))}")
    end = now or utcnow()
    return end - timedelta(days=days), end


def _coverage(db: Database, snapshot: RegistrySnapshot, start: datetime, end: datetime) -> pd.DataFrame:
    with db.session() as s:
        calls = urgent_calls(s, start, end)
    return call_coverage(snapshot, calls)


def analytics_report(db: Database, snapshot: RegistrySnapshot, user, *, days: int = DEFAULT_DAYS,
                     now: datetime | None = None) -> AnalyticsReport:
    """The page's figures for the last `days` days. PermissionDenied for roles other than
    supervisor and admin, before anything is read."""
    require(user, PERMISSION)
    start, end = period(days, now)
    covered = _coverage(db, snapshot, start, end)
    with db.session() as s:
        steps = request_steps(s, start, end)
        growth = registry_growth(s)
        access = access_review(s, start, end)
    return AnalyticsReport(
        start=start, end=end, calls=len(covered), covered=int(covered["covered"].sum()),
        faced=int(covered["faced"].sum()), by_division=coverage_table(covered, "division"),
        by_beat=coverage_table(covered, "beat"), by_month=coverage_table(covered, "month"),
        targets=recruitment_targets(covered, snapshot), funnel=funnel(steps),
        acceptance=acceptance_by_owner_type(steps), growth=growth, access=access)


def recruitment_export(db: Database, snapshot: RegistrySnapshot, user, *, days: int = DEFAULT_DAYS,
                       client_addr: str | None = None, now: datetime | None = None) -> str:
    """The recruitment targets as CSV (beats and counts, formula-guarded), audited like every
    export the product hands out. PermissionDenied first for other roles."""
    require(user, PERMISSION)
    start, end = period(days, now)
    targets = recruitment_targets(_coverage(db, snapshot, start, end), snapshot)
    text = recruitment_csv(targets)
    with db.session() as s:
        audit.record(s, EXPORT_ACTION, user_id=getattr(user, "id", None), username=getattr(user, "username", None),
                     object_type="recruitment_targets", client_addr=client_addr,
                     detail={"days": days, "rows": len(targets)})
    return text
