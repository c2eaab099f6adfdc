"""The transparency and purposes settings, read from the app's Settings.

dashboard/config.py is being reshaped elsewhere; until it carries these keys as fields, they are
read from `settings.extra["purposes"]` and `settings.extra["transparency"]` (the YAML sections of
the same names), and a flat field of the expected name (e.g. `transparency_cache_seconds`) wins
when it exists. Every value is checked here, with the key named in the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dashboard.config import ConfigError
from dashboard.vocabulary import OFFENSE_CATEGORIES
from dashboard.vocabulary import category_key as _normalised

from .i18n import category_label

LANGUAGES = ("en", "es")
_CATEGORY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class PurposeError(ValueError):
    """A stated purpose's category is missing or not one of the configured ones."""


@dataclass(frozen=True)
class TransparencyOptions:
    offense_categories: tuple[str, ...] = OFFENSE_CATEGORIES
    cache_seconds: float = 300.0            # the public report is recomputed at most this often
    owner_history_delay_days: int = 0       # the owner's history holds back entries younger than this
    rate_limit: str = "60 per minute"       # per client address, /transparency and /transparency.json
    verify_max_events: int = 200_000        # audit events one routine chain check may hash
    # None: the built-in wording (dashboard/transparency/i18n.py); else lines per language
    permitted_uses: dict[str, tuple[str, ...]] | None = None
    prohibited_uses: dict[str, tuple[str, ...]] | None = None


def category_key(value: Any) -> str:
    """'Vehicle crimes' -> 'vehicle_crimes' (the form stored in the audit event)."""
    if not isinstance(value, str):
        raise PurposeError("Offense category: choose one from the list.")
    return _normalised(value)


def check_category(value: Any, categories: tuple[str, ...]) -> str:
    """The category key to record, or PurposeError (the caller answers 422)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise PurposeError("Offense category: required.")
    key = category_key(value)
    if key not in categories:
        raise PurposeError("Offense category: choose one from the list.")
    return key


def category_choices(settings, lang: str = "en") -> list[tuple[str, str]]:
    """(key, label) for every configured offense category: the forms' dropdown options."""
    return [(key, category_label(lang, key)) for key in options_from(settings).offense_categories]


def _section(settings, name: str) -> dict:
    schema_section = getattr(settings, name, None)  # the strict schema's section (Settings.purposes)
    if hasattr(schema_section, "model_dump"):
        return schema_section.model_dump()
    section = (getattr(settings, "extra", None) or {}).get(name) or {}
    if not isinstance(section, dict):
        raise ConfigError(f"{name} must be a mapping")
    return section


def _value(settings, section: dict, flat: str, key: str, default: Any) -> Any:
    if getattr(settings, flat, None) is not None:
        return getattr(settings, flat)
    return section.get(key, default)


def _categories(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list | tuple) or not raw:
        raise ConfigError("purposes.offense_categories must be a non-empty list")
    keys = []
    for item in raw:
        key = category_key(item) if isinstance(item, str) else ""
        if not _CATEGORY.match(key):
            raise ConfigError(f"purposes.offense_categories: {item!r} is not a short name (letters, digits, "
                              f"spaces; at most 40)")
        keys.append(key)
    return tuple(dict.fromkeys(keys))


def _number(key: str, raw: Any, kind: type, lo: float, hi: float):
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not lo <= raw <= hi:
        raise ConfigError(f"{key} must be a number from {lo} to {hi} (got {raw!r})")
    if kind is int and float(raw) != int(raw):
        raise ConfigError(f"{key} must be a whole number (got {raw!r})")
    return kind(raw)


def _lines(key: str, raw: Any) -> dict[str, tuple[str, ...]] | None:
    """A list (the same lines in every language) or {en: [...], es: [...]}."""
    if raw is None:
        return None
    if isinstance(raw, list | tuple):
        raw = {lang: raw for lang in LANGUAGES}
    if not isinstance(raw, dict) or not set(raw) <= set(LANGUAGES) or not all(
            isinstance(v, list | tuple) and all(isinstance(x, str) and x.strip() for x in v) for v in raw.values()):
        raise ConfigError(f"{key} must be a list of sentences, or one list per language (en, es)")
    english = tuple(raw.get("en") or next(iter(raw.values())))
    return {lang: tuple(raw.get(lang) or english) for lang in LANGUAGES}


def options_from(settings) -> TransparencyOptions:
    purposes, section = _section(settings, "purposes"), _section(settings, "transparency")
    d = TransparencyOptions()
    rate = _value(settings, section, "transparency_rate_limit", "rate_limit", d.rate_limit)
    if not isinstance(rate, str) or not re.match(r"^\s*[1-9][0-9]*\s*(/|per)\s*([1-9][0-9]*\s*)?"
                                                 r"(second|minute|hour|day)s?\s*$", rate, re.I):
        raise ConfigError(f'transparency.rate_limit must look like "60 per minute" (got {rate!r})')
    return TransparencyOptions(
        offense_categories=_categories(_value(settings, purposes, "purposes_offense_categories",
                                              "offense_categories", list(d.offense_categories))),
        cache_seconds=_number("transparency.cache_seconds",
                              _value(settings, section, "transparency_cache_seconds", "cache_seconds",
                                     d.cache_seconds), float, 0, 86_400),
        owner_history_delay_days=_number("transparency.owner_history_delay_days",
                                         _value(settings, section, "transparency_owner_history_delay_days",
                                                "owner_history_delay_days", d.owner_history_delay_days),
                                         int, 0, 3650),
        rate_limit=rate.strip(),
        verify_max_events=_number("transparency.verify_max_events",
                                  _value(settings, section, "transparency_verify_max_events", "verify_max_events",
                                         d.verify_max_events), int, 1000, 100_000_000),
        permitted_uses=_lines("purposes.permitted_uses", purposes.get("permitted_uses")),
        prohibited_uses=_lines("purposes.prohibited_uses", purposes.get("prohibited_uses")),
    )
