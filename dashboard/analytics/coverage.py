"""Coverage of urgent calls by registered cameras, and where recruiting cameras would help.

A call is *covered* when at least one active camera lies within `radius_m` (default 150 m) of
it, and *faced* when one of those cameras also points at it (the call inside its field of view
and range; cameras of unknown direction never count as facing). Priority 1 and 2 calls only:
those are the ones where a camera nearby changes an investigation.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.audit.csv_cells import safe_cell
from dashboard.models import Incident
from dashboard.registry.snapshot import RegistrySnapshot

LOCAL_TZ = "America/Chicago"
RADIUS_M = 150.0
URGENT = (1, 2)
NEAREST_K = 64  # cameras examined per call for "faced"; a call with more within 150 m is covered anyway
GROUPINGS = ("division", "beat", "month")


def urgent_calls(session: Session, start: datetime, end: datetime, priorities: tuple[int, ...] = URGENT
                 ) -> pd.DataFrame:
    """Calls received in [start, end) with a position: incident_id, lat, lon, division, beat, month."""
    rows = session.execute(select(Incident.id, Incident.latitude, Incident.longitude, Incident.division,
                                  Incident.beat, Incident.received_at)
                           .where(Incident.priority.in_(priorities), Incident.received_at >= start,
                                  Incident.received_at < end, Incident.latitude.is_not(None),
                                  Incident.longitude.is_not(None))).all()
    frame = pd.DataFrame(rows, columns=["incident_id", "lat", "lon", "division", "beat", "received_at"])
    frame["received_at"] = pd.to_datetime(frame["received_at"], utc=True)
    frame["month"] = frame["received_at"].dt.tz_convert(LOCAL_TZ).dt.strftime("%Y-%m")
    frame[["division", "beat"]] = frame[["division", "beat"]].fillna("unknown")
    return frame.drop(columns=["received_at"])


def call_coverage(snapshot: RegistrySnapshot, calls: pd.DataFrame, radius_m: float = RADIUS_M) -> pd.DataFrame:
    """`calls` with two more columns: covered, faced."""
    covered = np.zeros(len(calls), dtype=bool)
    faced = np.zeros(len(calls), dtype=bool)
    for i, (lat, lon) in enumerate(zip(calls["lat"].to_numpy(), calls["lon"].to_numpy(), strict=True)):
        near = snapshot.nearest(float(lat), float(lon), k=NEAREST_K, radius_m=radius_m)
        covered[i] = len(near) > 0
        faced[i] = bool((near.faces & near.direction_known).any())
    return calls.assign(covered=covered, faced=faced)


def coverage_table(covered_calls: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per division, beat or month: calls, covered, faced and their shares of the calls."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}")
    table = (covered_calls.groupby(by).agg(calls=("incident_id", "size"), covered=("covered", "sum"),
                                           faced=("faced", "sum")).reset_index())
    table[["covered", "faced"]] = table[["covered", "faced"]].astype(int)
    table["covered_share"] = table["covered"] / table["calls"]
    table["faced_share"] = table["faced"] / table["calls"]
    return table.sort_values(by).reset_index(drop=True)


def recruitment_targets(covered_calls: pd.DataFrame, snapshot: RegistrySnapshot, top: int | None = None
                        ) -> pd.DataFrame:
    """Beats ranked by urgent calls with no camera nearby (where one more camera helps most),
    with their calls and registered cameras. Ties: more calls first, then fewer cameras."""
    cameras = pd.Series(snapshot.beat).fillna("unknown").value_counts()
    table = (covered_calls.groupby(["beat", "division"])
             .agg(calls=("incident_id", "size"), covered=("covered", "sum")).reset_index())
    table["uncovered_calls"] = (table["calls"] - table["covered"]).astype(int)
    table["cameras"] = table["beat"].map(cameras).fillna(0).astype(int)
    table = table.drop(columns=["covered"]).sort_values(["uncovered_calls", "calls", "cameras", "beat"],
                                                        ascending=[False, False, True, True])
    table = table.reset_index(drop=True)
    return table if top is None else table.head(top)


RECRUITMENT_COLUMNS = ("beat", "division", "calls", "uncovered_calls", "cameras")


def recruitment_csv(targets: pd.DataFrame) -> str:
    """The recruitment table as CSV for outreach staff (beats and counts only), every text cell
    through the project's formula guard (dashboard.audit.csv_cells)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(RECRUITMENT_COLUMNS)
    for row in targets[list(RECRUITMENT_COLUMNS)].itertuples(index=False):
        writer.writerow([safe_cell(v if isinstance(v, str) else int(v)) for v in row])
    return buf.getvalue()
