"""The admins' users page as services (auth/admin_views.py is its web side): list the employees,
add one, disable one, reset a password, enrol for MFA. Each checks `manage_users`, acts and
writes its audit event (the acting admin named) in the caller's transaction; the CLI keeps its
own commands on the same auth/users.py rules."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.audit import chain as audit
from dashboard.models import User

from .passwords import hash_password
from .permissions import require
from .users import UserInputError, add_or_update_user, disable_user, enroll_totp, find_user

PERMISSION = "manage_users"
TEMPORARY_PASSWORD_BYTES = 12  # 16 URL-safe characters: shown once, meant to be changed


@dataclass(frozen=True)
class UserRow:
    username: str
    full_name: str
    role: str
    division: str | None
    active: bool
    mfa: bool
    last_login_at: datetime | None


def list_users(session: Session, actor) -> list[UserRow]:
    require(actor, PERMISSION)
    users = session.scalars(select(User).order_by(User.active.desc(), User.username)).all()
    return [UserRow(u.username, u.full_name, u.role, u.division, bool(u.active), bool(u.totp_secret), u.last_login_at)
            for u in users]


def add_user(session: Session, actor, *, username: str, role: str, full_name: str, division: str | None,
             password: str) -> User:
    require(actor, PERMISSION)
    if find_user(session, username.strip()) is not None:
        raise UserInputError(f"a user named {username.strip()!r} already exists")
    user, _created = add_or_update_user(session, username, role=role, full_name=full_name,
                                        division=division or None, password=password, actor=actor.username)
    return user


def disable(session: Session, actor, username: str) -> User:
    require(actor, PERMISSION)
    if username == actor.username:
        raise UserInputError("you cannot disable your own account: ask another administrator")
    return disable_user(session, username, actor=actor.username)


def reset_password(session: Session, actor, username: str) -> str:
    """A new random password (returned to show once); the user's sessions end and any lockout is lifted."""
    require(actor, PERMISSION)
    user = find_user(session, username)
    if user is None:
        raise UserInputError(f"no user named {username!r}")
    password = secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)
    user.password_hash = hash_password(password)
    user.failed_attempts, user.locked_until = 0, None
    user.session_epoch = (user.session_epoch or 0) + 1
    audit.record(session, "password_reset", user_id=actor.id, username=actor.username, object_type="user",
                 object_id=user.username)
    return password


def enroll_mfa(session: Session, actor, username: str) -> str:
    """A new one-time-code secret; returns the otpauth:// URI to show once."""
    require(actor, PERMISSION)
    return enroll_totp(session, username, actor=actor.username)
