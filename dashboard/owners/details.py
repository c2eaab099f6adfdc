"""A registration as the moderation queue and the owner's manage page show it: plain
dataclasses read inside the caller's transaction (who may see them is the caller's rule)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.models import Camera, CameraSite, Owner
from dashboard.models.registration import WITHDRAWN, Registration
from dashboard.owners import changes


@dataclass
class CameraDetails:
    id: int
    label: str
    camera_type: str
    placement: str
    direction_deg: float | None
    retention_days: int
    live_access: bool
    status: str
    live_sharing: str = "none"
    has_stream: bool = False
    # what waits for review: field -> (value on the map, proposed value); a stream address is
    # shown as its scheme and host only (owners/changes.py)
    proposed: dict[str, tuple] = field(default_factory=dict)


@dataclass
class RegistrationDetails:
    id: int
    status: str
    owner_type: str = ""
    name: str = ""
    contact_person: str | None = None
    email: str = ""
    phone: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    division: str | None = None
    beat: str | None = None
    confirmed_at: datetime | None = None
    cameras: list[CameraDetails] = field(default_factory=list)
    site_proposed: dict[str, tuple] = field(default_factory=dict)  # field -> (on the map, proposed)


def registration_details(s: Session, reg: Registration) -> RegistrationDetails:
    details = RegistrationDetails(id=reg.id, status=reg.status, confirmed_at=reg.confirmed_at,
                                  division=reg.division)
    owner = s.get(Owner, reg.owner_id) if reg.owner_id else None
    site = s.get(CameraSite, reg.site_id) if reg.site_id else None
    if owner is not None:
        details.owner_type, details.name, details.contact_person = owner.owner_type, owner.name, owner.contact_person
        details.email, details.phone = owner.email, owner.phone
    if site is not None:
        details.address, details.latitude, details.longitude = site.address, site.latitude, site.longitude
        details.beat = site.beat
        waiting = changes.load(reg)
        details.site_proposed = {name: (getattr(site, name), value)
                                 for name, value in (waiting.site_change or {}).items()}
        details.cameras = [
            CameraDetails(c.id, c.label, c.camera_type, c.placement, c.direction_deg, c.retention_days,
                          c.live_access, c.status, c.live_sharing or "none", bool(c.stream_url),
                          {name: _shown(name, getattr(c, name)) + _shown(name, value)
                           for name, value in waiting.camera_changes.get(str(c.id), {}).items()})
            for c in s.scalars(select(Camera).where(Camera.site_id == site.id, Camera.status != WITHDRAWN)
                               .order_by(Camera.id))]
    return details


def _shown(name: str, value) -> tuple:
    """A value as the queue shows it: a stream address without path or credentials."""
    if name == "stream_url" and value:
        parts = urlsplit(value)
        return (f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}/…",)
    return (value,)


def wanted_value(camera: CameraDetails, name: str):
    """What the owner asked for: the waiting value, else the one on the map (the manage form
    shows this, so saving again keeps a change that waits)."""
    return camera.proposed[name][1] if name in camera.proposed else getattr(camera, name)
