"""Demo incidents: real, public DPD calls from the bundled sample, moved in time to "now"."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from dashboard.geo.address import split_block
from dashboard.geo.geography import DATA_DIR, metres_per_degree
from dashboard.incidents.priorities import priority_for_call
from dashboard.models import Camera, CameraSite, Incident
from dashboard.tools.demo_writer import max_id

INCIDENTS_CSV = DATA_DIR / "dpd_incidents_2024-01_northeast.csv"

INCIDENT_STATUSES = ("Dispatched", "At Scene", "Cleared")
INCIDENT_STATUS_P = (0.35, 0.45, 0.20)
INCIDENT_WINDOW_S = 6 * 3600
# A demo call lands this far from one of the camera sites nearest its real position, so the first
# thing a newcomer sees is a call with cameras to rank, not "0 cameras" on every top call.
NEAR_SITE_M = (15.0, 70.0)
NEAREST_SITES = 5
_SITE_BLOCK = re.compile(r"^(\d+) block of (.+?)(, Dallas, TX)?$")
_KEEP_UPPER = {"PSE", "UUMV", "BMV", "LPR", "PD", "DASV", "DASF", "DAEF", "II"}
_KEEP_LOWER = {"of", "in", "and", "or", "to", "by", "at"}


def nature_of_call(call_problem: str) -> str:
    """"41/11R - BURG RES IN PROGRESS" -> "41/11R - Burg Res in Progress", as the live feed writes it."""
    code, sep, desc = call_problem.strip().partition(" - ")
    if not sep:
        return call_problem.strip()
    words = []
    for i, word in enumerate(desc.split()):
        bare = word.strip("()").upper()
        if bare in _KEEP_UPPER:
            words.append(word.upper())
        elif i > 0 and bare.lower() in _KEEP_LOWER:
            words.append(word.lower())
        else:
            words.append(word.capitalize() if not word.startswith("(") else "(" + word[1:].capitalize())
    return f"{code.strip()} - {' '.join(words)}"


def _incident_sample(csv_path: Path) -> pd.DataFrame:
    df = pd.read_csv(csv_path, dtype=str, keep_default_na=True)
    df["latitude"] = pd.to_numeric(df["latitude"], errors="coerce")
    df["longitude"] = pd.to_numeric(df["longitude"], errors="coerce")
    df["received"] = pd.to_datetime(df["call_received"], format="ISO8601", errors="coerce")
    usable = df["latitude"].notna() & df["longitude"].notna() & df["received"].notna() & df["call_problem"].notna()
    # The export has one row per offence: keep an incident's first row (the number is unique).
    return df[usable].drop_duplicates("incident_number").reset_index(drop=True)


def demo_incident_rows(limit: int, now: datetime, seed: int, *, exclude: Collection[str] = frozenset(),
                       first_id: int = 1, csv_path: Path = INCIDENTS_CSV) -> list[dict]:
    """Up to `limit` real sample calls moved into the last six hours before `now`, in their
    original order. Calls whose number is in `exclude` are skipped.

    The sample spans months with most calls in one week, so a linear squeeze would bunch
    them; instead the k-th oldest call gets the k-th of `limit` equal slots (random within it)."""
    df = _incident_sample(csv_path)
    df = df[~df["incident_number"].isin(exclude)].head(limit)
    if df.empty:
        return []
    df = df.sort_values(["received", "incident_number"], kind="stable").reset_index(drop=True)
    rng = np.random.default_rng(seed)
    usable_s = INCIDENT_WINDOW_S - 120  # the newest call is two minutes old, not in the future
    slot = usable_s / len(df)
    offsets = np.round((np.arange(len(df)) + rng.random(len(df)) * 0.9) * slot)
    start = pd.Timestamp(now) - pd.Timedelta(seconds=INCIDENT_WINDOW_S)
    received = [start + pd.Timedelta(seconds=float(s)) for s in offsets]
    status = rng.choice(len(INCIDENT_STATUSES), size=len(df), p=INCIDENT_STATUS_P)
    rows = []
    for i, rec in enumerate(df.itertuples(index=False)):
        block, location = split_block(rec.address if isinstance(rec.address, str) else None)
        at = received[i].to_pydatetime()
        rows.append({
            "id": first_id + i, "incident_number": rec.incident_number,
            "nature_of_call": nature_of_call(rec.call_problem), "priority": priority_for_call(rec.call_problem),
            "status": INCIDENT_STATUSES[status[i]], "received_at": at, "updated_at": at,
            "latitude": float(rec.latitude), "longitude": float(rec.longitude), "block": block,
            "location": location, "beat": rec.beat, "division": str(rec.division).upper(), "source": "demo",
        })
    return rows


def write_incidents(session: Session, limit: int, now: datetime, seed: int) -> int:
    if limit <= 0:
        return 0
    sample = _incident_sample(INCIDENTS_CSV)["incident_number"].tolist()
    # The same real call must not appear twice: skip numbers already stored (unique column).
    taken = set(session.scalars(select(Incident.incident_number).where(Incident.incident_number.in_(sample))))
    rows = demo_incident_rows(limit, now, seed, exclude=taken, first_id=max_id(session, Incident) + 1)
    if rows:
        place_near_cameras(session, rows, seed)
        session.execute(insert(Incident.__table__), rows)
    return len(rows)


def place_near_cameras(session: Session, rows: list[dict], seed: int) -> None:
    """Move each demo call next to a random one of the active camera sites nearest its real
    position (a few dozen metres off), taking the site's block, beat and division; the real call
    type, priority and time stay. Without active cameras the calls keep their real positions."""
    sites = session.execute(
        select(CameraSite.latitude, CameraSite.longitude, CameraSite.address, CameraSite.beat,
               CameraSite.division).where(CameraSite.id.in_(
                   select(Camera.site_id).where(Camera.status == "active")))).all()
    if not sites:
        return
    lat = np.array([s.latitude for s in sites])
    lon = np.array([s.longitude for s in sites])
    rng = np.random.default_rng(seed + 1)
    for row in rows:
        m_lon, m_lat = metres_per_degree(row["latitude"])
        dist2 = ((lat - row["latitude"]) * m_lat) ** 2 + ((lon - row["longitude"]) * m_lon) ** 2
        nearest = np.argsort(dist2)[:NEAREST_SITES]
        site = sites[int(rng.choice(nearest))]
        distance, bearing = rng.uniform(*NEAR_SITE_M), rng.uniform(0, 2 * np.pi)
        row["latitude"] = float(site.latitude + distance * np.cos(bearing) / m_lat)
        row["longitude"] = float(site.longitude + distance * np.sin(bearing) / m_lon)
        match = _SITE_BLOCK.match(site.address or "")
        if match:
            row["block"], row["location"] = match.group(1), match.group(2)
        row["beat"] = site.beat or row["beat"]
        row["division"] = site.division or row["division"]
