"""Emails of the registration flow: a fixed template (dashboard/emails/templates/<lang>/<kind>.txt)
in the registration's language, queued in the caller's transaction to the stored address.

The message kind is the template's name, so the outbox, the withdrawal clean-up and the tests
name one thing. The recipient is always an address read from the database (validated when it
was stored, owners/contact.py), never one taken from the request that triggered the email.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from dashboard import emails
from dashboard.jobs.mail import enqueue

CONFIRM = "registration_confirm"
MANAGE_LINK = "registration_manage"
REJECTED = "registration_rejected"
RECONFIRM = "registration_reconfirm"
KINDS = (CONFIRM, MANAGE_LINK, REJECTED, RECONFIRM)
KIND_PREFIX = "registration"  # every kind above starts with it (withdrawal deletes them by prefix)


def send(s: Session, kind: str, lang: str | None, to_addr: str, *, related_type: str, related_id: int,
         **context) -> None:
    message = emails.render(kind, lang, **context)
    enqueue(s, kind=kind, to_addr=to_addr, subject=message.subject, body=message.body,
            related_type=related_type, related_id=related_id)
