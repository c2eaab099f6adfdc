"""Who may do what (docs/interfaces.md). Services call `require` where the data is produced;
the UI uses `can` only to decide what to show."""

from __future__ import annotations

from typing import Protocol

from dashboard.vocabulary import ROLES

__all__ = ["PERMISSIONS", "ROLES", "HasRole", "PermissionDenied", "can", "require"]

PERMISSIONS: dict[str, frozenset[str]] = {
    "view_map": frozenset(ROLES),                    # live map, camera details, incidents, nearest
    "reveal_owner": frozenset({"detective", "supervisor", "admin"}),
    "footage_requests": frozenset({"detective", "supervisor"}),
    "work_cases": frozenset({"detective", "supervisor"}),   # open a case file, add to it, close it
    "read_audit": frozenset({"supervisor", "admin"}),
    "view_analytics": frozenset({"supervisor", "admin"}),   # /analytics: coverage, funnel, access review
    "view_live": frozenset({"analyst", "detective", "supervisor"}),  # relayed live video, for a purpose
    "manage_users": frozenset({"admin"}),
    "moderate_registrations": frozenset({"admin"}),
}


class HasRole(Protocol):
    role: str


class PermissionDenied(Exception):
    """The signed-in user's role may not do this (HTTP 403)."""

    def __init__(self, action: str, role: str | None):
        super().__init__(f"role {role or 'anonymous'!r} may not {action.replace('_', ' ')}")
        self.action = action
        self.role = role


def can(user: HasRole | None, action: str) -> bool:
    if action not in PERMISSIONS:
        raise KeyError(f"unknown action {action!r}")
    role = getattr(user, "role", None)
    return bool(role) and role in PERMISSIONS[action] and getattr(user, "active", True)


def require(user: HasRole | None, action: str) -> None:
    if not can(user, action):
        raise PermissionDenied(action, getattr(user, "role", None))
