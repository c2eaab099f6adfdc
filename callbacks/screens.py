"""Notification settings, saved views and the footage-received notice (layouts/screens.py).
Wall mode, the phone's sheets, copy link and the shortcuts are browser-only (assets/screens.js)."""

from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, no_update

from auth.permissions import PermissionDenied, can
from dashboard import cases
from layouts.screens import footage_notice, prefs_data, render_views

from .context import clicks as count
from .context import items, optional_whole, services, text, texts, user


def register(app) -> None:
    @app.callback(
        Output("notify-message", "children"),
        *[Output("notify-prefs", key) for key in prefs_data([])],
        Input("notify-switches", "value"),
        prevent_initial_call=True,
    )
    def on_switches(values):
        values = texts(values, "Notifications", 40)
        try:
            prefs = cases.set_switches(services().db, user(), values)
        except cases.PreferenceError as exc:
            return str(exc), *[no_update] * 3
        return "Saved.", *prefs_data(prefs.switches()).values()

    @app.callback(
        Output("view-list", "children"),
        Output("view-message", "children"),
        Input("view-save", "n_clicks"),
        Input({"type": "view-delete", "name": ALL}, "n_clicks"),
        State("view-name", "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def on_views(save_clicks, deletes, name, search):
        count(save_clicks)
        deletes = [count(n) for n in items(deletes, "The delete buttons")]
        name, search = text(name, "The view's name", 100), text(search, "The address's query", 4000)
        db, who = services().db, user()
        try:
            if ctx.triggered_id == "view-save":
                prefs = cases.save_view(db, who, name, search or "")
                return render_views(prefs.saved_views), f"Saved '{(name or '').strip()}'."
            if isinstance(ctx.triggered_id, dict) and any(deletes):
                prefs = cases.delete_view(db, who, ctx.triggered_id["name"])
                return render_views(prefs.saved_views), "Deleted."
        except cases.PreferenceError as exc:
            return no_update, str(exc)
        return no_update, no_update

    @app.callback(
        Output("footage-notice", "children"),
        Output("footage-notice", "className"),
        Output("notice-cursor", "data"),
        Input("notice-poll", "n_intervals"),
        State("notice-cursor", "data"),
        State("notify-switches", "value"),
    )
    def on_notice(tick, cursor, switches):
        count(tick, "n_intervals")
        switches = texts(switches, "Notifications", 40)
        cursor = optional_whole(cursor, "The notice cursor")
        who = user()
        if not can(who, "footage_requests") or "footage_notices" not in (switches or []):
            return no_update, no_update, no_update
        try:
            newest, notices = cases.footage_received_since(services().db, who, cursor)
        except PermissionDenied:
            return no_update, no_update, no_update
        if not notices:
            return no_update, no_update, newest
        return footage_notice([n.text for n in notices]), "cd-toast", newest
