"""The owner contact rules shared by every entry point (portal, manage form, CSV import, API):
one place decides what an email address or phone number is.

Addresses are checked with email-validator (syntax only, no DNS: the portal must answer
without the network). It refuses what a hand-written pattern let through and the outbox
would have turned into extra recipients: `x@example.test,postmaster,abuse`,
`<root>x@example.test`, display names, quoted local parts, special-use domains. The stored
form is the ASCII address in lower case, so it travels over plain SMTP and the same person
always finds the same registration.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

EMAIL_MAX = 254
PHONE = re.compile(r"^[0-9+().\-\s]{7,25}$")
PHONE_MIN_DIGITS = 7


class InvalidContact(ValueError):
    """An address or phone number that is refused; the message says why, for staff and logs."""


def normalize_email(raw: str) -> str:
    """The one stored form of an address, or InvalidContact with the reason."""
    text = (raw or "").strip()
    if not text:
        raise InvalidContact("the email address is empty")
    if len(text) > EMAIL_MAX:
        raise InvalidContact(f"the email address is longer than {EMAIL_MAX} characters")
    try:
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=False,
                                 allow_display_name=False, allow_quoted_local=False, allow_domain_literal=False)
    except EmailNotValidError as exc:
        raise InvalidContact(f"not a valid email address: {exc}") from None
    return (checked.ascii_email or checked.normalized).lower()


def is_valid_phone(raw: str) -> bool:
    return bool(PHONE.match(raw)) and sum(ch.isdigit() for ch in raw) >= PHONE_MIN_DIGITS
