"""Email through a queue: `enqueue` stores a message in the same transaction as the action
that causes it; `deliver_due` sends what is due over SMTP and reschedules failures with
backoff. An SMTP outage therefore delays mail but never loses it, and the caller can show
"queued" honestly.

The outbox is a job of `connect-dallas worker` (dashboard/jobs/registry.py) and can be run by
hand (`connect-dallas send-mail`); any number of workers may run it at once (`claim_next`).
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, parseaddr

from sqlalchemy import and_, func, or_, select, update
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


def _send(smtp: SmtpSettings, message: ClaimedMessage) -> None:
    if smtp.demo_mailbox:
        # the stored message is the delivery: admins read it at /demo/mail (dashboard/demo)
        log.info("mail %s (%s) delivered to the demo mailbox", message.id, message.kind)
        return
    recipient = _envelope_recipient(message.to_addr)
    email = EmailMessage()
    email["From"] = smtp.sender
    email["To"] = formataddr(("", message.to_addr))
    email["Subject"] = message.subject
    # one Message-ID per outbox row, the same on every attempt: a copy sent twice is recognisable
    email["Message-ID"] = f"<outbox-{message.id}@connect-dallas.local>"
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


@dataclass(frozen=True)
class ClaimedMessage:
    """What a worker needs to send one message, read inside its claim's transaction."""

    id: int
    kind: str
    to_addr: str
    subject: str
    body_text: str
    attempts: int


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"[:80]


def _claimable(now: datetime, claim_timeout: timedelta):
    """Due and queued, or claimed by a worker that has not finished within the timeout (it died)."""
    return or_(and_(OutboundEmail.status == "queued", OutboundEmail.next_attempt_at <= now),
               and_(OutboundEmail.status == "sending", OutboundEmail.claimed_at <= now - claim_timeout))


def claim_next(db: Database, worker_id: str, claim_timeout: timedelta) -> ClaimedMessage | None:
    """Claim one due message for `worker_id` and commit the claim (queued -> sending), in one
    statement: `UPDATE ... WHERE id = (the first claimable id) RETURNING ...`. Two workers never
    get the same message: on PostgreSQL the inner select skips rows another transaction has
    locked (`FOR UPDATE SKIP LOCKED`); SQLite runs one writing statement at a time."""
    now = utcnow()
    first = (select(OutboundEmail.id).where(_claimable(now, claim_timeout)).order_by(OutboundEmail.id).limit(1)
             .with_for_update(skip_locked=True).scalar_subquery())
    claim = (update(OutboundEmail).where(OutboundEmail.id == first)
             .values(status="sending", claimed_by=worker_id, claimed_at=now, attempts=OutboundEmail.attempts + 1)
             .returning(OutboundEmail.id, OutboundEmail.kind, OutboundEmail.to_addr, OutboundEmail.subject,
                        OutboundEmail.body_text, OutboundEmail.attempts)
             .execution_options(synchronize_session=False))
    with db.session() as s:
        row = s.execute(claim).first()
    return ClaimedMessage(*row) if row else None


def _finish(db: Database, message: ClaimedMessage, worker_id: str, **values) -> bool:
    """Record the outcome, only while the claim is still ours. False: the claim was taken back
    meanwhile (this worker outlived the claim timeout), so another worker owns the message now."""
    with db.session() as s:
        done = s.execute(update(OutboundEmail)
                         .where(OutboundEmail.id == message.id, OutboundEmail.status == "sending",
                                OutboundEmail.claimed_by == worker_id)
                         .values(claimed_by=None, claimed_at=None, **values)
                         .execution_options(synchronize_session=False))
    return done.rowcount == 1


def deliver_one(db: Database, smtp: SmtpSettings, message: ClaimedMessage, worker_id: str) -> bool:
    """Send a claimed message and record the result. True when it was sent."""
    try:
        _send(smtp, message)
    except (OSError, smtplib.SMTPException) as exc:
        give_up = message.attempts >= MAX_ATTEMPTS
        delay = BACKOFF_SECONDS[min(message.attempts - 1, len(BACKOFF_SECONDS) - 1)]
        _finish(db, message, worker_id, status="failed" if give_up else "queued",
                next_attempt_at=utcnow() + timedelta(seconds=delay), last_error=f"{type(exc).__name__}: {exc}"[:500])
        # the id and kind only: an owner's address never goes into a log line
        log.warning("mail %s (%s) not sent (attempt %s): %s", message.id, message.kind, message.attempts,
                    type(exc).__name__)
        return False
    if not _finish(db, message, worker_id, status="sent", sent_at=utcnow(), last_error=None):
        log.warning("mail %s (%s) was sent after its claim had expired: another worker may send it again "
                    "(raise mail.claim_timeout_seconds)", message.id, message.kind)
    return True


def deliver_due(db: Database, smtp: SmtpSettings, limit: int = 100, *, worker_id: str | None = None,
                claim_timeout: float = 300.0) -> DeliveryReport:
    """Send up to `limit` due messages, each claimed (and the claim committed) before it is sent
    and marked sent right after, so any number of workers may run this at once. A message is sent
    twice only if its worker dies between the relay's acceptance and the mark (a few
    milliseconds), and its claim then expires; its Message-ID stays the same, so mail systems can
    tell the copies apart (docs/deployment.md)."""
    worker_id = worker_id or default_worker_id()
    timeout = timedelta(seconds=claim_timeout)
    sent = failed = 0
    for _ in range(limit):
        message = claim_next(db, worker_id, timeout)
        if message is None:
            break
        if deliver_one(db, smtp, message, worker_id):
            sent += 1
        else:
            failed += 1
    with db.session() as s:
        remaining = s.scalar(select(func.count()).select_from(OutboundEmail)
                             .where(OutboundEmail.status.in_(("queued", "sending")))) or 0
    return DeliveryReport(sent, failed, remaining)


def message_status(session: Session, related_type: str, related_id: int) -> str | None:
    """'queued', 'sent' or 'failed' for the newest email about an object."""
    return session.scalar(select(OutboundEmail.status).where(OutboundEmail.related_type == related_type,
                                                            OutboundEmail.related_id == related_id)
                          .order_by(OutboundEmail.id.desc()).limit(1))


class OutboxWorker(PeriodicTask):
    """Delivers due mail every `interval` seconds on a daemon thread."""

    def __init__(self, db: Database, smtp: SmtpSettings, interval: float = 15.0, claim_timeout: float = 300.0):
        super().__init__("mail-outbox", lambda: deliver_due(db, smtp, claim_timeout=claim_timeout), interval)
