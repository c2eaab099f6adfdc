"""The admins' moderation of confirmed registrations: the queue (owner contact details, so
every read is audited), approve, reject with a reason emailed to the owner, correct a camera.
A registration waits here when it is new, when it adds cameras, and when its owner changed
what the police see on cameras already on the map (owners/changes.py): approving applies the
waiting values, rejecting drops them and the map keeps the old ones.

Each action checks `moderate_registrations`, acts and writes its audit event in one
transaction; a refusal is audited on its own (owners/access.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auth.permissions import require
from dashboard.audit import chain as audit
from dashboard.config import Settings
from dashboard.db import Database
from dashboard.models import Camera, CameraSite, Owner, utcnow
from dashboard.models.registration import Registration
from dashboard.owners import changes, notices
from dashboard.owners.access import require_audited
from dashboard.owners.details import RegistrationDetails, registration_details
from dashboard.owners.submission import MAIL_RELATED, activate
from dashboard.owners.validation import LIMITS, RETENTION_RANGE, has_control_chars

PERMISSION = "moderate_registrations"
QUEUE_READ = "registration_queue_read"
APPROVED = "registration_approved"
REJECTED = "registration_rejected"
CAMERA_EDITED = "registration_camera_edited"


class RegistrationError(ValueError):
    """A moderation request the service refuses (wrong state, unknown id); the message is for staff."""


def moderation_queue(db: Database, user, *, client_addr: str | None = None) -> list[RegistrationDetails]:
    """Confirmed registrations waiting for an admin, oldest confirmation first. The list holds
    owners' emails and phones: the read is audited in the transaction that reads them."""
    require_audited(db, user, PERMISSION, QUEUE_READ, object_type="registration", client_addr=client_addr)
    with db.session() as s:
        regs = s.scalars(select(Registration).where(Registration.status == "pending_review")
                         .order_by(Registration.confirmed_at, Registration.id)).all()
        items = [registration_details(s, reg) for reg in regs]
        audit.record(s, QUEUE_READ, user_id=user.id, username=user.username, object_type="registration",
                     client_addr=client_addr, detail={"registrations": [item.id for item in items]})
    return items


def pending_count(db: Database, user) -> int:
    """How many confirmed registrations wait for an admin: the dashboard's badge. A count and
    no owner data, so the read is not audited; anyone but an admin is refused (PermissionDenied)."""
    require(user, PERMISSION)
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Registration)
                            .where(Registration.status == "pending_review")) or 0)


def _reviewable(s: Session, registration_id: int) -> Registration:
    # locked: an owner's save and an admin's decision on the same registration take turns
    reg = s.get(Registration, registration_id, with_for_update=True)
    if reg is None or reg.status != "pending_review":
        raise RegistrationError("this registration is not waiting for review")
    return reg


def approve(db: Database, registration_id: int, user, *, now: datetime | None = None,
            client_addr: str | None = None) -> None:
    require_audited(db, user, PERMISSION, APPROVED, object_type="registration",
                    client_addr=client_addr)
    now = now or utcnow()
    with db.session() as s:
        reg = _reviewable(s, registration_id)
        waiting = changes.load(reg)
        reviewed = sorted(waiting.camera_changes) + (["site"] if waiting.site_change else [])
        # the waiting values replace the ones on the map in this transaction (which bumps the
        # registry version like any camera change)
        changes.apply_review(s, reg, waiting)
        changes.save(reg, waiting)
        activate(s, reg, now, user_id=user.id)
        audit.record(s, APPROVED, user_id=user.id, username=user.username, object_type="registration",
                     object_id=reg.id, client_addr=client_addr, detail={"changes_applied": reviewed})


def reject(db: Database, settings: Settings, registration_id: int, user, reason: str, *,
           now: datetime | None = None, client_addr: str | None = None) -> None:
    """Reject the registration's pending cameras with a reason, emailed to the owner."""
    require_audited(db, user, PERMISSION, REJECTED, object_type="registration",
                    client_addr=client_addr)
    reason = (reason or "").strip()
    if not reason:
        raise RegistrationError("a reason is required to reject a registration")
    if len(reason) > LIMITS["reason"]:
        raise RegistrationError(f"the reason is longer than {LIMITS['reason']} characters")
    now = now or utcnow()
    with db.session() as s:
        reg = _reviewable(s, registration_id)
        waiting = changes.load(reg)
        waiting.review = None  # the map keeps the values it shows
        changes.save(reg, waiting)
        for camera in s.scalars(select(Camera).where(Camera.site_id == reg.site_id, Camera.status == "pending")):
            camera.status = "rejected"
        still_active = s.scalar(select(Camera.id).where(Camera.site_id == reg.site_id,
                                                        Camera.status == "active").limit(1))
        reg.status = "approved" if still_active else "rejected"
        reg.reject_reason, reg.reviewed_at, reg.reviewed_by = reason, now, user.id
        owner = s.get(Owner, reg.owner_id) if reg.owner_id else None
        site = s.get(CameraSite, reg.site_id) if reg.site_id else None
        if owner is not None:
            notices.send(s, notices.REJECTED, reg.language, owner.email, related_type=MAIL_RELATED,
                         related_id=reg.id, address=(site.address if site else "") or "", reason=reason,
                         register=f"{settings.public_base_url}/register?lang={reg.language}")
        audit.record(s, REJECTED, user_id=user.id, username=user.username,
                     object_type="registration", object_id=reg.id, reason=reason, client_addr=client_addr)


def edit_camera(db: Database, camera_id: int, user, *, label: str | None = None,
                retention_days: int | None = None, client_addr: str | None = None) -> None:
    """An admin's correction of a camera's label or retention during moderation."""
    require_audited(db, user, PERMISSION, CAMERA_EDITED, object_type="camera",
                    client_addr=client_addr)
    with db.session() as s:
        camera = s.get(Camera, camera_id)
        if camera is None:
            raise RegistrationError("no such camera")
        if label is not None:
            label = label.strip()
            if not label or len(label) > LIMITS["label"] or has_control_chars(label):
                raise RegistrationError(f"the label must be 1 to {LIMITS['label']} printable characters")
            camera.label = label
        if retention_days is not None:
            if not RETENTION_RANGE[0] <= retention_days <= RETENTION_RANGE[1]:
                raise RegistrationError(f"retention must be {RETENTION_RANGE[0]} to {RETENTION_RANGE[1]} days")
            camera.retention_days = retention_days
        audit.record(s, CAMERA_EDITED, user_id=user.id, username=user.username,
                     object_type="camera", object_id=camera.id, client_addr=client_addr)
