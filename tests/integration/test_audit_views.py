"""The audit log pages over HTTP: who may read them, filters, the export, and that nothing
in the product can change or delete an event."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import parse_qsl

import pytest
from sqlalchemy import func, select, text

from dashboard.audit import chain as audit
from dashboard.models import AuditEvent
from tests.conftest import post_form

XSS = "<script>alert(1)</script>"


@pytest.fixture
def seeded(db):
    with db.session() as s:
        audit.record(s, "owner_reveal", username="dana", object_type="camera", object_id=7,
                     case_number="25-0000001", reason=XSS, client_addr="10.1.2.3")
        audit.record(s, "owner_reveal", username="erin", object_type="camera", object_id=8,
                     case_number="25-0000002", reason="=cmd|' /C calc'!A0", category="vehicle_crimes")
        audit.record(s, "footage_request", username="dana", object_type="footage_request", object_id=5,
                     case_number="25-0000001", detail={"camera_id": 7})


def _count(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(AuditEvent.id)))


def _rows(db) -> list[tuple]:
    with db.session() as s:
        return [(e.id, e.hash, e.reason, e.username) for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_supervisor_and_admin_read_the_log(login_as, seeded, role):
    client = login_as(role)
    response = client.get("/audit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="audit-table"' in html and "owner_reveal" in html and "25-0000001" in html
    assert "10.1.2.3" in html and ("CST" in html or "CDT" in html)
    assert response.headers["Cache-Control"] == "no-store"
    assert post_form(client, "/audit/export.csv").status_code == 200


@pytest.mark.parametrize("role", ["analyst", "detective"])
def test_analyst_and_detective_are_refused(login_as, seeded, db, role):
    client = login_as(role)
    before = _count(db)
    for path in ("/audit", "/audit?user=dana", "/audit/export.csv", "/audit?verify=1"):
        response = post_form(client, path) if path.endswith(".csv") else client.get(path)
        assert response.status_code == 403, path
        body = response.get_data(as_text=True)
        assert "supervisors and administrators only" in body
        assert "25-0000001" not in body and "owner_reveal" not in body and "alert(1)" not in body
    assert _count(db) == before + 1  # reading pages is not audited; the refused export is, as denied
    with db.session() as s:
        refused = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert (refused.action, refused.outcome, refused.username) == ("audit_export", "denied", f"{role}1")


@pytest.mark.parametrize("path", ["/audit", "/audit/export.csv", "/audit?user=dana"])
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def _tbody(html: str) -> str:
    """The table rows only (the filter form's suggestions list action names too)."""
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_filters_via_query_string(login_as, seeded):
    client = login_as("supervisor")  # its own "login" event is in the log too

    def rows(query: str) -> str:
        response = client.get(f"/audit?{query}")
        assert response.status_code == 200, query
        return _tbody(response.get_data(as_text=True))

    html = rows("user=erin")
    assert "25-0000002" in html and "25-0000001" not in html
    html = rows("case=25-0000001&action=footage_request")
    assert "footage_request" in html and "25-0000002" not in html and "10.1.2.3" not in html
    html = rows("camera=7")
    assert html.count("25-0000001") == 2 and "25-0000002" not in html
    html = rows("action=login&user=SUPERVISOR1")
    assert "supervisor1" in html and "owner_reveal" not in html and "footage_request" not in html
    assert "No events match" in rows("from=2000-01-01&to=2000-01-02")
    assert "No events match" in rows("outcome=denied")
    assert "owner_reveal" in rows("from=2000-01-01&to=2999-12-31&outcome=ok")
    # the offense category: by key or as typed ('Vehicle crimes'), in the page and in the export
    for query in ("category=vehicle_crimes", "category=Vehicle+crimes"):
        html = rows(query)
        assert "25-0000002" in html and "25-0000001" not in html and "vehicle_crimes" in html
    assert "No events match" in rows("category=burglary")
    page = client.get("/audit?category=vehicle_crimes").get_data(as_text=True)
    assert '<option value="vehicle_crimes" selected>' in page
    exported = post_form(client, "/audit/export.csv", {"category": "vehicle_crimes"}).get_data(as_text=True)
    assert "25-0000002" in exported and "25-0000001" not in exported
    # the form shows the filters back (escaped)
    html = client.get('/audit?user="><b>x').get_data(as_text=True)
    assert 'value="&#34;&gt;&lt;b&gt;x"' in html and '"><b>x' not in html


def test_pagination_links_walk_every_event_once(login_as, db):
    with db.session() as s:
        for i in range(7):
            audit.record(s, "export", username=f"u{i}", case_number=f"C-{i}")
    client = login_as("admin")
    url = "/audit?action=export&limit=3"
    seen = []
    for _ in range(10):
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r"<td>(C-\d)</td>", html)
        nxt = re.search(r'id="audit-next" class="audit-button" href="([^"]+)"', html)
        if not nxt:
            break
        url = nxt.group(1).replace("&amp;", "&")
        assert "action=export" in url and "limit=3" in url
    assert seen == [f"C-{i}" for i in range(6, -1, -1)]


@pytest.mark.parametrize("query, message", [
    ("from=2025-13-45", "From date is not a date"),
    ("to=yesterday", "To date is not a date"),
    ("from=2025-03-05&to=2025-03-01", "after the To date"),
    ("from=0001-01-01", "between the years"),
    ("to=9999-12-31", "between the years"),
    ("limit=0", "Rows per page"),
    ("limit=100000", "Rows per page"),
    ("limit=abc", "Rows per page"),
    ("camera=-3", "Camera id"),
    ("camera=%C2%B2", "Camera id"),
    ("before=x", "Page cursor"),
    ("user=" + "a" * 81, "at most 80"),
    ("case=%00", "control characters"),
])
def test_bad_filters_give_a_clear_message(login_as, seeded, db, query, message):
    client = login_as("supervisor")
    response = client.get(f"/audit?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="audit-errors"' in html and message in html
    before = _count(db)
    export = post_form(client, "/audit/export.csv", dict(parse_qsl(query)))
    assert export.status_code == 400 and message in export.get_data(as_text=True)
    assert _count(db) == before  # a refused export is not an export


def test_export_csv_and_its_audit_event(login_as, seeded, db):
    client = login_as("supervisor")
    response = post_form(client, "/audit/export.csv", {"user": "dana", "from": "2000-01-01"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and ".csv" in disposition
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["username"] for r in rows} == {"dana"} and len(rows) == 2
    assert any(r["reason"] == XSS for r in rows)  # CSV is data, not HTML: kept as typed
    with db.session() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "audit_export")).one()
        assert audit.verify_chain(s).ok
    assert event.username == "supervisor1" and event.user_id is not None and event.outcome == "ok"
    assert json.loads(event.detail) == {"filters": {"username": "dana", "date_from": "2000-01-01"}, "format": "csv",
                                        "rows": 2}
    # the export lists events before its own record, and the next export lists the first one
    again = post_form(client, "/audit/export.csv", {"action": "audit_export"}).get_data(as_text=True)
    assert [r["id"] for r in csv.DictReader(io.StringIO(again))] == [str(event.id)]


def test_export_guards_against_formulas(login_as, seeded):
    client = login_as("admin")
    rows = list(csv.DictReader(io.StringIO(post_form(client, "/audit/export.csv", {"user": "erin"}).get_data(as_text=True))))
    assert rows[0]["reason"] == "'=cmd|' /C calc'!A0"


def test_reason_is_escaped_in_the_html(login_as, seeded):
    client = login_as("supervisor")
    html = client.get("/audit").get_data(as_text=True)
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_verify_button_shows_the_chain_status(login_as, seeded, db):
    client = login_as("supervisor")
    html = client.get("/audit").get_data(as_text=True)
    assert 'id="audit-verify"' in html and 'id="audit-chain"' not in html
    html = client.get("/audit?verify=1&user=dana").get_data(as_text=True)
    assert "Chain intact" in html and 'name="user" value="dana"' in html
    with db.session() as s:
        s.execute(text("UPDATE audit_events SET reason = 'edited' WHERE id = 2"))
    html = client.get("/audit?verify=1").get_data(as_text=True)
    assert "Chain BROKEN at event 2" in html


WRITE_METHODS = ("post", "put", "patch", "delete")
WRITE_PATHS = ("/audit", "/audit/", "/audit/1", "/audit/export.csv", "/audit/1/delete", "/audit/events/1",
               "/audit?id=1")


def test_nothing_changes_or_deletes_an_event(login_as, seeded, db):
    client = login_as("admin")
    before = _rows(db)
    # with a valid CSRF token, so a refusal is the routing's, not the CSRF check's
    cookie = client.get_cookie("_csrf_token")
    assert cookie is not None
    for method in WRITE_METHODS:
        for path in WRITE_PATHS:
            if (method, path) == ("post", "/audit/export.csv"):
                continue  # the export itself (a POST since issue 11): it appends its event, changes none
            response = getattr(client, method)(path, data={"reason": "changed", "username": "nobody", "id": "1"},
                                               headers={"X-CSRFToken": cookie.value})
            assert response.status_code in (400, 404, 405), (method, path, response.status_code)
    assert _rows(db) == before


def test_only_reading_routes_under_audit(app):
    rules = [r for r in app.server.url_map.iter_rules() if r.rule.startswith("/audit")]
    assert {r.rule for r in rules} == {"/audit", "/audit/export.csv"}
    for rule in rules:  # reading is a GET; the export writes its audit event, so it is a POST (with CSRF)
        allowed = {"POST", "OPTIONS"} if rule.rule == "/audit/export.csv" else {"GET", "HEAD", "OPTIONS"}
        assert rule.methods <= allowed


def test_export_is_never_a_get_and_needs_the_csrf_token(login_as, seeded, db):
    """A link or an <img> on another site must not export the log, nor write an audit event,
    in a supervisor's name (issue 11, item 2)."""
    client = login_as("supervisor")
    before = _count(db)
    link = client.get("/audit/export.csv?user=dana")  # no export route answers a GET (Dash serves its page)
    assert "text/csv" not in link.headers["Content-Type"] and "attachment" not in link.headers.get(
        "Content-Disposition", "")
    forged = client.post("/audit/export.csv", data={"user": "dana"})  # a cross-site form has no token
    assert forged.status_code == 400
    assert _count(db) == before
    page = client.get("/audit?user=dana").get_data(as_text=True)
    assert 'id="audit-export-form" method="post"' in page and 'name="csrf_token"' in page
    assert 'name="user" value="dana"' in page
