"""The demo mailbox: in `env: demo` without an SMTP host the outbox delivers by keeping the
message (dashboard/jobs/mail.py), and admins read it here, so a newcomer can open the
confirmation link of a camera they just registered with nothing but `make run`.

Links become clickable only when they point at this server (`public_base_url`): a link an owner
typed into a form stays text, as in the real email where the `quote` filter defuses it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.permissions import HasRole, require
from dashboard.models import OutboundEmail

PERMISSION = "manage_users"  # admins: the mailbox holds owners' addresses and one-use links
PAGE_SIZE = 200
_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)]}"


@dataclass(frozen=True)
class BodyPart:
    text: str
    link: bool  # a link to this server: shown as an anchor to `text`


def messages(session: Session, user: HasRole, limit: int = PAGE_SIZE) -> list[OutboundEmail]:
    """The newest messages first, whatever their state (queued mail shows up at once)."""
    require(user, PERMISSION)
    return list(session.scalars(select(OutboundEmail).order_by(OutboundEmail.id.desc()).limit(limit)))


def message(session: Session, user: HasRole, message_id: int) -> OutboundEmail | None:
    require(user, PERMISSION)
    return session.get(OutboundEmail, message_id)


def body_parts(body: str, base_url: str) -> list[BodyPart]:
    """The body split into text and links to this server, in order (the template escapes both)."""
    parts: list[BodyPart] = []
    position = 0
    for match in _URL.finditer(body):
        url = match.group(0).rstrip(_TRAILING)
        if not _ours(url, base_url):
            continue
        if match.start() > position:
            parts.append(BodyPart(body[position:match.start()], False))
        parts.append(BodyPart(url, True))
        position = match.start() + len(url)
    if position < len(body):
        parts.append(BodyPart(body[position:], False))
    return parts


def links(body: str, base_url: str) -> list[str]:
    return [p.text for p in body_parts(body, base_url) if p.link]


def _ours(url: str, base_url: str) -> bool:
    base = base_url.rstrip("/")
    return url == base or url.startswith(base + "/") or url.startswith(base + "?")
