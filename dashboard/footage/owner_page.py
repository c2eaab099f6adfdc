"""The owner's side of a request: opening the emailed link and answering it, once.

The link stops working when the request expires or the case is closed. Everything an owner
sees is worded in their language (`owners.language`) unless the page's switch chose another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from dashboard import tokens
from dashboard.audit import chain as audit
from dashboard.config import Settings
from dashboard.db import Database
from dashboard.models import Camera, Incident, Owner, User, utcnow
from dashboard.models.footage import FINAL_STATUSES, FootageRequest, FootageRequestEvent, FootageUpload

from .common import (
    ACTION,
    NOTE_MAX,
    OwnerPageError,
    UploadView,
    local_time,
    place_of,
    step,
    upload_view,
    window_text,
)
from .page_text import language, refusal, t


@dataclass(frozen=True)
class OwnerView:
    """Exactly what the owner's page may show: this request, nothing else of the registry."""

    incident_number: str
    place: str
    window: str
    camera_label: str
    detective_name: str
    callback_phone: str
    case_number: str | None
    message: str | None
    status: str
    expires: str
    decided: str | None          # accepted / declined, once answered
    owner_note: str | None
    uploads: tuple[UploadView, ...]
    lang: str = "en"

    @property
    def can_decide(self) -> bool:
        return self.decided is None

    @property
    def can_upload(self) -> bool:
        return self.decided != "declined"


def page_language(s: Session, req: FootageRequest | None, chosen: str | None) -> str:
    """The switch's choice, else the owner's language, else English."""
    picked = language(chosen)
    if picked:
        return picked
    owner = s.get(Owner, req.owner_id) if req is not None else None
    return language(getattr(owner, "language", None)) or "en"


def load(s: Session, token: Any, now: datetime, chosen: str | None = None
         ) -> tuple[FootageRequest | None, str, OwnerPageError | None]:
    """The request a token opens, the page's language, or the refusal. An overdue request is
    marked expired here (the caller commits) so the page and the tracking agree even before the
    sweeper runs."""
    if not isinstance(token, str) or not (20 <= len(token) <= 100):
        lang = page_language(s, None, chosen)
        return None, lang, refusal(404, lang, "err_link")
    digest = tokens.digest(token)
    req = s.scalar(select(FootageRequest).where(or_(FootageRequest.token_hash == digest,
                                                    FootageRequest.reminder_token_hash == digest)))
    lang = page_language(s, req, chosen)
    if req is None:
        return None, lang, refusal(404, lang, "err_link")
    if req.status not in FINAL_STATUSES and req.expires_at <= now:
        req.closed_at = now
        step(s, req, "expired", "system", now, "the owner's link has expired")
    if req.status == "expired":
        return req, lang, refusal(410, lang, "err_expired")
    if req.status == "closed":
        return req, lang, refusal(410, lang, "err_closed")
    return req, lang, None


def decision_of(req: FootageRequest) -> str | None:
    if req.decided_at is None:
        return None
    return "declined" if req.status == "declined" else "accepted"


def _view(s: Session, req: FootageRequest, settings: Settings, lang: str) -> OwnerView:
    inc = s.get(Incident, req.incident_id)
    cam = s.get(Camera, req.camera_id)
    detective = s.get(User, req.requested_by) if req.requested_by else None
    uploads = tuple(upload_view(u) for u in s.scalars(select(FootageUpload).where(FootageUpload.request_id == req.id)
                                                      .order_by(FootageUpload.id)))
    return OwnerView(
        incident_number=inc.incident_number if inc else "", place=place_of(inc, lang) if inc else "",
        window=window_text(req.window_start, req.window_end, lang), camera_label=cam.label if cam else "",
        detective_name=detective.full_name if detective else t(lang, "department"),
        callback_phone=settings.footage_callback_phone, case_number=req.case_number, message=req.message,
        status=req.status, expires=local_time(req.expires_at, lang), decided=decision_of(req),
        owner_note=req.owner_note, uploads=uploads, lang=lang)


def open_link(db: Database, token: Any, now: datetime, chosen: str | None = None) -> tuple[int, str]:
    """Commit the first opening (or the expiry) and return (request id, language); raises the
    refusal after committing."""
    with db.session() as s:
        req, lang, error = load(s, token, now, chosen)
        if error is None and req.opened_at is None:
            req.opened_at = now
            if req.status in ("queued", "sent"):
                step(s, req, "opened", "owner", now, "the owner opened the link")
            else:
                s.add(FootageRequestEvent(request_id=req.id, at=now, status=req.status, actor="owner",
                                          note="the owner opened the link"))
        request_id = req.id if req else None
    if error is not None:
        raise error
    return request_id, lang


def open_request(db: Database, token: Any, settings: Settings, now: datetime | None = None, *,
                 lang: str | None = None) -> OwnerView:
    """The owner opens the link: the first opening is recorded. Raises OwnerPageError."""
    request_id, lang = open_link(db, token, now or utcnow(), lang)
    with db.session() as s:
        return _view(s, s.get(FootageRequest, request_id), settings, lang)


def decide(db: Database, token: Any, accept: bool, note: Any, settings: Settings,
           now: datetime | None = None, *, lang: str | None = None) -> OwnerView:
    """Accept or decline, once. A second decision is refused (409)."""
    now = now or utcnow()
    request_id, lang = open_link(db, token, now, lang)
    if note is not None and not isinstance(note, str):
        raise refusal(422, lang, "err_note_text")
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise refusal(422, lang, "err_note_long", limit=NOTE_MAX)
    status = "accepted" if accept else "declined"
    with db.session() as s:
        # one atomic conditional update: of two simultaneous decisions exactly one wins
        won = s.execute(update(FootageRequest)
                        .where(FootageRequest.id == request_id, FootageRequest.decided_at.is_(None))
                        .values(decided_at=now, owner_note=text or None, status=status)
                        .execution_options(synchronize_session=False)).rowcount
        req = s.get(FootageRequest, request_id, populate_existing=True)
        if not won:
            raise refusal(409, lang, "err_answered", decision=t(lang, f"decision_{decision_of(req)}"),
                                        when=local_time(req.decided_at, lang),
                                        phone=settings.footage_callback_phone)
        step(s, req, status, "owner", now, text or None)
        audit.record(s, f"{ACTION}_{status}", username="owner", object_type="footage_request", object_id=req.id,
                     case_number=req.case_number)
        return _view(s, req, settings, lang)
