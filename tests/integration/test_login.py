"""Login, logout, lockout, idle timeout, CSRF, and their audit events."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from dashboard.models import AuditEvent, User
from tests.conftest import PASSWORD, csrf_from, dash_headers, login, post_form


def _actions(db) -> list[tuple[str, str | None, str]]:
    with db.session() as s:
        return [(e.action, e.username, e.outcome) for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_anonymous_visitor_lands_on_login(client):
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="username"' in html and 'name="password"' in html and 'name="csrf_token"' in html
    assert 'name="otp"' not in html  # MFA is off by default


def test_login_success_redirects_and_audits(client, make_user, db):
    make_user("dana", "analyst")
    response = login(client, "dana")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert ("login", "dana", "ok") in _actions(db)
    with db.session() as s:
        assert s.scalar(select(User.last_login_at).where(User.username == "dana")) is not None


def test_wrong_user_and_wrong_password_look_identical(client, make_user, db):
    make_user("dana", "analyst")
    bad_password = login(client, "dana", "wrong password!!")
    unknown_user = login(client, "nobody-here", "wrong password!!")
    for response in (bad_password, unknown_user):
        assert response.status_code == 401
        assert 'id="login-error"' in response.get_data(as_text=True)
    strip = lambda r: r.get_data(as_text=True).split('id="login-error"')[1].split("</div>")[0]  # noqa: E731
    assert strip(bad_password) == strip(unknown_user)
    actions = _actions(db)
    assert ("login_failed", "dana", "denied") in actions
    assert ("login_failed", "nobody-here", "denied") in actions


def test_login_without_csrf_is_refused(client, make_user):
    make_user("dana", "analyst")
    response = client.post("/login", data={"username": "dana", "password": PASSWORD})
    assert response.status_code in (400, 401)
    assert client.get("/").status_code == 302


def test_lockout_after_threshold_and_audit(client, make_user, db, settings):
    make_user("dana", "analyst")
    for _ in range(settings.lockout_threshold):
        assert login(client, "dana", "wrong password!!").status_code == 401
    # the right password no longer works while locked, and the message is the same
    locked = login(client, "dana", PASSWORD)
    assert locked.status_code == 401 and 'id="login-error"' in locked.get_data(as_text=True)
    actions = [a for a, _, _ in _actions(db)]
    assert actions.count("login_failed") == settings.lockout_threshold + 1
    assert "lockout" in actions
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == "dana"))
        assert user.locked_until is not None


def test_lockout_expires(client, make_user, db):
    from datetime import timedelta

    from dashboard.models import utcnow

    make_user("dana", "analyst")
    with db.session() as s:
        s.scalar(select(User).where(User.username == "dana")).locked_until = utcnow() - timedelta(seconds=1)
    assert login(client, "dana").status_code == 302


def test_disabled_user_cannot_login_and_existing_session_ends(client, make_user, db):
    from auth.users import disable_user

    make_user("dana", "analyst")
    assert login(client, "dana").status_code == 302
    with db.session() as s:
        disable_user(s, "dana")
    assert client.get("/").status_code == 302  # the session no longer loads a user
    assert login(client, "dana").status_code == 401


def test_logout_ends_session_and_audits(login_as, db):
    client = login_as("analyst")
    assert post_form(client, "/logout").status_code == 302
    assert client.get("/").status_code == 302
    assert client.get("/_dash-layout").status_code == 401
    assert ("logout", "analyst1", "ok") in _actions(db)


@pytest.mark.parametrize("settings_overrides", [{"session_idle_minutes": 1}])
def test_idle_timeout_ends_session(login_as, db, settings_overrides):
    client = login_as("analyst")
    assert client.get("/_dash-layout").status_code == 200
    with client.session_transaction() as sess:
        sess["last_active"] = time.time() - 61
    response = client.get("/_dash-layout")
    assert response.status_code == 401
    assert client.get("/").status_code == 302
    assert ("idle_timeout", "analyst1", "ok") in _actions(db)


@pytest.mark.parametrize("settings_overrides", [{"session_idle_minutes": 1}])
def test_background_poll_does_not_keep_session_alive(app, login_as, settings_overrides):
    client = login_as("analyst")
    output = next(k for k in app.callback_map if "incident-store.data" in k and "incident-cursor.data" in k)
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
               for part in output.strip(".").split("...")]
    client.get("/_dash-layout")
    started = time.time() - 50
    with client.session_transaction() as sess:
        sess["last_active"] = started
    body = {"output": output, "outputs": outputs,
            "inputs": [{"id": "poll", "property": "n_intervals", "value": 1},
                       {"id": "ref-loaded", "property": "data", "value": True}],
            "changedPropIds": ["poll.n_intervals"],
            "state": [{"id": "incident-cursor", "property": "data", "value": None}]}
    response = client.post("/_dash-update-component", json=body, headers=dash_headers(client))
    assert response.status_code in (200, 204)
    with client.session_transaction() as sess:
        assert sess["last_active"] == started  # a poll is not activity


def test_dash_callbacks_need_csrf_header(login_as):
    client = login_as("analyst")
    body = {"output": "camera-count.children", "outputs": {"id": "camera-count", "property": "children"},
            "inputs": [], "changedPropIds": [], "state": []}
    no_header = client.post("/_dash-update-component", json=body)
    assert no_header.status_code == 400  # CSRF refused
    assert "CSRF token is missing" in no_header.get_data(as_text=True)


def test_next_parameter_cannot_redirect_off_site(client, make_user):
    make_user("dana", "analyst")
    page = client.get("/login?next=https://evil.example.com/")
    token = csrf_from(page.get_data(as_text=True))
    response = client.post("/login?next=https://evil.example.com/",
                           data={"username": "dana", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("settings_overrides", [{"mfa": True}])
def test_mfa_switch_adds_otp_field(client, settings_overrides):
    assert 'name="otp"' in client.get("/login").get_data(as_text=True)


def test_session_cookie_flags(client, make_user):
    make_user("dana", "analyst")
    response = login(client, "dana")
    cookie = "; ".join(response.headers.getlist("Set-Cookie"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("settings_overrides", [{"mfa": True}])
def test_mfa_requires_a_valid_code(client, make_user, db, settings_overrides):
    import pyotp

    from auth.users import enroll_totp

    make_user("dana", "detective")
    with db.session() as s:
        uri = enroll_totp(s, "dana")
    code = pyotp.parse_uri(uri).now()

    assert login(client, "dana", otp="").status_code == 401
    assert login(client, "dana", otp="000000" if code != "000000" else "111111").status_code == 401
    assert login(client, "dana", otp=code).status_code == 302


def test_a_cookie_from_before_logout_is_refused(login_as, db):
    """A request in flight during logout can carry the old signed cookie back to the browser;
    the server must refuse it (CI once caught exactly this race in the browser)."""
    client = login_as("analyst")
    assert client.get("/_dash-layout").status_code == 200
    old_cookie = client.get_cookie("cdo_session").value
    assert post_form(client, "/logout").status_code == 302
    client.set_cookie("cdo_session", old_cookie)  # the stale cookie comes back
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/").status_code == 302


def test_disable_user_ends_open_sessions_even_with_a_replayed_cookie(login_as, db):
    from auth.users import add_or_update_user, disable_user

    client = login_as("analyst")
    old_cookie = client.get_cookie("cdo_session").value
    with db.session() as s:
        disable_user(s, "analyst1")
    with db.session() as s:  # re-enabled: the old cookie must still not come back to life
        add_or_update_user(s, "analyst1", role="analyst", full_name="Test Analyst")
    client.set_cookie("cdo_session", old_cookie)
    assert client.get("/_dash-layout").status_code == 401


def test_login_page_prefetches_the_dashboards_scripts(app, client):
    page = client.get("/login").get_data(as_text=True)
    urls = re.findall(r'<link rel="prefetch" href="([^"]+)" as="(script|style)">', page)
    scripts = [u for u, kind in urls if kind == "script"]
    assert any("dash_renderer" in u for u in scripts) and any("async-GeoJSON" in u for u in scripts)
    for url, _ in urls:
        assert url.startswith(("/_dash-component-suites/", "/assets/")), url  # public static files only
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("signed_in", [False, True])
def test_static_files_neither_vary_by_cookie_nor_set_one(app, client, login_as, signed_in):
    """Else the browser re-downloads every bundle after each sign-in, and the login page's
    prefetch is wasted: the session cookie changes in between."""
    if signed_in:
        client = login_as("analyst")
    page = client.get("/login").get_data(as_text=True)
    static = re.findall(r'<link rel="prefetch" href="([^"]+)"', page)
    for url in static[:3] + static[-2:]:
        response = client.get(url)
        assert response.status_code == 200
        assert "Cookie" not in response.headers.get("Vary", "") and "Set-Cookie" not in response.headers, url
    dynamic = client.get("/login")
    assert "Cookie" in dynamic.headers.get("Vary", "")  # pages that read the session still say so
