"""Access review for supervisors: who revealed owners, exported lists or watched cameras live,
how often, how often out of hours, and which of those accesses name no known incident.

Read from the audit log (successful events only). An export names its incident (object_id);
an access "without a matching incident" is an export whose incident is not on record, or a
reveal or live view whose case number is on no footage request or export of a known incident,
worth a supervisor's question rather than proof of misuse.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.models import AuditEvent, Incident

LOCAL_TZ = "America/Chicago"
ACCESS_ACTIONS = {"owner_reveal": "reveals", "canvass_export": "exports", "live_view": "live_views"}
WORK_HOURS = (7, 19)  # local hours [from, to): outside them, or on a weekend, is "out of hours"


def access_events(session: Session, start: datetime, end: datetime) -> pd.DataFrame:
    rows = session.execute(select(AuditEvent.id, AuditEvent.at, AuditEvent.username, AuditEvent.action,
                                  AuditEvent.object_type, AuditEvent.object_id, AuditEvent.case_number,
                                  AuditEvent.category)
                           .where(AuditEvent.action.in_(ACCESS_ACTIONS), AuditEvent.outcome == "ok",
                                  AuditEvent.at >= start, AuditEvent.at < end)).all()
    frame = pd.DataFrame(rows, columns=["id", "at", "username", "action", "object_type", "object_id",
                                        "case_number", "category"])
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame


def _known_cases(session: Session) -> set[str]:
    """Case numbers tied to a known incident: on a footage request or on an export of one."""
    from dashboard.models.footage import FootageRequest

    on_requests = set(session.scalars(select(FootageRequest.case_number).where(FootageRequest.case_number.is_not(None))))
    on_exports = set(session.scalars(
        select(AuditEvent.case_number).join(Incident, Incident.incident_number == AuditEvent.object_id)
        .where(AuditEvent.action == "canvass_export", AuditEvent.case_number.is_not(None))))
    return on_requests | on_exports


def flag_events(session: Session, events: pd.DataFrame, work_hours: tuple[int, int] = WORK_HOURS) -> pd.DataFrame:
    """`events` with out_of_hours and no_incident columns."""
    local = events["at"].dt.tz_convert(LOCAL_TZ)
    out_of_hours = (local.dt.hour < work_hours[0]) | (local.dt.hour >= work_hours[1]) | (local.dt.day_of_week >= 5)
    incidents = set(session.scalars(select(Incident.incident_number).where(
        Incident.incident_number.in_(events.loc[events["action"] == "canvass_export", "object_id"].dropna().unique()
                                     .tolist()))))
    cases = _known_cases(session)
    is_export = events["action"] == "canvass_export"
    no_incident = (is_export & ~events["object_id"].isin(incidents)) | (
        ~is_export & ~events["case_number"].isin(cases))
    return events.assign(out_of_hours=out_of_hours.to_numpy(), no_incident=no_incident.to_numpy())


def access_review(session: Session, start: datetime, end: datetime,
                  work_hours: tuple[int, int] = WORK_HOURS) -> pd.DataFrame:
    """Per user: reveals, exports, live_views, out_of_hours and no_incident (accesses of any kind),
    most accesses first."""
    flagged = flag_events(session, access_events(session, start, end), work_hours)
    columns = ["username", *ACCESS_ACTIONS.values(), "out_of_hours", "no_incident"]
    if flagged.empty:
        return pd.DataFrame(columns=columns)
    counts = pd.crosstab(flagged["username"], flagged["action"]).reindex(columns=list(ACCESS_ACTIONS), fill_value=0)
    counts.columns = list(ACCESS_ACTIONS.values())
    flags = flagged.groupby("username")[["out_of_hours", "no_incident"]].sum()
    table = counts.join(flags).astype(int).reset_index()
    table["total"] = table[list(ACCESS_ACTIONS.values())].sum(axis=1)
    return table.sort_values(["total", "username"], ascending=[False, True]).reset_index(drop=True)[columns]
