"""The incident object CAD sends (docs/interfaces.md, "Incident object"): one pydantic model that both
validates input (the API and `replay-cad`, through dashboard.incidents.ingest) and describes it
in the OpenAPI document, so a limit cannot be enforced one way and documented another.

Rules decided where the contract is silent:
- Lenient on representation, strict on value: `priority`, `latitude` and `longitude` may be
  JSON numbers or strings holding a number ("2", "32.78"), because CAD exports often quote
  everything; `beat` and `block` may be numbers. Booleans, NaN, infinities, fractions for
  `priority` ("2.5", 2.5) and numbers out of range are refused.
- `received_at` must carry a UTC offset ("Z" or "-06:00"): a bare local time is ambiguous
  twice a year and across CAD installations, so it is refused rather than guessed.
- Text: whitespace folded, empty strings count as absent, control characters refused (a NUL
  cannot be stored by PostgreSQL). Incident numbers hold letters, digits and dashes only: they
  end up in URLs and file names.
- Unknown fields are ignored, including `id`, `updated_at` and `source`, which only the server sets.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from dashboard.models import Incident
from dashboard.validation import (
    NO_CONTROL_CHARACTERS,
    Say,
    clean_number_text,
    clean_text,
    kind,
    model_error,
    show,
)
from dashboard.vocabulary import DIVISIONS

# The fields of docs/interfaces.md's incident object, in the order they are returned.
INCIDENT_FIELDS = ("incident_number", "nature_of_call", "priority", "status", "received_at",
                   "latitude", "longitude", "block", "location", "beat", "division")
INCIDENT_NUMBER = r"^[A-Za-z0-9][A-Za-z0-9-]*$"
BEAT = r"^[1-7][0-9][0-9]$"
# received_at plausibility: CAD clocks drift a little, a wrong offset is hours off, a typo years.
EARLIEST_YEAR = 1990
FUTURE_SLACK = timedelta(hours=24)


def column_length(name: str) -> int:
    """The size of an `incidents` column: checked at entry so the database never truncates or fails."""
    return Incident.__table__.c[name].type.length


# --- timestamps ----------------------------------------------------------------------------------
def parse_timestamp(text: Any) -> datetime:
    """ISO-8601 with a UTC offset -> aware UTC datetime; ValueError with a plain message."""
    if not isinstance(text, str):
        raise ValueError(f"must be an ISO-8601 date and time with an offset (got {kind(text)})")
    stripped = text.strip()
    try:
        if not stripped.isprintable():  # fromisoformat takes any character between date and time
            raise ValueError
        parsed = datetime.fromisoformat(stripped)
    except ValueError:
        raise ValueError(f"is not an ISO-8601 date and time ({show(stripped)}); "
                         "use e.g. 2025-02-17T12:21:56-06:00") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"has no UTC offset ({show(stripped)}): add one, e.g. 2025-02-17T12:21:56-06:00 "
                         "or 2025-02-17T18:21:56Z; a local time without an offset is ambiguous")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 pushed past the calendar by its offset
        raise ValueError(f"is out of range ({show(stripped)})") from None


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def timestamp_or_none(value: Any) -> datetime | None:
    """A `BeforeValidator` around parse_timestamp: empty is absent, a bad one a field error."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_timestamp(value)
    except ValueError as exc:
        raise PydanticCustomError("timestamp", str(exc)) from None


# --- numbers -------------------------------------------------------------------------------------
def _no_bool(meaning: str):
    """A `BeforeValidator` for numbers: empty strings are absent and true/false is refused
    (pydantic would read true as 1)."""

    def check(value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip() or None
        if isinstance(value, bool):
            raise PydanticCustomError("bool_number", f"must be {meaning}, not true/false")
        return value

    return check


def _coordinate(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip() or None
    if isinstance(value, bool) or not isinstance(value, int | float | str | None):
        raise PydanticCustomError("coordinate_type", f"must be a number in decimal degrees (got {kind(value)})")
    return value


def _division(value: Any) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    upper = text.upper().replace("_", " ")
    if upper not in DIVISIONS:
        raise PydanticCustomError("division", f"must be one of {', '.join(DIVISIONS)} (got {show(text)})")
    return upper


def _text(name: str, *, required: bool = False, numbers: bool = False, pattern: str = NO_CONTROL_CHARACTERS,
          say: Say | None = None, **field: Any) -> Any:
    """The annotation of a text field sized by its column."""
    kind_ = str if required else str | None
    default = {"min_length": 1} if required else {"default": None}
    # Field before the BeforeValidator: the limits then apply to the cleaned string
    return Annotated[kind_, Field(max_length=column_length(name), pattern=pattern, **default, **field),
                     say or Say(), BeforeValidator(clean_number_text if numbers else clean_text)]


_COORDINATE = Say(number="must be a number in decimal degrees (got {shown})",
                  finite_number="must be a finite number (NaN and infinity are not coordinates)",
                  range="must be between {lo} and {hi} (got {num})")


class IncidentInput(BaseModel):
    """One incident as CAD posts it. Validate with `model_validate(obj, context={"now": now})`."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={
        "description": "Unknown fields are ignored. latitude/longitude are required unless a geocoder is "
                       "configured; beat and division are computed from them when absent (division from the "
                       "beat's first digit when only the beat is given). A point farther than the service-area "
                       "margin outside the city limits is refused. priority, latitude and longitude may also "
                       "be sent as strings holding the number; text fields may not hold control characters."})

    incident_number: _text(
        "incident_number", required=True, pattern=INCIDENT_NUMBER, examples=["25-0282622"],
        description="letters, digits and dashes",
        say=Say(string_pattern_mismatch="may hold only letters, digits and dashes, starting with a letter or "
                                        "digit (got {shown})"))
    nature_of_call: _text("nature_of_call", required=True, examples=["41/11R - Burg Res in Progress"])
    priority: Annotated[int, Field(ge=1, le=4, description="1 most urgent"),
                        Say(missing="is required: an integer from 1 (most urgent) to 4",
                            whole="must be a whole number from 1 to 4 (got {shown})",
                            range="must be from 1 (most urgent) to 4 (got {shown})"),
                        BeforeValidator(_no_bool("an integer from 1 to 4"))]
    status: _text("status", examples=["At Scene"])
    received_at: Annotated[datetime | None, Field(default=None, validate_default=True,
                                 description="ISO-8601 with a UTC offset; default: now")]
    latitude: Annotated[float | None, Field(default=None, ge=-90, le=90, allow_inf_nan=False,
                              description="WGS84 decimal degrees"), _COORDINATE,
                        BeforeValidator(_coordinate)]
    longitude: Annotated[float | None, Field(default=None, ge=-180, le=180, allow_inf_nan=False,
                               description="WGS84 decimal degrees"), _COORDINATE,
                        BeforeValidator(_coordinate)]
    block: _text("block", numbers=True, examples=["2700"])
    location: _text("location", examples=["Hector St"])
    beat: _text("beat", numbers=True, pattern=BEAT, examples=["312"], say=Say(
        string_pattern_mismatch="must be a DPD beat: three digits, the first one the division 1-7, e.g. 134 "
                                "(got {shown})"))
    division: Annotated[Literal[DIVISIONS] | None, Field(default=None), BeforeValidator(_division)]

    @field_validator("received_at", mode="before")
    @classmethod
    def _received_at(cls, value: Any, info: ValidationInfo) -> datetime:
        now: datetime = (info.context or {}).get("now") or datetime.now(UTC)
        when = timestamp_or_none(value)
        if when is None:
            return now
        # A typo in the year would file the call decades away from every list and map filter.
        if when.year < EARLIEST_YEAR:
            raise PydanticCustomError("too_early", f"is before {EARLIEST_YEAR} ({show(value)}): check the year")
        if when > now + FUTURE_SLACK:
            raise PydanticCustomError("too_late", f"is more than {FUTURE_SLACK.total_seconds() / 3600:.0f} hours "
                                                  f"in the future ({show(value)}): check the date and the offset")
        return when

    @model_validator(mode="after")
    def _both_coordinates(self) -> IncidentInput:
        if (self.latitude is None) != (self.longitude is None):
            missing, given = ("longitude", "latitude") if self.longitude is None else ("latitude", "longitude")
            raise model_error(missing, f"is required when {given} is given")
        return self
