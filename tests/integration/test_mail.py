"""The mail outbox against a real SMTP server (aiosmtpd): delivery, outage, recovery."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dashboard.jobs.mail import SmtpSettings, deliver_due, enqueue, message_status
from dashboard.models import OutboundEmail
from tests.conftest import free_port


@pytest.fixture
def smtp_server(smtp_inbox):
    return smtp_inbox.controller, smtp_inbox


def test_queued_mail_is_delivered(db, smtp_server):
    controller, inbox = smtp_server
    with db.session() as s:
        enqueue(s, kind="test", to_addr="owner@example.com", subject="Footage request 25-0280079",
                body="Hello — café ünïcode", related_type="footage_request", related_id=7)
    report = deliver_due(db, SmtpSettings(host=controller.hostname, port=controller.port))
    assert (report.sent, report.failed, report.remaining) == (1, 0, 0)
    assert len(inbox.messages) == 1
    msg = inbox.messages[0]
    assert msg["To"] == "owner@example.com" and msg["Subject"] == "Footage request 25-0280079"
    assert "café ünïcode" in msg.get_payload(decode=True).decode("utf-8")
    with db.session() as s:
        assert message_status(s, "footage_request", 7) == "sent"


def test_smtp_outage_keeps_mail_queued_then_recovers(db, smtp_server):
    controller, inbox = smtp_server
    with db.session() as s:
        enqueue(s, kind="test", to_addr="owner@example.com", subject="s", body="b", related_type="x", related_id=1)
    down = SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2)  # nothing listens there
    report = deliver_due(db, down)
    assert (report.sent, report.failed, report.remaining) == (0, 1, 1)
    with db.session() as s:
        message = s.scalar(select(OutboundEmail))
        assert message.status == "queued" and message.attempts == 1 and message.last_error
        assert message_status(s, "x", 1) == "queued"
        message.next_attempt_at = message.created_at  # the backoff has passed
    report = deliver_due(db, SmtpSettings(host=controller.hostname, port=controller.port))
    assert report.sent == 1 and len(inbox.messages) == 1


class _RefusesEveryRecipient:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        return "550 5.1.1 no such mailbox"


@pytest.mark.parametrize("server", ["down", "refuses"])
def test_failed_send_logs_message_id_and_kind_never_the_address(db, caplog, server):
    """The outbox's log names the message by id and kind; an owner's address stays out of it,
    even when the SMTP error itself quotes the address (a refused recipient)."""
    from aiosmtpd.controller import Controller

    address = "owner.private@example.com"
    with db.session() as s:
        message_id = enqueue(s, kind="footage_request", to_addr=address, subject="s", body="b").id
    controller = None
    if server == "refuses":
        controller = Controller(_RefusesEveryRecipient(), hostname="127.0.0.1", port=free_port())
        controller.start()
        smtp = SmtpSettings(host=controller.hostname, port=controller.port, timeout=5)
    else:
        smtp = SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2)  # nothing listens there
    try:
        with caplog.at_level("WARNING", logger="dashboard.jobs.mail"):
            assert deliver_due(db, smtp).failed == 1
    finally:
        if controller:
            controller.stop()
    lines = [r.getMessage() for r in caplog.records if r.name == "dashboard.jobs.mail"]
    assert len(lines) == 1 and f"mail {message_id} (footage_request) not sent" in lines[0]
    assert "owner.private" not in caplog.text and "example.com" not in caplog.text
    with db.session() as s:  # the database keeps the full error for the operator
        assert s.get(OutboundEmail, message_id).last_error
