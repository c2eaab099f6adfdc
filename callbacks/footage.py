"""Footage requests in #nearest-cameras: choose cameras, a window, send; "My requests" with statuses.

Thin: `dashboard.footage` checks the permission, validates, queues the mail and audits. The
panel is rendered (layouts/footage.py, inside the canvass) only for roles that may send
requests; the server refuses the others anyway.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dash import Input, Output, State, ctx, no_update
from flask import request

from auth.permissions import PermissionDenied
from dashboard import footage
from dashboard.footage import FootageError
from layouts.footage import FootageForm, render_requests

from .context import services, user

DENIED_MESSAGE = "Your role may not send or track footage requests."


def footage_form(incident: dict) -> FootageForm:
    """The send form's plain values for this incident (shown to roles that may send requests)."""
    return FootageForm(default_start=_default_start(incident), message_max=footage.MESSAGE_MAX)


def _default_start(incident: dict) -> str:
    """Half an hour before the call came in, in Dallas time, as the input expects."""
    try:
        received = datetime.fromisoformat(incident.get("received_at") or "")
    except ValueError:
        return ""
    if received.tzinfo is None:
        return ""
    return (received - timedelta(minutes=30)).astimezone(footage.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _send(incident_number, cameras, start, hours, case, note) -> str:
    svc = services()
    try:
        window_start = footage.parse_local(start)
        hours_value = float(hours)
    except (TypeError, ValueError) as exc:
        return str(exc) if isinstance(exc, FootageError) else "Hours: a number, e.g. 1 or 1.5."
    window_end = window_start + timedelta(hours=hours_value)
    created = footage.send_requests(svc.db, user(), incident_number, list(cameras or []), window_start, window_end,
                                    note, svc.settings, case_number=case or None, client_addr=request.remote_addr)
    return (f"{len(created)} request{'s' if len(created) != 1 else ''} queued; the owners are emailed "
            "as soon as the mail server takes them.")


def register(app) -> None:
    @app.callback(
        Output("footage-message", "children"),
        Output("footage-requests", "children"),
        Output("footage-mine", "children"),
        Input("footage-send", "n_clicks"),
        Input("footage-close", "n_clicks"),
        Input("footage-refresh", "n_intervals"),
        State("selected-incident", "data"),
        State("footage-cameras", "value"),
        State("footage-start", "value"),
        State("footage-hours", "value"),
        State("footage-case", "value"),
        State("footage-note", "value"),
        State("footage-outcome", "value"),
    )
    def on_footage(send_clicks, close_clicks, _tick, incident_number, cameras, start, hours, case, note, outcome):
        svc = services()
        message = no_update
        if not incident_number:
            return no_update, no_update, no_update
        try:
            if ctx.triggered_id == "footage-send" and send_clicks:
                message = _send(incident_number, cameras, start, hours, case, note)
            elif ctx.triggered_id == "footage-close" and close_clicks:
                closed = footage.close_case(svc.db, user(), incident_number, outcome, svc.settings,
                                            client_addr=request.remote_addr)
                message = f"{closed} request{'s' if closed != 1 else ''} closed; owners who accepted are told."
            rows = footage.list_requests(svc.db, user(), incident=incident_number)
            mine = footage.list_requests(svc.db, user())
        except PermissionDenied:
            return DENIED_MESSAGE, [], []
        except FootageError as exc:
            return str(exc), no_update, no_update
        return message, render_requests(rows), render_requests(mine, mine=True)
