"""`replay-cad`: feed a Dallas CAD export through the same ingestion path as the API.

Two formats, told apart by their header:

- **Police Active Calls** (the live feed): one row per responding unit, no coordinates.
  The rows of one Incident Number become one incident: priority the most urgent (lowest)
  of its rows, status from its last row, the other rows counted as merged. Date and Time
  are local Dallas time. Without a geocoder the incidents are stored unlocated (beat and
  division from the row), so the incident list shows them but the map cannot.
- **Police Incidents** (the records export): one row per offence, with coordinates. The
  rows of one incident_number become one incident (position and address from its first row
  with coordinates); nature_of_call is call_problem as DPD writes it; the priority comes from
  dashboard.incidents.priorities.priority_for_call (the export has none); status is "Cleared" when
  call_cleared is set, else "Dispatched". Rows without a call (online and follow-up reports
  have no call_problem and no call_received) are rejected with that reason.

Row numbers in the report count the header as row 1, as a spreadsheet shows them. Every row
ends up in exactly one bucket: stored (one row per incident), merged into another row's
incident, or rejected.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dashboard.db import Database
from dashboard.geo.address import split_block
from dashboard.geo.geocoding import Geocoder, make_geocoder
from dashboard.geo.geography import get_geography
from dashboard.incidents.ingest import store_incidents, validate_incident
from dashboard.incidents.priorities import priority_for_call
from dashboard.models import utcnow

DALLAS = ZoneInfo("America/Chicago")
BATCH_SIZE = 500
SOURCE = "replay"


class ReplayFormatError(ValueError):
    """The file is not a CAD export this command understands; the message says why."""


@dataclass(frozen=True)
class RejectedRow:
    row: int
    reason: str


@dataclass
class ReplayReport:
    path: str
    format: str
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    unlocated: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    unlocated_rows: list[int] = field(default_factory=list)  # the stored row of each unlocated incident

    @property
    def stored(self) -> int:
        """Incidents written or confirmed unchanged: one row of the file each."""
        return self.created + self.updated + self.unchanged

    @property
    def accounted(self) -> bool:
        return self.rows_read == self.stored + self.merged + len(self.rejected)

    def summary(self) -> str:
        return (f"read {self.rows_read} rows: stored {self.stored} incidents ({self.created} new, "
                f"{self.updated} updated, {self.unchanged} unchanged), {self.merged} rows merged into "
                f"their incident, {len(self.rejected)} rows rejected; {self.unlocated} incidents without "
                f"a location")


@dataclass
class _Group:
    """The rows of one incident number and the incident object built from them."""

    rows: list[int]
    obj: dict[str, Any]
    when: datetime | None
    errors: dict[str, str] = field(default_factory=dict)  # problems of the file, not of the object


# --- reading ----------------------------------------------------------------------------------------
def _norm(name: str | None) -> str:
    """"Incident Number" / "incident_number" / " Date_Time" -> "incident_number", "date_time"."""
    return re.sub(r"[\s_]+", "_", (name or "").strip().lower())


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header (normalised) and (row number, {column: stripped text}) for every data row."""
    try:
        text = _read_text(path)
    except IsADirectoryError:
        raise ReplayFormatError(f"{path} is a directory, not a CSV file") from None
    except PermissionError as exc:
        raise ReplayFormatError(f"cannot read {path}: {exc.strerror}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise ReplayFormatError(f"{path.name} is empty: expected a CSV export with a header row")
    names = [_norm(h) for h in header]
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue  # a blank line is not a row
        rows.append((number, {n: (values[i].strip() if i < len(values) else "") for i, n in enumerate(names)}))
    return names, rows


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")  # exports saved from Excel on Windows


# --- formats ------------------------------------------------------------------------------------------
ACTIVE_CALLS = "Police Active Calls"
POLICE_INCIDENTS = "Police Incidents"
_REQUIRED = {
    ACTIVE_CALLS: ("incident_number", "nature_of_call", "priority", "date", "time"),
    POLICE_INCIDENTS: ("incident_number", "call_problem", "call_received", "latitude", "longitude"),
}
_SIGNATURE = {ACTIVE_CALLS: "nature_of_call", POLICE_INCIDENTS: "call_problem"}


def detect_format(header: list[str], name: str = "the file") -> str:
    columns = set(header)
    for fmt, signature in _SIGNATURE.items():
        if "incident_number" in columns and signature in columns:
            missing = [c for c in _REQUIRED[fmt] if c not in columns]
            if fmt == ACTIVE_CALLS and "date_time" in columns:
                missing = [c for c in missing if c not in ("date", "time")]
            if missing:
                raise ReplayFormatError(f"{name} looks like a {fmt} export but lacks the column(s) "
                                        f"{', '.join(missing)}")
            return fmt
    shown = ", ".join(h for h in header[:8] if h) + (", ..." if len(header) > 8 else "")
    raise ReplayFormatError(
        f"{name} is neither a Dallas Police Active Calls nor a Police Incidents export: its header is "
        f"{shown or '(empty)'}; expected Incident Number, Nature of Call, Priority, Date, Time (Active "
        f"Calls) or incident_number, call_problem, call_received, latitude, longitude (Police Incidents)")


def _local(text: str, formats: tuple[str, ...]) -> datetime | None:
    """A Dallas wall-clock time -> aware UTC; None when no format fits."""
    text = re.sub(r"(\.\d{6})\d+$", r"\1", text.strip())  # SQL Server writes 7 fractional digits
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=DALLAS).astimezone(UTC)
        except ValueError:
            continue
    return None


_ACTIVE_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y %I:%M:%S %p",
                   "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f")
_INCIDENT_FORMATS = ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S",
                     "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M")


def _group_rows(rows: list[tuple[int, dict[str, str]]], rejected: list[RejectedRow]) -> dict[str, list]:
    """Rows by incident number, in order of first appearance; rows without one are rejected."""
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for number, row in rows:
        key = row.get("incident_number", "")
        if not key:
            rejected.append(RejectedRow(number, "incident_number: is empty"))
            continue
        groups.setdefault(key, []).append((number, row))
    return groups


def _active_call(key: str, rows: list[tuple[int, dict[str, str]]]) -> _Group:
    first, last = rows[0][1], rows[-1][1]
    priorities = [int(r["priority"]) for _, r in rows if r.get("priority", "").isdigit()]
    stamp = f"{first.get('date', '')} {first.get('time', '')}".strip() or first.get("date_time", "")
    when = _local(stamp, _ACTIVE_FORMATS)
    group = _Group([n for n, _ in rows], {
        "incident_number": key,
        "nature_of_call": first.get("nature_of_call"),
        "priority": min(priorities) if priorities else first.get("priority"),
        "status": last.get("status"),
        "received_at": when.isoformat() if when else None,
        "block": first.get("block"),
        "location": first.get("location"),
        "beat": first.get("beat"),
        "division": first.get("division"),
    }, when)
    if when is None:
        group.errors["received_at"] = f"Date and Time {stamp!r} are not a date and time (MM/DD/YYYY HH:MM:SS)"
    return group


def _police_incident(key: str, rows: list[tuple[int, dict[str, str]]]) -> _Group:
    located = [r for _, r in rows if r.get("latitude") and r.get("longitude")]
    main = located[0] if located else rows[0][1]
    block, location = split_block(main.get("address"))
    stamp = main.get("call_received", "")
    when = _local(stamp, _INCIDENT_FORMATS) if stamp else None
    group = _Group([n for n, _ in rows], {
        "incident_number": key,
        "nature_of_call": main.get("call_problem"),
        "priority": priority_for_call(main.get("call_problem")),
        "status": "Cleared" if main.get("call_cleared") else "Dispatched",
        "received_at": when.isoformat() if when else None,
        "latitude": main.get("latitude") or None,
        "longitude": main.get("longitude") or None,
        "block": block,
        "location": location,
        "beat": main.get("beat"),
        "division": main.get("division"),
    }, when)
    if not stamp:
        group.errors["received_at"] = "call_received is empty: not a CAD call (an online or follow-up report)"
    elif when is None:
        group.errors["received_at"] = f"call_received {stamp!r} is not a date and time"
    return group


_BUILDERS: dict[str, Callable[[str, list], _Group]] = {ACTIVE_CALLS: _active_call, POLICE_INCIDENTS: _police_incident}


# --- replay --------------------------------------------------------------------------------------------
def replay_file(db: Database, settings, path: str | Path, *, speed: float | None = None,
                out: Callable[[str], Any] = print, geocoder: Geocoder | None = None,
                sleep: Callable[[float], Any] = time.sleep, batch_size: int = BATCH_SIZE,
                starting_at: datetime | None = None) -> ReplayReport:
    """Read a CAD export and upsert its incidents (source "replay"); returns what happened to
    every row. `speed` replays the file's own timing that many times faster (one incident at a
    time, sleeping between them); without it, batches go in as fast as the database allows.
    `geocoder` defaults to the configured one (settings), if any.

    `starting_at` (`--now`) moves the file's first call to that moment and every later call to
    the moment it is replayed (its offset divided by `speed`, default the recorded pace), so
    replayed calls have sensible ages and raise alerts as live calls would: a file of past calls
    stored all at once would read "25554 h ago" and never alert."""
    path = Path(path)
    header, rows = read_rows(path)
    fmt = detect_format(header, path.name)
    report = ReplayReport(str(path), fmt, rows_read=len(rows))
    geocoder = geocoder if geocoder is not None else make_geocoder(settings)
    out(f"replaying {path.name}: {fmt} export, {len(rows)} rows"
        + (f", {speed:g}x the recorded pace" if speed else ""))
    groups = [_BUILDERS[fmt](key, members) for key, members in _group_rows(rows, report.rejected).items()]
    # oldest call first, as CAD would have sent them; undated ones (rejected anyway) last
    groups.sort(key=lambda g: (g.when is None, g.when or datetime.min.replace(tzinfo=UTC)))
    if starting_at is not None:
        speed = speed or 1.0
        _shift_to(groups, starting_at, speed)
        out(f"times shifted: the first call is received at {starting_at:%Y-%m-%d %H:%M:%S} UTC, the rest "
            f"follow at {speed:g}x the recorded pace")
    for batch in _batches(groups, speed, sleep, batch_size):
        _store_batch(db, settings, batch, geocoder, report, out if speed else None)
    for bad in sorted(report.rejected, key=lambda r: r.row):
        out(f"row {bad.row}: rejected: {bad.reason}")
    if report.unlocated_rows:
        rows_text = ", ".join(str(n) for n in sorted(report.unlocated_rows)[:20])
        more = f" and {len(report.unlocated_rows) - 20} more" if len(report.unlocated_rows) > 20 else ""
        why = "no match in the geocoder" if geocoder is not None else "no geocoder is configured"
        out(f"stored without a location (no coordinates; {why}): rows {rows_text}{more}")
    out(report.summary())
    return report


def _shift_to(groups: list[_Group], start: datetime, speed: float) -> None:
    """Each dated call moves to `start` plus its offset from the file's first call over `speed`."""
    dated = [g for g in groups if g.when is not None]
    if not dated:
        return
    first = dated[0].when
    for group in dated:
        moved = start + timedelta(seconds=(group.when - first).total_seconds() / speed)
        group.obj["received_at"] = moved.isoformat()
    # the sleeps between calls stay the recorded gaps over `speed`, so each call is stored at its new time


def _batches(groups: list[_Group], speed: float | None, sleep: Callable[[float], Any],
             batch_size: int) -> Iterator[list[_Group]]:
    if not speed:
        for start in range(0, len(groups), batch_size):
            yield groups[start:start + batch_size]
        return
    previous: datetime | None = None
    for group in groups:
        if previous is not None and group.when is not None:
            gap = (group.when - previous).total_seconds() / speed
            if gap > 0:
                sleep(gap)
        previous = group.when or previous
        yield [group]


def _store_batch(db: Database, settings, batch: list[_Group], geocoder: Geocoder | None,
                 report: ReplayReport, live_out: Callable[[str], Any] | None) -> None:
    geo, now = get_geography(), utcnow()
    valid = []
    for group in batch:
        if group.errors:
            _reject(report, group, _file_errors(group, geo, settings, now, geocoder))
        else:
            valid.append(group)
    if not valid:
        return
    with db.session() as session:
        stored, rejected = store_incidents(session, [g.obj for g in valid], geo=geo, settings=settings,
                                           source=SOURCE, now=now, geocoder=geocoder, allow_unlocated=True)
    for item in rejected:
        _reject(report, valid[item["index"]], item["errors"])
    for item in stored:
        _count(report, valid[item.index], item.outcome, item.incident)
        if live_out:
            live_out(f"  {item.incident['received_at']}  {item.incident['incident_number']}  "
                     f"P{item.incident['priority']}  {item.incident['nature_of_call']}  ({item.outcome})")


def _file_errors(group: _Group, geo, settings, now: datetime, geocoder: Geocoder | None) -> dict[str, str]:
    """The file's own problems plus whatever the API validation would say about the rest."""
    _clean, errors = validate_incident(group.obj, geo, settings.service_area_margin_m, now,
                                       geocoder=geocoder, allow_unlocated=True)
    return {**errors, **group.errors}


def _reject(report: ReplayReport, group: _Group, errors: dict[str, str]) -> None:
    reason = "; ".join(f"{name}: {message}" for name, message in errors.items())
    for row in group.rows:
        report.rejected.append(RejectedRow(row, reason))


def _count(report: ReplayReport, group: _Group, outcome: str, incident: dict) -> None:
    setattr(report, outcome, getattr(report, outcome) + 1)
    report.merged += len(group.rows) - 1
    if incident["latitude"] is None:
        report.unlocated += 1
        report.unlocated_rows.append(group.rows[0])
