"""The operations dashboard's component tree. Pure: everything it shows comes in as arguments."""

from __future__ import annotations

from dataclasses import dataclass

import dash_leaflet as dl
from dash import dcc, html

from .constants import ACCESS_OPTIONS, CAMERA_TYPES, DIVISIONS, OWNER_COLOURS, OWNER_TYPES, ROLE_LABELS


@dataclass(frozen=True)
class MapConfig:
    center: tuple[float, float]
    zoom: int
    min_zoom: int
    tile_url: str
    tile_attribution: str
    poll_ms: int


@dataclass(frozen=True)
class Viewer:
    full_name: str
    role: str
    division: str | None


def _js(name: str) -> dict:
    """A dash-leaflet functional prop: a function defined in assets/map.js."""
    return {"variable": f"connectDallas.map.{name}"}


def header(viewer: Viewer) -> html.Header:
    where = f" · {viewer.division.title()}" if viewer.division else ""
    return html.Header(className="cd-header", children=[
        html.Div(className="cd-brand", children=["CONNECT DALLAS ", html.Span("Ops")]),
        html.Div(className="cd-spacer"),
        html.Div(className="cd-user", id="current-user", children=[
            viewer.full_name + where,
            html.Span(ROLE_LABELS.get(viewer.role, viewer.role), className="cd-role", id="current-role"),
        ]),
        html.A("Sign out", href="/logout", id="logout-link"),
    ])


def filter_panel(initial_divisions: list[str]) -> html.Aside:
    return html.Aside(className="cd-panel cd-filters", **{"aria-label": "Filters"}, children=[
        html.H2("Cameras"),
        dcc.Loading(type="dot", color="#4cc9f0", children=html.Div(id="camera-count", className="cd-count",
                                                                  **{"aria-live": "polite"})),
        html.Div("match the filters (active registrations)", className="cd-count-sub"),
        html.H2(html.Label("Search", htmlFor="search-box")),
        dcc.Input(id="search-box", type="search", placeholder="Address or camera #", debounce=True,
                  className="cd-search"),
        html.Div(id="search-result", className="cd-note"),
        html.H2("Division"),
        dcc.Checklist(id="division-filter", options=[{"label": d.title(), "value": d} for d in DIVISIONS],
                      value=initial_divisions),
        html.H2("Owner type"),
        dcc.Checklist(id="owner-type-filter", options=[{"label": lbl, "value": v} for v, lbl in OWNER_TYPES],
                      value=[]),
        html.H2("Camera type"),
        dcc.Checklist(id="camera-type-filter", options=[{"label": lbl, "value": v} for v, lbl in CAMERA_TYPES],
                      value=[]),
        html.H2("Access"),
        dcc.RadioItems(id="access-filter", options=[{"label": lbl, "value": v} for v, lbl in ACCESS_OPTIONS],
                       value="all"),
        html.Div(className="cd-note", children="No box ticked means every value. Registering never gives "
                                               "police live video; only owners with an integration device "
                                               "share a live view."),
    ])


def legend() -> html.Div:
    items = []
    for (_, label), colour in zip(OWNER_TYPES, OWNER_COLOURS, strict=True):
        items += [html.I(style={"background": colour}), label]
    return html.Div(className="cd-legend", children=[
        *items, html.I(style={"background": "transparent", "border": "2px solid #00f5d4"}), "live access",
    ])


def camera_map(cfg: MapConfig, divisions_geojson: dict, selected_divisions: list[str]) -> html.Div:
    layers = []
    if cfg.tile_url:
        layers.append(dl.TileLayer(url=cfg.tile_url, attribution=cfg.tile_attribution, id="base-tiles"))
    layers += [
        dl.GeoJSON(id="division-layer", data=divisions_geojson, interactive=False,
                   style=_js("divisionStyle"), hideout={"selected": selected_divisions}),
        dl.GeoJSON(id="camera-layer", data={"type": "FeatureCollection", "features": []},
                   pointToLayer=_js("cameraToLayer")),
        dl.GeoJSON(id="incident-layer", data={"type": "FeatureCollection", "features": []},
                   pointToLayer=_js("incidentToLayer")),
        dl.ScaleControl(position="bottomleft", imperial=True),
    ]
    return html.Div(className="cd-map-wrap", children=[
        dl.Map(id="camera-map", center=list(cfg.center), zoom=cfg.zoom, minZoom=cfg.min_zoom, maxZoom=19,
               preferCanvas=True, children=layers, style={"height": "100%", "width": "100%"}),
    ])


def side_panel() -> html.Aside:
    return html.Aside(className="cd-panel cd-side", **{"aria-label": "Incidents and camera details"}, children=[
        html.H2("Live incidents (CAD)"),
        html.Div(id="incident-alert", role="status"),
        html.Div(id="incident-list", children=html.Div("Waiting for CAD…", className="cd-empty")),
        html.H2("Nearest cameras"),
        dcc.Loading(type="dot", color="#4cc9f0", children=html.Div(
            id="nearest-cameras", children=html.Div("Select an incident to rank the cameras around it.",
                                                    className="cd-empty"))),
        html.H2("Camera"),
        dcc.Loading(type="dot", color="#4cc9f0", children=html.Div(
            id="camera-detail", className="cd-detail",
            children=html.Div("Click a camera on the map to see its details.", className="cd-empty"))),
        html.H2("Legend"),
        legend(),
    ])


def dashboard(viewer: Viewer, cfg: MapConfig, divisions_geojson: dict) -> html.Div:
    initial = [viewer.division] if viewer.role == "supervisor" and viewer.division else []
    return html.Div(className="cd-app", children=[
        header(viewer),
        html.Main(className="cd-body", children=[
            filter_panel(initial),
            camera_map(cfg, divisions_geojson, initial),
            side_panel(),
        ]),
        dcc.Interval(id="poll", interval=cfg.poll_ms),
        dcc.Store(id="incident-store", data={}),
        dcc.Store(id="incident-cursor", data=None),
        dcc.Store(id="selected-incident", data=None),
    ])


def signed_out() -> html.Div:
    """What the layout function returns outside a signed-in request (never served: the gate
    refuses /_dash-layout to anonymous callers; Dash may call the layout once to validate)."""
    return html.Div(id="signed-out", children="Sign in required.")
