"""What a callback needs from the request: the services and the signed-in user."""

from __future__ import annotations

import math
import re

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


# --- the callbacks' inputs --------------------------------------------------------------------------
# A callback's inputs arrive as JSON a client controls: the renderer sends what the components
# hold, a crafted request sends anything. Each callback parses its inputs with these before using
# them; a value no honest page sends raises BadInput, which callbacks/guard.py answers with a 400
# and a message (never a 500). Database ids are PostgreSQL BIGINTs at most.
MAX_ID = 2**63 - 1
MAX_TEXT = 10_000
MAX_ITEMS = 1_000


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BadInput(ValueError):
    """A callback input no page of ours sends; str(exc) says which and why (HTTP 400)."""


def _kind(value) -> str:
    return {bool: "true/false", dict: "an object", list: "a list", str: "text", int: "a number",
            float: "a number", type(None): "nothing"}.get(type(value), type(value).__name__)


def mapping(value, name: str) -> dict:
    """An object (clickData, a store), or {} for nothing."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadInput(f"{name} must be an object (got {_kind(value)}).")
    return value


def items(value, name: str, max_items: int = MAX_ITEMS) -> list:
    """A list (a dropdown's values, drawn features), or [] for nothing."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise BadInput(f"{name} must be a list (got {_kind(value)}).")
    if len(value) > max_items:
        raise BadInput(f"{name} holds too many items (at most {max_items}).")
    return list(value)


def text(value, name: str, max_length: int = MAX_TEXT) -> str | None:
    """Typed or stored text, or None for nothing. Refuses other types and absurd lengths."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadInput(f"{name} must be text (got {_kind(value)}).")
    if len(value) > max_length:
        raise BadInput(f"{name} is too long (at most {max_length} characters).")
    if _CONTROL.search(value):  # nobody types these; PostgreSQL cannot even store a NUL
        raise BadInput(f"{name} holds control characters.")
    return value


def texts(value, name: str, max_length: int = 200) -> tuple[str, ...]:
    """A list of short texts (filter values)."""
    return tuple(text(v, name, max_length) or "" for v in items(value, name))


def whole(value, name: str, lo: int = 0, hi: int = MAX_ID) -> int:
    """A whole number in [lo, hi]: an int, or digits as text (ids travel as either)."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) <= 20:
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"{name} must be a whole number (got {_kind(value)}).")
    if not lo <= value <= hi:
        raise BadInput(f"{name} must be from {lo} to {hi}.")
    return value


def optional_whole(value, name: str, lo: int = 0, hi: int = MAX_ID) -> int | None:
    return None if value is None else whole(value, name, lo, hi)


def clicks(value, name: str = "n_clicks") -> int:
    """A click or tick counter (n_clicks, n_intervals): 0 for nothing."""
    return 0 if value is None else whole(value, name, 0, MAX_ID)


def number(value, name: str, lo: float, hi: float) -> float:
    """A finite number in [lo, hi] (a JSON number, or one typed as text)."""
    if isinstance(value, str) and len(value) <= 40:
        try:
            value = float(value)
        except ValueError:
            raise BadInput(f"{name} must be a number (got {value!r}).") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadInput(f"{name} must be a number (got {_kind(value)}).")
    if isinstance(value, int) and not -(2**53) <= value <= 2**53:
        raise BadInput(f"{name} must be from {lo:g} to {hi:g}.")
    value = float(value)
    if not math.isfinite(value) or not lo <= value <= hi:
        raise BadInput(f"{name} must be a number from {lo:g} to {hi:g}.")
    return value


def optional_number(value, name: str, lo: float, hi: float) -> float | None:
    return None if value is None else number(value, name, lo, hi)


def flag(value, name: str) -> bool:
    """A truthy toggle as dcc sends it (a checklist's list, a store's true/false)."""
    if value is None or isinstance(value, bool):
        return bool(value)
    return bool(items(value, name))
