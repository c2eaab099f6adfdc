"""Authentication and authorization: Flask-Login wiring, the login gate, permissions."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from .gate import StaticFilesSessionInterface, install_gate
from .permissions import PermissionDenied, can, require
from .users import SessionUser, load_active_user
from .views import bp as auth_bp
from .views import set_csrf_cookie

login_manager = LoginManager()
csrf = CSRFProtect()


@login_manager.user_loader
def _load_user(user_id: str) -> SessionUser | None:
    db = current_app.extensions["connect_dallas"].db
    with db.session() as s:
        return load_active_user(s, user_id)


def init_app(server: Flask) -> None:
    settings = server.config["SETTINGS"]
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not settings.is_demo,
        SESSION_COOKIE_NAME="cdo_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=None,  # the session's own idle timeout bounds the token's life
    )
    server.session_interface = StaticFilesSessionInterface()
    login_manager.init_app(server)
    login_manager.session_protection = "strong"
    install_gate(server)  # first: an anonymous caller gets 401/redirect before any CSRF check
    csrf.init_app(server)
    server.register_blueprint(auth_bp)
    server.after_request(set_csrf_cookie)


__all__ = ["init_app", "can", "require", "PermissionDenied", "SessionUser", "csrf"]
