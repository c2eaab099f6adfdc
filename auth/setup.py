"""The web wiring of auth: session cookies, the user loader, the gate, CSRF and the login pages.

Called by the factory's register_extensions step; the extension objects themselves are created
once in dashboard/extensions.py.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, request
from sqlalchemy import inspect

from dashboard.config import ConfigError
from dashboard.extensions import csrf, login_manager

from .demo_accounts import active_demo_accounts, demo_accounts_problem
from .gate import RELAY_PREFIXES, StaticFilesSessionInterface, install_gate
from .users import SessionUser, load_active_user, recent_active_user
from .views import set_csrf_cookie


def load_session_user(user_id: str) -> SessionUser | None:
    db = current_app.extensions["connect_dallas"].db
    if request.path.startswith(RELAY_PREFIXES):  # ~180 requests/s for ten video walls: gate.py
        return recent_active_user(db, user_id)
    with db.session() as s:
        return load_active_user(s, user_id)


def refuse_demo_accounts_outside_demo(server: Flask) -> None:
    """A production server never starts while a published demo login would work (docs/security.md)."""
    settings = server.config["SETTINGS"]
    if settings.is_demo:
        return
    db = server.extensions["connect_dallas"].db
    if not inspect(db.engine).has_table("users"):
        return  # a database before `init-db`: nobody can sign in yet
    with db.session() as s:
        problem = demo_accounts_problem(active_demo_accounts(s))
    if problem:
        raise ConfigError(problem)


def init_app(server: Flask) -> None:
    settings = server.config["SETTINGS"]
    refuse_demo_accounts_outside_demo(server)
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not settings.is_demo,
        SESSION_COOKIE_NAME="cdo_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=None,  # the session's own idle timeout bounds the token's life
    )
    server.session_interface = StaticFilesSessionInterface()
    login_manager.user_loader(load_session_user)
    login_manager.session_protection = "strong"
    login_manager.init_app(server)
    install_gate(server)  # first: an anonymous caller gets 401/redirect before any CSRF check
    csrf.init_app(server)
    server.after_request(set_csrf_cookie)
