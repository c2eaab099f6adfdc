"""The demo's live cameras: a few dozen cameras around the demo's open incidents get a live-access
device that is really the camera simulator (`connect-dallas simulate-cameras`, which `make run`
starts), so a new user sees a video wall play without any device on the network.

Sharing policies are mixed the way owners choose them: most `always`, some `emergency` (around
the priority 1 and 2 calls, so they are live now and leave the wall when the call clears), a few
`none` (shown refused, with the reason). Most stream HLS, one in four MJPEG and one in eight RTSP
(the simulator's RTSP server, relayed as HLS).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dashboard.geo.geography import haversine_m
from dashboard.incidents.live_board import ALERT_PRIORITIES, is_cleared
from dashboard.live.policy import METRES_PER_DEGREE_LAT
from dashboard.models import Camera, CameraSite, Incident

NEAR_M = 400.0            # cameras this close to an incident may be made live
EMERGENCY_NEAR_M = 250.0  # "emergency" only this close to a P1/P2 call (inside live.emergency_radius_m)
PER_INCIDENT = 4          # at most this many per incident
MAX_LIVE = 48             # "a few dozen"


def _sharing(i: int, emergency_call: bool) -> str:
    if i % 4 == 3:
        return "emergency" if emergency_call else "none"
    return "always"


def _stream(simulator_url: str, camera_id: int, i: int) -> str:
    if i % 8 == 2:
        from dashboard.live.simulator import demo_rtsp_url

        return f"{demo_rtsp_url(simulator_url)}/cam/{camera_id}"
    kind = "mjpeg" if i % 4 == 1 else "index.m3u8"
    return f"{simulator_url.rstrip('/')}/cam/{camera_id}/{kind}"


def _near(session: Session, lat: float, lon: float, taken: set[int]) -> list[tuple[float, int]]:
    d = NEAR_M / METRES_PER_DEGREE_LAT
    rows = session.execute(
        select(Camera.id, CameraSite.latitude, CameraSite.longitude).join(CameraSite, Camera.site_id == CameraSite.id)
        .where(Camera.status == "active", CameraSite.latitude.between(lat - d, lat + d),
               CameraSite.longitude.between(lon - 1.3 * d, lon + 1.3 * d))).all()
    ranked = sorted((float(haversine_m(lat, lon, r.latitude, r.longitude)), r.id) for r in rows if r.id not in taken)
    return [(dist, camera_id) for dist, camera_id in ranked if dist <= NEAR_M][:PER_INCIDENT]


def point_demo_cameras_at_simulator(session: Session, simulator_url: str, *, limit: int = MAX_LIVE) -> int:
    """Make up to `limit` cameras near open demo incidents live through the simulator (emergency
    calls first). Returns how many."""
    incidents = session.scalars(select(Incident).where(Incident.latitude.is_not(None))
                                .order_by(Incident.priority, Incident.id)).all()
    taken: set[int] = set()
    i = 0
    for incident in incidents:
        if is_cleared(incident.status):
            continue
        for dist, camera_id in _near(session, incident.latitude, incident.longitude, taken):
            emergency = incident.priority in ALERT_PRIORITIES and dist <= EMERGENCY_NEAR_M
            if i >= limit:
                return i
            taken.add(camera_id)
            session.execute(update(Camera).where(Camera.id == camera_id).values(
                live_access=True, stream_url=_stream(simulator_url, camera_id, i),
                live_sharing=_sharing(i, emergency)))
            i += 1
    return i
