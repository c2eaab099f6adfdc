"""The portal's emails as a member of the public receives them (real SMTP, aiosmtpd): a fixed
template in the registrant's language, typed text only as quoted data, exactly one recipient:
the validated address. Addresses that would reach other mailboxes are refused with a message."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from dashboard.models import OutboundEmail
from dashboard.models.registration import Registration
from dashboard.owners.i18n import t
from tests.integration.test_portal import body_of, csrf, deliver, registration_form
from tests.owner_support import open_link

PHISH = "URGENT: your Dallas PD camera account is suspended - verify now at http://evil.example/login"
SMUGGLED = ["x@example.com,postmaster,abuse", "<root>x@example.com", "Root <root@example.com>",
            "x@example.com\nBcc: victim@example.com", "x@example.test"]


# what the visitor reads beside the field (a line break in the address is refused as a control character)
REFUSALS = {t("en", "err_email"), t("en", "err_control_chars")}


@pytest.fixture
def inbox(smtp_inbox):
    return smtp_inbox


def email_error(response) -> str:
    match = re.search(r'id="email-error" role="alert">([^<]*)</p>', response.get_data(as_text=True))
    return html.unescape(match.group(1)) if match else ""


def test_typed_text_never_leads_the_confirmation_email(client, services, inbox, settings):
    response = client.post("/register", data=registration_form(csrf(client), name=PHISH, address=PHISH))
    assert response.status_code == 200
    [mail] = deliver(services, inbox)
    body = body_of(mail)
    assert mail["Subject"] == "Confirm your camera registration"
    assert body.splitlines()[0] == "Hello,"
    assert "  Name: \u201cURGENT: your Dallas PD camera account is suspended" in body  # labelled, quoted data
    assert "http://evil" not in body and "evil.example" not in body                  # never a link
    links = re.findall(r"https?://\S+", body)
    assert len(links) == 1 and links[0].startswith(f"{settings.public_base_url}/register/confirm/")


def test_one_recipient_the_stored_address(client, services, inbox):
    client.post("/register", data=registration_form(csrf(client), email="  Ana@Example.COM "))
    [mail] = deliver(services, inbox)
    assert mail["To"] == "ana@example.com" and mail["X-RcptTo"] == "ana@example.com"


@pytest.mark.parametrize("address", SMUGGLED)
def test_addresses_that_reach_other_mailboxes_are_refused_at_the_portal(client, services, inbox, address):
    response = client.post("/register", data=registration_form(csrf(client), email=address))
    assert response.status_code == 422 and email_error(response) in REFUSALS
    with services.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Registration)) == 0
        assert s.scalar(select(func.count()).select_from(OutboundEmail)) == 0


@pytest.mark.parametrize("address", SMUGGLED)
def test_addresses_that_reach_other_mailboxes_are_refused_at_the_manage_form(client, services, inbox, address):
    response = client.post("/register/manage", data={"csrf_token": csrf(client, "/register/manage"),
                                                     "email": address})
    assert response.status_code == 422 and email_error(response) in REFUSALS
    with services.db.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboundEmail)) == 0


def test_emails_speak_the_language_of_the_registration(client, services, inbox):
    client.post("/register", data=registration_form(csrf(client, "/register?lang=es"), lang="es"))
    [confirm] = deliver(services, inbox)
    assert body_of(confirm).splitlines()[0] == "Hola:"
    assert "Confírmelo dentro de 72 horas" in body_of(confirm)
    link = re.search(r"https?://[^/\s]+(/register/confirm/\S+)", body_of(confirm)).group(1)
    assert link.endswith("?lang=es") and "Confirmar mi registro" in client.get(link).get_data(as_text=True)
    confirmed = open_link(client, link)
    assert confirmed.status_code == 200 and "Gracias" in confirmed.get_data(as_text=True)  # the button answers in Spanish
    # the sign-in link asked for from the English page still comes in Spanish: the owner's language
    client.post("/register/manage", data={"csrf_token": csrf(client, "/register/manage?lang=en"),
                                          "email": "ana@example.com", "lang": "en"})
    manage = deliver(services, inbox)[-1]
    assert "Abra este enlace dentro de" in body_of(manage) and "?lang=es" in body_of(manage)
