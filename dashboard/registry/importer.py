"""Bulk camera registration from CSV (`connect-dallas import-cameras FILE.csv`, or an admin's
upload at /admin/import).

Each row is one camera. Rows with the same owner email share one owner; rows with the same
owner and the same position share one site. Every row is validated on its own: a bad row
is reported with its number and reason and the rest are imported, all in one transaction
(a crash half-way leaves nothing half-saved).

Columns (header names, case-insensitive; * = required):
  owner_type*      resident | business | organization | government
  owner_name*      person or organisation name
  contact_person   who to talk to (businesses, organisations)
  email*           owner's email
  phone            owner's phone
  owner_address    owner's postal address
  site_address     where the cameras are (street address)
  latitude*, longitude*   WGS84 decimal degrees, inside the Dallas city limits
  label*           e.g. "Front door"
  camera_type*     doorbell | dome | bullet | ptz | panoramic | lpr
  placement        outdoor (default) | indoor
  direction_deg    0-360, clockwise from north; empty = unknown
  fov_deg          1-360 (default 90)
  range_m          1-500
  retention_days*  1-3650
  live_access      yes/no (default no); yes needs a device installed by the owner
  stream_url       the integration device's stream (only with live_access)
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from dashboard.db import Database
from dashboard.geo.geography import get_geography
from dashboard.models import Camera, CameraSite, Owner, utcnow
from dashboard.vocabulary import CAMERA_TYPES, OWNER_TYPES, PLACEMENTS

# (column, required, what goes in it): the documented columns, shown on the admin upload page
IMPORT_COLUMNS = (
    ("owner_type", True, "resident | business | organization | government"),
    ("owner_name", True, "person or organisation name"),
    ("contact_person", False, "who to talk to (businesses, organisations)"),
    ("email", True, "owner's email"),
    ("phone", False, "owner's phone"),
    ("owner_address", False, "owner's postal address"),
    ("site_address", False, "where the cameras are (street address)"),
    ("latitude", True, "WGS84 decimal degrees, inside the Dallas city limits"),
    ("longitude", True, "WGS84 decimal degrees, inside the Dallas city limits"),
    ("label", True, 'e.g. "Front door"'),
    ("camera_type", True, "doorbell | dome | bullet | ptz | panoramic | lpr"),
    ("placement", False, "outdoor (default) | indoor"),
    ("direction_deg", False, "0-360, clockwise from north; empty = unknown"),
    ("fov_deg", False, "1-360 (default 90)"),
    ("range_m", False, "1-500"),
    ("retention_days", True, "1-3650"),
    ("live_access", False, "yes/no (default no); yes needs a device installed by the owner"),
    ("stream_url", False, "the integration device's stream (only with live_access)"),
)
REQUIRED = ("owner_type", "owner_name", "email", "latitude", "longitude", "label", "camera_type", "retention_days")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[0-9+().\-\s]{7,25}$")
MAX_ROWS = 100_000


@dataclass(frozen=True)
class RejectedRow:
    row: int      # line number in the file (the header is line 1)
    reason: str


@dataclass
class ImportReport:
    imported: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)


class RowError(ValueError):
    pass


def _number(row: dict, key: str, lo: float, hi: float, *, required: bool = False, integer: bool = False):
    raw = (row.get(key) or "").strip()
    if not raw:
        if required:
            raise RowError(f"{key} is required")
        return None
    try:
        value = float(raw)
    except ValueError:
        raise RowError(f"{key} must be a number (got {raw[:40]!r})") from None
    if value != value or not lo <= value <= hi:
        raise RowError(f"{key} must be between {lo:g} and {hi:g} (got {raw[:40]!r})")
    if integer and not value.is_integer():
        raise RowError(f"{key} must be a whole number (got {raw[:40]!r})")
    return int(value) if integer else value


def _text(row: dict, key: str, limit: int, *, required: bool = False) -> str | None:
    value = (row.get(key) or "").strip()
    if not value:
        if required:
            raise RowError(f"{key} is required")
        return None
    if len(value) > limit:
        raise RowError(f"{key} is longer than {limit} characters")
    return value


def _choice(row: dict, key: str, choices: tuple[str, ...], default: str | None = None) -> str:
    value = (row.get(key) or "").strip().lower() or default
    if value not in choices:
        raise RowError(f"{key} must be one of {', '.join(choices)} (got {(row.get(key) or '')[:40]!r})")
    return value


def _yes(row: dict, key: str) -> bool:
    value = (row.get(key) or "").strip().lower()
    if value in ("", "no", "n", "false", "0"):
        return False
    if value in ("yes", "y", "true", "1"):
        return True
    raise RowError(f"{key} must be yes or no (got {value[:20]!r})")


def parse_row(row: dict) -> dict:
    email = _text(row, "email", 254, required=True).lower()
    if not EMAIL.match(email):
        raise RowError(f"email {email[:60]!r} is not a valid address")
    phone = _text(row, "phone", 40)
    if phone and not PHONE.match(phone):
        raise RowError(f"phone {phone!r} is not a valid phone number")
    lat = _number(row, "latitude", -90, 90, required=True)
    lon = _number(row, "longitude", -180, 180, required=True)
    live = _yes(row, "live_access")
    stream = _text(row, "stream_url", 500)
    if stream and not live:
        raise RowError("stream_url is only allowed with live_access yes")
    return {
        "owner": {"owner_type": _choice(row, "owner_type", OWNER_TYPES), "name": _text(row, "owner_name", 200, required=True),
                  "contact_person": _text(row, "contact_person", 200), "email": email, "phone": phone,
                  "address": _text(row, "owner_address", 300)},
        "site": {"address": _text(row, "site_address", 300), "latitude": lat, "longitude": lon},
        "camera": {"label": _text(row, "label", 120, required=True),
                   "camera_type": _choice(row, "camera_type", CAMERA_TYPES),
                   "placement": _choice(row, "placement", PLACEMENTS, default="outdoor"),
                   "direction_deg": _number(row, "direction_deg", 0, 360),
                   "fov_deg": _number(row, "fov_deg", 1, 360) or 90.0,
                   "range_m": _number(row, "range_m", 1, 500),
                   "retention_days": _number(row, "retention_days", 1, 3650, required=True, integer=True),
                   "live_access": live, "stream_url": stream},
    }


def import_cameras_csv(db: Database, path: str | Path) -> ImportReport:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return import_cameras_stream(db, handle)


def import_cameras_stream(db: Database, text_stream: Iterable[str]) -> ImportReport:
    """The import of `import_cameras_csv` from an open text stream (e.g. an uploaded file decoded
    as UTF-8, opened with newline=""): the caller owns and closes the stream."""
    report = ImportReport()
    geo = get_geography()
    reader = csv.DictReader(text_stream)
    headers = {h.strip().lower() for h in (reader.fieldnames or [])}
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        report.rejected.append(RejectedRow(1, f"the header lacks required column(s): {', '.join(missing)}"))
        return report
    parsed: list[tuple[int, dict]] = []
    for line, raw in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            report.rejected.append(RejectedRow(line, f"more than {MAX_ROWS} rows: the rest was not read"))
            break
        row = {(k or "").strip().lower(): v for k, v in raw.items() if isinstance(v, str)}
        try:
            item = parse_row(row)
        except RowError as exc:
            report.rejected.append(RejectedRow(line, str(exc)))
            continue
        site = item["site"]
        if not geo.in_city([site["latitude"]], [site["longitude"]])[0]:
            report.rejected.append(RejectedRow(line, "the position is outside the Dallas city limits"))
            continue
        parsed.append((line, item))
    if not parsed:
        return report
    now = utcnow()
    with db.session() as s:
        owners: dict[str, Owner] = {}
        sites: dict[tuple, CameraSite] = {}
        for _line, item in parsed:
            email = item["owner"]["email"]
            owner = owners.get(email) or s.scalar(select(Owner).where(Owner.email == email).limit(1))
            if owner is None:
                owner = Owner(**item["owner"])
                s.add(owner)
            owners[email] = owner
            key = (email, round(item["site"]["latitude"], 6), round(item["site"]["longitude"], 6))
            site = sites.get(key)
            if site is None:
                placement = geo.locate(item["site"]["latitude"], item["site"]["longitude"])
                site = CameraSite(owner=owner, division=placement.division, beat=placement.beat, **item["site"])
                s.add(site)
                sites[key] = site
            # an admin's bulk import is an approved registration: active and verified now
            s.add(Camera(site=site, status="active", registered_at=now, verified_at=now, **item["camera"]))
            report.imported += 1
    return report
