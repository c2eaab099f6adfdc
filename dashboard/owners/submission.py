"""A visitor's registration, from the submitted form to the registry: `submit` stores the
validated form and emails a confirmation link; `confirm` (the owner opened the link) writes
the owner, site and cameras.

Until the link is opened only the form is stored (`Registration.pending_payload`, see
owners/changes.py): an unconfirmed or spam submission never touches the registry. A
re-submission with the same email and address finds the same Registration by its `lookup_key`
and replaces its cameras once the new link is opened: nobody can change someone else's
registration by knowing their email and address. What such a re-submission changes on cameras
already on the map waits for a review (owners/changes.py), unless `registration.auto_approve`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from dashboard.audit import chain as audit
from dashboard.config import Settings
from dashboard.db import Database
from dashboard.geo.geography import DallasGeography, get_geography
from dashboard.models import Camera, CameraSite, Owner, utcnow
from dashboard.models.registration import WITHDRAWN, Registration, RegistrationToken
from dashboard.owners import changes, links, notices
from dashboard.owners.i18n import normalize_language
from dashboard.owners.validation import lookup_key

MAIL_RELATED = "registration"


@dataclass(frozen=True)
class SubmitResult:
    registration_id: int
    token: str          # the raw confirm token (emailed; returned for tests)
    existing: bool      # an existing registration (same email + address) will be updated


def _registration_for(s: Session, key: str, now: datetime) -> tuple[Registration, bool]:
    """The registration with this lookup key, created if new, locked for this transaction.
    An upsert, not select-then-insert: the same form posted several times at once must all
    find the one row (a losing INSERT would otherwise fail on the unique key)."""
    dialect = s.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    created = s.execute(insert(Registration.__table__)
                        .values(status="unconfirmed", lookup_key=key, language="en", created_at=now,
                                updated_at=now, camera_count=0)
                        .on_conflict_do_nothing(index_elements=["lookup_key"])
                        .returning(Registration.__table__.c.id)).scalar() is not None
    reg = s.scalars(select(Registration).where(Registration.lookup_key == key)
                    .with_for_update().execution_options(populate_existing=True)).one()
    return reg, not created


def submit(db: Database, settings: Settings, payload: dict, *, language: str = "en",
           now: datetime | None = None) -> SubmitResult:
    """Store a validated submission (see validation.validate_form) and email the confirm link."""
    now = now or utcnow()
    key = lookup_key(payload["email"], payload["address"])
    with db.session() as s:
        reg, existing = _registration_for(s, key, now)
        reg.language = normalize_language(language) or "en"
        waiting = changes.load(reg)
        waiting.form = payload
        changes.save(reg, waiting)
        reg.pending_since = now
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


def _assign(obj, **values) -> None:
    """Set only what differs: an unchanged row must not count as a registry change (every
    dashboard would reload its snapshot for nothing)."""
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)


def _owner_for(s: Session, reg: Registration, payload: dict) -> Owner:
    owner = s.get(Owner, reg.owner_id) if reg.owner_id else None
    if owner is None:
        owner = s.scalar(select(Owner).where(Owner.email == payload["email"]).order_by(Owner.id).limit(1))
    if owner is None:
        owner = Owner(owner_type=payload["owner_type"], name="", email=payload["email"])
        s.add(owner)
    business = payload.get("business_name")
    _assign(owner, owner_type=payload["owner_type"], name=business or payload["name"],
            contact_person=payload["name"] if business else None, email=payload["email"],
            phone=payload.get("phone"))
    return owner


def _on_map(s: Session, site: CameraSite) -> bool:
    return s.scalar(select(Camera.id).where(Camera.site_id == site.id, Camera.status == "active").limit(1)) is not None


def _apply_payload(s: Session, reg: Registration, payload: dict, waiting: changes.Pending, geo: DallasGeography,
                   now: datetime, *, review: bool) -> list[int]:
    """Create or update the owner, site and cameras. With `review`, what the form changes on the
    map waits in `waiting.review` (owners/changes.py) instead. Returns the site's camera ids."""
    owner = _owner_for(s, reg, payload)
    if owner.language != reg.language:  # only a real change: an unchanged owner must not move the registry version
        owner.language = reg.language   # footage emails and pages speak the language they registered in
    site = s.get(CameraSite, reg.site_id) if reg.site_id else None
    place = {"address": payload["address"], "latitude": payload["latitude"], "longitude": payload["longitude"]}
    site_review = None
    if site is None:
        site = CameraSite(owner=owner)
        changes.place_site(site, place, geo)
        s.add(site)
    else:
        moved = changes.site_change(site, place["address"], place["latitude"], place["longitude"])
        if moved and review and _on_map(s, site):
            site_review = moved
        elif moved:
            changes.place_site(site, moved, geo)
    if site.owner_id != owner.id or site.owner is not owner:
        site.owner = owner
    s.flush()
    current = s.scalars(select(Camera).where(Camera.site_id == site.id, Camera.status != WITHDRAWN)
                        .order_by(Camera.id)).all()
    camera_review: dict[str, dict] = {}
    for i, fields in enumerate(payload["cameras"]):
        if i >= len(current):
            s.add(Camera(site=site, status="pending", registered_at=now, fov_deg=90.0, **fields))
            continue
        camera = current[i]
        apply_now, wait = (changes.split_camera_change(camera, fields) if review and camera.status == "active"
                           else (fields, {}))
        for name, value in apply_now.items():
            setattr(camera, name, value)
        if wait:
            camera_review[str(camera.id)] = wait
        if camera.status in ("rejected", "inactive"):
            camera.status, camera.verified_at = "pending", None
    for camera in current[len(payload["cameras"]):]:
        camera.status = WITHDRAWN  # the owner listed fewer cameras this time
    changes.set_review(waiting, camera_review, site_review, now)
    reg.owner_id, reg.site_id = owner.id, site.id
    reg.camera_count = len(payload["cameras"])
    reg.division = site.division if site_review is None else reg.division
    s.flush()
    return [camera.id for camera in site.cameras]


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
    """The owner opened the emailed link: apply the submission. None when the link is not valid.

    The token is claimed with a conditional UPDATE before anything is written, so a link
    opened several times at once confirms once (the others find it used)."""
    now = now or utcnow()
    geo = geo or get_geography()
    with db.session() as s:
        token = links.find_valid(s, raw_token, "confirm", now)
        if token is None or token.registration_id is None:
            return None
        claimed = s.execute(update(RegistrationToken)
                            .where(RegistrationToken.id == token.id, RegistrationToken.used_at.is_(None))
                            .values(used_at=now).execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            return None
        reg = s.get(Registration, token.registration_id, with_for_update=True, populate_existing=True)
        waiting = changes.load(reg) if reg is not None else changes.Pending()
        if reg is None or not waiting.form or reg.status == WITHDRAWN:
            return None
        auto = settings.registration_auto_approve
        camera_ids = _apply_payload(s, reg, waiting.form, waiting, geo, now, review=not auto)
        if auto:
            activate(s, reg, now)
        else:
            if reg.status != "approved":
                reg.status = "pending_review"
            changes.settle_status(s, reg, waiting)
        waiting.form = None
        changes.save(reg, waiting)
        reg.pending_since = None
        reg.confirmed_at, reg.reconfirm_sent_at, reg.inactive_at = now, None, None
        changes.end_views_no_longer_shared(s, camera_ids, settings, now)
        audit.record(s, "registration_confirmed", object_type="registration", object_id=reg.id,
                     detail={"status": reg.status, "cameras": reg.camera_count,
                             "for_review": sorted(waiting.camera_changes) + (["site"] if waiting.site_change else [])})
        return ConfirmResult(reg.id, reg.status, reg.language)
