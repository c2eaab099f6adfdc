"""The header's page links, and on the registrations link (admins only: only they are given it)
the count of registrations awaiting moderation, refreshed slowly (callbacks/admin_badge.py)."""

from __future__ import annotations

from dash import dcc, html

REGISTRATIONS_HREF = "/admin/registrations"
PENDING_POLL_MS = 60_000  # a queue that moves in hours: once a minute is plenty


def nav_link(label: str, href: str) -> html.A:
    link_id = f"link-{href.strip('/').replace('/', '-')}"
    if href != REGISTRATIONS_HREF:
        return html.A(label, href=href, id=link_id)
    return html.A(href=href, id=link_id, className="cd-nav-badged", children=[
        label,
        html.Span(id="pending-registrations-badge", className="cd-pending-badge", hidden=True,
                  **{"aria-label": "registrations awaiting moderation"}),
        dcc.Interval(id="pending-registrations-poll", interval=PENDING_POLL_MS),
    ])


def badge_text(count: int) -> str:
    return "99+" if count > 99 else str(count)
