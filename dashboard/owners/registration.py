"""The public registration portal's service layer (no Flask): validation, submission, email
confirmation, moderation, owner self-service (update, withdraw), yearly reconfirmation and
expiry. dashboard/portal.py is the only web caller.

Life of a registration (`Registration.status`):
  unconfirmed    submitted; only the form (pending_payload) is stored, no owner/site/camera row
  pending_review the owner confirmed by email; cameras exist with status "pending"
  approved       an admin approved (or registration.auto_approve): cameras "active" (on the map)
  rejected       an admin rejected with a reason, emailed to the owner; cameras "rejected"
  inactive       not reconfirmed within the grace period after the yearly email; cameras "inactive"
  withdrawn      the owner withdrew: personal data blanked, cameras "withdrawn" (see `withdraw`)

A re-submission with the same email and address (normalized) finds the same Registration by its
`lookup_key` and replaces its cameras once the owner confirms the new emailed link: nobody can
change someone else's registration by knowing their email and address.

Maintenance (to run periodically, e.g. hourly): `expire_unconfirmed(db, settings)` and
`reconfirm_due(db, settings)`; `run_maintenance` runs both.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from auth.permissions import require
from dashboard.audit import chain as audit
from dashboard.config import Settings
from dashboard.db import Database
from dashboard.geo.geography import DallasGeography, get_geography
from dashboard.jobs.mail import enqueue
from dashboard.models import Camera, CameraSite, OutboundEmail, Owner, utcnow
from dashboard.models.registration import Registration, RegistrationToken
from dashboard.owners.i18n import normalize_language, t
from dashboard.registry.importer import EMAIL, PHONE
from dashboard.vocabulary import CAMERA_TYPES, PLACEMENTS

PORTAL_OWNER_TYPES = ("resident", "business", "organization")
DIRECTIONS = {"N": 0.0, "NE": 45.0, "E": 90.0, "SE": 135.0, "S": 180.0, "SW": 225.0, "W": 270.0, "NW": 315.0}
LIMITS = {"name": 200, "business_name": 200, "email": 254, "phone": 40, "address": 300, "label": 120,
          "reason": 2000}
RETENTION_RANGE = (1, 3650)
MAIL_RELATED = "registration"
WITHDRAWN = "withdrawn"

# a field's error: (i18n message key, format parameters)
FieldErrors = dict[str, tuple[str, dict[str, Any]]]


class RegistrationError(ValueError):
    """A request the service refuses (wrong state, unknown id); the message is for staff."""


# ----------------------------------------------------------------------------- validation

def _has_control_chars(value: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value)


def _text(form: Mapping[str, Any], key: str, errors: FieldErrors, *, limit: int, required: bool = False,
          error_key: str | None = None) -> str | None:
    value = str(form.get(key) or "").strip()
    name = error_key or key
    if not value:
        if required:
            errors[name] = ("err_required", {})
        return None
    if len(value) > limit:
        errors[name] = ("err_too_long", {"limit": limit})
        return None
    if _has_control_chars(value):
        errors[name] = ("err_control_chars", {})
        return None
    return value


def _float(form: Mapping[str, Any], key: str, lo: float, hi: float) -> tuple[float | None, tuple | None]:
    raw = str(form.get(key) or "").strip().replace(",", ".") if key in form else ""
    if not raw:
        return None, ("err_pin", {})
    try:
        value = float(raw)
    except ValueError:
        return None, ("err_number", {})
    if value != value or not lo <= value <= hi:
        return None, ("err_range", {"lo": lo, "hi": hi})
    return value, None


def is_checked(value: Any) -> bool:
    return str(value or "").strip().lower() in ("on", "1", "yes", "true", "y")


def camera_count_of(form: Mapping[str, Any], max_cameras: int) -> int:
    """How many camera fieldsets the form has (1 to max_cameras), whatever was typed."""
    try:
        count = int(str(form.get("camera_count") or "1").strip())
    except ValueError:
        return 1
    return max(1, min(count, max_cameras))


def validate_camera(form: Mapping[str, Any], prefix: str, errors: FieldErrors) -> dict[str, Any]:
    """One camera's fields `<prefix>label`, `type`, `placement`, `direction`, `retention`, `live`."""
    label = _text(form, f"{prefix}label", errors, limit=LIMITS["label"], required=True)
    camera_type = str(form.get(f"{prefix}type") or "doorbell").strip().lower()
    if camera_type not in CAMERA_TYPES:
        errors[f"{prefix}type"] = ("err_choice", {})
    placement = str(form.get(f"{prefix}placement") or "outdoor").strip().lower()
    if placement not in PLACEMENTS:
        errors[f"{prefix}placement"] = ("err_choice", {})
    raw_dir = str(form.get(f"{prefix}direction") or "").strip().upper()
    direction: float | None = None
    if raw_dir in DIRECTIONS:
        direction = DIRECTIONS[raw_dir]
    elif raw_dir:
        try:
            direction = float(raw_dir)
            if direction != direction or not 0 <= direction <= 360:
                raise ValueError
        except ValueError:
            errors[f"{prefix}direction"] = ("err_choice", {})
            direction = None
    raw_ret = str(form.get(f"{prefix}retention") or "").strip()
    retention: int | None = None
    if not raw_ret:
        errors[f"{prefix}retention"] = ("err_required", {})
    else:
        try:
            number = float(raw_ret)
            if number != number or not RETENTION_RANGE[0] <= number <= RETENTION_RANGE[1]:
                errors[f"{prefix}retention"] = ("err_range", {"lo": RETENTION_RANGE[0], "hi": RETENTION_RANGE[1]})
            elif not number.is_integer():
                errors[f"{prefix}retention"] = ("err_whole", {})
            else:
                retention = int(number)
        except ValueError:
            errors[f"{prefix}retention"] = ("err_number", {})
    return {"label": label, "camera_type": camera_type, "placement": placement, "direction_deg": direction,
            "retention_days": retention, "live_access": is_checked(form.get(f"{prefix}live"))}


def validate_form(form: Mapping[str, Any], *, max_cameras: int = 100,
                  geo: DallasGeography | None = None) -> tuple[dict | None, FieldErrors]:
    """The whole public form -> (payload, {}) or (None, {field: (message key, params)})."""
    errors: FieldErrors = {}
    owner_type = str(form.get("owner_type") or "resident").strip().lower()
    if owner_type not in PORTAL_OWNER_TYPES:
        errors["owner_type"] = ("err_choice", {})
    name = _text(form, "name", errors, limit=LIMITS["name"], required=True)
    business_name = _text(form, "business_name", errors, limit=LIMITS["business_name"],
                          required=owner_type in ("business", "organization"))
    email = _text(form, "email", errors, limit=LIMITS["email"], required=True)
    if email is not None:
        email = email.lower()
        if not EMAIL.match(email):
            errors["email"] = ("err_email", {})
    phone = _text(form, "phone", errors, limit=LIMITS["phone"])
    if phone is not None and (not PHONE.match(phone) or sum(ch.isdigit() for ch in phone) < 7):
        errors["phone"] = ("err_phone", {})
    address = _text(form, "address", errors, limit=LIMITS["address"], required=True)
    lat, lat_err = _float(form, "latitude", -90, 90)
    lon, lon_err = _float(form, "longitude", -180, 180)
    if lat_err or lon_err:
        errors["location"] = lat_err or lon_err
    elif lat is not None and lon is not None:
        geo = geo or get_geography()
        if not bool(geo.in_city([lat], [lon])[0]):
            errors["location"] = ("err_outside_city", {})
    raw_count = str(form.get("camera_count") or "1").strip()
    try:
        requested = int(raw_count)
    except ValueError:
        requested = 0
        errors["camera_count"] = ("err_whole", {})
    if requested > max_cameras:
        errors["camera_count"] = ("err_max_cameras", {"limit": max_cameras})
    elif requested < 1 and "camera_count" not in errors:
        errors["camera_count"] = ("err_range", {"lo": 1, "hi": max_cameras})
    cameras = [] if "camera_count" in errors else \
        [validate_camera(form, f"cam-{i}-", errors) for i in range(camera_count_of(form, max_cameras))]
    if not is_checked(form.get("consent")):
        errors["consent"] = ("err_consent", {})
    if errors:
        return None, errors
    return {
        "owner_type": owner_type, "name": name, "business_name": business_name if owner_type != "resident" else None,
        "email": email, "phone": phone, "address": address, "latitude": lat, "longitude": lon,
        "cameras": cameras,
    }, {}


_ABBREVIATIONS = {"street": "st", "avenue": "ave", "road": "rd", "drive": "dr", "boulevard": "blvd",
                  "lane": "ln", "court": "ct", "place": "pl", "parkway": "pkwy", "highway": "hwy",
                  "north": "n", "south": "s", "east": "e", "west": "w", "suite": "ste", "apartment": "apt"}


def normalize_address(address: str) -> str:
    """Case-, punctuation- and spacing-insensitive, with common street words abbreviated."""
    text = unicodedata.normalize("NFKC", address).casefold()
    words = re.sub(r"[^\w]+", " ", text).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def lookup_key(email: str, address: str) -> str:
    return hashlib.sha256(f"{email.strip().lower()}\n{normalize_address(address)}".encode()).hexdigest()


# ----------------------------------------------------------------------------- tokens

def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _new_token(s: Session, purpose: str, expires_at: datetime, *, registration_id: int | None = None,
               owner_id: int | None = None) -> str:
    raw = secrets.token_urlsafe(32)
    s.add(RegistrationToken(token_hash=_hash(raw), purpose=purpose, expires_at=expires_at,
                            registration_id=registration_id, owner_id=owner_id))
    return raw


def _valid_token(s: Session, raw: str, purpose: str, now: datetime, *,
                 single_use: bool = True) -> RegistrationToken | None:
    if not raw or len(raw) > 200:
        return None
    token = s.scalar(select(RegistrationToken).where(RegistrationToken.token_hash == _hash(raw),
                                                     RegistrationToken.purpose == purpose))
    if token is None or token.expires_at <= now or (single_use and token.used_at is not None):
        return None
    return token


def _link(settings: Settings, path: str, lang: str | None = None) -> str:
    """A link for an email; it carries the owner's language, so the page it opens speaks the
    language the owner registered in, whatever their browser prefers."""
    suffix = f"?lang={lang}" if lang else ""
    return f"{settings.public_base_url}/register/{path}{suffix}"


# ----------------------------------------------------------------------------- submission

@dataclass(frozen=True)
class SubmitResult:
    registration_id: int
    token: str          # the raw confirm token (emailed; returned for tests)
    existing: bool      # an existing registration (same email + address) will be updated


def submit(db: Database, settings: Settings, payload: dict, *, language: str = "en",
           now: datetime | None = None) -> SubmitResult:
    """Store a validated submission (see `validate_form`) and email the confirm link."""
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
        raw = _new_token(s, "confirm", now + timedelta(hours=hours), registration_id=reg.id)
        lang = reg.language
        enqueue(s, kind="registration_confirm", to_addr=payload["email"],
                subject=t(lang, "mail_confirm_subject"),
                body=t(lang, "mail_confirm_body", name=payload["name"], address=payload["address"],
                       hours=f"{hours:g}", link=_link(settings, f"confirm/{raw}", lang)),
                related_type=MAIL_RELATED, related_id=reg.id)
        return SubmitResult(reg.id, raw, existing)


def _apply_payload(s: Session, reg: Registration, payload: dict, geo: DallasGeography,
                   now: datetime) -> tuple[bool, bool]:
    """Create or update the owner, site and cameras. Returns (added_cameras, moved)."""
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


def _activate(s: Session, reg: Registration, now: datetime, *, user_id: int | None = None) -> None:
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
        token = _valid_token(s, raw_token, "confirm", now)
        reg = s.get(Registration, token.registration_id) if token and token.registration_id else None
        if token is None or reg is None or not reg.pending_payload or reg.status == WITHDRAWN:
            return None
        token.used_at = now
        payload = json.loads(reg.pending_payload)
        added, moved = _apply_payload(s, reg, payload, geo, now)
        if settings.registration_auto_approve:
            _activate(s, reg, now)
        elif reg.status == "approved" and not added and not moved:
            pass  # edits of already approved cameras: no new review
        else:
            reg.status = "pending_review"
        reg.pending_payload, reg.pending_since = None, None
        reg.confirmed_at, reg.reconfirm_sent_at, reg.inactive_at = now, None, None
        audit.record(s, "registration_confirmed", object_type="registration", object_id=reg.id,
                     detail={"status": reg.status, "cameras": reg.camera_count})
        return ConfirmResult(reg.id, reg.status, reg.language)


# ----------------------------------------------------------------------------- moderation

@dataclass
class CameraView:
    id: int
    label: str
    camera_type: str
    placement: str
    direction_deg: float | None
    retention_days: int
    live_access: bool
    status: str


@dataclass
class RegistrationView:
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
    cameras: list[CameraView] = field(default_factory=list)


def _view(s: Session, reg: Registration) -> RegistrationView:
    view = RegistrationView(id=reg.id, status=reg.status, confirmed_at=reg.confirmed_at, division=reg.division)
    owner = s.get(Owner, reg.owner_id) if reg.owner_id else None
    site = s.get(CameraSite, reg.site_id) if reg.site_id else None
    if owner is not None:
        view.owner_type, view.name, view.contact_person = owner.owner_type, owner.name, owner.contact_person
        view.email, view.phone = owner.email, owner.phone
    if site is not None:
        view.address, view.latitude, view.longitude, view.beat = site.address, site.latitude, site.longitude, site.beat
        view.cameras = [CameraView(c.id, c.label, c.camera_type, c.placement, c.direction_deg, c.retention_days,
                                   c.live_access, c.status)
                        for c in s.scalars(select(Camera).where(Camera.site_id == site.id,
                                                                Camera.status != WITHDRAWN).order_by(Camera.id))]
    return view


def moderation_queue(db: Database, user) -> list[RegistrationView]:
    """Confirmed registrations waiting for an admin, oldest confirmation first."""
    require(user, "moderate_registrations")
    with db.session() as s:
        regs = s.scalars(select(Registration).where(Registration.status == "pending_review")
                         .order_by(Registration.confirmed_at, Registration.id)).all()
        return [_view(s, reg) for reg in regs]


def _reviewable(s: Session, registration_id: int) -> Registration:
    reg = s.get(Registration, registration_id)
    if reg is None or reg.status != "pending_review":
        raise RegistrationError("this registration is not waiting for review")
    return reg


def approve(db: Database, registration_id: int, user, *, now: datetime | None = None) -> None:
    require(user, "moderate_registrations")
    now = now or utcnow()
    with db.session() as s:
        reg = _reviewable(s, registration_id)
        _activate(s, reg, now, user_id=user.id)
        audit.record(s, "registration_approved", user_id=user.id, username=user.username,
                     object_type="registration", object_id=reg.id)


def reject(db: Database, settings: Settings, registration_id: int, user, reason: str, *,
           now: datetime | None = None) -> None:
    """Reject the registration's pending cameras with a reason, emailed to the owner."""
    require(user, "moderate_registrations")
    reason = (reason or "").strip()
    if not reason:
        raise RegistrationError("a reason is required to reject a registration")
    if len(reason) > LIMITS["reason"]:
        raise RegistrationError(f"the reason is longer than {LIMITS['reason']} characters")
    now = now or utcnow()
    with db.session() as s:
        reg = _reviewable(s, registration_id)
        for camera in s.scalars(select(Camera).where(Camera.site_id == reg.site_id, Camera.status == "pending")):
            camera.status = "rejected"
        still_active = s.scalar(select(Camera.id).where(Camera.site_id == reg.site_id,
                                                        Camera.status == "active").limit(1))
        reg.status = "approved" if still_active else "rejected"
        reg.reject_reason, reg.reviewed_at, reg.reviewed_by = reason, now, user.id
        owner = s.get(Owner, reg.owner_id) if reg.owner_id else None
        site = s.get(CameraSite, reg.site_id) if reg.site_id else None
        if owner is not None:
            enqueue(s, kind="registration_rejected", to_addr=owner.email,
                    subject=t(reg.language, "mail_rejected_subject"),
                    body=t(reg.language, "mail_rejected_body", name=owner.contact_person or owner.name,
                           address=(site.address if site else "") or "", reason=reason),
                    related_type=MAIL_RELATED, related_id=reg.id)
        audit.record(s, "registration_rejected", user_id=user.id, username=user.username,
                     object_type="registration", object_id=reg.id, reason=reason)


def edit_camera(db: Database, camera_id: int, user, *, label: str | None = None,
                retention_days: int | None = None) -> None:
    """An admin's correction of a camera's label or retention during moderation."""
    require(user, "moderate_registrations")
    with db.session() as s:
        camera = s.get(Camera, camera_id)
        if camera is None:
            raise RegistrationError("no such camera")
        if label is not None:
            label = label.strip()
            if not label or len(label) > LIMITS["label"] or _has_control_chars(label):
                raise RegistrationError(f"the label must be 1 to {LIMITS['label']} printable characters")
            camera.label = label
        if retention_days is not None:
            if not RETENTION_RANGE[0] <= retention_days <= RETENTION_RANGE[1]:
                raise RegistrationError("retention must be 1 to 3650 days")
            camera.retention_days = retention_days
        audit.record(s, "registration_camera_edited", user_id=user.id, username=user.username,
                     object_type="camera", object_id=camera.id)


# ----------------------------------------------------------------------------- owner self-service

def request_manage_link(db: Database, settings: Settings, email: str, *, language: str = "en",
                        now: datetime | None = None) -> str | None:
    """Email a sign-in link when this email has a registration. The caller answers the same
    either way; the raw token is returned for tests (None when nothing was sent)."""
    email = (email or "").strip().lower()
    if not email or len(email) > LIMITS["email"] or not EMAIL.match(email):
        return None
    now = now or utcnow()
    with db.session() as s:
        owner_id = s.scalar(select(Owner.id).join(Registration, Registration.owner_id == Owner.id)
                            .where(Owner.email == email, Registration.status != WITHDRAWN)
                            .order_by(Owner.id).limit(1))
        if owner_id is None:
            return None
        hours = settings.registration_manage_link_hours
        raw = _new_token(s, "manage", now + timedelta(hours=hours), owner_id=owner_id)
        lang = normalize_language(language) or "en"
        enqueue(s, kind="registration_manage", to_addr=email, subject=t(lang, "mail_manage_subject"),
                body=t(lang, "mail_manage_body", hours=f"{hours:g}", link=_link(settings, f"manage/{raw}", lang)),
                related_type="registration_owner", related_id=owner_id)
        return raw


def manage_owner(db: Database, raw_token: str, *, now: datetime | None = None) -> int | None:
    """The owner id a manage link signs in as (valid until it expires), or None."""
    now = now or utcnow()
    with db.session() as s:
        token = _valid_token(s, raw_token, "manage", now, single_use=False)
        return token.owner_id if token else None


def owner_registrations(db: Database, owner_id: int) -> list[RegistrationView]:
    with db.session() as s:
        regs = s.scalars(select(Registration).where(Registration.owner_id == owner_id,
                                                    Registration.status != WITHDRAWN)
                         .order_by(Registration.id)).all()
        return [_view(s, reg) for reg in regs]


def update_cameras(db: Database, owner_id: int, form: Mapping[str, Any]) -> FieldErrors:
    """The owner's edits on the manage page: fields `cam-<id>-label`, `-type`, `-placement`,
    `-direction`, `-retention`, `-live` for each of their cameras. All or nothing."""
    errors: FieldErrors = {}
    with db.session() as s:
        cameras = s.scalars(select(Camera).join(CameraSite).join(Registration, Registration.site_id == CameraSite.id)
                            .where(Registration.owner_id == owner_id, Registration.status != WITHDRAWN,
                                   Camera.status != WITHDRAWN)).all()
        updates = []
        for camera in cameras:
            prefix = f"cam-{camera.id}-"
            if f"{prefix}label" not in form:
                continue
            fields = validate_camera(form, prefix, errors)
            updates.append((camera, fields))
        if errors:
            s.rollback()
            return errors
        for camera, fields in updates:
            for name, value in fields.items():
                setattr(camera, name, value)
        audit.record(s, "registration_owner_update", object_type="registration_owner", object_id=owner_id,
                     detail={"cameras": len(updates)})
    return {}


def withdraw(db: Database, owner_id: int, *, now: datetime | None = None) -> int:
    """The owner withdraws: every camera of theirs leaves the registry (status "withdrawn": the
    dashboards drop it at their next refresh) and their personal data is deleted.

    Rows are blanked, not deleted, so footage requests already made about a camera (which
    reference camera and owner with ON DELETE CASCADE) stay on record: owner name becomes
    "withdrawn", email "withdrawn-<id>@invalid", contact person, phone and address are cleared,
    site addresses cleared and positions coarsened to about 1 km, camera labels and stream URLs
    cleared, queued/sent registration emails to them deleted. The Registration rows remain as
    the anonymous record (status, dates, camera count, division). Returns cameras withdrawn."""
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
        for site in s.scalars(select(CameraSite).where(CameraSite.owner_id == owner_id)):
            site.address = None
            site.latitude, site.longitude = round(site.latitude, 2), round(site.longitude, 2)
            for camera in s.scalars(select(Camera).where(Camera.site_id == site.id)):
                if camera.status != WITHDRAWN:
                    withdrawn += 1
                camera.status, camera.label, camera.stream_url, camera.live_access = WITHDRAWN, WITHDRAWN, None, False
        owner.name, owner.contact_person, owner.phone, owner.address = WITHDRAWN, None, None, None
        owner.email = f"withdrawn-{owner.id}@invalid"
        s.execute(delete(RegistrationToken).where(RegistrationToken.owner_id == owner_id))
        s.execute(delete(OutboundEmail).where(OutboundEmail.to_addr == email,
                                              OutboundEmail.kind.like("registration%")))
        audit.record(s, "registration_withdrawn", object_type="registration_owner", object_id=owner_id,
                     detail={"cameras": withdrawn})
    return withdrawn


# ----------------------------------------------------------------------------- maintenance

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
    grace = timedelta(days=settings.registration_reconfirm_grace_days)
    with db.session() as s:
        due = s.scalars(select(Registration).where(
            Registration.status.in_(("approved", "pending_review")), Registration.reconfirm_sent_at.is_(None),
            Registration.confirmed_at <= now - _months(settings.registration_reconfirm_months))).all()
        for reg in due:
            owner = s.get(Owner, reg.owner_id) if reg.owner_id else None
            site = s.get(CameraSite, reg.site_id) if reg.site_id else None
            if owner is None:
                continue
            raw = _new_token(s, "reconfirm", now + grace, registration_id=reg.id)
            enqueue(s, kind="registration_reconfirm", to_addr=owner.email,
                    subject=t(reg.language, "mail_reconfirm_subject"),
                    body=t(reg.language, "mail_reconfirm_body", name=owner.contact_person or owner.name,
                           address=(site.address if site else "") or "",
                           days=f"{settings.registration_reconfirm_grace_days:g}",
                           link=_link(settings, f"reconfirm/{raw}", reg.language),
                           manage=_link(settings, "manage", reg.language)),
                    related_type=MAIL_RELATED, related_id=reg.id)
            reg.reconfirm_sent_at = now
            asked += 1
        lapsed = s.scalars(select(Registration).where(
            Registration.status.in_(("approved", "pending_review")), Registration.reconfirm_sent_at.is_not(None),
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
        token = _valid_token(s, raw_token, "reconfirm", now)
        reg = s.get(Registration, token.registration_id) if token and token.registration_id else None
        if token is None or reg is None or reg.status not in ("approved", "pending_review", "inactive"):
            return False
        token.used_at = now
        if reg.status == "inactive":
            restored = "active" if reg.approved_at else "pending"
            for camera in s.scalars(select(Camera).where(Camera.site_id == reg.site_id, Camera.status == "inactive")):
                camera.status = restored
            reg.status = "approved" if reg.approved_at else "pending_review"
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
            else:
                reg.pending_payload, reg.pending_since = None, None
        s.execute(delete(RegistrationToken).where(RegistrationToken.expires_at <= now))
    return dropped


def run_maintenance(db: Database, settings: Settings, *, now: datetime | None = None) -> dict[str, int]:
    """Everything periodic, for `connect-dallas registry-maintenance`."""
    now = now or utcnow()
    expired = expire_unconfirmed(db, settings, now=now)
    report = reconfirm_due(db, settings, now=now)
    return {"expired_unconfirmed": expired, "reconfirm_asked": report.asked, "deactivated": report.deactivated}
