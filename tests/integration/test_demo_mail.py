"""The demo mailbox over HTTP: in demo mode without an SMTP host the outbox keeps mail for
/demo/mail (no connection attempted, marked sent), admins read it with working links, nobody else
does, and outside demo mode (or with an SMTP host) the pages do not exist."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from dashboard.jobs.mail import deliver_due, enqueue
from dashboard.models import OutboundEmail
from tests.conftest import free_port
from tests.owner_support import csrf, registration_form

HOSTILE = "<script>alert('mailbox')</script>"


@pytest.fixture
def settings_overrides():
    # public_base_url left to follow host and port, as `make run` does; no SMTP server anywhere
    return {"port": free_port(), "smtp_host": ""}


def _register(client) -> None:
    response = client.post("/register", data=registration_form(csrf(client), name=HOSTILE))
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]


def test_demo_outbox_delivers_to_the_mailbox_without_smtp(app, services, settings):
    assert settings.demo_mailbox and services.smtp.demo_mailbox
    _register(app.server.test_client())
    report = deliver_due(services.db, services.smtp)
    assert (report.sent, report.failed, report.remaining) == (1, 0, 0)
    with services.db.session() as s:
        mail = s.scalars(select(OutboundEmail)).one()
        assert mail.status == "sent" and mail.sent_at is not None and mail.last_error is None


def test_links_follow_the_served_port(app, services, settings):
    assert settings.public_base_url == f"http://127.0.0.1:{settings.port}"
    _register(app.server.test_client())
    with services.db.session() as s:
        body = s.scalars(select(OutboundEmail.body_text)).one()
    assert f"http://127.0.0.1:{settings.port}/register/confirm/" in body


def test_admin_reads_the_mailbox_and_opens_the_confirmation_link(app, services, settings, login_as):
    _register(app.server.test_client())
    deliver_due(services.db, services.smtp)
    admin = login_as("admin")
    inbox = admin.get("/demo/mail")
    assert inbox.status_code == 200 and inbox.headers["Cache-Control"] == "no-store"
    page = inbox.get_data(as_text=True)
    opened = re.search(r'href="(/demo/mail/\d+)"', page)
    assert opened and "ana@example.com" in page
    message = admin.get(opened.group(1)).get_data(as_text=True)
    links = re.findall(r'<a href="(http[^"]+)"', message)
    confirm = [unescape(link) for link in links if "/register/confirm/" in link]
    assert len(confirm) == 1 and confirm[0].startswith(settings.public_base_url)
    path = confirm[0][len(settings.public_base_url):]
    assert app.server.test_client().get(path).status_code == 200  # the link works


def test_message_text_is_escaped_and_foreign_links_stay_text(app, services, login_as):
    with services.db.session() as s:
        mail = enqueue(s, kind="test", to_addr="owner@example.com", subject=f"Hello {HOSTILE}",
                       body=f"Typed: {HOSTILE} see http://evil.example/steal and {services.settings.public_base_url}/register")
        message_id = mail.id
    admin = login_as("admin")
    for path in ("/demo/mail", f"/demo/mail/{message_id}"):
        page = admin.get(path).get_data(as_text=True)
        assert HOSTILE not in page and "&lt;script&gt;" in page
    page = admin.get(f"/demo/mail/{message_id}").get_data(as_text=True)
    assert 'href="http://evil.example' not in page and "http://evil.example/steal" in page
    assert f'href="{services.settings.public_base_url}/register"' in page


@pytest.mark.parametrize("role", ["analyst", "detective", "supervisor"])
def test_only_admins_read_the_mailbox(app, login_as, role):
    client = login_as(role)
    assert client.get("/demo/mail").status_code == 403
    assert client.get("/demo/mail/1").status_code == 403


def test_anonymous_callers_are_sent_to_sign_in(client):
    response = client.get("/demo/mail")
    assert response.status_code in (302, 401) and "ana@example.com" not in response.get_data(as_text=True)


def test_unknown_message_is_404(login_as):
    assert login_as("admin").get("/demo/mail/999999").status_code == 404


class TestOutsideDemoMode:
    @pytest.fixture
    def settings_overrides(self):
        return {"env": "production", "smtp_host": ""}

    def test_production_has_no_mailbox_and_mail_goes_to_smtp(self, app, services, login_as):
        assert not services.settings.demo_mailbox and not services.smtp.demo_mailbox
        assert services.smtp.host == "127.0.0.1"
        admin = login_as("admin")
        assert admin.get("/demo/mail").status_code == 404
        assert admin.get("/demo/mail/1").status_code == 404


class TestSmtpConfigured:
    @pytest.fixture
    def settings_overrides(self):
        return {"smtp_host": "127.0.0.1", "smtp_port": free_port()}

    def test_an_explicit_smtp_host_is_used_even_in_demo_mode(self, app, services, login_as):
        assert services.settings.is_demo and not services.smtp.demo_mailbox
        with services.db.session() as s:
            enqueue(s, kind="test", to_addr="owner@example.com", subject="Hi", body="Hello")
        down = services.smtp.__class__(host="127.0.0.1", port=services.settings.smtp_port, timeout=2)
        assert deliver_due(services.db, down).failed == 1  # nothing listens: it really tried SMTP
        assert login_as("admin").get("/demo/mail").status_code == 404
