"""Dash callbacks: thin adapters, one module per feature, each exposing register(app).

`serve_layout` is the per-request layout function: it reads the signed-in user and hands
plain values to layouts/, which knows nothing of requests or databases.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request
from flask_login import current_user

from auth.permissions import can
from dashboard import cases as case_services
from dashboard import footage as footage_service
from layouts.cases import case_panel
from layouts.main import MapConfig, Viewer, dashboard, signed_out
from layouts.screens import tool_bar

from . import (
    admin_badge,
    camera_detail,
    cases,
    clear_filters,
    draw_area,
    footage,
    guard,
    incidents,
    live,
    map_view,
    owner_contact,
    ranked,
    screens,
    search,
    summary,
)

# Server-rendered pages linked from the header, each behind its own permission check too.
_PAGES = (("moderate_registrations", ("Registrations", "/admin/registrations")),
          ("read_audit", ("Audit log", "/audit")),
          ("view_analytics", ("Analytics", "/analytics")))


def serve_layout():
    if not current_user or not current_user.is_authenticated:
        return signed_out()
    settings = current_app.config["SETTINGS"]
    cfg = MapConfig(center=settings.map_center, zoom=settings.map_zoom, min_zoom=settings.map_min_zoom,
                    tile_url=settings.tile_url, tile_attribution=settings.tile_attribution,
                    poll_ms=int(settings.poll_interval_seconds * 1000))
    links = tuple(link for action, link in _PAGES if can(current_user, action))
    viewer = Viewer(current_user.full_name, current_user.role, current_user.division, links)
    home = [viewer.division] if viewer.role == "supervisor" and viewer.division else []
    svc = current_app.extensions["connect_dallas"]
    # the cameras only for roles that may see the map (as the layer callback checks), and never by
    # waiting for a first snapshot load (seconds at 1M): without one, the first callback draws
    may_see = can(current_user, "view_map")
    snapshot = svc.registry.get() if may_see and svc.registry.peek() is not None else None
    start = map_view.start_view(_page_query(), home, settings, snapshot, svc.filters)
    return dashboard(viewer, cfg, map_view.reference_urls()["divisions"], start,
                     extras=_screen_panels(svc, settings))


def _screen_panels(svc, settings) -> tuple:
    """The tool bar (alerts, views, wall, help) and, for roles that work cases, the case workspace."""
    prefs = case_services.get_preferences(svc.db, current_user)
    may_work_cases = can(current_user, case_services.PERMISSION)
    bar = tool_bar(prefs.switches(), prefs.saved_views, may_work_cases)
    if not may_work_cases:
        return (bar,)
    return bar, case_panel(case_services.offense_categories(settings), footage_service.MESSAGE_MAX)


def _page_query() -> str:
    """The dashboard page's query string (filters and view), which the layout request carries
    in its Referer (the app sends Referrer-Policy: same-origin). Parsed like any URL input; a
    missing or foreign Referer means the defaults, and the URL callback applies the URL anyway."""
    referrer = urlsplit(request.referrer or "")
    return f"?{referrer.query}" if referrer.query and referrer.netloc == request.host else ""


def register(app) -> None:
    guard.install(app)  # crafted input answers 4xx: the envelope, BadInput, unknown suite files
    for module in (map_view, camera_detail, incidents, owner_contact, summary, footage, draw_area,
                   search, live, cases, screens, ranked, clear_filters, admin_badge):
        module.register(app)
