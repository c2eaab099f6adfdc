"""Each user's dashboard preferences: the alert sound, browser notifications, footage notices
and named saved views. Kept in the database (not the browser's localStorage) so they follow
the user from desk to phone and a shared screen never shows the previous user's choices."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from dashboard.db import Database
from dashboard.models import UserPreferences, utcnow

SWITCHES = ("alert_sound", "browser_notifications", "footage_notices")
VIEW_NAME = re.compile(r"^[\w .,'()-]{1,40}$")
VIEW_QUERY_MAX = 2000
MAX_VIEWS = 20


class PreferenceError(ValueError):
    """Bad input; the message is meant for the user."""


@dataclass(frozen=True)
class Preferences:
    alert_sound: bool = False
    browser_notifications: bool = False
    footage_notices: bool = True
    saved_views: dict[str, str] = field(default_factory=dict)   # name -> the dashboard's query string

    def switches(self) -> list[str]:
        return [name for name in SWITCHES if getattr(self, name)]


def _view(row: UserPreferences | None) -> Preferences:
    if row is None:
        return Preferences()
    return Preferences(row.alert_sound, row.browser_notifications, row.footage_notices,
                       json.loads(row.saved_views or "{}"))


def _row(s, user) -> UserPreferences:
    row = s.get(UserPreferences, user.id)
    if row is None:
        defaults = Preferences()
        row = UserPreferences(user_id=user.id, alert_sound=defaults.alert_sound,
                              browser_notifications=defaults.browser_notifications,
                              footage_notices=defaults.footage_notices, saved_views=None, updated_at=utcnow())
        s.add(row)
    return row


def get_preferences(db: Database, user) -> Preferences:
    with db.session() as s:
        return _view(s.get(UserPreferences, user.id))


def set_switches(db: Database, user, on: Any) -> Preferences:
    """Turn on exactly the switches named in `on` (the others off)."""
    chosen = set(on or [])
    if not chosen <= set(SWITCHES):
        raise PreferenceError("Unknown notification setting.")
    with db.session() as s:
        row = _row(s, user)
        for name in SWITCHES:
            setattr(row, name, name in chosen)
        row.updated_at = utcnow()
        s.flush()
        return _view(row)


def save_view(db: Database, user, name: Any, query: Any) -> Preferences:
    """Save the dashboard's current query string (filters and map view) under a name."""
    label = name.strip() if isinstance(name, str) else ""
    if not VIEW_NAME.fullmatch(label):
        raise PreferenceError("View name: 1 to 40 letters, digits, spaces or . , ' ( ) -")
    text = query if isinstance(query, str) else ""
    if len(text) > VIEW_QUERY_MAX or (text and not text.startswith("?")):
        raise PreferenceError("This view cannot be saved (its address is not a dashboard view).")
    with db.session() as s:
        row = _row(s, user)
        views = json.loads(row.saved_views or "{}")
        if label not in views and len(views) >= MAX_VIEWS:
            raise PreferenceError(f"At most {MAX_VIEWS} saved views: delete one first.")
        views[label] = text
        row.saved_views, row.updated_at = json.dumps(views, sort_keys=True), utcnow()
        s.flush()
        return _view(row)


def delete_view(db: Database, user, name: Any) -> Preferences:
    with db.session() as s:
        row = _row(s, user)
        views = json.loads(row.saved_views or "{}")
        views.pop(name if isinstance(name, str) else "", None)
        row.saved_views, row.updated_at = json.dumps(views, sort_keys=True), utcnow()
        s.flush()
        return _view(row)
