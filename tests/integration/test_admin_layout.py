"""The staff's server-rendered pages share one dark layout (dashboard/templates/admin_layout.html),
and admins see how many registrations wait: on those pages and as a badge in the dashboard's
header (a callback that answers admins only)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from auth.permissions import PermissionDenied
from dashboard.models.registration import Registration
from dashboard.owners.moderation import pending_count
from tests.conftest import dash_headers, login
from tests.factories import layout_props

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings_overrides() -> dict:
    return {"smtp_host": ""}  # demo mode without SMTP: the demo mailbox exists


def _pending(db, n: int, other: int = 2) -> None:
    with db.session() as s:
        s.add_all([Registration(status="pending_review") for _ in range(n)])
        s.add_all([Registration(status=status) for status in ("unconfirmed", "approved")[:other]])


def test_one_admin_layout_and_no_copies_left():
    bases = sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("base.html")
                   if ".venv" not in p.parts and "node_modules" not in p.parts)
    # the owners' portal, the footage answer page and the transparency report are public pages with their own look
    assert bases == ["dashboard/footage/templates/footage/base.html", "dashboard/owners/templates/portal/base.html",
                     "dashboard/transparency/templates/transparency/base.html"]
    staff = [p for p in ROOT.glob("**/templates/**/*.html") if ".venv" not in p.parts
             and p.parent.name in ("admin", "audit", "demo", "analytics")]
    assert len(staff) >= 7
    for page in staff:
        assert page.read_text().startswith('{% extends "admin_layout.html" %}'), page


def test_pending_count_is_for_admins_only(db, make_user):
    _pending(db, 3)

    class Who:
        def __init__(self, role):
            self.role, self.active = role, True

    assert pending_count(db, Who("admin")) == 3
    for role in ("analyst", "detective", "supervisor"):
        with pytest.raises(PermissionDenied):
            pending_count(db, Who(role))


@pytest.mark.parametrize("path", ["/admin/registrations", "/admin/import", "/admin/users", "/audit", "/demo/mail",
                                  "/analytics"])
def test_every_admin_page_is_dark_with_the_links_and_the_badge(db, login_as, path):
    _pending(db, 2)
    client = login_as("admin")
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    assert 'class="audit-page admin-page' in html and "/assets/admin.css" in html and "/assets/style.css" in html
    assert "portal.css" not in html  # the public portal's light theme is gone from staff pages
    for nav in ("nav-dashboard", "nav-registrations", "nav-import", "nav-users", "nav-audit", "nav-analytics",
                "nav-mailbox"):
        assert f'id="{nav}"' in html, (path, nav)
    badge = re.search(r'id="pending-registrations-badge"[^>]*>(\d+)<', html)
    assert badge and badge.group(1) == "2", path
    assert 'action="/logout"' in html and 'name="csrf_token"' in html  # signing out is a POST


def test_a_supervisor_sees_only_what_they_may_open_and_no_count(db, login_as):
    _pending(db, 2)
    html = login_as("supervisor").get("/audit").get_data(as_text=True)
    assert 'id="nav-audit"' in html and 'id="nav-dashboard"' in html and 'id="nav-analytics"' in html
    for nav in ("nav-registrations", "nav-import", "nav-users", "nav-mailbox"):
        assert f'id="{nav}"' not in html
    assert "pending-registrations-badge" not in html


def test_the_registrations_page_keeps_its_controls(db, client, login_as):
    from tests.owner_support import register_and_confirm

    registration = register_and_confirm(client, db)
    html = login_as("admin").get("/admin/registrations").get_data(as_text=True)
    assert "moderation-page" in html and f'id="registration-{registration}"' in html
    assert f'id="approve-{registration}"' in html and f'id="reject-{registration}"' in html and 'id="import-link"' in html
    assert re.search(r'id="pending-registrations-badge"[^>]*>1<', html)


def _badge(client, app):
    key = next(k for k in app.callback_map if "pending-registrations-badge.children" in k)
    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1), strict=True)) for o in key.strip(".").split("...")]
    body = {"output": key, "outputs": outputs,
            "inputs": [{"id": "pending-registrations-poll", "property": "n_intervals", "value": 0}],
            "state": [], "changedPropIds": []}
    return client.post("/_dash-update-component", json=body, headers=dash_headers(client))


def test_the_dashboard_badge_counts_for_admins_only(app, db, login_as, make_user):
    _pending(db, 4)
    admin = login_as("admin")
    layout = admin.get("/_dash-layout").get_json()
    link = layout_props(layout, "link-admin-registrations")
    assert link["href"] == "/admin/registrations"
    assert layout_props(layout, "pending-registrations-badge") is not None
    out = _badge(admin, app).get_json()["response"]
    assert out["pending-registrations-badge"] == {"children": "4", "hidden": False}
    assert out["link-admin-registrations"]["title"] == "4 registrations awaiting moderation"

    analyst = app.server.test_client()
    assert login(analyst, make_user("analyst-badge", "analyst")).status_code == 302
    layout = analyst.get("/_dash-layout").get_json()
    assert layout_props(layout, "pending-registrations-badge") is None  # not on their page
    response = _badge(analyst, app)  # and a crafted call gets nothing
    assert response.status_code == 204 and "4" not in response.get_data(as_text=True)


def test_the_badge_hides_at_zero_and_caps_at_99(app, db, login_as):
    admin = login_as("admin")
    admin.get("/_dash-layout")
    assert _badge(admin, app).get_json()["response"]["pending-registrations-badge"] == {"children": "0", "hidden": True}
    _pending(db, 120, other=0)
    out = _badge(admin, app).get_json()["response"]
    assert out["pending-registrations-badge"] == {"children": "99+", "hidden": False}
    assert json.dumps(out).count("120") == 1  # the exact number stays in the title
