"""replay-cad --now: the file's first call happens now, the others at their recorded offsets
over --speed (each stored when its shifted time comes), so ages read sensibly and alerts fire."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dashboard.db import Database
from dashboard.incidents.replay import replay_file
from dashboard.models import Incident, utcnow
from tests.conftest import TEST_DATA

ACTIVE = TEST_DATA / "Dallas_Police_Active_Calls.csv"
INCIDENTS = TEST_DATA / "dpd_incidents_2024-01_northeast.csv"


@pytest.fixture
def store(db_url):
    database = Database(db_url)
    yield database
    database.dispose()


def received(store) -> dict[str, datetime]:
    with store.session() as s:
        return {i.incident_number: i.received_at for i in s.scalars(select(Incident))}


def test_without_now_the_recorded_times_are_kept(store, settings):
    replay_file(store, settings, INCIDENTS, out=lambda line: None)
    assert max(received(store).values()) < datetime(2025, 1, 1, tzinfo=UTC)


def test_now_moves_the_first_call_to_the_start_and_keeps_the_spacing_over_speed(store, settings):
    start = utcnow().replace(microsecond=0)
    plain = Database(store.engine.url.render_as_string(hide_password=False))
    try:
        replay_file(plain, settings, ACTIVE, out=lambda line: None)
        original = received(plain)
    finally:
        plain.dispose()
    with store.session() as s:  # the same database: start again from nothing
        for incident in s.scalars(select(Incident)):
            s.delete(incident)
    sleeps: list[float] = []
    lines: list[str] = []
    report = replay_file(store, settings, ACTIVE, out=lines.append, speed=60.0, sleep=sleeps.append,
                         starting_at=start)
    assert report.created == len(original) and not report.rejected
    shifted = received(store)
    first = min(original.values())
    assert min(shifted.values()) == start
    for number, when in original.items():
        expected = start + timedelta(seconds=(when - first).total_seconds() / 60.0)
        assert abs((shifted[number] - expected).total_seconds()) < 1e-3, number
    # the sleeps between calls add up to the file's span over the speed: each call arrives at its new time
    span = (max(original.values()) - first).total_seconds()
    assert sum(sleeps) == pytest.approx(span / 60.0, rel=1e-6)
    assert any(line.startswith("times shifted: the first call is received at") for line in lines)


def test_now_without_speed_replays_at_the_recorded_pace(store, settings):
    sleeps: list[float] = []
    start = utcnow()
    replay_file(store, settings, ACTIVE, out=lambda line: None, sleep=sleeps.append, starting_at=start)
    with ACTIVE.open(newline="", encoding="utf-8-sig") as handle:
        stamps = {datetime.strptime(f"{r['Date']} {r['Time']}", "%m/%d/%Y %H:%M:%S") for r in csv.DictReader(handle)}
    # every call in the future of the first is slept for in real time, and none is in the future once stored
    assert sum(sleeps) == pytest.approx((max(stamps) - min(stamps)).total_seconds(), abs=3700)  # DST aside
    assert min(received(store).values()) == start


def test_cli_has_the_now_flag(tmp_path, db_url):
    config = tmp_path / "config.yaml"
    config.write_text(f"env: demo\ndatabase:\n  url: {db_url}\n")
    before = utcnow()
    done = subprocess.run([sys.executable, "-m", "dashboard", "--config", str(config), "replay-cad", str(ACTIVE),
                           "--now", "--speed", "100000"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "times shifted: the first call is received at" in done.stdout
    store = Database(db_url)
    try:
        times = received(store).values()
    finally:
        store.dispose()
    assert before - timedelta(seconds=1) <= min(times) <= utcnow()
    assert max(times) <= utcnow() + timedelta(seconds=2)
