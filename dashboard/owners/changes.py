"""Which owner changes need a review, and where they wait meanwhile.

The rule (docs/owners.md, "Changes after approval"): a change to a camera that is on the map
(status active) and that alters what the dashboard shows or what police may watch waits for an
admin, and the map keeps the old values until it is approved (or `registration.auto_approve`
applies it at once). Taking access back never waits: switching live access off, narrowing live
sharing, and withdrawing apply at once. Retention days apply at once too: a number the owner
states about their own recorder that carries no text and opens no access.

What waits lives in `Registration.pending_payload` (JSON), beside a form that waits for its
confirm link:
  {"form": {...submitted form...},                      # until the confirm link is opened
   "review": {"cameras": {"<camera id>": {field: new value}},
              "site": {"address": ..., "latitude": ..., "longitude": ...},
              "since": "<iso time>"}}                   # until an admin approves or rejects
`pending_since` is when the waiting form was submitted (None without one): unconfirmed forms
expire, reviews do not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.geo.geography import DallasGeography, get_geography
from dashboard.live.grants import end_grants_for_camera
from dashboard.live.settings import live_settings
from dashboard.models import Camera, CameraSite
from dashboard.models.registration import Registration
from dashboard.vocabulary import LIVE_SHARING

# shown on the map or in camera details, or deciding what police may watch
REVIEWED_FIELDS = ("label", "camera_type", "placement", "direction_deg", "live_access", "live_sharing", "stream_url")
IMMEDIATE_FIELDS = ("retention_days",)
SITE_FIELDS = ("address", "latitude", "longitude")


@dataclass
class Pending:
    form: dict | None = None
    review: dict | None = None

    @property
    def camera_changes(self) -> dict[str, dict[str, Any]]:
        return (self.review or {}).get("cameras") or {}

    @property
    def site_change(self) -> dict[str, Any] | None:
        return (self.review or {}).get("site") or None


def load(reg: Registration) -> Pending:
    if not reg.pending_payload:
        return Pending()
    stored = json.loads(reg.pending_payload)
    if "form" not in stored and "review" not in stored:
        return Pending(form=stored)  # written before reviews were kept here: a bare form
    return Pending(stored.get("form"), stored.get("review"))


def save(reg: Registration, pending: Pending) -> None:
    stored = {key: value for key, value in (("form", pending.form), ("review", pending.review)) if value}
    reg.pending_payload = json.dumps(stored, ensure_ascii=False) if stored else None


def set_review(pending: Pending, cameras: dict[str, dict], site: dict | None, now: datetime) -> None:
    cameras = {key: fields for key, fields in cameras.items() if fields}
    if not cameras and not site:
        pending.review = None
        return
    pending.review = {"cameras": cameras, "since": now.isoformat()}
    if site:
        pending.review["site"] = site


def _sharing_rank(value: str | None) -> int:
    return LIVE_SHARING.index(value) if value in LIVE_SHARING else 0


def takes_access_back(name: str, old: Any, new: Any) -> bool:
    """A change that only narrows what police may watch (never needs a review)."""
    if name == "live_access":
        return bool(old) and not new
    if name == "live_sharing":
        return _sharing_rank(new) < _sharing_rank(old)
    if name == "stream_url":
        return new is None
    return False


def split_camera_change(camera: Camera, wanted: dict[str, Any]) -> tuple[dict, dict]:
    """(apply now, wait for review) for an active camera: only the fields that differ."""
    now, review = {}, {}
    for name, value in wanted.items():
        if getattr(camera, name) == value:
            continue
        if name in IMMEDIATE_FIELDS or takes_access_back(name, getattr(camera, name), value):
            now[name] = value
        else:
            review[name] = value
    return now, review


def site_change(site: CameraSite, address: str | None, latitude: float, longitude: float) -> dict | None:
    moved = (round(site.latitude, 6), round(site.longitude, 6)) != (round(latitude, 6), round(longitude, 6))
    if not moved and (site.address or None) == (address or None):
        return None
    return {"address": address, "latitude": latitude, "longitude": longitude}


def place_site(site: CameraSite, change: dict, geo: DallasGeography | None = None) -> None:
    site.address = change["address"]
    site.latitude, site.longitude = change["latitude"], change["longitude"]
    placement = (geo or get_geography()).locate(site.latitude, site.longitude)
    site.division, site.beat = placement.division, placement.beat


def apply_review(s: Session, reg: Registration, pending: Pending, geo: DallasGeography | None = None) -> None:
    """An admin approved: the waiting values replace the ones on the map (caller's transaction)."""
    site = s.get(CameraSite, reg.site_id) if reg.site_id else None
    if site is not None and pending.site_change:
        place_site(site, pending.site_change, geo)
        reg.division = site.division
    for key, fields in pending.camera_changes.items():
        camera = s.get(Camera, int(key))
        if camera is None or camera.site_id != reg.site_id or camera.status == "withdrawn":
            continue
        for name, value in fields.items():
            if name in REVIEWED_FIELDS:
                setattr(camera, name, value)
    pending.review = None


def has_pending_cameras(s: Session, reg: Registration) -> bool:
    return reg.site_id is not None and s.scalar(
        select(Camera.id).where(Camera.site_id == reg.site_id, Camera.status == "pending").limit(1)) is not None


def settle_status(s: Session, reg: Registration, pending: Pending) -> None:
    """An approved registration with something to review goes to the queue, and back once
    nothing waits (e.g. the owner reverted the change before anyone looked)."""
    waiting = bool(pending.review) or has_pending_cameras(s, reg)
    if reg.status == "approved" and waiting:
        reg.status = "pending_review"
    elif reg.status == "pending_review" and not waiting and reg.approved_at is not None:
        reg.status = "approved"


def end_views_no_longer_shared(s: Session, camera_ids, settings, now: datetime) -> int:
    """End, in the caller's transaction, the running live views that the cameras' new state no
    longer allows (sharing narrowed, live access off, withdrawn). Returns how many ended."""
    s.flush()
    live = live_settings(settings)
    return sum(end_grants_for_camera(s, camera_id, live, now) for camera_id in camera_ids)
