"""Registry growth and withdrawals per month (Dallas time).

Registered: cameras by the month they were registered (pending and rejected ones excluded: they
never joined). Withdrawn: cameras now withdrawn or inactive, by the month of their last change
(the registry keeps no separate withdrawal date; a later edit of a withdrawn camera would move
it, which the portal does not allow).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.models import Camera

LOCAL_TZ = "America/Chicago"
JOINED = ("active", "withdrawn", "inactive")
LEFT = ("withdrawn", "inactive")


def _month(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True).dt.tz_convert(LOCAL_TZ).dt.strftime("%Y-%m")


def registry_growth(session: Session) -> pd.DataFrame:
    """month, registered, withdrawn, net, active_at_month_end (running total), oldest first."""
    rows = session.execute(select(Camera.status, Camera.registered_at, Camera.updated_at)
                           .where(Camera.status.in_(JOINED))).all()
    cams = pd.DataFrame(rows, columns=["status", "registered_at", "updated_at"])
    if cams.empty:
        return pd.DataFrame(columns=["month", "registered", "withdrawn", "net", "active_at_month_end"])
    registered = _month(cams["registered_at"]).value_counts()
    left = cams[cams["status"].isin(LEFT)]
    withdrawn = _month(left["updated_at"]).value_counts() if len(left) else pd.Series(dtype=int)
    months = pd.period_range(min(registered.index.min(), withdrawn.index.min() if len(withdrawn) else "9999-12"),
                             max(registered.index.max(), withdrawn.index.max() if len(withdrawn) else "0001-01"),
                             freq="M").strftime("%Y-%m")
    table = pd.DataFrame({"month": months})
    table["registered"] = table["month"].map(registered).fillna(0).astype(int)
    table["withdrawn"] = table["month"].map(withdrawn).fillna(0).astype(int)
    table["net"] = table["registered"] - table["withdrawn"]
    table["active_at_month_end"] = table["net"].cumsum()
    return table
