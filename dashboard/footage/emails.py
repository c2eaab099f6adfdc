"""The footage emails to owners, one per owner per batch, in the owner's language.

The words live in Jinja templates (`dashboard/emails/templates/{en,es}/footage_*.txt`); this
module gathers what they show. One email lists every camera of that owner in the batch, each
with its own link: a clip still belongs to exactly one request (one camera), which keeps the
chain of custody simple, while the owner is asked once. Text typed by someone else (camera
labels, the detective's message) reaches the templates as data for the `quote` filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from dashboard import emails
from dashboard.config import Settings
from dashboard.jobs.mail import enqueue
from dashboard.models import Camera, Incident, OutboundEmail, Owner
from dashboard.models.footage import FootageRequest

from .common import (
    MESSAGE_MAX,
    RELATED,
    RELATED_CLOSED,
    RELATED_REMINDER,
    local_time,
    place_of,
    request_link,
    window_text,
)


@dataclass(frozen=True)
class CameraLink:
    label: str
    link: str


def owner_language(owner: Owner) -> str:
    return emails.language(getattr(owner, "language", None))


def _common(settings: Settings, inc: Incident, req: FootageRequest, lang: str) -> dict:
    return {"incident_number": inc.incident_number, "place": place_of(inc, lang),
            "window": window_text(req.window_start, req.window_end, lang),
            "expires": local_time(req.expires_at, lang), "callback_phone": settings.footage_callback_phone,
            "case_number": req.case_number, "message_max": MESSAGE_MAX}


def _links(settings: Settings, items: Sequence[tuple[Camera, str]]) -> list[CameraLink]:
    return [CameraLink(cam.label, request_link(settings, token)) for cam, token in items]


def queue_request(s: Session, settings: Settings, inc: Incident, owner: Owner, detective_name: str,
                  batch: Sequence[tuple[FootageRequest, Camera, str]]) -> OutboundEmail:
    """The request email of one owner's cameras in a batch (request, camera, link token each);
    every request of the batch points at it (`email_id`) so the outbox's progress is theirs."""
    first = batch[0][0]
    lang = owner_language(owner)
    mail = emails.render("footage_request", lang, **_common(settings, inc, first, lang),
                         cameras=_links(settings, [(cam, token) for _, cam, token in batch]),
                         detective_name=detective_name, message=first.message)
    message = enqueue(s, kind="footage_request", to_addr=owner.email, subject=mail.subject, body=mail.body,
                      related_type=RELATED, related_id=first.id)
    for req, _, _ in batch:
        req.email_id = message.id
    return message


def queue_reminder(s: Session, settings: Settings, inc: Incident, owner: Owner,
                   batch: Sequence[tuple[FootageRequest, Camera, str]]) -> OutboundEmail:
    """One reminder for the open requests of one owner's batch, each with a fresh link."""
    first = batch[0][0]
    lang = owner_language(owner)
    mail = emails.render("footage_reminder", lang, **_common(settings, inc, first, lang),
                         cameras=_links(settings, [(cam, token) for _, cam, token in batch]))
    return enqueue(s, kind="footage_reminder", to_addr=owner.email, subject=mail.subject, body=mail.body,
                   related_type=RELATED_REMINDER, related_id=first.id)


def queue_closed(s: Session, settings: Settings, inc: Incident, owner: Owner, outcome: str,
                 batch: Sequence[tuple[FootageRequest, Camera]]) -> OutboundEmail:
    """The thank-you of one owner who accepted, telling whether the footage was used."""
    lang = owner_language(owner)
    mail = emails.render("footage_closed", lang, incident_number=inc.incident_number, used=outcome == "used",
                         cameras=[cam.label for _, cam in batch], callback_phone=settings.footage_callback_phone)
    return enqueue(s, kind="footage_closed", to_addr=owner.email, subject=mail.subject, body=mail.body,
                   related_type=RELATED_CLOSED, related_id=batch[0][0].id)
