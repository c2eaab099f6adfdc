"""Footage requests in #nearest-cameras: choose cameras, a window, send; "My requests" with statuses.

Thin: `dashboard.footage` checks the permission, validates, queues the mail and audits. The
panel is rendered (by callbacks/incidents.render_nearest) only for roles that may send
requests; the server refuses the others anyway.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dash import Input, Output, State, ctx, dcc, html, no_update
from flask import request

from auth import PermissionDenied
from dashboard import footage
from dashboard.footage import FootageError

from .context import services, user

DENIED_MESSAGE = "Your role may not send or track footage requests."
REFRESH_MS = 30_000


def _default_start(incident: dict) -> str:
    """Half an hour before the call came in, in Dallas time, as the input expects."""
    try:
        received = datetime.fromisoformat(incident.get("received_at") or "")
    except ValueError:
        return ""
    if received.tzinfo is None:
        return ""
    return (received - timedelta(minutes=30)).astimezone(footage.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def request_panel(incident: dict, records: list[dict]) -> html.Div:
    """The send form (cameras of the ranking, window, optional case number and message) and
    the slot for "My requests"."""
    options = [{"label": f" #{r['camera_id']} · {r['distance_m']:.0f} m", "value": r["camera_id"]} for r in records]
    return html.Div(className="cd-footage", children=[
        html.H3("Request footage from owners"),
        dcc.Checklist(id="footage-cameras", options=options, value=[], className="cd-footage-cameras"),
        html.Label("Window start (Dallas time, YYYY-MM-DD HH:MM)", htmlFor="footage-start"),
        dcc.Input(id="footage-start", type="text", value=_default_start(incident), debounce=True),
        html.Label("Hours", htmlFor="footage-hours"),
        dcc.Input(id="footage-hours", type="number", value=1, min=0.25, step=0.25),
        html.Label("Case number (optional)", htmlFor="footage-case"),
        dcc.Input(id="footage-case", type="text", placeholder="25-0280079", maxLength=40),
        html.Label("Message to the owners (optional)", htmlFor="footage-note"),
        dcc.Textarea(id="footage-note", maxLength=footage.MESSAGE_MAX),
        html.Button("Request footage", id="footage-send", n_clicks=0),
        html.Div(id="footage-message", role="status"),
        html.H3("Footage requests"),
        html.Div(className="cd-footage-close", children=[
            dcc.RadioItems(id="footage-outcome", value="not_needed", inline=True,
                           options=[{"label": " footage used ", "value": "used"},
                                    {"label": " not needed", "value": "not_needed"}]),
            html.Button("Close case (tell owners)", id="footage-close", n_clicks=0),
        ]),
        html.Div(id="footage-requests"),
        html.H3("My requests"),
        html.Div(id="footage-mine"),
        dcc.Interval(id="footage-refresh", interval=REFRESH_MS),
    ])


def render_requests(rows: list[footage.RequestSummary], mine: bool = False) -> list:
    if not rows:
        return [html.Div("You have no footage requests." if mine else "No footage requests for this incident yet.",
                         className="cd-empty")]
    items = []
    for r in rows:
        extra = []
        if r.uploads:
            extra.append(f"{r.uploads} file{'s' if r.uploads != 1 else ''} received")
        if r.owner_note:
            extra.append(f"owner's note: {r.owner_note}")
        items.append(html.Li(className=f"cd-footage-status {r.status}", children=[
            html.Strong(f"{r.incident_number + ' · ' if mine else ''}Camera #{r.camera_id} ({r.camera_label})"
                        f" · {r.status_label}"),
            html.Div(f"{r.window} · by {r.requested_by or '—'} · request {r.id}", className="cd-incident-meta"),
            *([html.Div(" · ".join(extra), className="cd-incident-meta")] if extra else []),
            *([html.Ul([_file_link(f) for f in r.files], className="cd-footage-files")] if r.files else []),
        ]))
    return [html.Ul(items, className="cd-footage-list")]


def _size(n: int) -> str:
    return f"{n / 1024 ** 2:.1f} MB" if n >= 1024 ** 2 else f"{max(n, 1) / 1024:.0f} KB"


def _file_link(f: footage.UploadView) -> html.Li:
    """A received clip: downloading it is audited and re-checks its SHA-256 (dashboard/footage_files.py)."""
    return html.Li([
        html.A(f.name, href=f"/footage/files/{f.id}", download=f.name, id=f"footage-file-{f.id}",
               title=f"sha256 {f.sha256}") if f.kept else html.Span(f"{f.name} (deleted: case closed as not needed)"),
        html.Span(f" · {_size(f.size_bytes)} · received {f.received_at} · sha256 {f.sha256[:12]}…",
                  className="cd-incident-meta"),
    ])


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
            footage.refresh(svc.db, svc.settings)
            rows = footage.list_requests(svc.db, user(), incident=incident_number)
            mine = footage.list_requests(svc.db, user())
        except PermissionDenied:
            return DENIED_MESSAGE, [], []
        except FootageError as exc:
            return str(exc), no_update, no_update
        return message, render_requests(rows), render_requests(mine, mine=True)
