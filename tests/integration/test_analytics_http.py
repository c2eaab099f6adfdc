"""/analytics over HTTP: who may see it (checked where the data is produced), the numbers on the
page against pandas computations straight from the database, the offline plotly.js, and the
recruitment CSV export's formula guard and audit event."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import select, text

from dashboard.analytics.coverage import call_coverage, coverage_table, urgent_calls
from dashboard.audit import chain as audit
from dashboard.models import AuditEvent, Incident, Owner, utcnow
from dashboard.models.footage import FootageRequest, FootageRequestEvent
from dashboard.registry.cache import load_snapshot
from dashboard.tools.seed import seed_demo
from tests.conftest import post_form

HOSTILE_BEAT = "=cmd|1"  # the beat column holds 8 characters
HOSTILE_DIVISION = "+SUM(1)"


@pytest.fixture
def world(db):
    now = utcnow()
    seed_demo(db, cameras=600, incidents=60, seed=5, demo_users=False, now=now - timedelta(days=2))
    with db.session() as s:
        # a P1 call far from every camera, in a beat whose name is a spreadsheet formula
        s.add(Incident(incident_number="X0000001", nature_of_call="Shooting", priority=1,
                       received_at=now - timedelta(days=3), latitude=32.62, longitude=-96.62,
                       beat=HOSTILE_BEAT, division=HOSTILE_DIVISION))
        s.flush()
        owners = s.scalars(select(Owner).order_by(Owner.id).limit(6)).all()
        incident = s.scalars(select(Incident).order_by(Incident.id).limit(1)).one()
        for i, owner in enumerate(owners):
            camera_id = s.scalar(text("SELECT c.id FROM cameras c JOIN camera_sites st ON c.site_id = st.id "
                                      "WHERE st.owner_id = :o LIMIT 1"), {"o": owner.id})
            created = now - timedelta(days=5 + i)
            req = FootageRequest(incident_id=incident.id, camera_id=camera_id, owner_id=owner.id,
                                 case_number="26-0000001", window_start=created, window_end=created,
                                 token_hash=f"{i:064d}", status="sent", created_at=created,
                                 expires_at=now + timedelta(days=7))
            s.add(req)
            s.flush()
            steps = ["sent", "opened", "accepted", "footage_received"][: (i % 4) + 1]
            for j, step in enumerate(steps):
                s.add(FootageRequestEvent(request_id=req.id, status=step, actor="t",
                                          at=created + timedelta(hours=2 * (j + 1))))
        # accesses: dana in office hours for a known case, erin at 02:00 on no known case
        week_ago = now - timedelta(days=7)
        wednesday = (week_ago - timedelta(days=(week_ago.weekday() - 2) % 7)).replace(hour=16, minute=0)
        for k in range(3):  # 10:00-11:00 (Dallas), a Wednesday
            audit.record(s, "owner_reveal", username="dana", object_type="camera", object_id=k + 1,
                         case_number="26-0000001", category="burglary", at=wednesday + timedelta(minutes=20 * k))
        audit.record(s, "live_view", username="erin", object_type="camera", object_id=9, case_number="26-0999999",
                     category="robbery", at=(now - timedelta(days=4)).replace(hour=8, minute=0))  # 02:00/03:00 Dallas
        audit.record(s, "canvass_export", username="erin", object_type="incident", object_id="NOPE-1",
                     case_number="26-0999999", category="robbery", at=now - timedelta(days=6),
                     detail={"with_owner": True, "camera_ids": [1]})
        audit.record(s, "owner_reveal", username="old", object_type="camera", object_id=1,
                     case_number="26-0000001", at=now - timedelta(days=400))  # outside the period
    return now


def _table(html: str, table_id: str) -> dict[str, list[str]]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for key, cells in re.findall(r'<tr data-key="([^"]*)">(.*?)</tr>', body, re.S):
        rows[key] = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]
    return rows


def _page(login_as, role: str = "supervisor") -> str:
    response = login_as(role).get("/analytics")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_coverage_on_the_page_matches_the_database(login_as, world, db):
    html = _page(login_as)
    with db.engine.connect() as conn:
        calls = pd.read_sql(text("SELECT id, division, received_at FROM incidents WHERE priority IN (1, 2) "
                                 "AND latitude IS NOT NULL AND longitude IS NOT NULL"), conn)
    calls["received_at"] = pd.to_datetime(calls["received_at"], utc=True)
    in_period = calls[calls["received_at"] >= pd.Timestamp(world - timedelta(days=365))]
    assert re.search(r'id="kpi-calls"><strong>(\d+)</strong>', html).group(1) == str(len(in_period))
    per_division = in_period["division"].fillna("unknown").value_counts()
    shown = _table(html, "coverage-division")
    assert {k: int(v[1]) for k, v in shown.items()} == per_division.to_dict()
    # covered/faced: the service's (tested against brute force in tests/unit/test_analytics.py), shown as is
    with db.session() as s:
        covered = call_coverage(load_snapshot(db), urgent_calls(s, world - timedelta(days=365), world + timedelta(1)))
    expected = coverage_table(covered, "division").set_index("division")
    for division, row in expected.iterrows():
        cells = shown[division]
        assert (int(cells[2]), int(cells[4])) == (row["covered"], row["faced"]), division
        assert cells[3] == f"{row['covered_share'] * 100:.0f}%"
    assert int(re.search(r'id="kpi-covered"><strong>[^<]*</strong>(\d+)', html).group(1)) == expected["covered"].sum()


def test_funnel_growth_and_access_review_match_pandas(login_as, world, db):
    html = _page(login_as, "admin")
    with db.engine.connect() as conn:
        events = pd.read_sql(text("SELECT request_id, status, at FROM footage_request_events"), conn)
        cameras = pd.read_sql(text("SELECT status, registered_at FROM cameras"), conn)
        accesses = pd.read_sql(text("SELECT username, action, at FROM audit_events WHERE outcome = 'ok' AND "
                                    "action IN ('owner_reveal', 'canvass_export', 'live_view')"), conn)
    funnel = _table(html, "funnel-table")
    assert int(funnel["requested"][1]) == 6
    for step in ("sent", "opened", "accepted", "footage_received"):
        assert int(funnel[step][1]) == events.loc[events["status"] == step, "request_id"].nunique(), step
    assert funnel["sent"][3] == "2.0 h" and funnel["opened"][3] == "4.0 h"  # median hours after the request

    joined = cameras[cameras["status"].isin(["active", "withdrawn", "inactive"])]
    months = pd.to_datetime(joined["registered_at"], utc=True).dt.tz_convert("America/Chicago").dt.strftime("%Y-%m")
    growth = _table(html, "growth-table")
    assert {m: int(r[1]) for m, r in growth.items() if int(r[1])} == months.value_counts().to_dict()
    assert int(growth[max(growth)][4]) == len(joined[joined["status"] == "active"]) + 0  # nothing withdrawn

    accesses["at"] = pd.to_datetime(accesses["at"], utc=True)
    recent = accesses[accesses["at"] >= pd.Timestamp(world - timedelta(days=365))]
    counts = pd.crosstab(recent["username"], recent["action"])
    review = _table(html, "access-table")
    assert set(review) == set(counts.index) == {"dana", "erin"}
    for user, row in counts.iterrows():
        assert [int(x) for x in review[user][1:4]] == [int(row.get(a, 0)) for a in
                                                       ("owner_reveal", "canvass_export", "live_view")], user
    assert review["dana"][4:] == ["0", "0"] and review["erin"][5] == "2"  # erin: no known incident or case
    assert int(review["erin"][4]) >= 1  # the 02:00 live view


def test_the_page_draws_plotly_figures_from_embedded_json(login_as, world):
    client = login_as("supervisor")
    html = client.get("/analytics?days=90").get_data(as_text=True)
    blocks = dict(re.findall(r'<script type="application/json" data-figure="([a-z-]+)">(.*?)</script>', html, re.S))
    assert set(blocks) == {"fig-coverage-division", "fig-coverage-month", "fig-recruitment-map", "fig-funnel",
                           "fig-acceptance", "fig-growth", "fig-access"}
    for figure_id, payload in blocks.items():
        figure = json.loads(payload)
        assert figure["data"] and figure["layout"]["paper_bgcolor"] == "#111c2e", figure_id
        assert f'id="{figure_id}"' in html
    assert "cdn" not in html.lower() and 'src="/analytics/plotly.min.js"' in html
    js = client.get("/analytics/plotly.min.js")
    assert js.status_code == 200 and js.mimetype == "text/javascript" and b"plotly" in js.data[:2000].lower()
    assert 'aria-current="page">Last 90 days' in html
    assert client.get("/analytics?days=7").status_code == 400


@pytest.mark.parametrize(("role", "status"), [("analyst", 403), ("detective", 403), ("supervisor", 200),
                                              ("admin", 200)])
def test_role_table(login_as, db, role, status):
    client = login_as(role)
    page = client.get("/analytics")
    assert page.status_code == status
    export = post_form(client, "/analytics/recruitment.csv", {"days": "365"})
    assert export.status_code == status
    if status == 403:
        body = page.get_data(as_text=True) + export.get_data(as_text=True)
        assert "supervisors and administrators only" in body and "kpi-calls" not in body


def test_anonymous_gets_the_login_page(client):
    for path in ("/analytics", "/analytics/plotly.min.js", "/analytics/static/analytics.js"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), path


def test_recruitment_csv_is_guarded_and_audited(login_as, world, db):
    client = login_as("supervisor")
    _page(login_as)
    response = post_form(client, "/analytics/recruitment.csv", {"days": "365"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(rows[0]) == ["beat", "division", "calls", "uncovered_calls", "cameras"]
    hostile = next(r for r in rows if HOSTILE_BEAT in r["beat"])
    assert hostile["beat"] == "'" + HOSTILE_BEAT and hostile["division"] == "'" + HOSTILE_DIVISION
    assert (hostile["calls"], hostile["uncovered_calls"]) == ("1", "1")
    assert all(not r["beat"].startswith(("=", "+", "-", "@")) for r in rows)
    with db.session() as s:
        ev = s.scalars(select(AuditEvent).where(AuditEvent.action == "analytics_export")).one()
    assert (ev.username, ev.outcome, json.loads(ev.detail)["rows"]) == ("supervisor1", "ok", len(rows))
    # the export is never a GET (Dash answers it with its page), and a forged post has no token
    link = client.get("/analytics/recruitment.csv?days=365")
    assert "text/csv" not in link.headers["Content-Type"] and "attachment" not in link.headers.get(
        "Content-Disposition", "")
    assert client.post("/analytics/recruitment.csv", data={"days": "365"}).status_code == 400
    with db.session() as s:
        assert len(s.scalars(select(AuditEvent).where(AuditEvent.action == "analytics_export")).all()) == 1


@pytest.mark.parametrize("role", ["analyst", "detective"])
def test_the_service_itself_refuses_other_roles(db, make_user, role):
    """Checked where the data is produced: whatever calls it (a view, a job, a crafted request)."""
    from auth.permissions import PermissionDenied
    from auth.users import SessionUser, find_user
    from dashboard.analytics.report import analytics_report, recruitment_export

    make_user(f"{role}9", role)
    with db.session() as s:
        user = SessionUser.from_model(find_user(s, f"{role}9"))
    with pytest.raises(PermissionDenied):
        analytics_report(db, None, user)
    with pytest.raises(PermissionDenied):
        recruitment_export(db, None, user)
