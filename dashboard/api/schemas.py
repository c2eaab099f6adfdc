"""The answers of /api/v1 as pydantic models: the OpenAPI document's response schemas.

The routes build their JSON from the services directly (a page of 5,000 incidents is not worth
a second pass); the tests validate real answers against these models, which forbid unknown
keys, so a field added to an answer without its documentation fails the build.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from dashboard.vocabulary import DIVISIONS


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Incident(_Answer):
    """A stored incident: the fields of IncidentInput, its computed beat and division included."""

    id: int
    incident_number: str
    nature_of_call: str
    priority: Annotated[int, Field(ge=1, le=4)]
    status: str | None
    received_at: datetime
    latitude: float | None
    longitude: float | None
    block: str | None
    location: str | None
    beat: str | None
    division: Literal[DIVISIONS] | None
    updated_at: Annotated[datetime, Field(description="last change; the `since` cursor")]
    source: Literal["api", "replay", "demo"]


class ValidationErrors(_Answer):
    errors: dict[str, str]


class Error(_Answer):
    error: str
    message: str
    errors: dict[str, str] | None = None


class Rejected(_Answer):
    index: Annotated[int, Field(description="position in the posted array")]
    errors: dict[str, str]


class BatchResult(_Answer):
    stored: list[Incident]
    rejected: list[Rejected]


class IncidentPage(_Answer):
    incidents: list[Incident]
    next: Annotated[str | None, Field(json_schema_extra={"format": "uri"},
                                      description="the next page (at the configured public address); null on "
                                                  "the last one")]


class NearestCamera(_Answer):
    camera_id: int
    latitude: float
    longitude: float
    distance_m: Annotated[float, Field(description="great-circle distance in metres")]
    bearing_deg: Annotated[float, Field(description="from the camera to the point, clockwise from north")]
    faces_point: Annotated[bool | None, Field(description="null when the camera's direction is unknown")]
    live_access: Annotated[bool, Field(description="the owner installed a live-access device")]
    live_sharing: Annotated[Literal["none", "emergency", "always"],
                            Field(description="the owner's choice: never live, only near an open P1/P2 call, "
                                              "or always (meaningful with live_access)")]


class NearestCameras(_Answer):
    cameras: list[NearestCamera]


class RankedCamera(_Answer):
    """A camera around an incident, ranked for investigators: score 3 faces the incident and urgent,
    2 faces it, 1 urgent, 0 neither, -1 footage already overwritten; then nearest first, then
    lowest camera_id. No owner details."""

    camera_id: int
    latitude: float
    longitude: float
    distance_m: Annotated[float, Field(description="great-circle distance in metres")]
    bearing_deg: Annotated[float, Field(description="from the camera to the incident, clockwise from north")]
    faces: Annotated[bool | None, Field(description="the incident lies inside the camera's field-of-view cone and "
                                                    "range; null when its direction is unknown")]
    live_access: bool
    retention_days: int
    hours_left: Annotated[float, Field(description="hours before footage of the incident's time is overwritten; "
                                                   "negative: already gone")]
    urgent: Annotated[bool, Field(description="0 < hours_left <= 48")]
    overwritten: Annotated[bool, Field(description="hours_left <= 0 (ranked last)")]
    score: Annotated[int, Field(ge=-1, le=3)]
    rank: Annotated[int, Field(ge=1)]


class IncidentCameras(_Answer):
    incident: Incident
    radius_m: float
    k: int
    as_of: Annotated[datetime, Field(description="the time hours_left was computed at")]
    auto_dock: Annotated[int, Field(description="how many of the first cameras the dashboard docks automatically")]
    cameras: list[RankedCamera]


ANSWERS: tuple[type[BaseModel], ...] = (Incident, ValidationErrors, Error, Rejected, BatchResult,
                                        IncidentPage, NearestCamera, NearestCameras, RankedCamera, IncidentCameras)
