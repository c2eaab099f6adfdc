"""The camera canvass: which registered cameras investigators should ask first, and the
audited CSV export of that list for the case file.

Plain Python over the registry snapshot and SQLAlchemy; nothing here knows about Flask or
Dash (the REST API and the dashboard both call these functions).

Ranking (`rank_cameras`, `rank_in_shape`), documented and simple
--------------------------------------------------------------------
For every candidate camera:

* ``hours_left = retention_days * 24 - hours elapsed since the reference time`` (the incident's
  time; elapsed time is never counted below zero, so an incident stamped slightly in the future
  by a drifting CAD clock keeps the full retention). ``hours_left <= 0``: the footage of that
  moment has already been overwritten (``overwritten``); ``0 < hours_left <= 48``: ``urgent``.
* ``faces`` is True when the point lies inside the camera's field-of-view cone and range, False
  when it does not, None when the camera's direction is unknown.
* ``score`` is a small integer class, higher first:

  ====  ===========================================
   3    faces the point, and urgent
   2    faces the point
   1    does not face it (or unknown), but urgent
   0    does not face it (or unknown)
  -1    footage already overwritten (listed last, whatever else is true)
  ====  ===========================================

* order: score descending, then distance ascending, then camera id ascending (deterministic);
  ``rank`` is 1-based.

Candidates for an incident are every active camera within ``radius_m`` (up to
``MAX_CANDIDATES`` nearest, far more than a street-level radius holds), ranked, then cut to
``k``: a camera facing the incident is never lost because closer cameras fill the first k.

The export (`canvass_csv`)
--------------------------
Plain CSV (``CSV_COLUMNS``). Owner columns (``OWNER_COLUMNS``) are added only when asked for,
and only for a role with ``reveal_owner`` that gives a valid case number and reason, the same
rules as the single-owner reveal (dashboard.owners):

* permission is checked FIRST. A role that may not export (no ``view_map``), or may not see
  owners but asked for them, gets ``PermissionDenied`` and the attempt is written as audit event
  ``canvass_export`` / outcome ``denied`` in its own transaction before the exception is raised;
* bad input raises ``CanvassInputError`` (message for the user, ``field`` names the parameter),
  an unknown incident ``IncidentNotFound``; neither writes an audit event;
* otherwise the owners are read (when included) and the audit event ``canvass_export`` / ``ok``
  (object: the incident number; detail: count, with_owner, radius, k, camera ids) is written in
  ONE transaction, and the CSV text is returned only after it has committed.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon
from sqlalchemy import select

from auth.permissions import PermissionDenied, require
from dashboard.audit import chain as audit
from dashboard.db import Database
from dashboard.geo.geography import DEFAULT_FOV_DEG, angle_within, bearing_deg, haversine_m, metres_per_degree
from dashboard.models import Camera, CameraSite, Incident, Owner, utcnow
from dashboard.owners.reveal import CASE_NUMBER, REASON_MAX, REASON_MIN
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

CSV_COLUMNS = ("rank", "camera_id", "latitude", "longitude", "distance_m", "bearing_deg", "faces_incident",
               "live_access", "retention_days", "hours_left", "urgent", "overwritten")
OWNER_COLUMNS = ("owner_type", "owner_name", "contact_person", "phone", "email", "owner_address")


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
    _require_aware(reference_time, "reference_time")
    _require_aware(now, "now")
    elapsed = max((now - reference_time).total_seconds() / 3600.0, 0.0)
    return np.asarray(retention_days, dtype=float) * 24.0 - elapsed


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def _rank(snapshot: RegistrySnapshot, idx: np.ndarray, dist: np.ndarray, bearing: np.ndarray,
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


def _check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= MAX_K:
        raise CanvassInputError(f"k: a whole number from 1 to {MAX_K}.", "k")
    return int(k)


def _check_radius(radius_m: Any, limit: float = MAX_RADIUS_M) -> float:
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
    radius_m, k = _check_radius(radius_m), _check_k(k)
    _require_aware(incident_time, "incident_time")
    _require_aware(now, "now")
    near = snapshot.nearest(lat, lon, k=MAX_CANDIDATES, radius_m=radius_m)
    return _rank(snapshot, near.index, near.distance_m, near.bearing_deg, near.faces, near.direction_known,
                 incident_time, now, k)


# --- shapes drawn on the map ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Shape:
    kind: str                     # "circle" | "polygon"
    center: tuple[float, float]   # lat, lon: circle centre or polygon centroid
    radius_m: float | None = None
    polygon: Polygon | None = None  # lon/lat


def _local_area_m2(poly: Polygon) -> float:
    """Area in m^2 on an equirectangular projection about the polygon's own latitude."""
    kx, ky = metres_per_degree(poly.centroid.y)
    return shapely.transform(poly, lambda xy: xy * np.array([kx, ky])).area


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError
    v = float(value)
    if not math.isfinite(v):
        raise ValueError
    return v


def _parse_shape(shape: Any) -> _Shape:
    if isinstance(shape, Mapping) and shape.get("type") == "Feature":
        shape = shape.get("geometry")
    if not isinstance(shape, Mapping):
        raise CanvassInputError("Shape: send a circle or a GeoJSON Polygon object.", "shape")
    kind = shape.get("type")
    if kind == "circle":
        return _parse_circle(shape)
    if kind == "Polygon":
        return _parse_polygon(shape)
    raise CanvassInputError(f"Shape: type must be 'circle' or 'Polygon' (got {str(kind)[:40]!r}).", "shape")


def _parse_circle(shape: Mapping) -> _Shape:
    center = shape.get("center")
    try:
        if not isinstance(center, Sequence) or isinstance(center, str) or len(center) != 2:
            raise TypeError
        lat, lon = _number(center[0]), _number(center[1])
    except (TypeError, ValueError):
        raise CanvassInputError("Circle: center must be [latitude, longitude].", "shape") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise CanvassInputError("Circle: center is out of range (send [latitude, longitude]).", "shape")
    try:
        radius = _number(shape.get("radius_m"))
    except (TypeError, ValueError):
        raise CanvassInputError("Circle: radius_m must be a number of metres.", "shape") from None
    if radius <= 0:
        raise CanvassInputError("Circle: radius_m must be more than 0.", "shape")
    if math.pi * radius * radius > MAX_SHAPE_AREA_M2:
        limit = math.sqrt(MAX_SHAPE_AREA_M2 / math.pi)
        raise CanvassInputError(f"Circle: too large; at most {MAX_SHAPE_AREA_M2 / 1e6:g} km² "
                                f"(radius up to {limit:,.0f} m).", "shape")
    return _Shape("circle", (lat, lon), radius_m=radius)


def _parse_polygon(shape: Mapping) -> _Shape:
    rings = shape.get("coordinates")
    if not isinstance(rings, Sequence) or isinstance(rings, str) or not rings:
        raise CanvassInputError("Polygon: coordinates must be a list of rings of [longitude, latitude].", "shape")
    parsed: list[list[tuple[float, float]]] = []
    vertices = 0
    for ring in rings:
        if not isinstance(ring, Sequence) or isinstance(ring, str):
            raise CanvassInputError("Polygon: each ring must be a list of [longitude, latitude].", "shape")
        vertices += len(ring)
        if vertices > MAX_POLYGON_VERTICES:
            raise CanvassInputError(f"Polygon: at most {MAX_POLYGON_VERTICES} vertices.", "shape")
        points = []
        for pos in ring:
            try:
                if not isinstance(pos, Sequence) or isinstance(pos, str) or len(pos) < 2:
                    raise TypeError
                lon, lat = _number(pos[0]), _number(pos[1])
            except (TypeError, ValueError):
                raise CanvassInputError("Polygon: every position must be [longitude, latitude].", "shape") from None
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise CanvassInputError("Polygon: a position is out of range (GeoJSON order is "
                                        "[longitude, latitude]).", "shape")
            points.append((lon, lat))
        if len(set(points)) < 3:
            raise CanvassInputError("Polygon: a ring needs at least three distinct corners.", "shape")
        parsed.append(points)
    poly = Polygon(parsed[0], parsed[1:])
    if not poly.is_valid or poly.is_empty or poly.area <= 0:
        raise CanvassInputError("Polygon: its edges cross each other; redraw it.", "shape")
    if _local_area_m2(poly) > MAX_SHAPE_AREA_M2:
        raise CanvassInputError(f"Polygon: too large; at most {MAX_SHAPE_AREA_M2 / 1e6:g} km².", "shape")
    shapely.prepare(poly)
    c = poly.centroid
    return _Shape("polygon", (c.y, c.x), polygon=poly)


def _members(snapshot: RegistrySnapshot, s: _Shape) -> np.ndarray:
    if len(snapshot) == 0:
        return np.empty(0, dtype=np.int64)
    if s.kind == "circle":
        lat, lon = s.center
        idx = snapshot.nearest(lat, lon, k=MAX_SHAPE_CAMERAS + 1, radius_m=s.radius_m).index
    else:
        minx, miny, maxx, maxy = s.polygon.bounds
        box = np.flatnonzero((snapshot.lon >= minx) & (snapshot.lon <= maxx)
                             & (snapshot.lat >= miny) & (snapshot.lat <= maxy))
        idx = box[shapely.contains_xy(s.polygon, snapshot.lon[box], snapshot.lat[box])]
    if len(idx) > MAX_SHAPE_CAMERAS:
        raise CanvassInputError(f"The shape holds more than {MAX_SHAPE_CAMERAS:,} cameras: draw a smaller one.",
                                "shape")
    return np.sort(np.asarray(idx, dtype=np.int64))


def cameras_in_shape(snapshot: RegistrySnapshot, shape: dict) -> list[int]:
    """Snapshot row indices (ascending) of the cameras inside a drawn shape:
    ``{"type": "circle", "center": [lat, lon], "radius_m": r}`` or a GeoJSON Polygon
    ``{"type": "Polygon", "coordinates": [[[lon, lat], ...], ...holes]}`` (a GeoJSON Feature
    holding one is accepted too). At most 25 km² and 2,000 cameras, else CanvassInputError."""
    return _members(snapshot, _parse_shape(shape)).tolist()


def shape_center(shape: dict) -> tuple[float, float]:
    """(lat, lon) that distances are measured from: the circle's centre, the polygon's centroid."""
    return _parse_shape(shape).center


def measure(snapshot: RegistrySnapshot, idx, lat: float, lon: float):
    """Distance, bearing (camera -> point), faces and direction-known for given snapshot rows,
    with the same rules as RegistrySnapshot.nearest: unknown field of view counts as 90°,
    unknown range never limits."""
    idx = np.asarray(idx, dtype=np.int64)
    clat, clon = snapshot.lat[idx], snapshot.lon[idx]
    dist = haversine_m(clat, clon, lat, lon)
    bearing = bearing_deg(clat, clon, lat, lon)
    direction = snapshot.direction[idx]
    known = ~np.isnan(direction)
    fov = np.nan_to_num(snapshot.fov[idx], nan=DEFAULT_FOV_DEG)
    reach = np.nan_to_num(snapshot.range_m[idx], nan=np.inf)
    faces = angle_within(bearing, np.nan_to_num(direction), fov) & (dist <= reach) & known
    return np.atleast_1d(dist), np.atleast_1d(bearing), np.atleast_1d(faces), np.atleast_1d(known)


def rank_in_shape(snapshot: RegistrySnapshot, shape: dict, reference_time: datetime, now: datetime,
                  k: int = MAX_K) -> list[RankedCamera]:
    """The cameras inside a drawn shape, ranked like `rank_cameras`, distance, bearing and facing
    measured from the circle's centre or the polygon's centroid."""
    k = _check_k(k)
    _require_aware(reference_time, "reference_time")
    _require_aware(now, "now")
    s = _parse_shape(shape)
    idx = _members(snapshot, s)
    dist, bearing, faces, known = measure(snapshot, idx, *s.center)
    return _rank(snapshot, idx, dist, bearing, faces, known, reference_time, now, k)


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


def _incident_point(incident: Any) -> IncidentPoint:
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
    point = _incident_point(incident)
    if point.latitude is None or point.longitude is None:
        raise CanvassInputError("incident has no location", "incident")
    return rank_cameras(snapshot, point.latitude, point.longitude, point.received_at, now or utcnow(),
                        radius_m=radius_m, k=k)


# --- the export ---------------------------------------------------------------------------------------------
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """Owner-supplied text, defused for spreadsheets (a leading = + - @ would run as a formula)."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def _short(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text[:limit] or None


def _validate_case(case_number: Any, reason: Any, *, required: bool) -> tuple[str | None, str | None]:
    case = case_number.strip() if isinstance(case_number, str) else ""
    why = reason.strip() if isinstance(reason, str) else ""
    if required or case:
        if not CASE_NUMBER.fullmatch(case):
            raise CanvassInputError("Case number: use the Dallas format, two-digit year, dash, seven digits "
                                    "(e.g. 25-0280079).", "case")
    if required and len(why) < REASON_MIN:
        raise CanvassInputError(f"Reason: state why you need the owners' contacts (at least {REASON_MIN} "
                                "characters).", "reason")
    if len(why) > REASON_MAX:
        raise CanvassInputError(f"Reason: at most {REASON_MAX} characters.", "reason")
    return case or None, why or None


def canvass_csv(db: Database, snapshot: RegistrySnapshot, user, incident: Any, *,
                radius_m: float = DEFAULT_RADIUS_M, k: int = DEFAULT_K, case_number: Any = None,
                reason: Any = None, client_addr: str | None = None, include_owner: bool = False,
                now: datetime | None = None) -> str:
    """The ranked canvass list of an incident as CSV text, audited (module docstring).

    `incident`: an incident number (looked up after the permission check, so a refused caller
    learns nothing), an Incident row, incident_to_dict's dict or an IncidentPoint. Raises
    PermissionDenied (after committing a `denied` audit event), CanvassInputError or
    IncidentNotFound (nothing audited)."""
    user_id, username = getattr(user, "id", None), getattr(user, "username", None)
    label = incident if isinstance(incident, str) else getattr(incident, "incident_number", None) or (
        incident.get("incident_number") if isinstance(incident, Mapping) else None)
    try:
        require(user, "view_map")
        if include_owner:
            require(user, "reveal_owner")
    except PermissionDenied:
        with db.session() as s:
            audit.record(s, ACTION, user_id=user_id, username=username, object_type="incident",
                         object_id=_short(label, 80), case_number=_short(case_number, 40),
                         reason=_short(reason, REASON_MAX), client_addr=client_addr, outcome="denied",
                         detail={"with_owner": bool(include_owner)})
        raise

    radius_m, k = _check_radius(radius_m), _check_k(k)
    case, why = _validate_case(case_number, reason, required=include_owner)
    if isinstance(incident, str):
        with db.session() as s:
            incident = _incident_point(find_incident(s, incident))
    point = _incident_point(incident)
    ranked = rank_for_incident(snapshot, point, now or utcnow(), radius_m=radius_m, k=k)

    camera_ids = [c.camera_id for c in ranked]
    with db.session() as s:
        owners: dict[int, Owner] = {}
        if include_owner and camera_ids:
            rows = s.execute(
                select(Camera.id, Owner)
                .join(CameraSite, Camera.site_id == CameraSite.id)
                .join(Owner, CameraSite.owner_id == Owner.id)
                .where(Camera.id.in_(camera_ids), Camera.status == "active"))
            owners = {cid: owner for cid, owner in rows}
        text = _write_csv(ranked, owners if include_owner else None)
        audit.record(s, ACTION, user_id=user_id, username=username, object_type="incident",
                     object_id=point.incident_number, case_number=case, reason=why, client_addr=client_addr,
                     outcome="ok", detail={"count": len(ranked), "with_owner": bool(include_owner),
                                           "radius_m": radius_m, "k": k, "camera_ids": camera_ids})
    # the transaction has committed: the export is on record, now the data may leave
    return text


def _write_csv(ranked: list[RankedCamera], owners: dict[int, Owner] | None) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS + (OWNER_COLUMNS if owners is not None else ()))
    for c in ranked:
        row = [c.rank, c.camera_id, f"{c.latitude:.6f}", f"{c.longitude:.6f}", f"{c.distance_m:.1f}",
               f"{c.bearing_deg:.1f}", _yes_no(c.faces), _yes_no(c.live_access), c.retention_days,
               f"{c.hours_left:.1f}", _yes_no(c.urgent), _yes_no(c.overwritten)]
        if owners is not None:
            o = owners.get(c.camera_id)
            row += ([_cell(o.owner_type), _cell(o.name), _cell(o.contact_person), _cell(o.phone), _cell(o.email),
                     _cell(o.address)] if o is not None else [""] * len(OWNER_COLUMNS))
        writer.writerow(row)
    return buf.getvalue()


def safe_filename(incident_number: str) -> str:
    """canvass-<incident>.csv with anything but letters, digits, dash and underscore replaced."""
    return f"canvass-{re.sub(r'[^A-Za-z0-9_-]', '_', incident_number)[:60]}.csv"
