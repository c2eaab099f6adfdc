"""Reading the purposes and transparency settings (until dashboard/config.py carries them)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dashboard.config import ConfigError, load_settings
from dashboard.transparency.options import TransparencyOptions, options_from
from dashboard.vocabulary import OFFENSE_CATEGORIES


def _with(extra: dict):
    """Settings whose purposes/transparency sections are `extra` (unchecked values, to test the
    options' own checks; the schema's Settings.purposes is set aside)."""
    return replace(load_settings(environ={}), extra=extra, purposes=None)


def test_defaults():
    options = options_from(load_settings(environ={}))
    assert options == TransparencyOptions()
    assert options.offense_categories == OFFENSE_CATEGORIES and options.owner_history_delay_days == 0
    assert options.cache_seconds == 300


def test_sections_of_the_configuration():
    options = options_from(_with({
        "purposes": {"offense_categories": ["Homicide", "Vehicle crimes", "homicide"],
                     "permitted_uses": ["Only this."]},
        "transparency": {"owner_history_delay_days": 30, "cache_seconds": 60, "rate_limit": "10/minute"}}))
    assert options.offense_categories == ("homicide", "vehicle_crimes")
    assert options.permitted_uses == {"en": ("Only this.",), "es": ("Only this.",)}
    assert (options.owner_history_delay_days, options.cache_seconds, options.rate_limit) == (30, 60.0, "10/minute")


@pytest.mark.parametrize("extra, key", [
    ({"purposes": {"offense_categories": []}}, "purposes.offense_categories"),
    ({"purposes": {"offense_categories": ["ok", "!!"]}}, "purposes.offense_categories"),
    ({"purposes": {"prohibited_uses": {"fr": ["Non."]}}}, "purposes.prohibited_uses"),
    ({"transparency": {"owner_history_delay_days": -1}}, "transparency.owner_history_delay_days"),
    ({"transparency": {"owner_history_delay_days": 1.5}}, "transparency.owner_history_delay_days"),
    ({"transparency": {"cache_seconds": "soon"}}, "transparency.cache_seconds"),
    ({"transparency": {"rate_limit": "lots"}}, "transparency.rate_limit"),
    ({"transparency": "yes"}, "transparency"),
])
def test_bad_values_name_their_key(extra, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        options_from(_with(extra))
