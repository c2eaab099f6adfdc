"""The transparency report's figures against an independent pandas computation over the same
tables, small-count suppression, the time windows and the in-process cache."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import event, func, select, text

from dashboard.audit import chain as audit
from dashboard.config import load_settings
from dashboard.models import TransparencyReport
from dashboard.tools.seed import seed_demo
from dashboard.transparency.options import TransparencyOptions
from dashboard.transparency.periods import periods
from dashboard.transparency.published import published
from dashboard.transparency.report import (
    KEEP_REPORTS,
    ReportCache,
    ReportNotReady,
    build_report,
    refresh_report,
)
from tests.transparency_data import seed_history

NOW = datetime(2026, 6, 15, 17, 0, tzinfo=UTC)
LOCAL = "America/Chicago"
PLAIN = {"owner_contact_reveals": "owner_reveal", "footage_requests_sent": "footage_request",
         "live_views": "live_view", "exports": "canvass_export"}
FOLLOW = {"footage_requests_accepted": {"footage_request_accepted", "footage_received"},
          "footage_requests_declined": {"footage_request_declined"},
          "footage_requests_received": {"footage_received"}}


def expect(n: int) -> dict:
    return {"count": None, "suppressed": True} if 1 <= n <= 4 else {"count": n, "suppressed": False}


@pytest.fixture
def settings(db_url):
    return load_settings(overrides={"database_url": db_url, "secret_key": "x" * 48}, environ={})


def _audit_frame(db) -> pd.DataFrame:
    with db.engine.connect() as conn:
        frame = pd.read_sql(text("SELECT * FROM audit_events"), conn)
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    frame["category"] = frame["category"].fillna("unspecified")
    return frame


def _reference(db, now: datetime) -> dict[str, pd.DataFrame]:
    """metric -> rows (at, category) of what counts, computed with pandas from the raw table."""
    df = _audit_frame(db)
    out = {metric: df[(df.action == action) & (df.outcome == "ok")][["at", "category"]]
           for metric, action in PLAIN.items()}
    sent = df[(df.action == "footage_request") & (df.outcome == "ok") & (df.object_type == "footage_request")]
    sent_category = sent.set_index("object_id")["category"]
    for metric, actions in FOLLOW.items():
        firsts = df[df.action.isin(actions)].groupby("object_id")["at"].min().rename("at").to_frame()
        firsts["category"] = sent_category.reindex(firsts.index).fillna("unspecified")
        out[metric] = firsts.reset_index(drop=True)
    months = [str(pd.Timestamp(now).tz_convert(LOCAL).tz_localize(None).to_period("M") - back) for back in range(11, -1, -1)]
    for metric, rows in out.items():
        rows = rows[rows["at"] <= now].copy()
        rows["month"] = rows["at"].dt.tz_convert(LOCAL).dt.tz_localize(None).dt.to_period("M").astype(str)
        out[metric] = rows[rows.month.isin(months)]
    return out


def test_activity_matches_an_independent_count(db, settings):
    seed_history(db, NOW)
    report = build_report(db, settings, TransparencyOptions(), now=NOW)
    reference = _reference(db, NOW)
    year, recent = report["activity"]["last_12_months"], report["activity"]["last_30_days"]
    months = year["months"]
    assert len(months) == 12 and months[-1] == "2026-06" and months[0] == "2025-07"
    some_suppressed = some_shown = False
    for metric, rows in reference.items():
        assert year[metric]["total"] == expect(len(rows)), metric
        for month in months:
            assert year[metric]["by_month"][month] == expect(int((rows.month == month).sum())), (metric, month)
        for category, n in rows.category.value_counts().items():
            assert year[metric]["by_category"][category] == expect(int(n)), (metric, category)
        assert sum(1 for c in year[metric]["by_category"].values() if c["count"] or c["suppressed"]) == \
            rows.category.nunique()
        last30 = rows[rows["at"] >= NOW - timedelta(days=30)]
        assert recent[metric]["total"] == expect(len(last30)), metric
        for category, n in last30.category.value_counts().items():
            assert recent[metric]["by_category"][category] == expect(int(n)), (metric, category)
        cells = list(year[metric]["by_month"].values())
        some_suppressed |= any(c["suppressed"] for c in cells)
        some_shown |= any((c["count"] or 0) >= 5 for c in cells)
    assert some_suppressed and some_shown  # the seed exercises both sides of the rule
    assert year["footage_requests_sent"]["total"]["count"] > 0


def test_registry_counts_match_an_independent_count(db, settings):
    seed_demo(db, cameras=400, incidents=0, seed=4, demo_users=False)
    with db.session() as s:  # some cameras that must not count
        s.execute(text("UPDATE cameras SET status = 'withdrawn' WHERE id % 9 = 0"))
    report = build_report(db, settings, TransparencyOptions(), now=NOW)["registry"]
    with db.engine.connect() as conn:
        cams = pd.read_sql(text("SELECT c.id, c.live_sharing, s.division, s.beat, o.id AS owner_id, o.owner_type "
                                "FROM cameras c JOIN camera_sites s ON c.site_id = s.id "
                                "JOIN owners o ON s.owner_id = o.id WHERE c.status = 'active'"), conn)
    cams = cams.fillna({"division": "unknown", "beat": "unknown"})
    assert report["cameras"]["total"] == expect(len(cams))
    assert report["owners"]["total"] == expect(cams.owner_id.nunique())
    for division, n in cams.division.value_counts().items():
        assert report["cameras"]["by_division"][division] == expect(int(n))
    for division, n in cams.groupby("division").owner_id.nunique().items():
        assert report["owners"]["by_division"][division] == expect(int(n))
    for kind, n in cams.owner_type.value_counts().items():
        assert report["cameras"]["by_owner_type"][kind] == expect(int(n))
    for kind, n in cams.groupby("owner_type").owner_id.nunique().items():
        assert report["owners"]["by_owner_type"][kind] == expect(int(n))
    beats = cams.beat.value_counts()
    assert set(report["coverage_by_beat"]) == set(beats.index)
    for beat, n in beats.items():
        assert report["coverage_by_beat"][beat] == expect(int(n))
    assert report["live_sharing"]["counted_from"] == "live_sharing"
    for choice in ("none", "emergency", "always"):
        assert report["live_sharing"]["cameras"][choice] == expect(int((cams.live_sharing == choice).sum()))


@pytest.mark.parametrize("n, shown", [(0, 0), (1, None), (2, None), (4, None), (5, 5), (6, 6), (1000, 1000)])
def test_counts_from_one_to_four_are_suppressed(n, shown):
    assert published(n) == {"count": shown, "suppressed": shown is None}


def test_months_follow_dallas_time():
    # 05:30 UTC on 1 December is still 30 November in Dallas
    p = periods(datetime(2026, 12, 1, 5, 30, tzinfo=UTC))
    assert p.month_labels[-1] == "2026-11" and p.month_labels[0] == "2025-12"
    assert p.month_starts[-1] == datetime(2026, 11, 1, 5, 0, tzinfo=UTC)  # CDT ended on 1 November
    assert p.month_starts[0] == datetime(2025, 12, 1, 6, 0, tzinfo=UTC)
    assert p.recent_start == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_an_event_on_a_month_boundary(db, settings):
    with db.session() as s:
        for _ in range(5):  # 23:30 on 31 May in Dallas
            audit.record(s, "owner_reveal", username="d", category="theft",
                         at=datetime(2026, 6, 1, 4, 30, tzinfo=UTC))
        for _ in range(6):  # 00:30 on 1 June in Dallas
            audit.record(s, "owner_reveal", username="d", category="theft",
                         at=datetime(2026, 6, 1, 5, 30, tzinfo=UTC))
    year = build_report(db, settings, TransparencyOptions(), now=NOW)["activity"]["last_12_months"]
    assert year["owner_contact_reveals"]["by_month"]["2026-05"] == expect(5)
    assert year["owner_contact_reveals"]["by_month"]["2026-06"] == expect(6)
    assert year["owner_contact_reveals"]["by_category"]["theft"] == expect(11)


def test_configured_categories_are_listed_even_when_unused(db, settings):
    options = TransparencyOptions(offense_categories=("burglary", "arson"))
    report = build_report(db, settings, options, now=NOW)
    assert report["purposes"]["offense_categories"] == ["burglary", "arson"]
    assert list(report["activity"]["last_30_days"]["exports"]["by_category"]) == ["burglary", "arson"]
    assert report["retention"]["footage_link_expiry_days"] == settings.footage_link_expiry_days


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_cache_serves_the_stored_report_and_never_computes(db, settings):
    with db.session() as s:
        for _ in range(6):
            audit.record(s, "owner_reveal", username="d", category="robbery")
    clock = Clock()
    options = TransparencyOptions(cache_seconds=300)
    cache = ReportCache(db, settings, options, clock=clock, reload_seconds=10)
    with pytest.raises(ReportNotReady):  # nothing stored yet: nothing is computed either
        cache.get()
    refresh_report(db, settings, options)   # the job
    with pytest.raises(ReportNotReady):     # looked less than reload_seconds ago
        cache.get()
    clock.now += 10
    first = cache.get()
    assert first["activity"]["last_30_days"]["owner_contact_reveals"]["total"] == expect(6)
    assert first["audit_chain"]["result"] == "ok" and first["audit_chain"]["events_verified"] == 6

    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with db.session() as s:
        for _ in range(4):
            audit.record(s, "owner_reveal", username="d", category="robbery")
    statements.clear()
    clock.now += 9
    for _ in range(50):
        assert cache.get() is first
    assert statements == []
    clock.now += 1
    assert cache.get() is first  # looked: no newer report (the job has not run), one small read
    assert statements and not [q for q in statements if "audit_events" in q or "cameras" in q]

    refresh_report(db, settings, options)
    clock.now += 10
    fresh = cache.get()
    assert fresh is not first
    assert fresh["activity"]["last_30_days"]["owner_contact_reveals"]["total"] == expect(10)
    assert fresh["audit_chain"]["events_verified"] == 10 and fresh["audit_chain"]["events_written_since"] == 0
    with db.session() as s:  # only the newest few are kept
        for _ in range(5):
            refresh_report(db, settings, options)
        assert s.scalar(select(func.count()).select_from(TransparencyReport)) == KEEP_REPORTS


def test_a_tampered_chain_is_reported(db, settings):
    with db.session() as s:
        for _ in range(3):
            audit.record(s, "owner_reveal", username="d")
    with db.session() as s:
        s.execute(text("UPDATE audit_events SET reason = 'edited' WHERE id = 2"))
    report = refresh_report(db, settings, TransparencyOptions())
    assert ReportCache(db, settings, TransparencyOptions()).get() == json.loads(json.dumps(report))
    assert report["audit_chain"]["result"] == "failed" and report["audit_chain"]["first_failed_event_id"] == 2
