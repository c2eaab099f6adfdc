"""Email through a queue: `enqueue` stores a message in the same transaction as the action
that causes it; `deliver_due` sends what is due over SMTP and reschedules failures with
backoff. An SMTP outage therefore delays mail but never loses it, and the caller can show
"queued" honestly.

The outbox runs in a background thread of the web process (`OutboxWorker`) and can be run by
hand (`connect-dallas send-mail`).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db import Database
from dashboard.jobs.periodic import PeriodicTask
from dashboard.models import OutboundEmail, utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 12
BACKOFF_SECONDS = (30, 60, 120, 300, 600, 1800)


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    username: str = ""
    password: str = ""
    starttls: bool = False
    sender: str = "CONNECT DALLAS <connect-dallas@dallaspolice.example.gov>"
    timeout: float = 10.0
    demo_mailbox: bool = False  # demo mode without an SMTP host: keep mail for /demo/mail, send nothing


def enqueue(session: Session, *, kind: str, to_addr: str, subject: str, body: str,
            related_type: str | None = None, related_id: int | None = None) -> OutboundEmail:
    message = OutboundEmail(kind=kind, to_addr=to_addr, subject=subject[:300], body_text=body,
                            related_type=related_type, related_id=related_id, status="queued", attempts=0,
                            next_attempt_at=utcnow())
    session.add(message)
    session.flush()
    return message


class UnsendableAddress(smtplib.SMTPException):
    """The stored address is not one plain address (entry points validate with email-validator;
    this is the outbox's own guard): nothing is sent rather than something to someone else."""


def _envelope_recipient(to_addr: str) -> str:
    # smtplib re-parses even an explicit to_addrs entry (quoteaddr): "<root>x@example.test" would
    # become RCPT TO:<root>. Send only when what it will say is exactly the stored address.
    if not to_addr or smtplib.quoteaddr(to_addr) != f"<{to_addr}>" or any(c in to_addr for c in ",;<>\"\\ \t\r\n"):
        raise UnsendableAddress("the stored recipient is not a single plain address")
    return to_addr


def _send(smtp: SmtpSettings, message: OutboundEmail) -> None:
    if smtp.demo_mailbox:
        # the stored message is the delivery: admins read it at /demo/mail (dashboard/demo)
        log.info("mail %s (%s) delivered to the demo mailbox", message.id, message.kind)
        return
    recipient = _envelope_recipient(message.to_addr)
    email = EmailMessage()
    email["From"] = smtp.sender
    email["To"] = formataddr(("", message.to_addr))
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="connect-dallas.local")
    email.set_content(message.body_text)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as client:
        if smtp.starttls:
            client.starttls(context=ssl.create_default_context())
        if smtp.username:
            client.login(smtp.username, smtp.password)
        # the envelope comes from the stored, validated address only: send_message would re-parse
        # the To header, where "a@x.test,postmaster" or "<root>a@x.test" means other recipients
        client.send_message(email, from_addr=parseaddr(smtp.sender)[1], to_addrs=[recipient])


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int
    remaining: int


def deliver_due(db: Database, smtp: SmtpSettings, limit: int = 100) -> DeliveryReport:
    """Send every queued message that is due. Each message is its own transaction."""
    now = utcnow()
    with db.session() as s:
        due = s.scalars(select(OutboundEmail.id).where(OutboundEmail.status == "queued",
                                                       OutboundEmail.next_attempt_at <= now)
                        .order_by(OutboundEmail.id).limit(limit)).all()
    sent = failed = 0
    for message_id in due:
        with db.session() as s:
            message = s.get(OutboundEmail, message_id)
            if message is None or message.status != "queued":
                continue  # another worker took it
            message.attempts += 1
            try:
                _send(smtp, message)
            except (OSError, smtplib.SMTPException) as exc:
                failed += 1
                message.last_error = f"{type(exc).__name__}: {exc}"[:500]
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = "failed"
                else:
                    delay = BACKOFF_SECONDS[min(message.attempts - 1, len(BACKOFF_SECONDS) - 1)]
                    message.next_attempt_at = utcnow() + timedelta(seconds=delay)
                # the id and kind only: an owner's address never goes into a log line
                log.warning("mail %s (%s) not sent (attempt %s): %s", message.id, message.kind,
                            message.attempts, type(exc).__name__)
                continue
            message.status = "sent"
            message.sent_at = utcnow()
            message.last_error = None
            sent += 1
    with db.session() as s:
        remaining = len(s.scalars(select(OutboundEmail.id).where(OutboundEmail.status == "queued")).all())
    return DeliveryReport(sent, failed, remaining)


def message_status(session: Session, related_type: str, related_id: int) -> str | None:
    """'queued', 'sent' or 'failed' for the newest email about an object."""
    return session.scalar(select(OutboundEmail.status).where(OutboundEmail.related_type == related_type,
                                                            OutboundEmail.related_id == related_id)
                          .order_by(OutboundEmail.id.desc()).limit(1))


class OutboxWorker(PeriodicTask):
    """Delivers due mail every `interval` seconds on a daemon thread."""

    def __init__(self, db: Database, smtp: SmtpSettings, interval: float = 15.0):
        super().__init__("mail-outbox", lambda: deliver_due(db, smtp), interval)
