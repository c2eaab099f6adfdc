"""The owner reveal in #camera-detail: case number + reason -> #owner-contact, for a while.

The callback is a thin adapter over `dashboard.owners.reveal_owner_contact`, which checks the
permission and writes the audit event; nothing here decides who may see what. Owner data is
only ever put into `owner-contact-slot`, and only from a successful reveal.
"""

from __future__ import annotations

from dash import Input, Output, State, no_update
from flask import request

from auth.permissions import PermissionDenied
from dashboard.owners.reveal import RevealError, reveal_owner_contact
from layouts.owner_contact import render_contact

from .context import clicks, services, text, user

DENIED_MESSAGE = "Your role may not see owner details."


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
        if not clicks(n_clicks):
            return no_update, no_update
        # typed text is length-checked by the service (after the permission); here only the type
        case_number, reason = text(case_number, "Case number"), text(reason, "Reason")
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
        if not clicks(n_intervals):
            return no_update
        return []  # #owner-contact (and its timer) leave the DOM
