"""dashboard.incidents: validation, upsert and the `since` change feed, on real databases."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dashboard.db import Database
from dashboard.geo.geocoding import StaticTableGeocoder
from dashboard.geo.geography import get_geography
from dashboard.incidents.feed import incidents_changed_since
from dashboard.incidents.ingest import (
    store_incidents,
    upsert_incidents,
    validate_incident,
)
from dashboard.incidents.priorities import priority_for_call
from dashboard.models import Incident
from tests.conftest import TEST_DATA

NOW = datetime(2025, 2, 17, 18, 0, 0, tzinfo=UTC)
DOWNTOWN = (32.7801, -96.8005)   # Central division, beat 133
NORTH_1KM = (33.02, -96.8)       # about 830 m north of the city limits, outside every beat
NORTH_10KM = (33.11, -96.8)      # about 10.8 km outside


def good(**changes) -> dict:
    obj = {"incident_number": "25-0000001", "nature_of_call": "19 - Shooting", "priority": 1,
           "status": "Dispatched", "received_at": "2025-02-17T12:00:00-06:00",
           "latitude": DOWNTOWN[0], "longitude": DOWNTOWN[1]}
    obj.update(changes)
    return {k: v for k, v in obj.items() if v is not ...}


def check(obj, **kwargs):
    return validate_incident(obj, get_geography(), 2000.0, NOW, **kwargs)


def errors_of(obj, **kwargs) -> dict[str, str]:
    clean, errors = check(obj, **kwargs)
    assert clean is None
    return errors


@pytest.fixture
def store(db_url):
    database = Database(db_url)
    yield database
    database.dispose()


# --- validation -----------------------------------------------------------------------------------
def test_a_good_object_is_cleaned_and_placed():
    clean, errors = check(good(incident_number="  25-0000001 ", nature_of_call=" 19 -  Shooting "))
    assert errors == {}
    assert clean["incident_number"] == "25-0000001"
    assert clean["nature_of_call"] == "19 - Shooting"
    assert clean["received_at"] == datetime(2025, 2, 17, 18, 0, tzinfo=UTC)
    assert (clean["beat"], clean["division"]) == ("133", "CENTRAL")


def test_division_is_computed_from_the_coordinates_downtown():
    clean, _ = check(good())
    assert clean["division"] == "CENTRAL"


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("incident_number", ..., "is required"),
    ("incident_number", "   ", "is required"),
    ("incident_number", 12345, "must be a string (got a number)"),
    ("incident_number", "x" * 41, "is too long: at most 40 characters (got 41)"),
    ("nature_of_call", ..., "is required"),
    ("nature_of_call", "x" * 201, "is too long: at most 200 characters (got 201)"),
    ("nature_of_call", ["19"], "must be a string (got an array)"),
    ("priority", ..., "is required: an integer from 1 (most urgent) to 4"),
    ("priority", True, "must be an integer from 1 to 4, not true/false"),
    ("priority", "2.5", "must be a whole number from 1 to 4 (got '2.5')"),
    ("priority", 2.5, "must be a whole number from 1 to 4 (got 2.5)"),
    ("priority", 0, "must be from 1 (most urgent) to 4 (got 0)"),
    ("priority", 5, "must be from 1 (most urgent) to 4 (got 5)"),
    ("priority", "high", "must be a whole number from 1 to 4 (got 'high')"),
    ("status", "x" * 61, "is too long: at most 60 characters (got 61)"),
    ("status", {"a": 1}, "must be a string (got an object)"),
    ("block", "x" * 41, "is too long: at most 40 characters (got 41)"),
    ("location", "x" * 201, "is too long: at most 200 characters (got 201)"),
    ("beat", "99", "must be a DPD beat: three digits, the first one the division 1-7, e.g. 134 (got '99')"),
    ("beat", "834", "must be a DPD beat: three digits, the first one the division 1-7, e.g. 134 (got '834')"),
    ("division", "Downtown", "must be one of CENTRAL, NORTHEAST, SOUTHEAST, SOUTHWEST, NORTHWEST, "
                             "NORTH CENTRAL, SOUTH CENTRAL (got 'Downtown')"),
    ("latitude", float("nan"), "must be a finite number (NaN and infinity are not coordinates)"),
    ("latitude", float("inf"), "must be a finite number (NaN and infinity are not coordinates)"),
    ("latitude", True, "must be a number in decimal degrees (got true/false)"),
    ("latitude", "north", "must be a number in decimal degrees (got 'north')"),
    ("latitude", 91, "must be between -90 and 90 (got 91)"),
    ("longitude", -181.5, "must be between -180 and 180 (got -181.5)"),
    ("longitude", ..., "is required when latitude is given"),
])
def test_each_field_names_its_problem(field, value, expected):
    assert errors_of(good(**{field: value})) == {field: expected}


def test_received_at_without_offset_is_refused_plainly():
    message = errors_of(good(received_at="2025-02-17T12:00:00"))["received_at"]
    assert message.startswith("has no UTC offset ('2025-02-17T12:00:00'): add one")
    assert "ambiguous" in message
    assert errors_of(good(received_at="yesterday"))["received_at"].startswith("is not an ISO-8601 date and time")
    assert errors_of(good(received_at=1739815200))["received_at"].startswith("must be an ISO-8601")


def test_received_at_must_be_plausible():
    assert errors_of(good(received_at="0202-02-17T12:00:00-06:00"))["received_at"].startswith(
        "is before 1990 ('0202-02-17T12:00:00-06:00'): check the year")
    assert errors_of(good(received_at="2025-02-19T12:00:00Z"))["received_at"].startswith(
        "is more than 24 hours in the future")
    assert errors_of(good(received_at="0001-01-01T00:00:00+14:00"))["received_at"].startswith("is out of range")
    assert check(good(received_at="2025-02-18T12:00:00Z"))[1] == {}  # CAD clocks drift: a day of slack


def test_received_at_defaults_to_now_and_accepts_z():
    assert check(good(received_at=...))[0]["received_at"] == NOW
    assert check(good(received_at="2025-02-17T18:21:56Z"))[0]["received_at"] == datetime(
        2025, 2, 17, 18, 21, 56, tzinfo=UTC)


def test_numbers_may_arrive_as_strings():
    clean, errors = check(good(priority="3", latitude=str(DOWNTOWN[0]), longitude=str(DOWNTOWN[1]), beat=134))
    assert errors == {}
    assert (clean["priority"], clean["latitude"], clean["beat"]) == (3, DOWNTOWN[0], "134")
    assert check(good(priority=2.0))[0]["priority"] == 2


def test_several_errors_are_reported_together_and_unknown_fields_ignored():
    errors = errors_of({"incident_number": "", "priority": 9, "latitude": "north", "colour": "red"})
    assert set(errors) == {"incident_number", "nature_of_call", "priority", "latitude"}
    clean, errors = check(good(colour="red", id=999, source="evil"))
    assert errors == {} and "colour" not in clean and "id" not in clean and "source" not in clean


def test_not_an_object():
    assert errors_of(["25-1"]) == {"incident": "must be a JSON object (got an array)"}


def test_coordinates_are_required_without_a_geocoder():
    errors = errors_of(good(latitude=..., longitude=...))
    assert errors == {"latitude": "is required: no geocoder is configured, so coordinates must be sent",
                      "longitude": "is required: no geocoder is configured, so coordinates must be sent"}


def test_a_geocoder_places_an_incident_without_coordinates():
    geocoder = StaticTableGeocoder({"2400 BRYAN ST": (32.7880, -96.7950)})
    clean, errors = check(good(latitude=..., longitude=..., block="2400", location="Bryan St."), geocoder=geocoder)
    assert errors == {}
    assert (clean["latitude"], clean["longitude"]) == (32.7880, -96.7950)
    assert clean["division"] == "CENTRAL"
    errors = errors_of(good(latitude=..., longitude=..., block="1", location="Nowhere"), geocoder=geocoder)
    assert errors["latitude"] == "is required: the block and location could not be geocoded"


def test_unlocated_when_allowed_keeps_the_given_beat_and_derives_the_division():
    clean, errors = check(good(latitude=..., longitude=..., beat="632"), allow_unlocated=True)
    assert errors == {}
    assert (clean["latitude"], clean["longitude"], clean["beat"], clean["division"]) == (None, None, "632",
                                                                                          "NORTH CENTRAL")


def test_given_beat_wins_and_division_comes_from_its_first_digit():
    clean, _ = check(good(beat="415"))
    assert (clean["beat"], clean["division"]) == ("415", "SOUTHWEST")
    clean, _ = check(good(division="north central"))
    assert (clean["beat"], clean["division"]) == ("133", "NORTH CENTRAL")


def test_a_point_inside_the_margin_gets_the_nearest_beat():
    placement = get_geography().locate(*NORTH_1KM)
    assert 500 < placement.outside_city_m < 2000 and not placement.inside_beat
    clean, errors = check(good(latitude=NORTH_1KM[0], longitude=NORTH_1KM[1]))
    assert errors == {}
    assert clean["beat"] == placement.beat and clean["division"] == placement.division


def test_a_point_10_km_outside_the_city_is_refused():
    errors = errors_of(good(latitude=NORTH_10KM[0], longitude=NORTH_10KM[1]))
    assert set(errors) == {"latitude", "longitude"}
    assert "m outside the Dallas city limits (limit 2000 m)" in errors["latitude"]
    assert errors["latitude"].startswith("the point 33.110000, -96.800000 is 10")


def test_priority_for_call_matches_the_live_feed():
    """The Active Calls feed carries CAD's own priority: the rules must reproduce every one."""
    with (TEST_DATA / "Dallas_Police_Active_Calls.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    for row in rows:
        assert priority_for_call(row["Nature of Call"]) == int(row["Priority"]), row["Nature of Call"]
    assert priority_for_call("PSE/09V - UUMV") == 4
    assert priority_for_call("") == 4


# --- upsert ---------------------------------------------------------------------------------------------
def upsert(store, settings, items, now=NOW, **kwargs):
    with store.session() as session:
        return upsert_incidents(session, items, geo=get_geography(), settings=settings, now=now, **kwargs)


def count(store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(Incident))


def test_upsert_twice_keeps_one_row_and_updates_it(store, settings):
    (first, created), = upsert(store, settings, [good()])[0]
    assert created and first["id"] and first["source"] == "api"
    assert first["updated_at"] == NOW.isoformat() and first["received_at"] == "2025-02-17T18:00:00+00:00"
    later = NOW + timedelta(minutes=5)
    (second, created), = upsert(store, settings, [good(status="At Scene", priority="2")], now=later)[0]
    assert not created
    assert second["id"] == first["id"]
    assert (second["status"], second["priority"], second["updated_at"]) == ("At Scene", 2, later.isoformat())
    assert count(store) == 1


def test_an_update_that_changes_nothing_keeps_updated_at(store, settings):
    with store.session() as session:
        store_incidents(session, [good()], geo=get_geography(), settings=settings, now=NOW)
    with store.session() as session:
        stored, _ = store_incidents(session, [good()], geo=get_geography(), settings=settings,
                                    now=NOW + timedelta(hours=1))
    assert stored[0].outcome == "unchanged"
    assert stored[0].incident["updated_at"] == NOW.isoformat()
    assert count(store) == 1


def test_updated_at_always_moves_forward(store, settings):
    upsert(store, settings, [good()])
    (row, _), = upsert(store, settings, [good(status="Cleared")], now=NOW - timedelta(hours=1))[0]
    assert datetime.fromisoformat(row["updated_at"]) > NOW  # the clock stepped back; the cursor must not


def test_same_number_twice_in_one_batch_the_later_wins(store, settings):
    stored, rejected = upsert(store, settings, [good(status="first"), good(incident_number="25-2"),
                                                good(status="second")])
    assert rejected == []
    assert [(i["incident_number"], i["status"]) for i, _ in stored] == [("25-2", "Dispatched"),
                                                                         ("25-0000001", "second")]
    assert count(store) == 2


def test_a_batch_stores_the_good_and_reports_the_bad_by_index(store, settings):
    stored, rejected = upsert(store, settings, [good(), good(incident_number="25-2", priority=7), "junk"])
    assert [i["incident_number"] for i, _ in stored] == ["25-0000001"]
    assert rejected == [{"index": 1, "errors": {"priority": "must be from 1 (most urgent) to 4 (got 7)"}},
                        {"index": 2, "errors": {"incident": "must be a JSON object (got a string)"}}]
    assert count(store) == 1


def test_an_insert_racing_another_worker_updates_instead_of_failing(store, settings):
    """Two workers may both find a number missing and both insert it: the later one must win
    (ON CONFLICT DO UPDATE), not fail the whole batch with a unique-constraint error."""
    from dashboard.incidents.ingest import _insert

    upsert(store, settings, [good()])
    clean, _ = check(good(status="Cleared"))
    with store.session() as session:
        _insert(session, [{**clean, "updated_at": NOW + timedelta(seconds=1), "source": "api"}])
    with store.session() as session:
        rows = session.scalars(select(Incident)).all()
    assert [(r.incident_number, r.status) for r in rows] == [("25-0000001", "Cleared")]


def test_nothing_of_an_invalid_update_is_stored(store, settings):
    upsert(store, settings, [good()])
    stored, rejected = upsert(store, settings, [good(status="Cleared", latitude=NORTH_10KM[0])])
    assert stored == [] and rejected
    with store.session() as session:
        assert session.scalar(select(Incident.status)) == "Dispatched"


# --- the change feed --------------------------------------------------------------------------------------
def walk(store, since, limit, after=None) -> list[dict]:
    seen: list[dict] = []
    for _ in range(1000):
        with store.session() as session:
            page, cursor = incidents_changed_since(session, since, after, limit)
        assert len(page) <= limit
        seen.extend(page)
        if cursor is None:
            return seen
        since, after = cursor
    raise AssertionError("the walk did not end")


def test_pages_sharing_one_updated_at_lose_and_repeat_nothing(store, settings):
    upsert(store, settings, [good(incident_number=f"25-{n:04d}") for n in range(23)])
    upsert(store, settings, [good(incident_number=f"25-{n:04d}") for n in range(23, 30)],
           now=NOW + timedelta(seconds=1))
    for limit in (1, 4, 7, 23, 30, 500):
        seen = walk(store, None, limit)
        numbers = [i["incident_number"] for i in seen]
        assert numbers == [f"25-{n:04d}" for n in range(30)], limit
    keys = [(i["updated_at"], i["id"]) for i in walk(store, None, 4)]
    assert keys == sorted(keys)


def test_since_returns_changes_at_or_after_it_and_updates_reappear(store, settings):
    upsert(store, settings, [good(incident_number=f"25-{n}") for n in range(5)])
    later = NOW + timedelta(minutes=1)
    upsert(store, settings, [good(incident_number="25-2", status="Cleared")], now=later)
    assert [i["incident_number"] for i in walk(store, later, 2)] == ["25-2"]
    assert len(walk(store, NOW, 2)) == 5
    assert walk(store, later + timedelta(microseconds=1), 2) == []
    # a poller holding the last cursor sees nothing new until something changes
    last = walk(store, None, 10)[-1]
    cursor = (datetime.fromisoformat(last["updated_at"]), last["id"])
    assert walk(store, cursor[0], 10, after=cursor[1]) == []


def test_change_feed_refuses_bad_arguments(store):
    with store.session() as session, pytest.raises(ValueError):
        incidents_changed_since(session, None, 5, 10)
    with store.session() as session, pytest.raises(ValueError):
        incidents_changed_since(session, NOW, None, 0)


def test_every_real_dallas_incident_number_passes_the_entry_rule():
    """Both Dallas exports (Active Calls: 25-0282622; Police Incidents: 009773-2024) pass."""
    numbers = set()
    for name, column in (("Dallas_Police_Active_Calls.csv", "Incident Number"),
                         ("dpd_incidents_2024-01_northeast.csv", "incident_number")):
        with (TEST_DATA / name).open(newline="", encoding="utf-8-sig") as handle:
            numbers |= {row[column] for row in csv.DictReader(handle)}
    assert len(numbers) > 500
    refused = {n: errors["incident_number"] for n in numbers
               if "incident_number" in (errors := check(good(incident_number=n))[1])}
    assert refused == {}
    assert "incident_number" in errors_of(good(incident_number="RT-../../etc"))
