"""The dashboard's layout carries the case workspace for roles that work cases only, and the
tool bar (alerts, views, wall, help) for everyone, with the user's saved preferences."""

from __future__ import annotations

import pytest

from auth.users import SessionUser, find_user
from dashboard import cases
from tests.conftest import dash_headers
from tests.factories import layout_props


def _layout(client):
    response = client.get("/_dash-layout", headers=dash_headers(client))
    assert response.status_code == 200
    return response.get_json()


@pytest.mark.parametrize("role, has_cases", [("detective", True), ("supervisor", True), ("analyst", False),
                                             ("admin", False)])
def test_case_workspace_only_for_roles_that_work_cases(client, login_as, role, has_cases):
    login_as(role)
    layout = _layout(client)
    assert (layout_props(layout, "case-workspace") is not None) is has_cases
    assert (layout_props(layout, "case-toggle") is not None) is has_cases
    assert layout_props(layout, "help-toggle") is not None and layout_props(layout, "wall-toggle") is not None


def test_preferences_come_back_with_the_page(client, login_as, services):
    login_as("detective")
    with services.db.session() as s:
        user = SessionUser.from_model(find_user(s, "detective1"))
    cases.set_switches(services.db, user, ["alert_sound"])
    cases.save_view(services.db, user, "Central", "?div=central")
    layout = _layout(client)
    assert layout_props(layout, "notify-switches")["value"] == ["alert_sound"]
    assert layout_props(layout, "notify-prefs")["data-alert-sound"] == "1"
    assert layout_props(layout, "notify-prefs")["data-browser-notifications"] == "0"
    assert layout_props(layout, "view-Central")["href"] == "/?div=central"
