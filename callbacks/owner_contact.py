"""The owner reveal in #camera-detail: case number + reason -> #owner-contact, for a while.

The callback is a thin adapter over `dashboard.owners.reveal_owner_contact`, which checks the
permission and writes the audit event; nothing here decides who may see what. Owner data is
only ever put into `owner-contact-slot`, and only from a successful reveal.
"""

from __future__ import annotations

import secrets

from dash import Input, Output, State, dcc, html, no_update
from flask import request

from auth import PermissionDenied
from dashboard.owners.reveal import RevealError, reveal_owner_contact

from .context import services, user

# How long a revealed owner block stays on screen. TODO: wire to the setting
# `security.owner_reveal_seconds` in dashboard/config.py.
REVEAL_SECONDS = 120  # default; the running app uses security.owner_reveal_seconds

DENIED_MESSAGE = "Your role may not see owner details."


def _duration(seconds: int) -> str:
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} seconds"


def _row(label: str, value: str | None) -> list:
    return [html.Dt(label), html.Dd(value or "—")]


def render_contact(contact, case_number: str, seconds: int = REVEAL_SECONDS) -> html.Div:
    """The owner block plus the timer that removes it. Plain text only: React escapes it.

    The `key` is new on every reveal so React mounts a fresh Interval (a fresh countdown)
    even when a block is already on screen."""
    return html.Div(key=secrets.token_hex(8), children=[
        html.Div(id="owner-contact", className="cd-owner", role="region",
                 **{"aria-label": "Owner contact"}, children=[
                     html.Dl([
                         *_row("Owner", contact.name),
                         *_row("Contact person", contact.contact_person),
                         *_row("Phone", contact.phone),
                         *_row("Email", contact.email),
                         *_row("Address", contact.address),
                     ]),
                     html.Div(f"Case {case_number} · shown for {_duration(seconds)} · this access is logged",
                              className="cd-note"),
                 ]),
        dcc.Interval(id="owner-contact-timer", interval=seconds * 1000, n_intervals=0, max_intervals=1),
    ])


def register(app) -> None:
    @app.callback(
        Output("owner-contact-slot", "children"),
        Output("reveal-message", "children"),
        Input("reveal-button", "n_clicks"),
        State("reveal-case", "value"),
        State("reveal-reason", "value"),
        State("detail-camera-id", "data"),
        prevent_initial_call=True,
    )
    def on_reveal(n_clicks, case_number, reason, camera_id):
        if not n_clicks:
            return no_update, no_update
        try:
            contact = reveal_owner_contact(services().db, user(), camera_id, case_number, reason,
                                           request.remote_addr)
        except PermissionDenied:
            return [], DENIED_MESSAGE
        except RevealError as exc:
            return [], str(exc)
        return render_contact(contact, case_number.strip(), services().settings.owner_reveal_seconds), ""

    @app.callback(
        Output("owner-contact-slot", "children", allow_duplicate=True),
        Input("owner-contact-timer", "n_intervals"),
        prevent_initial_call=True,
    )
    def on_reveal_expired(n_intervals):
        if not n_intervals:
            return no_update
        return []  # #owner-contact (and its timer) leave the DOM
