"""Layouts of issue 13's finishing touches: the ranked markers' GeoJSON, the numbered and
clickable ranked rows, the Clear filters buttons on empty results, the admins' badged link."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from plotly.utils import PlotlyJSONEncoder

from layouts.admin_badge import badge_text, nav_link
from layouts.empty_state import clear_button, map_empty_notice
from layouts.incidents import render_nearest
from layouts.ranked import ranked_geojson, ranked_layer
from layouts.search import render_hits


@dataclass
class Ranked:
    camera_id: int
    latitude: float
    longitude: float
    rank: int
    faces: bool | None = True
    overwritten: bool = False
    distance_m: float = 10.0
    bearing_deg: float = 90.0
    live_access: bool = False
    hours_left: float = 100.0
    urgent: bool = False

    def to_dict(self):
        return self.__dict__


def _json(node) -> str:
    return json.dumps(node, cls=PlotlyJSONEncoder, ensure_ascii=False)


def test_ranked_geojson_carries_rank_and_position_only():
    fc = ranked_geojson([Ranked(7, 32.78, -96.80, 1), Ranked(3, 32.79, -96.81, 2, faces=None, overwritten=True)])
    assert [f["properties"]["rank"] for f in fc["features"]] == [1, 2]
    assert fc["features"][0]["geometry"]["coordinates"] == [-96.80, 32.78]
    assert fc["features"][1]["properties"] == {"ranked": True, "rank": 2, "camera_id": 3, "faces": None,
                                               "overwritten": True}
    assert ranked_geojson([]) == {"type": "FeatureCollection", "features": []}
    assert ranked_layer().pointToLayer == {"variable": "connectDallas.ranked.toLayer"}


def test_ranked_rows_are_numbered_and_clickable():
    incident = {"incident_number": "26-1", "nature_of_call": "X", "latitude": 32.78, "longitude": -96.8}
    ranked = [Ranked(40 + i, 32.78, -96.8, i + 1) for i in range(6)]
    rows = json.loads(_json(render_nearest(incident, ranked, radius_m=150, docked=4)[1]))["props"]["children"][1]
    rows = rows["props"]["children"]
    assert [r["props"]["id"] for r in rows] == [{"type": "ranked-row", "index": 40 + i} for i in range(4)]
    assert [r["props"]["children"][0]["props"]["data-rank"] for r in rows] == ["1", "2", "3", "4"]
    assert all(r["props"]["tabIndex"] == "0" and "cd-ranked-row" in r["props"]["className"] for r in rows)
    assert rows[0]["props"]["children"][0]["props"]["children"] == "#40"  # the camera column as before


def test_empty_results_offer_clear_filters():
    # the CAD drawer's empty list is drawn by assets/board.js: tests/unit/test_board_js.py
    search = _json(render_hits("nowhere", [])[0])
    assert '"scope": "search"' in search and "Clear filters" in search
    notice = _json(map_empty_notice())
    assert '"hidden": true' in notice and '"scope": "map"' in notice
    with pytest.raises(ValueError):
        clear_button("everything")


def test_only_the_registrations_link_carries_the_badge():
    plain = _json(nav_link("Audit log", "/audit"))
    assert "pending-registrations" not in plain and '"id": "link-audit"' in plain
    badged = _json(nav_link("Registrations", "/admin/registrations"))
    assert '"id": "link-admin-registrations"' in badged and "pending-registrations-badge" in badged
    assert '"interval": 60000' in badged  # a slow refresh
    assert [badge_text(n) for n in (0, 7, 99, 100, 5000)] == ["0", "7", "99", "99+", "99+"]
