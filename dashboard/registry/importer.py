"""Bulk camera registration from CSV (`connect-dallas import-cameras FILE.csv`, or an admin's
upload at /admin/import).

An import is an action on owner data: it checks `moderate_registrations` for the acting user
(the CLI acts as `CLI_OPERATOR`, who holds the server's database credentials anyway) before
reading a row, and writes its `bulk_import` audit event in the same transaction as the rows it
imports; a refused user gets a `denied` audit event (owners/access.py).

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
  stream_url       the integration device's stream (only with live_access): rtsp, rtsps, http or https
  live_sharing     none (default) | emergency | always; emergency or always needs live_access yes
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from dashboard.audit import chain as audit
from dashboard.db import Database
from dashboard.geo.geography import get_geography
from dashboard.models import Camera, CameraSite, Owner, utcnow
from dashboard.owners.access import require_audited
from dashboard.owners.contact import InvalidContact, is_valid_phone, normalize_email
from dashboard.owners.validation import LIMITS, has_control_chars, stream_url_problem
from dashboard.vocabulary import CAMERA_TYPES, LIVE_SHARING, OWNER_TYPES, PLACEMENTS

PERMISSION = "moderate_registrations"
AUDIT_ACTION = "bulk_import"


@dataclass(frozen=True)
class Operator:
    """An acting identity that is not a signed-in user (recorded as the audit event's username)."""

    username: str
    role: str
    id: None = None
    active: bool = True


# whoever runs `connect-dallas import-cameras` on the server: they already hold the database
# credentials, so they act with the admin's permission, and the audit trail names the CLI
CLI_OPERATOR = Operator(username="system:cli", role="admin")

# (column, required, what goes in it): the documented columns, shown on the admin upload page
IMPORT_COLUMNS = (
    ("owner_type", True, " | ".join(OWNER_TYPES)),
    ("owner_name", True, "person or organisation name"),
    ("contact_person", False, "who to talk to (businesses, organisations)"),
    ("email", True, "owner's email"),
    ("phone", False, "owner's phone"),
    ("owner_address", False, "owner's postal address"),
    ("site_address", False, "where the cameras are (street address)"),
    ("latitude", True, "WGS84 decimal degrees, inside the Dallas city limits"),
    ("longitude", True, "WGS84 decimal degrees, inside the Dallas city limits"),
    ("label", True, 'e.g. "Front door"'),
    ("camera_type", True, " | ".join(CAMERA_TYPES)),
    ("placement", False, f"{' | '.join(PLACEMENTS)} ({PLACEMENTS[0]} by default)"),
    ("direction_deg", False, "0-360, clockwise from north; empty = unknown"),
    ("fov_deg", False, "1-360 (default 90)"),
    ("range_m", False, "1-500"),
    ("retention_days", True, "1-3650"),
    ("live_access", False, "yes/no (default no); yes needs a device installed by the owner"),
    ("stream_url", False, "the integration device's stream (only with live_access): rtsp, rtsps, http or https"),
    ("live_sharing", False, f"{' | '.join(LIVE_SHARING)} ({LIVE_SHARING[0]} by default); "
                            "emergency or always needs live_access yes"),
)
REQUIRED = ("owner_type", "owner_name", "email", "latitude", "longitude", "label", "camera_type", "retention_days")
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
    if has_control_chars(value):
        raise RowError(f"{key} contains control characters")
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


def _stream_url(row: dict) -> str | None:
    url = _text(row, "stream_url", LIMITS["stream_url"])
    if url is None:
        return None
    problem = stream_url_problem(url)
    if problem:
        raise RowError(f"stream_url is refused: {problem} (got {url[:60]!r})")
    return url


def parse_row(row: dict) -> dict:
    try:
        email = normalize_email(_text(row, "email", 254, required=True))
    except InvalidContact as exc:
        raise RowError(f"email {(row.get('email') or '').strip()[:60]!r}: {exc}") from None
    phone = _text(row, "phone", 40)
    if phone and not is_valid_phone(phone):
        raise RowError(f"phone {phone!r} is not a valid phone number")
    lat = _number(row, "latitude", -90, 90, required=True)
    lon = _number(row, "longitude", -180, 180, required=True)
    live = _yes(row, "live_access")
    stream = _stream_url(row)
    if stream and not live:
        raise RowError("stream_url is only allowed with live_access yes")
    sharing = _choice(row, "live_sharing", LIVE_SHARING, default=LIVE_SHARING[0])
    if sharing != LIVE_SHARING[0] and not live:
        raise RowError(f"live_sharing {sharing} needs live_access yes")
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
                   "live_access": live, "stream_url": stream, "live_sharing": sharing},
    }


def import_cameras_csv(db: Database, path: str | Path, actor, *, client_addr: str | None = None) -> ImportReport:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return import_cameras_stream(db, handle, actor, filename=Path(path).name, client_addr=client_addr)


def import_cameras_stream(db: Database, text_stream: Iterable[str], actor, *, filename: str,
                          size_bytes: int | None = None, client_addr: str | None = None) -> ImportReport:
    """The import of `import_cameras_csv` from an open text stream (e.g. an uploaded file decoded
    as UTF-8, opened with newline=""): the caller owns and closes the stream. `actor` is the
    signed-in user or CLI_OPERATOR; PermissionDenied (audited) when they may not import."""
    require_audited(db, actor, PERMISSION, AUDIT_ACTION, object_type="cameras", client_addr=client_addr)
    report = ImportReport()
    geo = get_geography()
    parsed = _parse_rows(text_stream, geo, report)
    detail = {"filename": filename[:200]}
    if size_bytes is not None:
        detail["bytes"] = size_bytes
    with db.session() as s:
        if parsed:
            _store(s, parsed, geo)
            report.imported = len(parsed)
        audit.record(s, AUDIT_ACTION, user_id=actor.id, username=actor.username, object_type="cameras",
                     client_addr=client_addr, outcome="ok" if report.imported else "rejected",
                     detail={"imported": report.imported, "rejected": len(report.rejected), **detail})
    return report


def _parse_rows(text_stream: Iterable[str], geo, report: ImportReport) -> list[dict]:
    """The valid rows, in file order; each refused row goes into the report with its reason."""
    reader = csv.DictReader(text_stream)
    headers = {h.strip().lower() for h in (reader.fieldnames or [])}
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        report.rejected.append(RejectedRow(1, f"the header lacks required column(s): {', '.join(missing)}"))
        return []
    parsed: list[dict] = []
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
        parsed.append(item)
    return parsed


def _store(s, parsed: list[dict], geo) -> None:
    now = utcnow()
    owners: dict[str, Owner] = {}
    sites: dict[tuple, CameraSite] = {}
    for item in parsed:
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
