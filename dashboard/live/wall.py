"""What the dashboard asks before it opens live views: may this user watch this camera now (the
button's reason in words), and which live cameras around an incident may go on its video wall.

Both ask the same checks `open_live_view` makes (role, camera, the owner's sharing policy), so the
button, the wall and the grant never disagree; neither records anything: only opening a view
does (with its purpose), audited by the grants service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db import Database
from dashboard.models import Camera

from .grants import IssuedGrant, camera_number, check_role, open_live_view
from .policy import LiveRefused, camera_for_live, check_sharing
from .purpose import Purpose
from .settings import LiveSettings

WALL_RADIUS_M = 500.0   # live cameras farther from the incident than this are not offered
WALL_MAX_TILES = 9      # 3x3


@dataclass(frozen=True)
class WallCamera:
    camera_id: int
    label: str
    distance_m: float
    faces: bool | None      # None: the camera's direction is unknown


def live_view_refusal(session: Session, user: Any, camera_id: Any, settings: LiveSettings) -> str | None:
    """None when `user` could open a live view of the camera now (given a purpose that holds),
    else the sentence a refusal would show."""
    try:
        check_role(user)
        camera, site = camera_for_live(session, camera_number(camera_id))
        check_sharing(session, camera, site, settings)
    except LiveRefused as refusal:
        return refusal.message
    return None


def wall_cameras(session: Session, user: Any, snapshot: Any, lat: float, lon: float, settings: LiveSettings,
                 *, radius_m: float = WALL_RADIUS_M, limit: int = WALL_MAX_TILES) -> tuple[list[WallCamera], int]:
    """The live cameras the owners share now within `radius_m` of the point, nearest first (at
    most `limit`), and how many live-access cameras in the radius are not shared now."""
    near = snapshot.nearest(lat, lon, k=max(limit * 4, 36), radius_m=radius_m, mask=snapshot.live)
    records = near.records()
    ids = [r["camera_id"] for r in records]
    labels = {row.id: row.label for row in session.execute(select(Camera.id, Camera.label).where(Camera.id.in_(ids)))}
    shown: list[WallCamera] = []
    withheld = 0
    for rec in records:
        if live_view_refusal(session, user, rec["camera_id"], settings) is not None:
            withheld += 1
            continue
        if len(shown) < limit:
            shown.append(WallCamera(rec["camera_id"], labels.get(rec["camera_id"], f"Camera {rec['camera_id']}"),
                                    rec["distance_m"], rec["faces_point"]))
    return shown, withheld


def open_wall_grants(db: Database, user: Any, cameras: list[WallCamera], purpose: Purpose, settings: LiveSettings,
                     *, client_addr: str | None = None) -> tuple[list[tuple[WallCamera, IssuedGrant]], list[str]]:
    """A grant per camera for the same purpose, in one transaction (a wall opens in one go: one
    commit instead of nine). A camera refused meanwhile is skipped, its refusal audited by the
    service like any other; a refusal that holds for every camera (role, purpose) stops the loop."""
    opened: list[tuple[WallCamera, IssuedGrant]] = []
    refused: list[str] = []
    with db.session() as session:
        for cam in cameras:
            try:
                opened.append((cam, open_live_view(session, user, cam.camera_id, purpose, settings,
                                                   client_addr=client_addr)))
            except LiveRefused as refusal:
                refused.append(refusal.message)
                if refusal.code in ("role", "bad_purpose", "incident_cleared"):
                    break
    return opened, refused
