"""The pending-registrations badge in the header: on page load and then every minute. Only
admins get the count (dashboard.owners.moderation.pending_count refuses anyone else, and then
this answers nothing: 204)."""

from __future__ import annotations

from dash import Input, Output
from dash.exceptions import PreventUpdate

from auth.permissions import PermissionDenied
from dashboard.owners.moderation import pending_count
from layouts.admin_badge import badge_text

from .context import clicks, services, user


def register(app) -> None:
    @app.callback(
        Output("pending-registrations-badge", "children"),
        Output("pending-registrations-badge", "hidden"),
        Output("link-admin-registrations", "title"),
        Input("pending-registrations-poll", "n_intervals"),
    )
    def refresh_pending(n_intervals):
        clicks(n_intervals, "n_intervals")
        try:
            count = pending_count(services().db, user())
        except PermissionDenied:
            raise PreventUpdate from None
        title = f"{count} registration{'s' if count != 1 else ''} awaiting moderation"
        return badge_text(count), count == 0, title
