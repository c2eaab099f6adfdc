"""The outbox's envelope comes from the stored address only (issue 11, item 4): the To header is
never re-parsed into recipients, so a stored "a@x.test,postmaster,abuse" or "<root>a@x.test" cannot
fan out to other mailboxes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dashboard.jobs.mail import SmtpSettings, deliver_due, enqueue
from dashboard.models import OutboundEmail
from tests.conftest import free_port


class _Envelopes:
    """An aiosmtpd handler that keeps every accepted envelope (sender, recipients)."""

    def __init__(self):
        self.seen: list[tuple[str, list[str]]] = []
        self.recipients_offered: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        self.recipients_offered.append(address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.seen.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"


@pytest.fixture
def envelopes():
    from aiosmtpd.controller import Controller

    handler = _Envelopes()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def test_envelope_recipient_is_exactly_the_stored_address(db, envelopes):
    controller, handler = envelopes
    with db.session() as s:
        enqueue(s, kind="test", to_addr="owner@example.test", subject="hello", body="body")
    smtp = SmtpSettings(host=controller.hostname, port=controller.port, sender="CONNECT DALLAS <noreply@dpd.example>")
    assert deliver_due(db, smtp).sent == 1
    assert handler.seen == [("noreply@dpd.example", ["owner@example.test"])]


@pytest.mark.parametrize("stored", ["x@example.test,postmaster,abuse", "<root>x@example.test",
                                    "x@example.test\r\nRCPT TO:<root>", "Root <root@example.test>"])
def test_a_crafted_stored_address_is_never_sent(db, envelopes, stored):
    """Entry points validate addresses; should such a string reach the outbox anyway, the outbox
    sends nothing (smtplib itself would turn "<root>x@example.test" into RCPT TO:<root>) and keeps
    the message queued for the operator to see, never delivered to postmaster, abuse or root."""
    controller, handler = envelopes
    with db.session() as s:
        enqueue(s, kind="test", to_addr=stored, subject="hello", body="body")
    report = deliver_due(db, SmtpSettings(host=controller.hostname, port=controller.port))
    assert (report.sent, report.failed) == (0, 1)
    assert handler.recipients_offered == [] and handler.seen == []
    with db.session() as s:
        assert "UnsendableAddress" in s.scalar(select(OutboundEmail.last_error))
