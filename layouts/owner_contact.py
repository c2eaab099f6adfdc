"""The revealed owner block (#owner-contact) and the timer that removes it. Plain text only:
React escapes it. The contact is duck-typed (dashboard.owners.reveal's result)."""

from __future__ import annotations

import secrets

from dash import dcc, html


def duration(seconds: int) -> str:
    if seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} seconds"


def _row(label: str, value: str | None) -> list:
    return [html.Dt(label), html.Dd(value or "—")]


def render_contact(contact, case_number: str, seconds: int) -> html.Div:
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
                     html.Div(f"Case {case_number} · shown for {duration(seconds)} · this access is logged",
                              className="cd-note"),
                 ]),
        dcc.Interval(id="owner-contact-timer", interval=seconds * 1000, n_intervals=0, max_intervals=1),
    ])
