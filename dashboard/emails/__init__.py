"""Emails to owners and members of the public: fixed Jinja text templates, one per message
and language (`templates/<lang>/<name>.txt`).

A template's first line is `Subject: ...`; the rest is the body. Text that a member of the
public typed reaches an email only as a template variable, where the template shows it as
quoted, labelled data (see `quote`), never as the first line or as a link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"
TEMPLATES = Path(__file__).resolve().parent / "templates"
QUOTE_MAX = 120
# what mail clients turn into a link: a scheme ("http:" before "//") and a dot between a name
# and a top-level domain ("evil.example"); bracketed, the text reads the same and links nowhere
_LINKISH = re.compile(r"(?i)(?<=[a-z0-9+.\-]):(?=//)|(?<=[a-z0-9])\.(?=[a-z]{2,}\b)")


def quote(value: object, limit: int = QUOTE_MAX) -> str:
    """Typed text as data: one line, control characters removed, length-limited, in quotes, and
    never a link (see _LINKISH)."""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in str(value or "")).split())
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    text = _LINKISH.sub(lambda m: f"[{m.group(0)}]", text)
    return f"\u201c{text}\u201d"


_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=False, undefined=StrictUndefined,  # noqa: S701 - plain-text email
                   keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
_env.filters["quote"] = quote


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


def language(code: str | None) -> str:
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def render(name: str, lang: str | None, /, **context) -> Email:
    """The message `name` in `lang` (English when the language is unknown)."""
    text = _env.get_template(f"{language(lang)}/{name}.txt").render(**context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject: "):
        raise ValueError(f"email template {name!r} must start with a 'Subject: ' line")
    return Email(subject=first.removeprefix("Subject: ").strip(), body=body.lstrip("\n"))


def template_names(lang: str) -> set[str]:
    return {p.stem for p in (TEMPLATES / lang).glob("*.txt")}
