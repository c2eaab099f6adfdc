"""Every message of the owners' portal and of its emails exists in English and in Spanish, and
every email renders in both with what the services pass it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard import emails
from dashboard.models.registration import REGISTRATION_STATUSES
from dashboard.owners import notices
from dashboard.owners.i18n import LANGUAGES, STRINGS
from dashboard.owners.validation import DIRECTIONS, PORTAL_OWNER_TYPES
from dashboard.vocabulary import CAMERA_TYPES, PLACEMENTS

PORTAL_TEMPLATES = Path(__file__).resolve().parents[2] / "dashboard" / "owners" / "templates" / "portal"
PHISH = "URGENT: your Dallas PD camera account is suspended - verify now at http://evil.example/login"
# what each registration email is given by the service that sends it (owners/*.py)
SAMPLE_CONTEXT = {
    notices.CONFIRM: {"hours": "72", "link": "https://cameras.example.gov/register/confirm/T0KEN?lang={lang}",
                      "name": PHISH, "address": PHISH, "cameras": 2},
    notices.MANAGE_LINK: {"hours": "24", "link": "https://cameras.example.gov/register/manage/T0KEN?lang={lang}"},
    notices.REJECTED: {"address": PHISH, "reason": "The address is a vacant lot.",
                       "register": "https://cameras.example.gov/register?lang={lang}"},
    notices.RECONFIRM: {"address": PHISH, "days": "14",
                        "link": "https://cameras.example.gov/register/reconfirm/T0KEN?lang={lang}",
                        "manage": "https://cameras.example.gov/register/manage?lang={lang}"},
}


def test_portal_strings_exist_in_both_languages():
    assert set(LANGUAGES) == set(STRINGS) == set(emails.LANGUAGES)
    assert set(STRINGS["en"]) == set(STRINGS["es"])
    assert all(STRINGS["es"][key].strip() for key in STRINGS["es"])


def test_every_key_the_portal_pages_use_is_translated():
    used = set()
    for page in PORTAL_TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"\btr\('([a-z_A-Z]+)'\s*[,)]", page.read_text()))
    used |= {f"type_{t}" for t in CAMERA_TYPES} | {f"placement_{p}" for p in PLACEMENTS}
    used |= {f"dir_{d}" for d in DIRECTIONS} | {f"owner_type_{o}" for o in PORTAL_OWNER_TYPES}
    used |= {f"status_{s}" for s in REGISTRATION_STATUSES}
    assert len(used) > 40  # the scan found the pages' keys
    for lang in LANGUAGES:
        assert used - set(STRINGS[lang]) == set(), lang


def test_email_templates_exist_in_both_languages():
    assert emails.template_names("en") == emails.template_names("es")
    assert set(notices.KINDS) <= emails.template_names("en")
    assert all(kind.startswith(notices.KIND_PREFIX) for kind in notices.KINDS)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", notices.KINDS)
def test_each_email_renders_as_a_fixed_text_with_typed_text_only_as_quoted_data(kind, lang):
    context = {k: v.format(lang=lang) if isinstance(v, str) else v for k, v in SAMPLE_CONTEXT[kind].items()}
    message = emails.render(kind, lang, **context)
    other = emails.render(kind, "es" if lang == "en" else "en", **context)
    assert message.subject and message.subject != other.subject  # really translated
    assert "URGENT" not in message.subject and "evil" not in message.subject
    first_line = message.body.splitlines()[0]
    assert first_line == {"en": "Hello,", "es": "Hola:"}[lang]
    assert "http://evil" not in message.body and "evil.example" not in message.body  # never a link
    if "address" in context:
        assert "\u201cURGENT: your Dallas PD" in message.body  # shown, quoted, as data
    links = re.findall(r"https?://\S+", message.body)
    assert links and all(link.startswith("https://cameras.example.gov/register") for link in links)
    assert all(f"lang={lang}" in link for link in links)


def test_quoted_text_is_length_limited_and_one_line():
    shown = emails.quote("a" * 500 + "\nSubject: hi")
    assert len(shown) <= emails.QUOTE_MAX + 2 and "\n" not in shown
