"""Incidents from CAD: validation, placement and upsert.

Plain Python and SQLAlchemy: the REST API and `replay-cad` store incidents through
`store_incidents`, so an incident is checked and stored the same way whichever door it came
through. The shape of an incident (fields, types, limits) is dashboard.incidents.schema's
IncidentInput; this module adds what needs the map and the database: coordinates from a
geocoder, the service-area check, the beat and division, and the upsert. The change feed
the API and the dashboard poll read is dashboard.incidents.feed. Nothing here knows about
Flask or Dash.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dashboard.incidents.feed import incident_to_dict
from dashboard.incidents.schema import INCIDENT_FIELDS, IncidentInput
from dashboard.models import Incident, utcnow
from dashboard.validation import field_errors, kind

if TYPE_CHECKING:
    from dashboard.geo.geocoding import Geocoder

# DPD numbers beats by division: the first digit of the beat is the division.
DIVISION_BY_BEAT_DIGIT = {
    "1": "CENTRAL", "2": "NORTHEAST", "3": "SOUTHEAST", "4": "SOUTHWEST",
    "5": "NORTHWEST", "6": "NORTH CENTRAL", "7": "SOUTH CENTRAL",
}
# A stored row's updated_at moves at least this much on every change (see _next_updated_at).
TICK = timedelta(microseconds=1)
_CHUNK = 500  # IN (...) lists stay well below every backend's parameter limit


class Locator(Protocol):
    """What validation needs from dashboard.geo.DallasGeography."""

    def locate(self, lat: float, lon: float): ...


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
        return None, {"incident": f"must be a JSON object (got {kind(obj)})"}
    try:
        clean = IncidentInput.model_validate(obj, context={"now": now}).model_dump()
    except ValidationError as exc:
        return None, field_errors(exc, IncidentInput)
    errors: dict[str, str] = {}
    clean["latitude"], clean["longitude"] = _position(errors, clean, geocoder, allow_unlocated)
    if not errors:
        _place(errors, clean, geo, margin_m)
    return (None, errors) if errors else (clean, {})


def _position(errors: dict[str, str], clean: dict, geocoder: Geocoder | None,
              allow_unlocated: bool) -> tuple[float | None, float | None]:
    """The coordinates (IncidentInput has both or neither), or a geocoded point, or (None, None)
    when unlocated is allowed."""
    if clean["latitude"] is not None:
        return clean["latitude"], clean["longitude"]
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
