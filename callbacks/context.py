"""What a callback needs from the request: the services and the signed-in user."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from auth.permissions import PermissionDenied, can
from dashboard.services import Services


def services() -> Services:
    return current_app.extensions["connect_dallas"]


def user():
    """The signed-in employee. The gate already refused anonymous callers; this re-check
    makes every callback safe even if it were reachable some other way."""
    if not current_user.is_authenticated:
        raise PermissionDenied("view_map", None)
    return current_user


def require_map_access():
    u = user()
    if not can(u, "view_map"):
        raise PermissionDenied("view_map", u.role)
    return u
