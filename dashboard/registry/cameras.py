"""Camera details for the dashboard, without owner details.

Owner contact lives only in `owners` and is only returned by the audited reveal service;
this module never selects those columns, so no caller can leak them by accident.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.geo.address import block_of
from dashboard.models import Camera, CameraSite, Owner


@dataclass(frozen=True)
class CameraDetails:
    camera_id: int
    label: str
    camera_type: str
    placement: str
    owner_type: str
    direction_deg: float | None
    fov_deg: float | None
    range_m: float | None
    retention_days: int
    live_access: bool
    status: str
    registered_at: datetime
    verified: bool
    latitude: float
    longitude: float
    division: str | None
    beat: str | None
    block: str | None  # "5900 block of BELT LINE RD": where, without the house number
    live_sharing: str = "none"  # the owner's choice for a live-access camera: none / emergency / always

    def as_dict(self) -> dict:
        return asdict(self)


def camera_details(session: Session, camera_id: int) -> CameraDetails | None:
    row = session.execute(
        select(Camera.id, Camera.label, Camera.camera_type, Camera.placement, Owner.owner_type,
               Camera.direction_deg, Camera.fov_deg, Camera.range_m, Camera.retention_days, Camera.live_access,
               Camera.live_sharing, Camera.status, Camera.registered_at, Camera.verified_at, CameraSite.latitude, CameraSite.longitude,
               CameraSite.division, CameraSite.beat, CameraSite.address)
        .join(CameraSite, Camera.site_id == CameraSite.id)
        .join(Owner, CameraSite.owner_id == Owner.id)
        .where(Camera.id == camera_id)
    ).one_or_none()
    if row is None:
        return None
    return CameraDetails(
        camera_id=row.id, label=row.label, camera_type=row.camera_type, placement=row.placement,
        owner_type=row.owner_type, direction_deg=row.direction_deg, fov_deg=row.fov_deg, range_m=row.range_m,
        retention_days=row.retention_days, live_access=row.live_access, status=row.status,
        registered_at=row.registered_at, verified=row.verified_at is not None, latitude=row.latitude,
        longitude=row.longitude, division=row.division, beat=row.beat, block=block_of(row.address),
        live_sharing=row.live_sharing or "none",
    )
