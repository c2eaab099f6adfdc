"""Offense-category keys are normalised in one place (dashboard.vocabulary.category_key): the
transparency options, the live-video settings and the forms all go through it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from dashboard.live.settings import live_settings
from dashboard.transparency.options import PurposeError, category_choices, check_category
from dashboard.transparency.options import category_key as options_key
from dashboard.vocabulary import OFFENSE_CATEGORIES, category_key

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("raw", "key"), [("Vehicle crimes", "vehicle_crimes"), (" burglary ", "burglary"),
                                          ("Missing-person", "missing_person"), ("TRAFFIC  fatality", "traffic_fatality")])
def test_category_key(raw, key):
    assert category_key(raw) == key == options_key(raw)


def test_options_refuse_what_is_not_text():
    with pytest.raises(PurposeError):
        options_key(None)
    with pytest.raises(PurposeError):
        check_category("arson", OFFENSE_CATEGORIES)


def test_live_settings_use_the_same_keys():
    settings = SimpleNamespace(live=None, purposes=SimpleNamespace(offense_categories=("Vehicle crimes", "Homicide",
                                                                                       "vehicle-crimes")))
    assert live_settings(settings).offense_categories == ("vehicle_crimes", "homicide")


def test_category_choices_label_the_configured_keys():
    settings = SimpleNamespace(purposes=SimpleNamespace(model_dump=lambda: {"offense_categories": ["Burglary",
                                                                                                   "Vehicle crimes"]}),
                               transparency=SimpleNamespace(model_dump=lambda: {}))
    assert category_choices(settings) == [("burglary", "Burglary"), ("vehicle_crimes", "Vehicle crimes")]
    assert category_choices(settings, "es")[0][0] == "burglary"


def test_one_normalisation_in_the_source():
    """No module but dashboard/vocabulary.py spells the normalising expression."""
    spelled = [str(p.relative_to(ROOT)) for folder in ("dashboard", "callbacks", "layouts", "auth")
               for p in (ROOT / folder).rglob("*.py") if r'r"[\s-]+"' in p.read_text(encoding="utf-8")]
    assert spelled == ["dashboard/vocabulary.py"]
