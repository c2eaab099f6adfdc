"""The CAD drawer's list as the browser draws it (assets/board.js, run by node): order,
filters, clearing and ages, from store records as the poll makes them (callbacks.incidents._slim)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from callbacks.incidents import _slim

BOARD_JS = Path(__file__).resolve().parents[2] / "assets" / "board.js"
NOW = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
KEEP = timedelta(minutes=30)

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def inc(number, priority, minutes_ago, status="Dispatched", division="CENTRAL", updated_minutes_ago=None,
        latitude=None):
    received = NOW - timedelta(minutes=minutes_ago)
    updated = NOW - timedelta(minutes=updated_minutes_ago if updated_minutes_ago is not None else minutes_ago)
    return _slim({"id": int(number[-3:]), "incident_number": number, "priority": priority, "status": status,
                  "nature_of_call": "19 - Shooting", "division": division, "block": "1500", "location": "Elm St",
                  "received_at": received.isoformat(), "updated_at": updated.isoformat(),
                  "latitude": latitude, "longitude": None if latitude is None else -96.8}, None, KEEP)


def render(rows, divisions=(), priorities=(), status="all", selected=None):
    store = {r["incident_number"]: r for r in rows}
    script = (f"const b = require({json.dumps(str(BOARD_JS))});"
              f"console.log(JSON.stringify(b.renderList({json.dumps(store)}, {json.dumps(selected)},"
              f"{json.dumps(list(divisions))}, {json.dumps(list(priorities))}, {json.dumps(status)},"
              f"{int(NOW.timestamp() * 1000)})));")
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30, check=True)
    return json.loads(out.stdout)


def numbers(items):
    return [item["props"]["id"]["index"] for item in items if item["type"] == "Button"]


def test_sorted_by_priority_then_newest():
    rows = [inc("25-0000001", 3, 5), inc("25-0000002", 1, 50), inc("25-0000003", 1, 2), inc("25-0000004", 2, 1)]
    assert numbers(render(rows)) == ["25-0000003", "25-0000002", "25-0000004", "25-0000001"]


def test_cleared_calls_leave_after_the_configured_time():
    rows = [inc("25-0000001", 1, 90, "Cleared", updated_minutes_ago=10),
            inc("25-0000002", 1, 90, "Call Cleared", updated_minutes_ago=45)]
    assert numbers(render(rows, status="all")) == ["25-0000001"]
    assert numbers(render(rows, status="open")) == []
    assert numbers(render(rows, status="cleared")) == ["25-0000001"]
    assert render(rows, status="open")[0]["props"]["children"][0].startswith("No incident matches these filters.")
    assert render([])[0]["props"]["children"] == "No incidents from CAD in the last 24 hours."


def test_filters_by_division_and_priority():
    rows = [inc("25-0000001", 1, 5, division="CENTRAL"), inc("25-0000002", 2, 5, division="NORTHEAST"),
            inc("25-0000003", 4, 5, division="NORTHEAST")]
    assert numbers(render(rows, divisions=("NORTHEAST",))) == ["25-0000002", "25-0000003"]
    assert numbers(render(rows, priorities=(1, 4))) == ["25-0000001", "25-0000003"]


def test_row_texts_ages_and_selection():
    rows = [inc("25-0000001", 1, 0), inc("25-0000002", 2, 12, latitude=32.78),
            inc("25-0000003", 3, 185, status="At Scene", latitude=32.78)]
    items = {i["props"]["id"]["index"]: i for i in render(rows, selected="25-0000002")}
    texts = {n: [c["props"]["children"] for c in i["props"]["children"]] for n, i in items.items()}
    assert texts["25-0000001"] == ["P1 · 19 - Shooting", "25-0000001 · 1500 Elm St", "Central · Dispatched · just now · unlocated: not on the map"]
    assert texts["25-0000002"][2] == "Central · Dispatched · 12 min ago"
    assert texts["25-0000003"][2] == "Central · At Scene · 3 h 05 min ago"
    assert "selected" in items["25-0000002"]["props"]["className"]
    assert "selected" not in items["25-0000001"]["props"]["className"]
    assert items["25-0000001"]["props"]["n_clicks"] == 0


def count(rows, divisions=(), priorities=()):
    store = {r["incident_number"]: r for r in rows}
    script = (f"const b = require({json.dumps(str(BOARD_JS))});"
              f"console.log(JSON.stringify(b.countText({json.dumps(store)}, {json.dumps(list(divisions))},"
              f"{json.dumps(list(priorities))}, {int(NOW.timestamp() * 1000)})));")
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30, check=True)
    return json.loads(out.stdout)


def test_the_drawer_counts_its_calls_and_the_open_ones():
    rows = [inc(f"25-{i:07d}", 1 + i % 4, 5, division="CENTRAL" if i % 3 else "NORTHEAST") for i in range(1, 31)]
    rows += [inc(f"25-{i:07d}", 2, 60, "Cleared", updated_minutes_ago=5) for i in range(31, 43)]
    rows.append(inc("25-0000099", 1, 90, "Cleared", updated_minutes_ago=45))  # cleared long ago: gone from the drawer
    assert count(rows) == "42 calls, 30 open"
    assert count(rows, divisions=("NORTHEAST",)) == "10 calls, 10 open (filtered)"
    assert count(rows, priorities=(2,)) == "20 calls, 8 open (filtered)"
    assert count([inc("25-0000001", 1, 5)]) == "1 call, 1 open"
    assert count([]) == ""  # before the first poll: no figure rather than a wrong one


def test_open_calls_are_the_default_and_all_shows_the_cleared():
    from layouts.main import StartView, side_panel

    panel = side_panel(StartView(filters=((),) * 9, center=(32.8, -96.8), zoom=11, board_divisions=("CENTRAL",)))
    found = {}

    def walk(node):
        if hasattr(node, "id") and isinstance(getattr(node, "id", None), str):
            found[node.id] = node
        for child in (getattr(node, "children", None) or []) if isinstance(getattr(node, "children", None), list) \
                else [getattr(node, "children", None)]:
            if child is not None and not isinstance(child, str):
                walk(child)

    walk(panel)
    assert found["incident-status-filter"].value == "open"
    assert [o["value"] for o in found["incident-status-filter"].options] == ["open", "all"]
    assert found["incident-division-filter"].value == ["CENTRAL"]  # a supervisor's board: their division
    rows = [inc("25-0000001", 1, 5), inc("25-0000002", 1, 9, "Cleared", updated_minutes_ago=3)]
    assert numbers(render(rows, status="open")) == ["25-0000001"]
    assert numbers(render(rows, status="all")) == ["25-0000001", "25-0000002"]


def test_an_empty_filtered_list_offers_clear_filters():
    rows = [inc("250000001", 1, 5, division="CENTRAL")]
    [empty] = render(rows, divisions=["NORTHEAST"])
    assert empty["props"]["id"] == "incident-list-empty"
    text, button = empty["props"]["children"]
    assert text.startswith("No incident matches these filters")
    # the button callbacks/clear_filters.py answers (layouts/empty_state.clear_button's id)
    assert button["props"]["id"] == {"type": "clear-filters", "scope": "incidents"}
    assert button["props"]["children"] == "Clear filters"
    [nothing] = render([])
    assert nothing["props"]["children"] == "No incidents from CAD in the last 24 hours."  # nothing to clear
