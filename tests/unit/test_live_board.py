"""The CAD drawer: clearing and the P1/P2 alert rule (the list: tests/unit/test_board_js.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard.incidents.live_board import alerts, is_cleared

NOW = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)


def inc(number, priority, minutes_ago, status="Dispatched", division="CENTRAL", updated_minutes_ago=None, id_=None):
    received = NOW - timedelta(minutes=minutes_ago)
    updated = NOW - timedelta(minutes=updated_minutes_ago if updated_minutes_ago is not None else minutes_ago)
    return {"id": id_ or int(number[-3:]), "incident_number": number, "priority": priority, "status": status,
            "division": division, "received_at": received.isoformat(), "updated_at": updated.isoformat()}


def numbers(rows):
    return [r["incident_number"] for r in rows]


def test_alert_only_for_new_recent_urgent_calls():
    fresh = [inc("25-0000001", 1, 1), inc("25-0000002", 2, 3), inc("25-0000003", 3, 1),
             inc("25-0000004", 1, 40), inc("25-0000005", 1, 2, status="Cleared"), inc("25-0000006", 2, 1)]
    got = alerts(fresh, seen_ids={"6"}, now=NOW)
    assert numbers(got) == ["25-0000001", "25-0000002"]


def test_cleared_status_spellings():
    assert is_cleared("Cleared") and is_cleared("CALL CLEARED") and is_cleared("Closed")
    assert not is_cleared("At Scene") and not is_cleared(None)


def test_periodic_task_runs_and_survives_errors():
    import threading

    from dashboard.jobs.periodic import PeriodicTask

    calls = []
    done = threading.Event()

    def job():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first run fails")
        done.set()

    task = PeriodicTask("test", job, 0.01).start()
    assert done.wait(5)
    task.stop()
    assert len(calls) >= 2
