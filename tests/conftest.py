"""Shared fixtures: settings, a fresh database per test (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set), the app, a client, and login_as(role).

Every test that takes `db_url` (directly or through `app`, `db`, `client`...) runs once per
backend, so the PostgreSQL leg covers exactly the same tests as SQLite.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dashboard.config import load_settings
from dashboard.db import Database
from dashboard.migrate import upgrade
from dashboard.models import Base

TEST_DATA = Path(__file__).parent / "data"
PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
CAD_TOKEN = "test-cad-token-0123456789"
PASSWORD = "correct horse battery staple"
SECRET = "x" * 48


def pytest_report_header(config):
    return f"database backends: {', '.join(BACKENDS)}"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    """Migrate once, copy per test: a fresh SQLite database costs a file copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    return path


def fresh_database(base_url: str, name: str) -> str:
    """Drop and create database `name` on the server of `base_url`; returns its URL."""
    drop_database(base_url, name)
    url = make_url(base_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(base_url: str, name: str) -> None:
    admin = create_engine(make_url(base_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_database():
    """TEST_DATABASE_URL, migrated from an empty schema, held open for the session (each test only
    empties it). Under pytest-xdist (`make test` runs the quick tests on two workers) each worker
    gets a database of its own beside it: <name>_gw0, ..."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    name = f"{make_url(PG_URL).database}_{worker}" if worker else None
    db = Database(fresh_database(PG_URL, name) if name else PG_URL)
    if not name:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(db)
    yield db
    db.dispose()
    if name:
        drop_database(PG_URL, name)


# Children before parents, so each DELETE finds no row that still points at it.
_CHILDREN_FIRST = list(reversed(Base.metadata.sorted_tables))
_RESTART_IDS = text("SELECT setval(c.oid, 1, false) FROM pg_class c"
                    " WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace")


def _empty_pg(db: Database) -> None:
    """Every table emptied and every id sequence restarted at 1, as a fresh database would be.

    DELETE rather than TRUNCATE: a test leaves a few rows, and TRUNCATE of 21 tables (new files for
    each, an exclusive lock) cost ~0.15 s against ~0.03 s, for each of the ~900 PostgreSQL tests."""
    with db.engine.begin() as conn:
        for table in _CHILDREN_FIRST:
            conn.execute(table.delete())
        conn.execute(_RESTART_IDS)


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    if request.param == "postgresql":
        database = request.getfixturevalue("pg_database")
        _empty_pg(database)
        return database.url
    template = request.getfixturevalue("_sqlite_template")
    path = tmp_path / "test.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings_overrides() -> dict:
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
def settings(db_url, settings_overrides):
    overrides = {"database_url": db_url, "secret_key": SECRET, "api_tokens": (CAD_TOKEN,), "env": "demo",
                 "tile_url": ""}
    overrides.update(settings_overrides)
    return load_settings(overrides=overrides, environ={})


@pytest.fixture
def app(settings):
    from dashboard.app import create_app

    application = create_app(settings)
    application.server.config["TESTING"] = True
    # deterministic for tests: every request sees the registry as committed
    registry = application.server.extensions["connect_dallas"].registry
    registry.check_every, registry.background = 0.0, False
    yield application
    application.server.extensions["connect_dallas"].db.dispose()


@pytest.fixture
def services(app):
    return app.server.extensions["connect_dallas"]


@pytest.fixture
def db(db_url):
    """The test database on its own: unit tests of services need no app."""
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def client(app):
    return app.server.test_client()


@pytest.fixture
def make_user(db):
    from auth.users import add_or_update_user

    def _make(username: str, role: str, division: str | None = None, password: str = PASSWORD):
        with db.session() as s:
            add_or_update_user(s, username, role=role, full_name=f"Test {role.title()}", division=division,
                               password=password)
        return username

    return _make


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html)
    assert match, "the form has no csrf_token"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD, follow_redirects: bool = False, otp: str | None = None):
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    form = {"username": username, "password": password, "csrf_token": token}
    if otp is not None:
        form["otp"] = otp
    return client.post("/login", data=form, follow_redirects=follow_redirects)


@pytest.fixture
def login_as(client, make_user):
    """login_as("detective") -> the signed-in test client (a user per role is created)."""

    def _login(role: str, division: str | None = None):
        username = make_user(f"{role}1", role, division)
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login


class Inbox:
    """A real SMTP server (aiosmtpd) on a free local port; received messages in `.messages`."""

    def __init__(self):
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Message

        inbox = self

        class _Handler(Message):
            def handle_message(self, message):
                inbox.messages.append(message)

        self.messages: list = []
        self.controller = Controller(_Handler(), hostname="127.0.0.1", port=free_port())

    @property
    def port(self) -> int:
        return self.controller.port

    def start(self) -> Inbox:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_inbox():
    box = Inbox().start()
    yield box
    box.stop()


def csrf_token_of(client) -> str:
    """The signed-in client's CSRF token (the `_csrf_token` cookie every signed-in page sets)."""
    cookie = client.get_cookie("_csrf_token")
    assert cookie, "no _csrf_token cookie: sign in and load a page first"
    return cookie.value


def post_form(client, path: str, data: dict | None = None, **kwargs):
    """POST a form the way the browser does from our pages: with the CSRF token."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token_of(client)}, **kwargs)


def dash_headers(client) -> dict:
    """Headers Dash's renderer sends: the CSRF token copied from the _csrf_token cookie."""
    cookie = client.get_cookie("_csrf_token")
    return {"X-CSRFToken": cookie.value if cookie else "", "Content-Type": "application/json"}
