"""Footage requests in #nearest-cameras: choose cameras, a window, send; "My requests" with statuses.

Thin: `dashboard.footage` checks the permission, validates, queues the mail and audits. The
panel is rendered (layouts/footage.py, inside the canvass) only for roles that may send
requests; the server refuses the others anyway.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dash import Input, Output, State, ctx, no_update
from flask import request

from auth.permissions import PermissionDenied, can
from dashboard import footage
from dashboard.footage import FootageError
from dashboard.footage.common import PERMISSION, require_footage
from layouts.footage import FootageForm, render_requests

from .context import BadInput, clicks, items, number, services, text, user, whole

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
    # the permission first (a refusal is audited), then the values it protects
    require_footage(svc.db, user(), incident_number, case, request.remote_addr, "send")
    cameras = [whole(c, "Camera id", 1) for c in items(cameras, "Cameras")]
    case, note = text(case, "Case number", 40), text(note, "Message", footage.MESSAGE_MAX * 2)
    try:
        window_start = footage.parse_local(text(start, "Start", 40))
        hours_value = number(hours, "Hours", 0, 24 * 366)
    except (TypeError, ValueError, BadInput) as exc:
        return str(exc) if isinstance(exc, FootageError) else "Hours: a number, e.g. 1 or 1.5."
    window_end = window_start + timedelta(hours=hours_value)
    created = footage.send_requests(svc.db, user(), incident_number, cameras, window_start, window_end,
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
        if not can(user(), PERMISSION):
            # refused before any value is parsed: a crafted send or close is audited as a refusal
            action = {"footage-send": "send", "footage-close": "close"}.get(str(ctx.triggered_id))
            if not action:
                return (DENIED_MESSAGE, [], []) if incident_number else (no_update, no_update, no_update)
            try:
                require_footage(svc.db, user(), incident_number, case, request.remote_addr, action)
            except PermissionDenied:
                pass
            return DENIED_MESSAGE, [], []
        send_clicks, close_clicks = clicks(send_clicks), clicks(close_clicks)
        incident_number = text(incident_number, "Incident number", 40)
        outcome = text(outcome, "Outcome", 40)
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
