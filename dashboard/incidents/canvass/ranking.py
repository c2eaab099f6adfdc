"""Ranking the cameras investigators should ask first (the rules: `dashboard.incidents.canvass`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select

from dashboard.models import Incident, utcnow
from dashboard.registry.snapshot import RegistrySnapshot

ACTION = "canvass_export"
URGENT_HOURS = 48.0
AUTO_DOCK = 4               # the first 4 ranked cameras are docked automatically (UI)
DEFAULT_RADIUS_M = 150.0
MAX_RADIUS_M = 2000.0       # incident canvass: a 2 km circle (12.6 km^2) is already a district
DEFAULT_K = 20
MAX_K = 100
MAX_CANDIDATES = 2000       # cameras considered before ranking (also the shape limit below)
MAX_SHAPE_AREA_M2 = 25e6    # 25 km^2
MAX_SHAPE_CAMERAS = 2000
MAX_POLYGON_VERTICES = 1000

SCORE_OVERWRITTEN = -1

class CanvassInputError(ValueError):
    """Bad input (shape, radius, k, case number, reason, an incident without a location); the
    message is meant for the user. `field` names the parameter when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class IncidentNotFound(LookupError):
    """No incident with that number."""


@dataclass(frozen=True)
class RankedCamera:
    camera_id: int
    latitude: float
    longitude: float
    distance_m: float
    bearing_deg: float          # from the camera to the point, clockwise from north
    faces: bool | None          # None: the camera's direction is unknown
    live_access: bool
    retention_days: int
    hours_left: float           # negative: the footage of that time is already overwritten
    urgent: bool                # 0 < hours_left <= 48
    overwritten: bool           # hours_left <= 0 (ranked last, still listed)
    score: int                  # see the module docstring
    rank: int                   # 1-based

    def to_dict(self) -> dict:
        """JSON-ready, rounded for display (no owner data: the snapshot holds none)."""
        out = asdict(self)
        out["distance_m"] = round(self.distance_m, 1)
        out["bearing_deg"] = round(self.bearing_deg, 1)
        out["hours_left"] = round(self.hours_left, 1)
        return out


# --- ranking -----------------------------------------------------------------------------------------
def hours_left(retention_days, reference_time: datetime, now: datetime):
    """retention_days * 24 minus the hours elapsed since `reference_time` (elapsed >= 0)."""
    require_aware(reference_time, "reference_time")
    require_aware(now, "now")
    elapsed = max((now - reference_time).total_seconds() / 3600.0, 0.0)
    return np.asarray(retention_days, dtype=float) * 24.0 - elapsed


def require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def rank_rows(snapshot: RegistrySnapshot, idx: np.ndarray, dist: np.ndarray, bearing: np.ndarray,
          faces: np.ndarray, known: np.ndarray, reference_time: datetime, now: datetime,
          k: int) -> list[RankedCamera]:
    idx = np.asarray(idx, dtype=np.int64)
    if idx.size == 0 or k <= 0:
        return []
    left = hours_left(snapshot.retention[idx], reference_time, now)
    overwritten = left <= 0
    urgent = (left > 0) & (left <= URGENT_HOURS)
    facing = np.asarray(faces, bool) & np.asarray(known, bool)
    score = np.where(overwritten, SCORE_OVERWRITTEN, 2 * facing.astype(int) + urgent.astype(int))
    ids = snapshot.ids[idx]
    order = np.lexsort((ids, dist, -score))[:k]  # last key is primary
    out = []
    for rank, j in enumerate(order.tolist(), start=1):
        i = int(idx[j])
        out.append(RankedCamera(
            camera_id=int(ids[j]), latitude=float(snapshot.lat[i]), longitude=float(snapshot.lon[i]),
            distance_m=float(dist[j]), bearing_deg=float(bearing[j]),
            faces=bool(facing[j]) if known[j] else None, live_access=bool(snapshot.live[i]),
            retention_days=int(snapshot.retention[i]), hours_left=float(left[j]), urgent=bool(urgent[j]),
            overwritten=bool(overwritten[j]), score=int(score[j]), rank=rank))
    return out


def _check_point(lat: Any, lon: Any) -> tuple[float, float]:
    try:
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError):
        raise CanvassInputError("The point needs a numeric latitude and longitude.", "location") from None
    if not (math.isfinite(la) and math.isfinite(lo) and -90 <= la <= 90 and -180 <= lo <= 180):
        raise CanvassInputError("The point's latitude/longitude are out of range.", "location")
    return la, lo


def check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= MAX_K:
        raise CanvassInputError(f"k: a whole number from 1 to {MAX_K}.", "k")
    return int(k)


def check_radius(radius_m: Any, limit: float = MAX_RADIUS_M) -> float:
    try:
        r = float(radius_m)
    except (TypeError, ValueError):
        raise CanvassInputError("radius_m: a number of metres.", "radius_m") from None
    if not math.isfinite(r) or r <= 0 or r > limit:
        raise CanvassInputError(f"radius_m: more than 0 and at most {limit:g} metres.", "radius_m")
    return r


def rank_cameras(snapshot: RegistrySnapshot, lat: float, lon: float, incident_time: datetime, now: datetime,
                 *, radius_m: float = DEFAULT_RADIUS_M, k: int = DEFAULT_K) -> list[RankedCamera]:
    """The cameras within `radius_m` of the point, ranked for investigators (module docstring),
    at most `k` of them."""
    lat, lon = _check_point(lat, lon)
    radius_m, k = check_radius(radius_m), check_k(k)
    require_aware(incident_time, "incident_time")
    require_aware(now, "now")
    near = snapshot.nearest(lat, lon, k=MAX_CANDIDATES, radius_m=radius_m)
    return rank_rows(snapshot, near.index, near.distance_m, near.bearing_deg, near.faces, near.direction_known,
                 incident_time, now, k)


# --- incidents ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IncidentPoint:
    incident_number: str
    latitude: float | None
    longitude: float | None
    received_at: datetime


def find_incident(session, incident_number: Any) -> Incident:
    """The Incident row with that number, or IncidentNotFound."""
    number = incident_number.strip() if isinstance(incident_number, str) else ""
    row = None
    if number and len(number) <= 40:
        row = session.scalar(select(Incident).where(Incident.incident_number == number))
    if row is None:
        raise IncidentNotFound(f"no incident {str(incident_number)[:40]!r}")
    return row


def incident_point(incident: Any) -> IncidentPoint:
    if isinstance(incident, IncidentPoint):
        return incident
    if isinstance(incident, Mapping):
        received = incident.get("received_at")
        if isinstance(received, str):
            received = datetime.fromisoformat(received.replace("Z", "+00:00"))
        return IncidentPoint(str(incident["incident_number"]), incident.get("latitude"), incident.get("longitude"),
                             received)
    return IncidentPoint(incident.incident_number, incident.latitude, incident.longitude, incident.received_at)


def rank_for_incident(snapshot: RegistrySnapshot, incident: Any, now: datetime | None = None, *,
                      radius_m: float = DEFAULT_RADIUS_M, k: int = DEFAULT_K) -> list[RankedCamera]:
    """`rank_cameras` around an incident (an Incident row, incident_to_dict's dict or an
    IncidentPoint), its received_at as the reference time. CanvassInputError when the incident
    has no location."""
    point = incident_point(incident)
    if point.latitude is None or point.longitude is None:
        raise CanvassInputError("incident has no location", "incident")
    return rank_cameras(snapshot, point.latitude, point.longitude, point.received_at, now or utcnow(),
                        radius_m=radius_m, k=k)
