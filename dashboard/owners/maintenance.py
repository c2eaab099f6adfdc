"""The periodic upkeep of registrations (`connect-dallas registry-maintenance`, or the worker):
the yearly reconfirmation email, deactivation of registrations nobody reconfirmed, the owner's
answer to that email, and expiry of submissions never confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from dashboard.audit import chain as audit
from dashboard.config import Settings
from dashboard.db import Database
from dashboard.models import Camera, CameraSite, Owner, utcnow
from dashboard.models.registration import Registration, RegistrationToken
from dashboard.owners import changes, links, notices
from dashboard.owners.submission import MAIL_RELATED

LIVE_STATUSES = ("approved", "pending_review")


@dataclass(frozen=True)
class ReconfirmReport:
    asked: int
    deactivated: int


def _months(months: int) -> timedelta:
    return timedelta(days=round(months * 365.25 / 12))


def reconfirm_due(db: Database, settings: Settings, *, now: datetime | None = None) -> ReconfirmReport:
    """Email owners whose last confirmation is `reconfirm_months` old (once), and deactivate the
    registrations still unanswered `reconfirm_grace_days` after that email."""
    now = now or utcnow()
    asked = deactivated = 0
    grace_days = settings.registration_reconfirm_grace_days
    grace = timedelta(days=grace_days)
    with db.session() as s:
        due = s.scalars(select(Registration).where(
            Registration.status.in_(LIVE_STATUSES), Registration.reconfirm_sent_at.is_(None),
            Registration.confirmed_at <= now - _months(settings.registration_reconfirm_months))).all()
        for reg in due:
            owner = s.get(Owner, reg.owner_id) if reg.owner_id else None
            site = s.get(CameraSite, reg.site_id) if reg.site_id else None
            if owner is None:
                continue
            token = links.issue(s, "reconfirm", now + grace, registration_id=reg.id)
            notices.send(s, notices.RECONFIRM, reg.language, owner.email, related_type=MAIL_RELATED,
                         related_id=reg.id, address=(site.address if site else "") or "", days=f"{grace_days:g}",
                         link=links.portal_link(settings, f"reconfirm/{token}", reg.language),
                         manage=links.portal_link(settings, "manage", reg.language))
            reg.reconfirm_sent_at = now
            asked += 1
        lapsed = s.scalars(select(Registration).where(
            Registration.status.in_(LIVE_STATUSES), Registration.reconfirm_sent_at.is_not(None),
            Registration.reconfirm_sent_at <= now - grace)).all()
        for reg in lapsed:
            for camera in s.scalars(select(Camera).where(Camera.site_id == reg.site_id,
                                                         Camera.status.in_(("active", "pending")))):
                camera.status = "inactive"
            reg.status, reg.inactive_at = "inactive", now
            deactivated += 1
        if asked or deactivated:
            audit.record(s, "registration_reconfirm_run", detail={"asked": asked, "deactivated": deactivated})
    return ReconfirmReport(asked, deactivated)


def reconfirm(db: Database, raw_token: str, *, now: datetime | None = None) -> bool:
    """The owner answered the yearly email. An inactive registration that had been approved
    comes back onto the map; one never approved goes back to review."""
    now = now or utcnow()
    with db.session() as s:
        token = links.find_valid(s, raw_token, "reconfirm", now)
        reg = s.get(Registration, token.registration_id) if token and token.registration_id else None
        if token is None or reg is None or reg.status not in (*LIVE_STATUSES, "inactive"):
            return False
        token.used_at = now
        if reg.status == "inactive":
            restored = "active" if reg.approved_at else "pending"
            for camera in s.scalars(select(Camera).where(Camera.site_id == reg.site_id, Camera.status == "inactive")):
                camera.status = restored
            reg.status = "approved" if reg.approved_at else "pending_review"
            changes.settle_status(s, reg, changes.load(reg))
        reg.confirmed_at, reg.reconfirm_sent_at, reg.inactive_at = now, None, None
        audit.record(s, "registration_reconfirmed", object_type="registration", object_id=reg.id)
        return True


def expire_unconfirmed(db: Database, settings: Settings, *, now: datetime | None = None) -> int:
    """Delete submissions never confirmed within confirm_link_hours (new ones entirely; for an
    existing registration only the unconfirmed change), and expired links. Returns how many
    submissions were dropped."""
    now = now or utcnow()
    cutoff = now - timedelta(hours=settings.registration_confirm_link_hours)
    dropped = 0
    with db.session() as s:
        stale = s.scalars(select(Registration).where(Registration.pending_payload.is_not(None),
                                                     Registration.pending_since <= cutoff)).all()
        for reg in stale:
            dropped += 1
            if reg.status == "unconfirmed" and reg.site_id is None:
                s.delete(reg)
            else:  # the unconfirmed form goes; a change waiting for review stays
                waiting = changes.load(reg)
                waiting.form = None
                changes.save(reg, waiting)
                reg.pending_since = None
        s.execute(delete(RegistrationToken).where(RegistrationToken.expires_at <= now))
    return dropped


def run_maintenance(db: Database, settings: Settings, *, now: datetime | None = None) -> dict[str, int]:
    """Everything periodic, for `connect-dallas registry-maintenance`."""
    now = now or utcnow()
    expired = expire_unconfirmed(db, settings, now=now)
    report = reconfirm_due(db, settings, now=now)
    return {"expired_unconfirmed": expired, "reconfirm_asked": report.asked, "deactivated": report.deactivated}
