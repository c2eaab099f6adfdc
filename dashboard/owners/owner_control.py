"""What an owner does with their own registration, signed in by an emailed link: ask for the
link, see and update their cameras, withdraw (which deletes their personal data).

A manage link is valid until it expires (not single-use: the owner may save several times).
The service answers the same whether or not an address is registered; the caller must too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, or_, select, update

from dashboard.audit import chain as audit
from dashboard.config import Settings
from dashboard.db import Database
from dashboard.models import Camera, CameraSite, OutboundEmail, Owner, utcnow
from dashboard.models.footage import FootageRequest, FootageRequestEvent, FootageUpload
from dashboard.models.registration import WITHDRAWN, Registration, RegistrationToken
from dashboard.owners import changes, links, notices
from dashboard.owners.contact import InvalidContact, normalize_email
from dashboard.owners.details import RegistrationDetails, registration_details
from dashboard.owners.validation import FieldErrors, validate_camera

OWNER_RELATED = "registration_owner"
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}")  # a file type, not words (".JaneDoe" is not kept)


def request_manage_link(db: Database, settings: Settings, email: str, *,
                        now: datetime | None = None) -> str | None:
    """Email a sign-in link, in the language the owner registered in, when this address has a
    registration. The raw token is returned for tests (None when nothing was sent)."""
    try:
        address = normalize_email(email)
    except InvalidContact:
        return None
    now = now or utcnow()
    with db.session() as s:
        found = s.execute(select(Owner.id, Owner.email, Registration.language)
                          .join(Registration, Registration.owner_id == Owner.id)
                          .where(Owner.email == address, Registration.status != WITHDRAWN)
                          .order_by(Owner.id, Registration.id.desc()).limit(1)).first()
        if found is None:
            return None
        owner_id, stored_address, lang = found
        hours = settings.registration_manage_link_hours
        token = links.issue(s, "manage", now + timedelta(hours=hours), owner_id=owner_id)
        notices.send(s, notices.MANAGE_LINK, lang, stored_address, related_type=OWNER_RELATED,
                     related_id=owner_id, hours=f"{hours:g}",
                     link=links.portal_link(settings, f"manage/{token}", lang))
        return token


def manage_owner(db: Database, raw_token: str, *, now: datetime | None = None) -> int | None:
    """The owner id a manage link signs in as (valid until it expires), or None."""
    now = now or utcnow()
    with db.session() as s:
        token = links.find_valid(s, raw_token, "manage", now, single_use=False)
        return token.owner_id if token else None


def owner_registrations(db: Database, owner_id: int) -> list[RegistrationDetails]:
    with db.session() as s:
        regs = s.scalars(select(Registration).where(Registration.owner_id == owner_id,
                                                    Registration.status != WITHDRAWN)
                         .order_by(Registration.id)).all()
        return [registration_details(s, reg) for reg in regs]


@dataclass(frozen=True)
class UpdateResult:
    errors: FieldErrors
    for_review: bool = False   # some of the changes wait for an admin (the map keeps the old values)


def update_cameras(db: Database, settings: Settings, owner_id: int, form: Mapping[str, Any], *,
                   now: datetime | None = None) -> UpdateResult:
    """The owner's edits on the manage page: fields `cam-<id>-label`, `-type`, `-placement`,
    `-direction`, `-retention`, `-live`, `-sharing`, `-stream` for each of their cameras. All or
    nothing. The form states what the owner wants: on a camera that is on the map, what the
    police would see differently waits for a review (owners/changes.py) and replaces any change
    already waiting; taking access back applies at once and ends the live views it no longer
    allows, in the same transaction."""
    now = now or utcnow()
    errors: FieldErrors = {}
    auto = settings.registration_auto_approve
    with db.session() as s:
        rows = s.execute(select(Camera, Registration)
                         .join(CameraSite, Camera.site_id == CameraSite.id)
                         .join(Registration, Registration.site_id == CameraSite.id)
                         .where(Registration.owner_id == owner_id, Registration.status != WITHDRAWN,
                                Camera.status != WITHDRAWN)
                         .order_by(Camera.id).with_for_update(of=Registration)).all()
        wanted = []
        for camera, reg in rows:
            prefix = f"cam-{camera.id}-"
            if f"{prefix}label" in form:
                fields = validate_camera(form, prefix, errors)
                if fields["stream_url"] is None:
                    del fields["stream_url"]  # empty: keep the address on file (never shown back)
                wanted.append((camera, reg, fields))
        if errors:
            s.rollback()
            return UpdateResult(errors)
        waiting = {reg.id: changes.load(reg) for _, reg in rows}
        applied, for_review = [], []
        for camera, reg, fields in wanted:
            on_map = camera.status == "active" and not auto
            apply_now, wait = changes.split_camera_change(camera, fields)
            if not on_map:  # not on the map (or auto-approve): nothing to wait for
                apply_now, wait = {**apply_now, **wait}, {}
            for name, value in apply_now.items():
                setattr(camera, name, value)
            reviews = dict(waiting[reg.id].camera_changes)
            reviews[str(camera.id)] = wait
            changes.set_review(waiting[reg.id], reviews, waiting[reg.id].site_change, now)
            applied += [f"{camera.id}:{name}" for name in apply_now]
            for_review += [f"{camera.id}:{name}" for name in wait]
        for reg in {reg.id: reg for _, reg in rows}.values():
            changes.save(reg, waiting[reg.id])
            changes.settle_status(s, reg, waiting[reg.id])
        ended = changes.end_views_no_longer_shared(s, [camera.id for camera, _, _ in wanted], settings, now)
        audit.record(s, "registration_owner_update", object_type=OWNER_RELATED, object_id=owner_id,
                     detail={"cameras": len(wanted), "applied": applied, "for_review": for_review,
                             "live_views_ended": ended})
    return UpdateResult({}, bool(for_review))


def withdraw(db: Database, owner_id: int, *, settings: Settings | None = None, now: datetime | None = None) -> int:
    """The owner withdraws: every camera of theirs leaves the registry (status "withdrawn": the
    dashboards drop it at their next refresh) and their personal data is deleted.

    Rows are blanked, not deleted, so footage requests already made about a camera (which
    reference camera and owner with ON DELETE CASCADE) stay on record: owner name becomes
    "withdrawn", email "withdrawn-<id>@invalid", contact person, phone and address are cleared,
    site addresses cleared and positions coarsened to about 1 km, camera labels and stream URLs
    cleared. Every email to them is deleted, except those a footage request points at: those stay
    as the record that a request was sent (status, dates), their address, subject and text blanked.
    The chain of custody stays whole (footage requests, their events, upload hashes, sizes and
    files, named by id and hash): only the personal text in it goes (the owner's notes, the
    detective's message to them, the owner's words in the events, upload file names, which keep
    their extension). The Registration rows remain as the anonymous record (status, dates, camera
    count, division). Running live views of the cameras end in the same transaction, and the
    audit event lists what was blanked. tests/integration/test_withdrawal_erasure.py enumerates
    every column of every table. Returns cameras withdrawn."""
    now = now or utcnow()
    withdrawn = 0
    with db.session() as s:
        owner = s.get(Owner, owner_id)
        if owner is None:
            return 0
        email = owner.email
        for reg in s.scalars(select(Registration).where(Registration.owner_id == owner_id,
                                                        Registration.status != WITHDRAWN)):
            reg.status, reg.withdrawn_at = WITHDRAWN, now
            reg.lookup_key, reg.pending_payload, reg.pending_since, reg.reject_reason = None, None, None, None
            reg.owner_id, reg.site_id = None, None
        camera_ids = []
        for site in s.scalars(select(CameraSite).where(CameraSite.owner_id == owner_id)):
            site.address = None
            site.latitude, site.longitude = round(site.latitude, 2), round(site.longitude, 2)
            for camera in s.scalars(select(Camera).where(Camera.site_id == site.id)):
                if camera.status != WITHDRAWN:
                    withdrawn += 1
                camera_ids.append(camera.id)
                camera.status, camera.label, camera.stream_url, camera.live_access = WITHDRAWN, WITHDRAWN, None, False
                camera.live_sharing = "none"
        owner.name, owner.contact_person, owner.phone, owner.address = WITHDRAWN, None, None, None
        owner.email = f"withdrawn-{owner.id}@invalid"
        changes.end_views_no_longer_shared(s, camera_ids, settings, now)
        s.execute(delete(RegistrationToken).where(RegistrationToken.owner_id == owner_id))
        erased = _erase_footage_text(s, owner_id, email, owner.email)
        audit.record(s, "registration_withdrawn", object_type=OWNER_RELATED, object_id=owner_id,
                     detail={"cameras": withdrawn, **erased})
    return withdrawn


def _erase_footage_text(s, owner_id: int, email: str, placeholder: str) -> dict[str, int]:
    """The owner's personal text in the footage records and the outbox, blanked or deleted; what
    evidence needs (ids, statuses, times, hashes, sizes, files) stays. Counts for the audit event."""
    requests = select(FootageRequest.id).where(FootageRequest.owner_id == owner_id)
    kept_emails = select(FootageRequest.email_id).where(FootageRequest.email_id.is_not(None))
    to_owner = or_(OutboundEmail.to_addr == email,
                   OutboundEmail.id.in_(requests.with_only_columns(FootageRequest.email_id)))
    blanked = s.execute(update(OutboundEmail).where(to_owner, OutboundEmail.id.in_(kept_emails))
                        .values(to_addr=placeholder, subject=WITHDRAWN, body_text="", last_error=None)
                        .execution_options(synchronize_session=False)).rowcount
    deleted = s.execute(delete(OutboundEmail).where(to_owner, OutboundEmail.id.not_in(kept_emails))
                        .execution_options(synchronize_session=False)).rowcount
    s.execute(update(FootageRequest).where(FootageRequest.owner_id == owner_id)
              .values(message=None, owner_note=None).execution_options(synchronize_session=False))
    s.execute(update(FootageRequestEvent).where(FootageRequestEvent.request_id.in_(requests),
                                                FootageRequestEvent.actor == "owner")
              .values(note=None).execution_options(synchronize_session=False))
    uploads = s.scalars(select(FootageUpload).where(FootageUpload.request_id.in_(requests))).all()
    for row in uploads:
        suffix = Path(row.original_name).suffix
        row.original_name = f"upload-{row.id}{suffix if _EXTENSION.fullmatch(suffix) else ''}"
    return {"emails_deleted": deleted, "emails_blanked": blanked, "uploads_renamed": len(uploads)}
