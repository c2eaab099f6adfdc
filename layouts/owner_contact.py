"""The owner-reveal form (case number, offense category, reason), the revealed owner block
(#owner-contact) and the timer that removes it. Plain text only: React escapes it. The contact
is duck-typed (dashboard.owners.reveal's result); the categories come in as (key, label) pairs."""

from __future__ import annotations

import secrets

from dash import dcc, html


def duration(seconds: int) -> str:
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} seconds"


def reveal_form(camera_id: int, categories=()) -> html.Div:
    """Case number + offense category + reason -> the audited owner reveal
    (callbacks/owner_contact.py). Holds no owner data: #owner-contact appears in the slot only
    after a successful reveal."""
    return html.Div(className="cd-reveal", children=[
        dcc.Store(id="detail-camera-id", data=camera_id),
        html.Label("Case number", htmlFor="reveal-case"),
        dcc.Input(id="reveal-case", type="text", placeholder="25-0280079", maxLength=10, autoComplete="off",
                  className="cd-search"),
        html.Label("Offense category", htmlFor="reveal-category"),
        dcc.Dropdown(id="reveal-category", options=[{"label": label, "value": key} for key, label in categories],
                     clearable=False, searchable=False, placeholder="Choose the offense category",
                     className="cd-dropdown"),
        html.Label("Reason", htmlFor="reveal-reason"),
        dcc.Textarea(id="reveal-reason", maxLength=500, placeholder="Why you need the owner's contact",
                     className="cd-search"),
        html.Button("Show owner contact", id="reveal-button", n_clicks=0),
        html.Div(id="reveal-message", role="alert", className="cd-note"),
        html.Div(id="owner-contact-slot"),
    ])


def _row(label: str, value: str | None) -> list:
    return [html.Dt(label), html.Dd(value or "—")]


def render_contact(contact, case_number: str, seconds: int, category_label: str | None = None) -> html.Div:
    """The `key` is new on every reveal so React mounts a fresh Interval (a fresh countdown)
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
                     html.Div(f"Case {case_number}{' · ' + category_label if category_label else ''} · shown "
                              f"for {duration(seconds)} · this access is logged",
                              className="cd-note"),
                 ]),
        dcc.Interval(id="owner-contact-timer", interval=seconds * 1000, n_intervals=0, max_intervals=1),
    ])
