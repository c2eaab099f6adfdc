"""The footage-request funnel: of the requests made in a period, how many reached each step
(email sent, link opened, accepted, footage received), the median time from the request to
each step, and acceptance by owner type. Read from the requests' own step history
(footage_request_events), which records every step with its time."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.models import Owner
from dashboard.models.footage import FootageRequest, FootageRequestEvent

STEPS = ("sent", "opened", "accepted", "footage_received")


def request_steps(session: Session, start: datetime, end: datetime) -> pd.DataFrame:
    """One row per request made in [start, end): request_id, owner_type, created_at and the first
    time of each step (NaT when not reached). Uploading also accepts, so `accepted` is never later
    than `footage_received`."""
    requests = session.execute(select(FootageRequest.id, Owner.owner_type, FootageRequest.created_at)
                               .join(Owner, FootageRequest.owner_id == Owner.id)
                               .where(FootageRequest.created_at >= start, FootageRequest.created_at < end)).all()
    frame = pd.DataFrame(requests, columns=["request_id", "owner_type", "created_at"])
    steps = session.execute(select(FootageRequestEvent.request_id, FootageRequestEvent.status,
                                   func.min(FootageRequestEvent.at))
                            .join(FootageRequest, FootageRequestEvent.request_id == FootageRequest.id)
                            .where(FootageRequest.created_at >= start, FootageRequest.created_at < end,
                                   FootageRequestEvent.status.in_(STEPS))
                            .group_by(FootageRequestEvent.request_id, FootageRequestEvent.status)).all()
    firsts = pd.DataFrame(steps, columns=["request_id", "status", "at"])
    wide = firsts.pivot(index="request_id", columns="status", values="at") if len(firsts) else pd.DataFrame()
    frame = frame.set_index("request_id").join(wide.reindex(columns=list(STEPS))).reset_index()
    for column in ("created_at", *STEPS):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def funnel(steps: pd.DataFrame) -> pd.DataFrame:
    """Per step: requests that reached it, their share of all requests, and the median hours
    from the request to that step."""
    total = len(steps)
    rows = [{"step": "requested", "requests": total, "share": 1.0 if total else 0.0, "median_hours": 0.0}]
    for step in STEPS:
        reached = steps[step].notna()
        hours = (steps.loc[reached, step] - steps.loc[reached, "created_at"]).dt.total_seconds() / 3600
        rows.append({"step": step, "requests": int(reached.sum()),
                     "share": float(reached.sum() / total) if total else 0.0,
                     "median_hours": float(hours.median()) if reached.any() else None})
    return pd.DataFrame(rows)


def acceptance_by_owner_type(steps: pd.DataFrame) -> pd.DataFrame:
    """Per owner type: requests, accepted, and the share accepted."""
    table = (steps.assign(accepted=steps["accepted"].notna())
             .groupby("owner_type").agg(requests=("request_id", "size"), accepted=("accepted", "sum")).reset_index())
    table["accepted"] = table["accepted"].astype(int)
    table["acceptance"] = table["accepted"] / table["requests"]
    return table
