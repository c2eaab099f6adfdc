"""Demo accounts outside demo mode (issue 11, item 1): a database seeded as a demo and then
served with `env: production` refuses to start, naming the accounts, and sign-in refuses the
published demo logins even if one appears while the server runs."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

import pytest
from sqlalchemy import select

from auth.demo_accounts import DEMO_USERS
from auth.users import add_or_update_user, authenticate, disable_user
from dashboard.app import create_app
from dashboard.config import ConfigError
from dashboard.models import AuditEvent
from tests.conftest import SECRET, login


def _seed_demo_users(db, only: str | None = None) -> None:
    with db.session() as s:
        for username, role, name, division, password in DEMO_USERS:
            if only in (None, username):
                add_or_update_user(s, username, role=role, full_name=name, division=division, password=password,
                                   actor="seed-demo")


@pytest.fixture
def production(settings):
    return replace(settings, env="production")


def test_production_refuses_to_start_naming_the_demo_accounts(db, production):
    _seed_demo_users(db)
    with pytest.raises(ConfigError) as refused:
        create_app(production)
    message = str(refused.value)
    assert "\n" not in message
    for username, *_ in DEMO_USERS:
        assert username in message
    assert "connect-dallas disable-user NAME" in message


def test_production_starts_once_every_demo_account_is_disabled_or_reset(db, production):
    _seed_demo_users(db)
    with db.session() as s:
        disable_user(s, "analyst")
        disable_user(s, "detective")
        add_or_update_user(s, "supervisor", role="supervisor", full_name="Sam S", password="a new long secret 1")
    with pytest.raises(ConfigError) as refused:
        create_app(production)
    assert "(admin)" in str(refused.value)  # only the one still open is named
    with db.session() as s:
        add_or_update_user(s, "admin", role="admin", full_name="Alex A", password="another long secret 2")
    app = create_app(production)
    app.server.extensions["connect_dallas"].db.dispose()


def test_demo_mode_still_starts_with_the_demo_accounts(db, settings):
    _seed_demo_users(db)
    create_app(settings).server.extensions["connect_dallas"].db.dispose()


def test_sign_in_refuses_a_demo_login_that_appears_after_start(db, production):
    """Defence in depth: the start-up check cannot see an account seeded while the server runs."""
    app = create_app(production)
    try:
        _seed_demo_users(db, only="admin")
        client = app.server.test_client()
        client.environ_base["wsgi.url_scheme"] = "https"  # production cookies are Secure
        refused = login(client, "admin", "demo-admin-2026")
        assert refused.status_code == 401
        with db.session() as s:
            event = s.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).one()
        assert event.username == "admin" and "published demo login" in event.detail
        with db.session() as s:  # the same account with a password of its own signs in
            add_or_update_user(s, "admin", role="admin", full_name="Alex A", password="a password of our own")
        assert login(client, "admin", "a password of our own").status_code == 302
    finally:
        app.server.extensions["connect_dallas"].db.dispose()


def test_authenticate_allows_demo_logins_only_in_demo_mode(db, settings):
    _seed_demo_users(db, only="analyst")
    rules = {"client_addr": None, "lockout_threshold": 5, "lockout_minutes": 15}
    with db.session() as s:
        assert authenticate(s, "analyst", "demo-analyst-2026", **rules).ok
    with db.session() as s:
        assert not authenticate(s, "Analyst", "demo-analyst-2026", allow_demo_logins=False, **rules).ok


def test_serve_command_refuses_to_start(db, db_url, tmp_path):
    _seed_demo_users(db)
    config = tmp_path / "config.yaml"
    config.write_text("env: production\n")
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": SECRET, "CONNECT_DALLAS_CONFIG": str(config)}
    done = subprocess.run([sys.executable, "-m", "dashboard", "serve", "--port", "1"], capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 2, done.stderr
    assert "demo accounts" in done.stderr and "admin" in done.stderr and "disable-user" in done.stderr
    assert "Traceback" not in done.stderr
    assert "serving on" not in done.stdout
