"""The dashboard's incident poll: incremental, nothing lost when commits arrive out of order."""

from __future__ import annotations

from datetime import timedelta

from callbacks.incidents import poll_changes
from dashboard.geo.geography import get_geography
from dashboard.incidents.ingest import upsert_incidents
from dashboard.models import Incident, utcnow


def _post(db, settings, number: str, **extra):
    item = {"incident_number": number, "nature_of_call": "19 - Shooting", "priority": 1,
            "latitude": 32.7801, "longitude": -96.8005, **extra}
    with db.session() as s:
        stored, rejected = upsert_incidents(s, [item], geo=get_geography(), settings=settings)
    assert not rejected
    return stored


def test_poll_sends_each_change_once(db, settings):
    _post(db, settings, "25-0000001")
    changed, cursor = poll_changes(db, None, limit=500)
    assert [c["incident_number"] for c in changed] == ["25-0000001"]
    again, same = poll_changes(db, cursor, limit=500)
    assert again == [] and same == cursor  # nothing new: the callback answers 204
    _post(db, settings, "25-0000001", status="At Scene")
    _post(db, settings, "25-0000002")
    changed, cursor = poll_changes(db, cursor, limit=500)
    assert sorted(c["incident_number"] for c in changed) == ["25-0000001", "25-0000002"]
    assert poll_changes(db, cursor, limit=500)[0] == []


def test_late_commit_with_older_timestamp_is_not_missed(db, settings):
    _post(db, settings, "25-0000010")
    _, cursor = poll_changes(db, None, limit=500)
    # a row whose transaction started earlier but committed after the poll
    with db.session() as s:
        late = utcnow() - timedelta(seconds=3)
        s.add(Incident(incident_number="25-0000011", nature_of_call="41/40 - Other", priority=2,
                       received_at=late, updated_at=late, latitude=32.78, longitude=-96.80, source="api"))
    changed, _ = poll_changes(db, cursor, limit=500)
    assert [c["incident_number"] for c in changed] == ["25-0000011"]


def test_a_poll_loads_whole_incidents_only_for_what_it_sends(db, settings, monkeypatch):
    """The overlap re-read takes ids and versions only: with CAD posting 10 a second, every poll
    of 200 dashboards re-reads ~100 rows, and loading each as a whole incident was most of the
    poll's CPU (benchmarks/load_cluster.py)."""
    import callbacks.incidents as poll

    for i in range(5):
        _post(db, settings, f"25-000010{i}")
    _, cursor = poll_changes(db, None, limit=500)
    loaded: list[list[int]] = []
    real = poll.incidents_by_id
    monkeypatch.setattr(poll, "incidents_by_id", lambda s, ids: loaded.append(list(ids)) or real(s, ids))
    new = _post(db, settings, "25-0000200")
    changed, cursor = poll_changes(db, cursor, limit=500)
    assert [c["incident_number"] for c in changed] == ["25-0000200"]
    assert loaded == [[new[0][0]["id"]]]  # the five already sent, still inside the overlap, were not loaded
    assert poll_changes(db, cursor, limit=500)[0] == [] and loaded[-1] == []
