"""The relay's cheap sign-in check (auth/gate.RELAY_PREFIXES): a wall's ~20 requests a second per
viewer load the user from a short-lived cache, set no cookie and write the activity time coarsely,
yet a logout or a disable still ends the stream at once in this process, and within
SESSION_USER_TTL_S when another process changed the user row behind the cache's back."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

import auth.users as users
from tests.conftest import login
from tests.live_support import CASE, add_camera, start_simulator


@pytest.fixture
def sim():
    simulator = start_simulator()
    yield simulator
    simulator.stop()


def _csrf(client) -> dict:
    return {"X-CSRFToken": client.get_cookie("_csrf_token").value}


@pytest.fixture
def watching(app, make_user, db, sim):
    """(client, the grant's playlist URL) for a signed-in analyst holding a live view."""
    client = app.server.test_client()
    make_user("analyst1", "analyst")
    assert login(client, "analyst1").status_code == 302
    client.get("/healthz")
    camera_id = add_camera(db, f"{sim.base_url}/cam/31/index.m3u8")
    opened = client.post("/live/grants", json={"camera_id": camera_id, "purpose": CASE}, headers=_csrf(client))
    assert opened.status_code == 201, opened.get_json()
    return client, opened.get_json()["player_url"]


def _count_loads(monkeypatch) -> list:
    loads: list = []
    real = users.load_active_user

    def counting(session, user_id):
        loads.append(user_id)
        return real(session, user_id)

    monkeypatch.setattr(users, "load_active_user", counting)
    return loads


def test_relay_requests_share_one_user_load_and_set_no_cookie(watching, monkeypatch):
    client, player = watching
    loads = _count_loads(monkeypatch)
    responses = [client.get(player) for _ in range(5)]
    assert all(r.status_code == 200 for r in responses)
    assert len(loads) <= 1  # the first may load (a login just emptied the cache), the rest do not
    assert not any("Set-Cookie" in r.headers for r in responses)  # no re-signed session, no CSRF cookie


def test_logout_ends_the_relay_at_once(watching, app):
    client, player = watching
    assert client.get(player).status_code == 200
    stolen = client.get_cookie("cdo_session").value
    assert client.post("/logout", headers=_csrf(client)).status_code in (302, 200)
    replay = app.server.test_client()
    replay.set_cookie("cdo_session", stolen)
    assert replay.get(player).status_code == 302  # to /login: the cookie's epoch is gone


def test_disable_ends_the_relay_at_once(watching, db):
    client, player = watching
    assert client.get(player).status_code == 200
    with db.session() as s:
        users.disable_user(s, "analyst1")
    assert client.get(player).status_code == 302


def test_a_change_made_elsewhere_is_seen_within_the_ttl(watching, db, monkeypatch):
    """Another process disabling the user changes the row without this process's ORM events: the
    cached user is trusted for at most SESSION_USER_TTL_S."""
    monkeypatch.setattr(users, "SESSION_USER_TTL_S", 0.5)
    client, player = watching
    assert client.get(player).status_code == 200
    with db.session() as s:
        s.execute(text("UPDATE users SET active = false, session_epoch = session_epoch + 1 "
                       "WHERE username = 'analyst1'"))
    time.sleep(0.6)
    assert client.get(player).status_code == 302


def test_watching_counts_as_activity_but_is_written_coarsely(watching, app):
    client, player = watching
    with client.session_transaction() as session:
        session["last_active"] = time.time() - 5
    assert "Set-Cookie" not in client.get(player).headers  # 5 s ago: not rewritten
    with client.session_transaction() as session:
        session["last_active"] = time.time() - 60
    fresh = client.get(player)
    assert fresh.status_code == 200 and "cdo_session=" in fresh.headers.get("Set-Cookie", "")
    with client.session_transaction() as session:
        assert time.time() - session["last_active"] < 5
