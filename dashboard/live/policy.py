"""Whether a camera may be watched live right now: the owner's sharing choice, read against CAD.

`none` never; `always` whenever the device is registered, active and has a stream; `emergency`
only while an open priority 1 or 2 incident lies within `emergency_radius_m` of the camera.
"Open" is the CAD drawer's rule (`incidents.live_board.is_cleared`), so the wall and the drawer
never disagree about which calls are finished.
"""

from __future__ import annotations

import math

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.geo.geography import haversine_m
from dashboard.incidents.live_board import ALERT_PRIORITIES, is_cleared
from dashboard.models import Camera, CameraSite, Incident

from .settings import LiveSettings
from .streams import RELAYED_KINDS, stream_kind

METRES_PER_DEGREE_LAT = 111_320.0

NO_CAMERA = "This camera is not in the registry."
NOT_ACTIVE = "This camera is not active in the registry."
NO_DEVICE = "This camera has no live-access device."
NOT_RELAYED = "This camera's stream type is not relayed."
NOT_SHARED = "The owner does not share this camera live."
EMERGENCY_ONLY = "The owner shares this camera only during an emergency nearby"


class LiveRefused(Exception):
    """A live view may not be opened or kept; `message` says why in words for the user."""

    def __init__(self, message: str, *, code: str = "refused", status: int = 403):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


def open_emergency_near(session: Session, lat: float, lon: float, radius_m: float) -> Incident | None:
    """The nearest open priority 1 or 2 incident within `radius_m` of the point, if any."""
    dlat = radius_m / METRES_PER_DEGREE_LAT
    dlon = radius_m / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    candidates = session.scalars(
        select(Incident).where(Incident.priority.in_(ALERT_PRIORITIES),
                               Incident.latitude.between(lat - dlat, lat + dlat),
                               Incident.longitude.between(lon - dlon, lon + dlon))).all()
    near = [(float(haversine_m(lat, lon, inc.latitude, inc.longitude)), inc.id, inc)
            for inc in candidates if not is_cleared(inc.status)]
    near = [entry for entry in near if entry[0] <= radius_m]
    return min(near, key=lambda entry: entry[:2])[2] if near else None


def camera_for_live(session: Session, camera_id: int) -> tuple[Camera, CameraSite]:
    """The camera and its site, if it can be relayed at all (else LiveRefused)."""
    camera = session.get(Camera, camera_id)
    if camera is None:
        raise LiveRefused(NO_CAMERA, code="not_found", status=404)
    if camera.status != "active":
        raise LiveRefused(NOT_ACTIVE)
    if not camera.live_access or not camera.stream_url:
        raise LiveRefused(NO_DEVICE)
    if stream_kind(camera.stream_url) not in RELAYED_KINDS:
        raise LiveRefused(NOT_RELAYED, code="not_relayed")
    return camera, camera.site


def check_sharing(session: Session, camera: Camera, site: CameraSite, settings: LiveSettings) -> None:
    """Raise LiveRefused unless the owner's choice lets the camera be watched now."""
    sharing = camera.live_sharing or "none"
    if sharing == "always":
        return
    if sharing == "emergency":
        if open_emergency_near(session, site.latitude, site.longitude, settings.emergency_radius_m) is None:
            raise LiveRefused(EMERGENCY_ONLY + ".", code="emergency_only")
        return
    raise LiveRefused(NOT_SHARED, code="not_shared")


def may_share_now(session: Session, camera: Camera, settings: LiveSettings) -> bool:
    try:
        check_sharing(session, camera, camera.site, settings)
    except LiveRefused:
        return False
    return True
