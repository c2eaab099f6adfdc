"""The owner reveal in #camera-detail: case number + offense category + reason -> #owner-contact,
for a while.

The callback is a thin adapter over `dashboard.owners.reveal_owner_contact`, which checks the
permission and writes the audit event; nothing here decides who may see what. Owner data is
only ever put into `owner-contact-slot`, and only from a successful reveal.
"""

from __future__ import annotations

from dash import Input, Output, State, no_update
from flask import request

from auth.permissions import PermissionDenied
from dashboard.owners.reveal import RevealError, reveal_owner_contact
from dashboard.transparency.i18n import category_label
from dashboard.transparency.options import options_from
from dashboard.vocabulary import category_key
from layouts.owner_contact import render_contact

from .context import clicks, services, text, user

DENIED_MESSAGE = "Your role may not see owner details."


def register(app) -> None:
    @app.callback(
        Output("owner-contact-slot", "children"),
        Output("reveal-message", "children"),
        Input("reveal-button", "n_clicks"),
        State("reveal-case", "value"),
        State("reveal-category", "value"),
        State("reveal-reason", "value"),
        State("detail-camera-id", "data"),
        prevent_initial_call=True,
    )
    def on_reveal(n_clicks, case_number, category, reason, camera_id):
        if not clicks(n_clicks):
            return no_update, no_update
        # typed text is length-checked by the service (after the permission); here only the type
        case_number, reason = text(case_number, "Case number"), text(reason, "Reason")
        category = text(category, "Offense category", 60)
        svc = services()
        try:
            contact = reveal_owner_contact(svc.db, user(), camera_id, case_number, reason, request.remote_addr,
                                           category=category,
                                           categories=options_from(svc.settings).offense_categories)
        except PermissionDenied:
            return [], DENIED_MESSAGE
        except RevealError as exc:
            return [], str(exc)
        return render_contact(contact, case_number.strip(), svc.settings.owner_reveal_seconds,
                              category_label("en", category_key(category))), ""

    @app.callback(
        Output("owner-contact-slot", "children", allow_duplicate=True),
        Input("owner-contact-timer", "n_intervals"),
        prevent_initial_call=True,
    )
    def on_reveal_expired(n_intervals):
        if not clicks(n_intervals):
            return no_update
        return []  # #owner-contact (and its timer) leave the DOM
