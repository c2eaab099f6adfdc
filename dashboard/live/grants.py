"""Live-view grants: one service decides whether someone may watch a camera, and records it.

`open_live_view` checks, in order, the role, the camera (registered, active, a live-access device),
the owner's sharing policy and the stated purpose; it then writes the grant and its `live_view`
audit event in the caller's transaction and returns the grant's token, which the relay URLs
carry. A refusal raises `LiveRefused` (a sentence for the user) after recording a `live_view`
event with outcome `denied` (the role may not) or `refused`, in the same session: callers that
want the refusal kept use `run_audited`, which commits it even though the action failed.

Audit actions: `live_view` (opened, or refused), `live_view_renew`, `live_view_end` (with its
reason: closed by the viewer, expired, sharing changed, purpose lapsed). The audit chain is
append-only, so the end of a view is its own event naming the grant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.permissions import can
from dashboard import tokens
from dashboard.audit import chain as audit
from dashboard.db import Database
from dashboard.models import Camera, LiveGrant, utcnow

from .policy import NO_CAMERA, LiveRefused, camera_for_live, check_sharing
from .purpose import Purpose
from .settings import LiveSettings
from .streams import stream_kind

ADMINS_REFUSED = "Admins do not view live video."
ROLE_REFUSED = "Your role may not view live video."
NOT_YOURS = "This live view was opened by someone else."
UNKNOWN_GRANT = "This live view link is not valid."
ENDED = "This live view has ended."
EXPIRED = "This live view has expired: open it again to keep watching."

T = TypeVar("T")


@dataclass(frozen=True)
class IssuedGrant:
    """What the opener gets back; `token` is shown once (only its digest is stored)."""

    grant_id: int
    token: str
    camera_id: int
    stream_kind: str
    started_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class ActiveGrant:
    """A grant the relay may serve right now (its device address stays on the server)."""

    grant_id: int
    user_id: int
    camera_id: int
    stream_url: str
    stream_kind: str
    expires_at: datetime


def _who(user: Any) -> dict:
    return {"user_id": getattr(user, "id", None), "username": getattr(user, "username", None)}


def _purpose_of(grant: LiveGrant) -> Purpose:
    return Purpose(grant.purpose_kind, grant.incident_number, grant.case_number, grant.offense_category,
                   grant.reason)


def camera_number(camera_id: Any) -> int:
    """Camera ids come as numbers from JSON and as text from forms and Dash ids."""
    if isinstance(camera_id, str) and camera_id.strip().isdigit():
        camera_id = int(camera_id.strip())
    if isinstance(camera_id, bool) or not isinstance(camera_id, int):
        raise LiveRefused(NO_CAMERA, code="not_found", status=404)
    return camera_id


def check_role(user: Any) -> None:
    if getattr(user, "role", None) == "admin":
        raise LiveRefused(ADMINS_REFUSED, code="role")
    if not can(user, "view_live"):
        raise LiveRefused(ROLE_REFUSED, code="role")


def _record_refusal(session: Session, user: Any, camera_id: Any, purpose: Purpose | None,
                    refusal: LiveRefused, client_addr: str | None) -> None:
    detail = {"refused": refusal.code, "message": refusal.message}
    if purpose is not None:
        detail.update(purpose.audit_fields())
    audit.record(session, "live_view", **_who(user), object_type="camera", object_id=str(camera_id)[:40],
                 case_number=purpose.case_number if purpose else None,
                 reason=purpose.reason if purpose else None, client_addr=client_addr,
                 outcome="denied" if refusal.code == "role" else "refused", detail=detail)


def open_live_view(session: Session, user: Any, camera_id: int, purpose: Purpose | dict, settings: LiveSettings,
                   now: datetime | None = None, *, client_addr: str | None = None) -> IssuedGrant:
    """`purpose` is a Purpose, or what a form sent (parsed after the role check, so a role that
    may not watch learns nothing else and a bad purpose is an audited refusal too)."""
    now = now or utcnow()
    stated = purpose if isinstance(purpose, Purpose) else None
    try:
        check_role(user)
        stated = stated or Purpose.parse(purpose, settings)
        purpose = stated
        camera, site = camera_for_live(session, camera_number(camera_id))
        check_sharing(session, camera, site, settings)
        purpose.check_holds(session)
    except LiveRefused as refusal:
        _record_refusal(session, user, camera_id, stated, refusal, client_addr)
        raise
    token, token_hash = tokens.mint()
    grant = LiveGrant(user_id=user.id, camera_id=camera.id, purpose_kind=purpose.kind,
                      incident_number=purpose.incident_number, case_number=purpose.case_number,
                      offense_category=purpose.offense_category, reason=purpose.reason, started_at=now,
                      expires_at=now + timedelta(minutes=settings.view_minutes), token_hash=token_hash)
    session.add(grant)
    session.flush()
    audit.record(session, "live_view", **_who(user), object_type="camera", object_id=camera.id,
                 case_number=purpose.case_number, reason=purpose.reason, client_addr=client_addr,
                 detail={**purpose.audit_fields(), "grant_id": grant.id, "started_at": now.isoformat(),
                         "expires_at": grant.expires_at.isoformat()})
    return IssuedGrant(grant.id, token, camera.id, stream_kind(camera.stream_url), now, grant.expires_at)


def _end(session: Session, grant: LiveGrant, now: datetime, reason: str, user: Any = None) -> None:
    grant.ended_at = now
    grant.end_reason = reason
    who = _who(user) if user is not None else {"user_id": grant.user_id}
    audit.record(session, "live_view_end", **who, object_type="camera", object_id=grant.camera_id,
                 case_number=grant.case_number, detail={
                     "grant_id": grant.id, "purpose": grant.purpose_kind, "incident_number": grant.incident_number,
                     "offense_category": grant.offense_category, "started_at": grant.started_at.isoformat(),
                     "ended_at": now.isoformat(), "end_reason": reason})


def _own_grant(session: Session, user: Any, token: str) -> LiveGrant:
    """The grant behind `token`, only for the user it was issued to; anyone else presenting it
    (a copied link, a replayed request) is refused and the attempt is audited."""
    grant = session.scalar(select(LiveGrant).where(LiveGrant.token_hash == tokens.digest(token or "")))
    if grant is None:
        raise LiveRefused(UNKNOWN_GRANT, code="unknown_grant", status=404)
    if grant.user_id != getattr(user, "id", None):
        audit.record(session, "live_view", **_who(user), object_type="camera", object_id=grant.camera_id,
                     outcome="denied", detail={"refused": "not_yours", "grant_id": grant.id})
        raise LiveRefused(NOT_YOURS, code="not_yours")
    return grant


def _ended_message(grant: LiveGrant) -> str:
    """Why a view ended, in words: whichever check ended it first (the relay's, the wall's or the
    worker's), the viewer is told the same reason."""
    if grant.end_reason == "incident_cleared":
        return f"Incident {grant.incident_number} is cleared: this live view has ended."
    if grant.end_reason == "expired":
        return EXPIRED
    if grant.end_reason == "emergency_only":
        return "The owner shares this camera only during an emergency nearby: this live view has ended."
    return ENDED


def _still_allowed(session: Session, grant: LiveGrant, settings: LiveSettings, now: datetime) -> Camera:
    """The grant's camera if the view may go on; otherwise end the grant and refuse."""
    if grant.ended_at is not None:
        raise LiveRefused(_ended_message(grant), code="ended", status=410)
    try:
        if now >= grant.expires_at:
            raise LiveRefused(EXPIRED, code="expired", status=410)
        camera, site = camera_for_live(session, grant.camera_id)
        check_sharing(session, camera, site, settings)
        _purpose_of(grant).check_holds(session)
    except LiveRefused as refusal:
        _end(session, grant, now, refusal.code)
        raise LiveRefused(refusal.message, code=refusal.code, status=410) from None
    return camera


def check_grant(session: Session, user: Any, token: str, settings: LiveSettings,
                now: datetime | None = None) -> ActiveGrant:
    """For the relay: the grant behind `token` if `user` may watch through it right now."""
    now = now or utcnow()
    grant = _own_grant(session, user, token)
    camera = _still_allowed(session, grant, settings, now)
    return ActiveGrant(grant.id, grant.user_id, camera.id, camera.stream_url or "", stream_kind(camera.stream_url),
                       grant.expires_at)


def renew_live_view(session: Session, user: Any, token: str, settings: LiveSettings,
                    now: datetime | None = None, *, client_addr: str | None = None) -> IssuedGrant:
    """Another `view_minutes` from now, while the role, the sharing policy and the purpose hold."""
    now = now or utcnow()
    grant = _own_grant(session, user, token)
    check_role(user)
    camera = _still_allowed(session, grant, settings, now)
    grant.expires_at = now + timedelta(minutes=settings.view_minutes)
    audit.record(session, "live_view_renew", **_who(user), object_type="camera", object_id=grant.camera_id,
                 case_number=grant.case_number, client_addr=client_addr,
                 detail={"grant_id": grant.id, "expires_at": grant.expires_at.isoformat()})
    return IssuedGrant(grant.id, token, grant.camera_id, stream_kind(camera.stream_url), grant.started_at,
                       grant.expires_at)


def end_live_view(session: Session, user: Any, token: str, now: datetime | None = None) -> bool:
    """The viewer closes the view; False when it had already ended."""
    grant = _own_grant(session, user, token)
    if grant.ended_at is not None:
        return False
    _end(session, grant, now or utcnow(), "closed", user)
    return True


def _open_grants(session: Session, camera_id: int | None = None) -> list[LiveGrant]:
    query = select(LiveGrant).where(LiveGrant.ended_at.is_(None))
    if camera_id is not None:
        query = query.where(LiveGrant.camera_id == camera_id)
    return list(session.scalars(query.order_by(LiveGrant.id)))


def end_grants_for_camera(session: Session, camera_id: int, settings: LiveSettings,
                          now: datetime | None = None) -> int:
    """After an owner changes a camera: end its running views unless its sharing still allows them
    now (the change takes effect at once). Returns how many ended."""
    now = now or utcnow()
    ended = 0
    for grant in _open_grants(session, camera_id):
        try:
            _still_allowed(session, grant, settings, now)
        except LiveRefused:
            ended += 1
    return ended


def end_lapsed_grants(session: Session, settings: LiveSettings, now: datetime | None = None) -> int:
    """A sweep for a periodic job: end every running view that expired or whose camera policy or
    purpose no longer holds (e.g. its emergency call was cleared)."""
    now = now or utcnow()
    ended = 0
    for grant in _open_grants(session):
        try:
            _still_allowed(session, grant, settings, now)
        except LiveRefused:
            ended += 1
    return ended


def run_audited(db: Database, action: Callable[[Session], T]) -> T:
    """Run `action` in a transaction of its own; if it refuses, still commit what it recorded
    (the refusal's audit event, a lapsed grant's end) and then raise the refusal."""
    refusal: LiveRefused | None = None
    with db.session() as session:
        try:
            return action(session)
        except LiveRefused as exc:
            refusal = exc
    raise refusal


SWEEP_SECONDS = 30.0  # how often the server's periodic task runs `sweep_lapsed_grants`


def sweep_lapsed_grants(db: Database, settings: LiveSettings) -> int:
    """`end_lapsed_grants` in a transaction of its own (for a periodic job)."""
    with db.session() as session:
        return end_lapsed_grants(session, settings)
