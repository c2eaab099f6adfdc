"""Ending a signed-in session (logout, idle timeout): shared by the gate and the login views,
so neither imports the other."""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import current_user, logout_user

from dashboard.audit import chain as audit

from .users import end_user_sessions


def client_addr() -> str | None:
    return request.remote_addr


def end_session(reason: str = "logout") -> None:
    if current_user.is_authenticated:
        db = current_app.extensions["connect_dallas"].db
        with db.session() as s:
            audit.record(s, reason, user_id=current_user.id, username=current_user.username,
                         client_addr=client_addr())
            end_user_sessions(s, current_user.id)
    logout_user()
    session.clear()
