"""A visitor's registration, from the submitted form to the registry: `submit` stores the
validated form and emails a confirmation link; `confirm` (the owner opened the link) writes
the owner, site and cameras.

Until the link is opened only the form is stored (`Registration.pending_payload`): an
unconfirmed or spam submission never touches the registry. A re-submission with the same
email and address finds the same Registration by its `lookup_key` and replaces its cameras
once the new link is opened: nobody can change someone else's registration by knowing their
email and address.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dashboard.audit import chain as audit
from dashboard.config import Settings
from dashboard.db import Database
from dashboard.geo.geography import DallasGeography, get_geography
from dashboard.models import Camera, CameraSite, Owner, utcnow
from dashboard.models.registration import WITHDRAWN, Registration, RegistrationToken
from dashboard.owners import links, notices
from dashboard.owners.i18n import normalize_language
from dashboard.owners.validation import lookup_key

MAIL_RELATED = "registration"


@dataclass(frozen=True)
class SubmitResult:
    registration_id: int
    token: str          # the raw confirm token (emailed; returned for tests)
    existing: bool      # an existing registration (same email + address) will be updated


def submit(db: Database, settings: Settings, payload: dict, *, language: str = "en",
           now: datetime | None = None) -> SubmitResult:
    """Store a validated submission (see validation.validate_form) and email the confirm link."""
    now = now or utcnow()
    key = lookup_key(payload["email"], payload["address"])
    with db.session() as s:
        reg = s.scalar(select(Registration).where(Registration.lookup_key == key))
        existing = reg is not None
        if reg is None:
            reg = Registration(status="unconfirmed", lookup_key=key, created_at=now, camera_count=0)
            s.add(reg)
        reg.language = normalize_language(language) or "en"
        reg.pending_payload = json.dumps(payload, ensure_ascii=False)
        reg.pending_since = now
        s.flush()
        # a newer link replaces older unused ones for this registration
        s.execute(delete(RegistrationToken).where(RegistrationToken.registration_id == reg.id,
                                                  RegistrationToken.purpose == "confirm"))
        hours = settings.registration_confirm_link_hours
        token = links.issue(s, "confirm", now + timedelta(hours=hours), registration_id=reg.id)
        # the recipient is the validated address of the payload (validation.validate_form)
        notices.send(s, notices.CONFIRM, reg.language, payload["email"], related_type=MAIL_RELATED,
                     related_id=reg.id, hours=f"{hours:g}", link=links.portal_link(settings, f"confirm/{token}",
                                                                                   reg.language),
                     name=payload["name"], address=payload["address"], cameras=len(payload["cameras"]))
        return SubmitResult(reg.id, token, existing)


def _owner_for(s: Session, reg: Registration, payload: dict) -> Owner:
    owner = s.get(Owner, reg.owner_id) if reg.owner_id else None
    if owner is None:
        owner = s.scalar(select(Owner).where(Owner.email == payload["email"]).order_by(Owner.id).limit(1))
    if owner is None:
        owner = Owner(owner_type=payload["owner_type"], name="", email=payload["email"])
        s.add(owner)
    business = payload.get("business_name")
    owner.owner_type = payload["owner_type"]
    owner.name = business or payload["name"]
    owner.contact_person = payload["name"] if business else None
    owner.email = payload["email"]
    owner.phone = payload.get("phone")
    return owner


def _apply_payload(s: Session, reg: Registration, payload: dict, geo: DallasGeography,
                   now: datetime) -> tuple[bool, bool]:
    """Create or update the owner, site and cameras. Returns (added_cameras, moved)."""
    owner = _owner_for(s, reg, payload)
    owner.language = reg.language  # footage emails and pages speak the language they registered in
    placement = geo.locate(payload["latitude"], payload["longitude"])
    site = s.get(CameraSite, reg.site_id) if reg.site_id else None
    moved = False
    if site is None:
        site = CameraSite(owner=owner, latitude=payload["latitude"], longitude=payload["longitude"])
        s.add(site)
    else:
        moved = (round(site.latitude, 6), round(site.longitude, 6)) != \
            (round(payload["latitude"], 6), round(payload["longitude"], 6))
    site.owner = owner
    site.address = payload["address"]
    site.latitude, site.longitude = payload["latitude"], payload["longitude"]
    site.division, site.beat = placement.division, placement.beat
    s.flush()
    current = s.scalars(select(Camera).where(Camera.site_id == site.id, Camera.status != WITHDRAWN)
                        .order_by(Camera.id)).all()
    added = False
    for i, fields in enumerate(payload["cameras"]):
        if i < len(current):
            camera = current[i]
            for name, value in fields.items():
                setattr(camera, name, value)
            if moved or camera.status in ("rejected", "inactive"):
                camera.status, camera.verified_at = "pending", None
        else:
            s.add(Camera(site=site, status="pending", registered_at=now, fov_deg=90.0, **fields))
            added = True
    for camera in current[len(payload["cameras"]):]:
        camera.status = WITHDRAWN  # the owner listed fewer cameras this time
    reg.owner_id, reg.site_id = owner.id, site.id
    reg.camera_count = len(payload["cameras"])
    reg.division = placement.division
    return added, moved


def activate(s: Session, reg: Registration, now: datetime, *, user_id: int | None = None) -> None:
    """The registration's pending cameras go on the map (an admin's approval, or auto-approve)."""
    for camera in s.scalars(select(Camera).where(Camera.site_id == reg.site_id, Camera.status == "pending")):
        camera.status, camera.verified_at = "active", now
    reg.status, reg.approved_at, reg.reviewed_at = "approved", now, now
    reg.reviewed_by = user_id


@dataclass(frozen=True)
class ConfirmResult:
    registration_id: int
    status: str         # pending_review or approved
    language: str


def confirm(db: Database, settings: Settings, raw_token: str, *, now: datetime | None = None,
            geo: DallasGeography | None = None) -> ConfirmResult | None:
    """The owner opened the emailed link: apply the submission. None when the link is not valid."""
    now = now or utcnow()
    geo = geo or get_geography()
    with db.session() as s:
        token = links.find_valid(s, raw_token, "confirm", now)
        reg = s.get(Registration, token.registration_id) if token and token.registration_id else None
        if token is None or reg is None or not reg.pending_payload or reg.status == WITHDRAWN:
            return None
        token.used_at = now
        payload = json.loads(reg.pending_payload)
        added, moved = _apply_payload(s, reg, payload, geo, now)
        if settings.registration_auto_approve:
            activate(s, reg, now)
        elif reg.status == "approved" and not added and not moved:
            pass  # edits of already approved cameras: no new review
        else:
            reg.status = "pending_review"
        reg.pending_payload, reg.pending_since = None, None
        reg.confirmed_at, reg.reconfirm_sent_at, reg.inactive_at = now, None, None
        audit.record(s, "registration_confirmed", object_type="registration", object_id=reg.id,
                     detail={"status": reg.status, "cameras": reg.camera_count})
        return ConfirmResult(reg.id, reg.status, reg.language)
