"""Dash callbacks: thin adapters, one module per feature, each exposing register(app).

`serve_layout` is the per-request layout function: it reads the signed-in user and hands
plain values to layouts/, which knows nothing of requests or databases.
"""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from auth import can
from dashboard.geo import DallasGeography
from layouts.main import MapConfig, Viewer, dashboard, signed_out

from . import camera_detail, draw_area, footage, incidents, map_view, owner_contact, search, summary

# Server-rendered pages linked from the header, each behind its own permission check too.
_PAGES = (("moderate_registrations", ("Registrations", "/admin/registrations")),
          ("read_audit", ("Audit log", "/audit")))


def serve_layout():
    if not current_user or not current_user.is_authenticated:
        return signed_out()
    settings = current_app.config["SETTINGS"]
    cfg = MapConfig(center=settings.map_center, zoom=settings.map_zoom, min_zoom=settings.map_min_zoom,
                    tile_url=settings.tile_url, tile_attribution=settings.tile_attribution,
                    poll_ms=int(settings.poll_interval_seconds * 1000))
    links = tuple(link for action, link in _PAGES if can(current_user, action))
    viewer = Viewer(current_user.full_name, current_user.role, current_user.division, links)
    return dashboard(viewer, cfg, DallasGeography.display_layer("dpd_divisions_display"))


def register(app) -> None:
    for module in (map_view, camera_detail, incidents, owner_contact, summary, footage, draw_area,
                   search):
        module.register(app)
