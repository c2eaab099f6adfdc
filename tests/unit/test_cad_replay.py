"""replay-cad: both real Dallas exports through the API's ingestion path, every row accounted for."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from dashboard.db import Database
from dashboard.geo.geocoding import StaticTableGeocoder, make_geocoder
from dashboard.geo.geography import get_geography
from dashboard.incidents.replay import ReplayFormatError, replay_file
from dashboard.models import Incident
from tests.conftest import TEST_DATA

ACTIVE = TEST_DATA / "Dallas_Police_Active_Calls.csv"
INCIDENTS = TEST_DATA / "dpd_incidents_2024-01_northeast.csv"
DALLAS = ZoneInfo("America/Chicago")


@pytest.fixture
def store(db_url):
    database = Database(db_url)
    yield database
    database.dispose()


def rows_of(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def by_number(rows: list[dict], key: str) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return groups


def incidents(store) -> dict[str, Incident]:
    with store.session() as session:
        return {i.incident_number: i for i in session.scalars(select(Incident))}


def replay(store, settings, path, **kwargs):
    lines: list[str] = []
    report = replay_file(store, settings, path, out=lines.append, **kwargs)
    assert report.accounted, report
    assert report.rows_read == report.stored + report.merged + len(report.rejected)
    return report, lines


# --- Police Active Calls ---------------------------------------------------------------------------------
def test_active_calls_one_incident_per_number_all_unlocated_without_geocoder(store, settings):
    rows = rows_of(ACTIVE)
    groups = by_number(rows, "Incident Number")
    report, lines = replay(store, settings, ACTIVE)
    assert (report.rows_read, report.created, report.merged, report.rejected) == (
        len(rows), len(groups), len(rows) - len(groups), [])
    assert report.unlocated == len(groups)
    stored = incidents(store)
    assert set(stored) == set(groups)
    for number, members in groups.items():
        inc = stored[number]
        first = members[0]
        assert inc.latitude is None and inc.longitude is None
        assert inc.source == "replay"
        assert inc.priority == min(int(r["Priority"]) for r in members)
        assert inc.status == members[-1]["Status"]
        assert inc.beat == first["Beat"] and inc.division == first["Division"].upper()
        local = datetime.strptime(f"{first['Date']} {first['Time']}", "%m/%d/%Y %H:%M:%S").replace(tzinfo=DALLAS)
        assert inc.received_at == local.astimezone(UTC)
    assert stored["25-0280079"].received_at == datetime(2025, 2, 17, 4, 34, 11, tzinfo=UTC)  # CST = UTC-6
    assert lines[0].startswith("replaying Dallas_Police_Active_Calls.csv: Police Active Calls export, 50 rows")
    assert lines[-1] == report.summary()
    assert any(line.startswith("stored without a location (no coordinates; no geocoder is configured)")
               for line in lines)


def _point_in_beat(beat: str) -> tuple[float, float]:
    geo = get_geography()
    index = list(geo.beat_ids).index(beat)
    point = geo.beat_shapes_lonlat[index].representative_point()
    return round(point.y, 6), round(point.x, 6)


def test_active_calls_are_located_with_a_table_geocoder(store, settings, tmp_path):
    rows = rows_of(ACTIVE)
    table = tmp_path / "blocks.csv"
    with table.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["block", "location", "latitude", "longitude"])
        for row in rows:
            writer.writerow([row["Block"], row["Location"].lower(), *_point_in_beat(row["Beat"])])
    geocoder = StaticTableGeocoder.from_csv(table)
    report, _ = replay(store, settings, ACTIVE, geocoder=geocoder)
    assert report.unlocated == 0 and report.created == len(by_number(rows, "Incident Number"))
    for number, inc in incidents(store).items():
        first = by_number(rows, "Incident Number")[number][0]
        assert (inc.latitude, inc.longitude) == _point_in_beat(first["Beat"])
        assert get_geography().locate(inc.latitude, inc.longitude).beat == inc.beat == first["Beat"]


def test_the_configured_table_geocoder_is_used_by_default(store, settings, tmp_path):
    table = tmp_path / "blocks.csv"
    table.write_text("address,latitude,longitude\n5900 BELT LINE RD,32.9535,-96.8010\n")
    configured = replace(settings, extra={"geocoder": {"provider": "table", "path": str(table)}})
    assert make_geocoder(configured) is not None
    report, lines = replay(store, configured, ACTIVE)
    assert report.unlocated == report.stored - 1
    assert incidents(store)["25-0280079"].latitude == 32.9535
    assert any("no match in the geocoder" in line for line in lines)


# --- Police Incidents --------------------------------------------------------------------------------------
def test_police_incidents_store_the_calls_and_report_the_rest(store, settings):
    rows = rows_of(INCIDENTS)
    groups = by_number(rows, "incident_number")
    calls = {n: g for n, g in groups.items() if g[0]["call_received"]}
    without_call_rows = sum(len(g) for n, g in groups.items() if n not in calls)
    unlocated = {n for n, g in calls.items() if not any(r["latitude"] for r in g)}
    report, lines = replay(store, settings, INCIDENTS)
    assert report.rows_read == len(rows) == 751
    assert report.created == len(calls)
    assert report.merged == sum(len(g) - 1 for g in calls.values())
    assert len(report.rejected) == without_call_rows > 0
    assert all("call_received is empty: not a CAD call" in r.reason and "nature_of_call: is required" in r.reason
               for r in report.rejected)
    assert report.unlocated == len(unlocated) > 0
    stored = incidents(store)
    assert set(stored) == set(calls)
    assert {n for n, i in stored.items() if i.latitude is None} == unlocated
    assert sum(1 for line in lines if ": rejected: " in line) == without_call_rows

    inc = stored["009773-2024"]
    assert (inc.latitude, inc.longitude) == (32.857099004, -96.73260996)
    assert (inc.beat, inc.division, inc.status, inc.priority) == ("247", "NORTHEAST", "Cleared", 2)
    assert (inc.nature_of_call, inc.block, inc.location) == ("40/01 - OTHER", "7500", "E NORTHWEST HWY")
    assert inc.received_at == datetime(2024, 1, 19, 8, 47, 29, tzinfo=UTC)  # 02:47:29 CST


def test_replaying_twice_duplicates_nothing(store, settings):
    first, _ = replay(store, settings, INCIDENTS)
    again, _ = replay(store, settings, INCIDENTS)
    assert again.created == again.updated == 0
    assert again.unchanged == first.created
    replay(store, settings, ACTIVE)
    replay(store, settings, ACTIVE)
    with store.session() as session:
        total = session.scalar(select(func.count()).select_from(Incident))
        distinct = session.scalar(select(func.count(func.distinct(Incident.incident_number))))
    assert total == distinct == first.created + len(by_number(rows_of(ACTIVE), "Incident Number"))


# --- pacing ------------------------------------------------------------------------------------------------
def test_speed_sleeps_the_recorded_gaps_divided_by_speed(store, settings):
    groups = by_number(rows_of(ACTIVE), "Incident Number")
    times = sorted(datetime.strptime(f"{g[0]['Date']} {g[0]['Time']}", "%m/%d/%Y %H:%M:%S")
                   for g in groups.values())
    expected = [(b - a).total_seconds() / 60 for a, b in zip(times, times[1:], strict=False) if b > a]
    slept: list[float] = []
    report, lines = replay(store, settings, ACTIVE, speed=60, sleep=slept.append)
    assert slept == pytest.approx(expected)
    assert sum(slept) == pytest.approx((times[-1] - times[0]).total_seconds() / 60)
    assert report.created == len(groups)
    assert sum(1 for line in lines if "(created)" in line) == len(groups)  # live progress, one line each


def test_without_speed_nothing_sleeps(store, settings):
    slept: list[float] = []
    replay(store, settings, ACTIVE, sleep=slept.append)
    assert slept == []


# --- bad files -------------------------------------------------------------------------------------------------
def test_an_unknown_format_is_a_clear_error(store, settings, tmp_path):
    odd = tmp_path / "cameras.csv"
    odd.write_text("name,lat,lon\nfoo,1,2\n")
    with pytest.raises(ReplayFormatError, match="neither a Dallas Police Active Calls nor a Police Incidents"):
        replay_file(store, settings, odd, out=lambda _line: None)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ReplayFormatError, match="is empty"):
        replay_file(store, settings, empty, out=lambda _line: None)
    partial = tmp_path / "partial.csv"
    partial.write_text("Incident Number,Nature of Call,Date,Time\n25-1,19 - Shooting,02/17/2025,12:00:00\n")
    with pytest.raises(ReplayFormatError, match="lacks the column\\(s\\) priority"):
        replay_file(store, settings, partial, out=lambda _line: None)


def test_bad_rows_are_rejected_with_their_row_number(store, settings, tmp_path):
    path = tmp_path / "calls.csv"
    header = ACTIVE.read_text().splitlines()[0]
    path.write_text("\n".join([
        header,
        "25-1,Central,19 - Shooting,1,,02/17/2025,12:00:00,B1,2400,Bryan St,132,2030,At Scene",
        ",Central,19 - Shooting,1,,02/17/2025,12:00:00,B1,2400,Bryan St,132,2030,At Scene",
        "25-2,Central,19 - Shooting,9,,02/17/2025,12:00:00,B1,2400,Bryan St,132,2030,At Scene",
        "25-3,Central,19 - Shooting,1,,02/31/2025,12:00:00,B1,2400,Bryan St,132,2030,At Scene",
    ]) + "\n")
    report, lines = replay(store, settings, path)
    assert report.created == 1
    assert [(r.row, r.reason) for r in sorted(report.rejected, key=lambda r: r.row)] == [
        (3, "incident_number: is empty"),
        (4, "priority: must be from 1 (most urgent) to 4 (got 9)"),
        (5, "received_at: Date and Time '02/31/2025 12:00:00' are not a date and time (MM/DD/YYYY HH:MM:SS)"),
    ]
    assert "row 4: rejected: priority: must be from 1 (most urgent) to 4 (got 9)" in lines


def test_the_cli_reports_a_format_error_in_one_line(tmp_path, capsys, db_url, monkeypatch):
    from dashboard.cli import main

    monkeypatch.delenv("DATABASE_URL", raising=False)  # the config file below names the database

    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: {db_url}\n")
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b\n1,2\n")
    assert main(["--config", str(config), "replay-cad", str(odd)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("connect-dallas replay-cad: odd.csv is neither") and "Traceback" not in err
    assert main(["--config", str(config), "replay-cad", str(ACTIVE)]) == 0
    assert "stored 35 incidents" in capsys.readouterr().out


# --- geocoder configuration ---------------------------------------------------------------------------------
def test_geocoder_configuration_errors_name_the_key(settings, tmp_path):
    from dashboard.config import ConfigError

    assert make_geocoder(settings) is None
    assert make_geocoder(replace(settings, extra={"geocoder": {"provider": "none"}})) is None
    with pytest.raises(ConfigError, match="geocoder.path is required"):
        make_geocoder(replace(settings, extra={"geocoder": {"provider": "table"}}))
    with pytest.raises(ConfigError, match="geocoder.path: cannot read"):
        make_geocoder(replace(settings, extra={"geocoder": {"provider": "table", "path": str(tmp_path / "no.csv")}}))
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("street,lat\nMain,32\n")
    with pytest.raises(ConfigError, match="needs the columns block, location, latitude, longitude"):
        make_geocoder(replace(settings, extra={"geocoder": {"provider": "table", "path": str(wrong)}}))
    with pytest.raises(ConfigError, match="must be a mapping"):
        make_geocoder(replace(settings, extra={"geocoder": "table"}))


def test_an_online_geocoder_without_geopy_is_a_config_error(settings):
    from dashboard.config import ConfigError

    try:
        import geopy  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigError, match="needs the geopy package"):
            make_geocoder(replace(settings, extra={"geocoder": {"provider": "nominatim", "user_agent": "t"}}))
    else:
        pytest.skip("geopy is installed here; the lazy-import error path cannot be shown")
