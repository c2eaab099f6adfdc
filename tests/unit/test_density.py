"""Camera density in cameras per km²: the beats' areas from their polygons, the per-beat
numbers, the legend's classes and colours."""

from __future__ import annotations

import json

import pytest
from plotly.utils import PlotlyJSONEncoder

from dashboard.geo.geography import DATA_DIR
from dashboard.registry.summary import _nice, beat_areas_km2, density_breaks, per_beat_density
from layouts.density import DENSITY_COLOURS, class_labels, colours_for, legend_items


def test_every_beat_has_an_area_and_together_they_are_the_city():
    areas = beat_areas_km2()
    beats = {str(f["properties"]["BEAT"]) for f in json.loads((DATA_DIR / "dpd_beats.geojson").read_text())["features"]}
    assert set(areas) == beats and len(beats) > 200
    # the City of Dallas is 999 km² (land and water); the beats cover it
    assert 950 < sum(areas.values()) < 1050
    assert all(0.1 < a < 200 for a in areas.values())
    assert beat_areas_km2() is areas  # computed once


def test_density_is_count_over_area():
    areas = {"111": 2.0, "112": 0.5, "113": 0.0}
    assert per_beat_density({"111": 10, "112": 3, "113": 5, "999": 4}, areas) == {"111": 5.0, "112": 6.0}
    real = beat_areas_km2()
    beat = next(iter(real))
    assert per_beat_density({beat: 7})[beat] == pytest.approx(7 / real[beat], abs=0.005)


@pytest.mark.parametrize(("value", "nice"), [(12.3471, 12.0), (1.2649, 1.3), (0.04567, 0.046), (345.6, 350.0),
                                             (0, 0.0)])
def test_nice_rounds_to_two_significant_figures(value, nice):
    assert _nice(value) == nice


def test_breaks_are_ascending_quantiles_at_most_four():
    densities = {str(i): float(i) for i in range(1, 101)}
    breaks = density_breaks(densities)
    assert breaks == [21.0, 41.0, 60.0, 80.0]
    assert density_breaks({}) == [] and density_breaks({"1": 0.0}) == []
    same = density_breaks({"1": 3.0, "2": 3.0, "3": 3.0})
    assert same == [3.0]  # one limit: "< 3" and "≥ 3", never duplicates
    skewed = density_breaks({str(i): (0.2 if i < 90 else 50.0) for i in range(100)})
    assert skewed == sorted(set(skewed))


def test_labels_and_colours_match_the_classes():
    assert class_labels([1.1, 2, 30, 1200]) == ["< 1.1", "1.1–2", "2–30", "30–1,200", "≥ 1,200"]
    assert class_labels([]) == []
    assert colours_for([1, 2, 3, 4]) == list(DENSITY_COLOURS)
    two = colours_for([3.0])
    assert two == [DENSITY_COLOURS[0], DENSITY_COLOURS[-1]]  # light to dark, even with two classes
    text = json.dumps(legend_items([3.0], two), cls=PlotlyJSONEncoder, ensure_ascii=False)
    assert "Cameras per km²" in text and "< 3" in text and "≥ 3" in text and "no camera" in text
    assert all(c in text for c in two)
