"""Incidents from CAD: validation, upsert and the `since` change feed.

Plain Python and SQLAlchemy: the REST API, `replay-cad` and the dashboard's poll all use
these functions, so an incident is checked and stored the same way whichever door it came
through. Nothing here knows about Flask or Dash.

Input rules (CONTRACT.md, "Incident object"), decided where the contract is silent:
- Lenient on representation, strict on value: `priority`, `latitude` and `longitude` may be
  JSON numbers or strings holding a number ("2", "32.78"), because CAD exports often quote
  everything; `beat` and `block` may be numbers. Booleans, NaN, infinities, fractions for
  `priority` ("2.5", 2.5) and numbers out of range are refused.
- `received_at` must carry a UTC offset ("Z" or "-06:00"): a bare local time is ambiguous
  twice a year and across CAD installations, so it is refused rather than guessed.
- Empty strings count as absent. Unknown fields are ignored, including `id`, `updated_at`
  and `source`, which only the server sets.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, Protocol

from sqlalchemy import and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dashboard.models import Incident, utcnow
from dashboard.vocabulary import DIVISIONS

if TYPE_CHECKING:
    from dashboard.geo.geocoding import Geocoder

# DPD numbers beats by division: the first digit of the beat is the division.
DIVISION_BY_BEAT_DIGIT = {
    "1": "CENTRAL", "2": "NORTHEAST", "3": "SOUTHEAST", "4": "SOUTHWEST",
    "5": "NORTHWEST", "6": "NORTH CENTRAL", "7": "SOUTH CENTRAL",
}
# The fields of CONTRACT.md's incident object, in the order they are returned.
INCIDENT_FIELDS = ("incident_number", "nature_of_call", "priority", "status", "received_at",
                   "latitude", "longitude", "block", "location", "beat", "division")
# Column sizes of the `incidents` table: checked here so the database never truncates or fails.
MAX_LEN = {"incident_number": 40, "nature_of_call": 200, "status": 60, "block": 40, "location": 200}
# A stored row's updated_at moves at least this much on every change (see _next_updated_at).
TICK = timedelta(microseconds=1)
# received_at plausibility: CAD clocks drift a little, a wrong offset is hours off, a typo years.
EARLIEST_YEAR = 1990
FUTURE_SLACK = timedelta(hours=24)
_CHUNK = 500  # IN (...) lists stay well below every backend's parameter limit
_BEAT_RE = re.compile(r"[1-7]\d\d")
_INT_RE = re.compile(r"[+-]?\d+")


class Locator(Protocol):
    """What validation needs from dashboard.geo.DallasGeography."""

    def locate(self, lat: float, lon: float): ...


class _Invalid(Exception):
    """One field's problem; the message is shown to the caller after the field name."""


def _show(value: Any) -> str:
    """A short, safe rendering of a bad value for an error message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: Any) -> str:
    return {bool: "true/false", dict: "an object", list: "an array", str: "a string",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


# --- timestamps ----------------------------------------------------------------------------------
def parse_timestamp(text: str) -> datetime:
    """ISO-8601 with a UTC offset -> aware UTC datetime; ValueError with a plain message."""
    if not isinstance(text, str):
        raise ValueError(f"must be an ISO-8601 date and time with an offset (got {_kind(text)})")
    stripped = text.strip()
    try:
        parsed = datetime.fromisoformat(stripped)
    except ValueError:
        raise ValueError(f"is not an ISO-8601 date and time ({_show(stripped)}); "
                         "use e.g. 2025-02-17T12:21:56-06:00") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"has no UTC offset ({_show(stripped)}): add one, e.g. 2025-02-17T12:21:56-06:00 "
                         "or 2025-02-17T18:21:56Z; a local time without an offset is ambiguous")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 pushed past the calendar by its offset
        raise ValueError(f"is out of range ({_show(stripped)})") from None


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


# --- field parsers: each returns the clean value or raises _Invalid -----------------------------
def _text(value: Any, field: str, *, required: bool, allow_number: bool = False) -> str | None:
    if isinstance(value, bool) or (value is not None and not isinstance(value, str)
                                   and not (allow_number and isinstance(value, int))):
        raise _Invalid(f"must be a string (got {_kind(value)})")
    text = None if value is None else " ".join(str(value).split())
    if not text:
        if required:
            raise _Invalid("is required")
        return None
    limit = MAX_LEN.get(field)
    if limit and len(text) > limit:
        raise _Invalid(f"is too long: at most {limit} characters (got {len(text)})")
    return text


def _priority(value: Any) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _Invalid("is required: an integer from 1 (most urgent) to 4")
    if isinstance(value, bool):
        raise _Invalid("must be an integer from 1 to 4, not true/false")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        raise _Invalid(f"must be a whole number from 1 to 4 (got {_show(value)})")
    if not 1 <= number <= 4:
        raise _Invalid(f"must be from 1 (most urgent) to 4 (got {_show(number)})")
    return number


def _received_at(value: Any, now: datetime) -> datetime:
    if value is None or (isinstance(value, str) and not value.strip()):
        return now
    try:
        when = parse_timestamp(value)
    except ValueError as exc:
        raise _Invalid(str(exc)) from None
    # A typo in the year would file the call decades away from every list and map filter.
    if when.year < EARLIEST_YEAR:
        raise _Invalid(f"is before {EARLIEST_YEAR} ({_show(value)}): check the year")
    if when > now + FUTURE_SLACK:
        raise _Invalid(f"is more than {FUTURE_SLACK.total_seconds() / 3600:.0f} hours in the future "
                       f"({_show(value)}): check the date and the offset")
    return when


def _coordinate(value: Any, lo: float, hi: float) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Invalid(f"must be a number in decimal degrees (got {_kind(value)})")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise _Invalid(f"must be a number in decimal degrees (got {_show(value)})") from None
    if not math.isfinite(number):
        raise _Invalid("must be a finite number (NaN and infinity are not coordinates)")
    if not lo <= number <= hi:
        raise _Invalid(f"must be between {lo:g} and {hi:g} (got {number:g})")
    return number


def _beat(value: Any) -> str | None:
    text = _text(value, "beat", required=False, allow_number=True)
    if text is not None and not _BEAT_RE.fullmatch(text):
        raise _Invalid(f"must be a DPD beat: three digits, the first one the division 1-7, e.g. 134 "
                       f"(got {_show(text)})")
    return text


def _division(value: Any) -> str | None:
    text = _text(value, "division", required=False)
    if text is None:
        return None
    upper = text.upper().replace("_", " ")
    if upper not in DIVISIONS:
        raise _Invalid(f"must be one of {', '.join(DIVISIONS)} (got {_show(text)})")
    return upper


def _collect(errors: dict[str, str], field: str, parse, *args, **kwargs):
    """Run one parser, file its message under `field`, return None on failure."""
    try:
        return parse(*args, **kwargs)
    except _Invalid as exc:
        errors[field] = str(exc)
        return None


# --- validation -------------------------------------------------------------------------------
def validate_incident(obj: Any, geo: Locator, margin_m: float, now: datetime, *,
                      geocoder: Geocoder | None = None, allow_unlocated: bool = False,
                      ) -> tuple[dict | None, dict[str, str]]:
    """Check one incident object. Returns (clean, {}) or (None, {field: message}).

    `clean` has every field of INCIDENT_FIELDS: text stripped, `received_at` an aware UTC
    datetime (default `now`), `beat` and `division` filled in from the coordinates (or the
    division from the beat) when absent. Without coordinates the block and location are
    geocoded when a geocoder is given; `allow_unlocated` (replay of files that carry no
    coordinates) stores the incident without a position instead of refusing it.
    """
    if not isinstance(obj, dict):
        return None, {"incident": f"must be a JSON object (got {_kind(obj)})"}
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {
        "incident_number": _collect(errors, "incident_number", _text, obj.get("incident_number"),
                                    "incident_number", required=True),
        "nature_of_call": _collect(errors, "nature_of_call", _text, obj.get("nature_of_call"),
                                   "nature_of_call", required=True),
        "priority": _collect(errors, "priority", _priority, obj.get("priority")),
        "status": _collect(errors, "status", _text, obj.get("status"), "status", required=False),
        "received_at": _collect(errors, "received_at", _received_at, obj.get("received_at"), now),
        "block": _collect(errors, "block", _text, obj.get("block"), "block", required=False,
                          allow_number=True),
        "location": _collect(errors, "location", _text, obj.get("location"), "location", required=False),
        "beat": _collect(errors, "beat", _beat, obj.get("beat")),
        "division": _collect(errors, "division", _division, obj.get("division")),
    }
    lat = _collect(errors, "latitude", _coordinate, obj.get("latitude"), -90.0, 90.0)
    lon = _collect(errors, "longitude", _coordinate, obj.get("longitude"), -180.0, 180.0)
    if "latitude" not in errors and "longitude" not in errors:
        lat, lon = _position(errors, lat, lon, clean, geocoder, allow_unlocated)
    if errors:
        return None, errors
    clean["latitude"], clean["longitude"] = lat, lon
    _place(errors, clean, geo, margin_m)
    return (None, errors) if errors else (clean, {})


def _position(errors: dict[str, str], lat: float | None, lon: float | None, clean: dict,
              geocoder: Geocoder | None, allow_unlocated: bool) -> tuple[float | None, float | None]:
    """Both coordinates, or a geocoded point, or (None, None) when unlocated is allowed."""
    if lat is not None and lon is not None:
        return lat, lon
    if lat is not None or lon is not None:
        missing, given = ("longitude", "latitude") if lon is None else ("latitude", "longitude")
        errors[missing] = f"is required when {given} is given"
        return None, None
    if geocoder is not None and (clean.get("block") or clean.get("location")):
        point = geocoder.geocode(clean.get("block"), clean.get("location"))
        if point is not None:
            return point
    if allow_unlocated:
        return None, None
    why = ("the block and location could not be geocoded" if geocoder is not None
           else "no geocoder is configured, so coordinates must be sent")
    errors["latitude"] = errors["longitude"] = f"is required: {why}"
    return None, None


def _place(errors: dict[str, str], clean: dict, geo: Locator, margin_m: float) -> None:
    """Refuse points beyond the service area; fill beat and division where absent."""
    lat, lon = clean["latitude"], clean["longitude"]
    if lat is not None and lon is not None:
        placement = geo.locate(lat, lon)
        if placement.outside_city_m > margin_m:
            message = (f"the point {lat:.6f}, {lon:.6f} is {placement.outside_city_m:.0f} m outside the "
                       f"Dallas city limits (limit {margin_m:.0f} m)")
            errors["latitude"] = errors["longitude"] = message
            return
        if clean["beat"] is None:
            clean["beat"] = placement.beat
            if clean["division"] is None:
                clean["division"] = placement.division
    if clean["division"] is None and clean["beat"] is not None:
        clean["division"] = DIVISION_BY_BEAT_DIGIT[clean["beat"][0]]


# --- storing --------------------------------------------------------------------------------------
Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class Stored:
    index: int          # position of the (last) object with this number in the input
    incident: dict      # incident_to_dict of the stored row
    outcome: Outcome


def incident_to_dict(incident: Incident) -> dict:
    """The incident as the API returns it: CONTRACT's fields plus id, updated_at and source."""
    out: dict[str, Any] = {"id": incident.id}
    for name in INCIDENT_FIELDS:
        out[name] = getattr(incident, name)
    out["received_at"] = iso(incident.received_at)
    out["updated_at"] = iso(incident.updated_at)
    out["source"] = incident.source
    return out


def store_incidents(session: Session, items: Sequence[Any], *, geo: Locator, settings, source: str = "api",
                    now: datetime | None = None, geocoder: Geocoder | None = None,
                    allow_unlocated: bool = False) -> tuple[list[Stored], list[dict]]:
    """Validate and upsert `items` in the caller's transaction (see upsert_incidents).

    Returns the stored incidents, one per distinct number, in input order, each marked
    created / updated / unchanged, and the rejected objects as {"index", "errors"}.
    """
    now = _aware(now or utcnow())
    good: dict[str, tuple[int, dict]] = {}
    rejected: list[dict] = []
    for index, item in enumerate(items):
        clean, errors = validate_incident(item, geo, settings.service_area_margin_m, now,
                                          geocoder=geocoder, allow_unlocated=allow_unlocated)
        if clean is None:
            rejected.append({"index": index, "errors": errors})
            continue
        good.pop(clean["incident_number"], None)  # the same number twice: the later one wins
        good[clean["incident_number"]] = (index, clean)
    if not good:
        return [], rejected
    existing = _existing(session, list(good))
    outcomes: dict[str, Outcome] = {}
    fresh: list[dict] = []
    for number, (_index, clean) in good.items():
        row = existing.get(number)
        if row is None:
            outcomes[number] = "created"
            fresh.append({**clean, "updated_at": now, "source": source})
        elif _apply(row, clean, now, source):
            outcomes[number] = "updated"
        else:
            outcomes[number] = "unchanged"
    _insert(session, fresh)
    session.flush()
    rows = _existing(session, list(good))
    stored = [Stored(index, incident_to_dict(rows[number]), outcomes[number])
              for number, (index, _clean) in sorted(good.items(), key=lambda kv: kv[1][0])]
    return stored, rejected


def upsert_incidents(session: Session, items: Sequence[Any], *, geo: Locator, settings, source: str = "api",
                     now: datetime | None = None, geocoder: Geocoder | None = None,
                     allow_unlocated: bool = False) -> tuple[list[tuple[dict, bool]], list[dict]]:
    """Store every valid object, upsert on incident_number, in the caller's transaction.

    Returns ([(incident_dict, created)], [{"index": i, "errors": {field: message}}]).
    Invalid objects are never written, not even in part; an object equal to the stored
    row changes nothing (its updated_at stays, so pollers do not see it again).
    """
    stored, rejected = store_incidents(session, items, geo=geo, settings=settings, source=source, now=now,
                                       geocoder=geocoder, allow_unlocated=allow_unlocated)
    return [(s.incident, s.outcome == "created") for s in stored], rejected


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("`now` must be timezone-aware")
    return value.astimezone(UTC)


def _chunks(values: list, size: int = _CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _existing(session: Session, numbers: list[str]) -> dict[str, Incident]:
    rows: dict[str, Incident] = {}
    for chunk in _chunks(numbers):
        for row in session.scalars(select(Incident).where(Incident.incident_number.in_(chunk))):
            rows[row.incident_number] = row
    return rows


def _apply(row: Incident, clean: dict, now: datetime, source: str) -> bool:
    """Copy changed fields onto a stored row; True when anything changed."""
    changed = {name: value for name, value in clean.items() if getattr(row, name) != value}
    if not changed:
        return False
    for name, value in changed.items():
        setattr(row, name, value)
    row.updated_at = _next_updated_at(row.updated_at, now)
    row.source = source
    return True


def _next_updated_at(previous: datetime | None, now: datetime) -> datetime:
    """`now`, but strictly later than the row's last change even if the clock stepped back or
    two changes share a microsecond: a poller holding the old cursor must see the change."""
    if previous is not None and previous >= now:
        return previous + TICK
    return now


def _insert(session: Session, rows: list[dict]) -> None:
    """INSERT ... ON CONFLICT (incident_number) DO UPDATE: when a concurrent request inserted
    the same number after our look-up, the later write wins instead of failing the batch."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    module = {"postgresql": postgresql, "sqlite": sqlite}.get(dialect)
    table = Incident.__table__
    if module is None:  # any other backend: plain insert, a race raises IntegrityError
        session.execute(table.insert(), rows)
        return
    stmt = module.insert(table)
    columns = [*INCIDENT_FIELDS, "updated_at", "source"]
    stmt = stmt.on_conflict_do_update(index_elements=["incident_number"],
                                      set_={name: stmt.excluded[name] for name in columns})
    for chunk in _chunks(rows):
        session.execute(stmt, chunk)


# --- the change feed --------------------------------------------------------------------------------
class Cursor(NamedTuple):
    """Where the next page starts: strictly after (since, after) in (updated_at, id) order."""

    since: datetime
    after: int


def incidents_changed_since(session: Session, since: datetime | None, after_id: int | None,
                            limit: int) -> tuple[list[dict], Cursor | None]:
    """Incidents changed at or after `since` (all when None), oldest change first.

    With `after_id`, strictly after the incident (since, after_id): keyset pagination on
    (updated_at, id), so rows sharing an updated_at are neither lost nor repeated at a page
    boundary. Returns the page and the cursor of the next one (None on the last page).
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    query = select(Incident)
    if since is not None:
        since = _aware(since)
        if after_id is None:
            query = query.where(Incident.updated_at >= since)
        else:
            query = query.where(or_(Incident.updated_at > since,
                                    and_(Incident.updated_at == since, Incident.id > after_id)))
    elif after_id is not None:
        raise ValueError("after_id needs since")
    rows = list(session.scalars(query.order_by(Incident.updated_at, Incident.id).limit(limit + 1)))
    page = rows[:limit]
    cursor = Cursor(page[-1].updated_at, page[-1].id) if len(rows) > limit else None
    return [incident_to_dict(row) for row in page], cursor
