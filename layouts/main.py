"""The operations dashboard's component tree. Pure: everything it shows comes in as arguments."""

from __future__ import annotations

from dataclasses import dataclass

import dash_leaflet as dl
from dash import dcc, html

from .constants import (
    ACCESS_OPTIONS,
    CAMERA_TYPES,
    DIVISIONS,
    OWNER_COLOURS,
    OWNER_TYPES,
    PLACEMENT_OPTIONS,
    RETENTION_OPTIONS,
    ROLE_LABELS,
)
from .live import live_stores, video_wall_panel, wall_opener

EMPTY_FC = {"type": "FeatureCollection", "features": []}


@dataclass(frozen=True)
class MapConfig:
    center: tuple[float, float]
    zoom: int
    min_zoom: int
    tile_url: str
    tile_attribution: str
    poll_ms: int


@dataclass(frozen=True)
class StartView:
    """What the page shows before its first callback: the filters and the map view of the URL
    (or the role's defaults) and, when the registry is loaded, the camera layer for that view."""
    filters: tuple  # values in callbacks.map_view.FILTER_CONTROLS order
    center: tuple[float, float]
    zoom: float
    cameras: dict | None = None   # the camera layer's GeoJSON; None: the first callback draws it
    count: str = ""
    beat_options: tuple = ()      # only when the URL selects beats (else they come with the reference layers)
    board_divisions: tuple = ()   # the CAD board's division filter: a supervisor's own division


@dataclass(frozen=True)
class Viewer:
    full_name: str
    role: str
    division: str | None
    links: tuple[tuple[str, str], ...] = ()  # (label, href) of the pages this role may open


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
        *[html.A(label, href=href, id=f"link-{href.strip('/').replace('/', '-')}") for label, href in viewer.links],
        # signing out is a POST with the CSRF token (assets/csrf_forms.js): a link could be forged
        html.Form(className="cd-logout", method="post", action="/logout",
                  children=html.Button("Sign out", id="logout-link", type="submit", className="cd-link-button")),
    ])


def filter_panel(start: StartView) -> html.Aside:
    divisions, owner_types, camera_types, access, beats, placements, retention, since, verified = start.filters
    return html.Aside(className="cd-panel cd-filters", **{"aria-label": "Filters"}, children=[
        html.H2("Cameras"),
        dcc.Loading(type="dot", color="#4cc9f0", children=html.Div(start.count, id="camera-count", className="cd-count",
                                                                  **{"aria-live": "polite"})),
        html.Div("match the filters (active registrations)", className="cd-count-sub"),
        summary_chart(),
        html.H2(html.Label("Search", htmlFor="search-box")),
        dcc.Input(id="search-box", type="search", placeholder="Address or camera #", debounce=True,
                  className="cd-search"),
        html.Div(id="search-result", className="cd-note"),
        html.H2("Division"),
        dcc.Checklist(id="division-filter", options=[{"label": d.title(), "value": d} for d in DIVISIONS],
                      value=list(divisions)),
        html.H2("Owner type"),
        dcc.Checklist(id="owner-type-filter", options=[{"label": lbl, "value": v} for v, lbl in OWNER_TYPES],
                      value=list(owner_types)),
        html.H2("Camera type"),
        dcc.Checklist(id="camera-type-filter", options=[{"label": lbl, "value": v} for v, lbl in CAMERA_TYPES],
                      value=list(camera_types)),
        html.H2("Access"),
        dcc.RadioItems(id="access-filter", options=[{"label": lbl, "value": v} for v, lbl in ACCESS_OPTIONS],
                       value=access),
        html.H2(html.Label("Beat", htmlFor="beat-filter")),
        # options arrive with the reference layers (callbacks/map_view.py): the beats of the display layer
        dcc.Dropdown(id="beat-filter", options=list(start.beat_options), value=list(beats), multi=True, searchable=True,
                     placeholder="Any beat", className="cd-dropdown"),
        html.H2("Placement"),
        dcc.Checklist(id="placement-filter", options=[{"label": lbl, "value": v} for v, lbl in PLACEMENT_OPTIONS],
                      value=list(placements)),
        html.H2(html.Label("Keeps footage at least", htmlFor="retention-filter")),
        dcc.Dropdown(id="retention-filter", options=[{"label": lbl, "value": v} for v, lbl in RETENTION_OPTIONS],
                     value=retention, clearable=False, searchable=False, className="cd-dropdown"),
        html.H2(html.Label("Registered since", htmlFor="registered-since-filter")),
        dcc.DatePickerSingle(id="registered-since-filter", date=since, clearable=True, display_format="YYYY-MM-DD",
                             placeholder="Any date", className="cd-date"),
        html.H2("Verification"),
        dcc.Checklist(id="verified-filter", options=[{"label": "Verified cameras only", "value": "verified"}],
                      value=list(verified)),
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
        html.Div(className="cd-legend-cone", children=[
            html.Span(className="cd-cone-swatch"),
            "Field of view (at street zoom, cameras with a known direction; about 25 m, not to scale of range)",
        ]),
        html.Div(["Clusters: number of cameras in that part of the map (blue < 100, orange < 1,000, red more). "
                  "Incident pins: red P1, orange P2, yellow P3, blue P4. Camera density layer: beats shaded by "
                  "the cameras matching the filters. Dashed orange circle: the selected incident's search radius."]),
    ])


def summary_graph() -> dcc.Graph:
    """The chart itself. It is inserted into `summary-slot` only after the first cameras are on
    the map: mounting a Graph loads Plotly's multi-megabyte bundle, which must not delay them."""
    return dcc.Graph(id="summary-chart", config={"displayModeBar": False, "responsive": True},
                     figure={"data": [], "layout": {"template": "plotly_dark", "height": 190,
                                                    "paper_bgcolor": "rgba(0,0,0,0)",
                                                    "plot_bgcolor": "rgba(0,0,0,0)"}},
                     style={"height": "190px"})


def summary_chart() -> html.Div:
    """Matching cameras by division and access; the figure comes from callbacks/summary.py."""
    return html.Div(className="cd-summary", children=[
        html.H2("By division"),
        html.Div(id="summary-slot", style={"minHeight": "190px"}),
    ])


def camera_map(cfg: MapConfig, divisions_url: str, start: StartView) -> html.Div:
    """The map with a layer control. The cameras of the start view come with the page, so the
    first markers need no callback round trip. The reference layers are fingerprinted static
    files the browser caches (dashboard/geo/static_layers.py): the divisions' URL comes with the
    page; beats, TAAGs and city limits get theirs once the first cameras are drawn
    (callbacks/map_view.py, load_reference_layers)."""
    selected_divisions = list(start.filters[0])
    base = []
    if cfg.tile_url:
        base = [
            dl.BaseLayer(dl.TileLayer(url=cfg.tile_url, attribution=cfg.tile_attribution, id="base-tiles"),
                         name="Street map", checked=True),
            dl.BaseLayer(dl.LayerGroup(id="no-base-tiles"), name="No base map", checked=False),
        ]
    overlays = [
        dl.Overlay(dl.GeoJSON(id="city-layer", interactive=False, style=_js("cityStyle")),
                   name="City limits", checked=True, id="city-overlay"),
        dl.Overlay(dl.GeoJSON(id="division-layer", url=divisions_url, interactive=False,
                              style=_js("divisionStyle"), hideout={"selected": selected_divisions}),
                   name="Division boundaries", checked=True, id="division-overlay"),
        dl.Overlay(dl.GeoJSON(id="beat-layer", style=_js("beatStyle"), interactive=False,
                              onEachFeature=_js("beatTooltip")),
                   name="Beats (numbers)", checked=False, id="beat-overlay"),
        dl.Overlay(dl.GeoJSON(id="density-layer", style=_js("densityStyle"), interactive=False,
                              hideout={"counts": {}, "max": 1}),
                   name="Camera density (per beat)", checked=False, id="density-overlay"),
        dl.Overlay(dl.GeoJSON(id="taag-layer", style=_js("taagStyle"),
                              onEachFeature=_js("taagTooltip")),
                   name="Targeted Area Action Grids", checked=False, id="taag-overlay"),
        dl.Overlay(dl.GeoJSON(id="camera-layer", data=start.cameras or EMPTY_FC, pointToLayer=_js("cameraToLayer")),
                   name="Cameras", checked=True, id="camera-overlay"),
        dl.Overlay(dl.GeoJSON(id="incident-layer", data=EMPTY_FC, pointToLayer=_js("incidentToLayer")),
                   name="Incidents (CAD)", checked=True, id="incident-overlay"),
    ]
    # `overlays` names the ticked ones; assets/map.js (layers.syncOverlays) copies it back to each
    # Overlay's `checked`, so a layer whose data changes stays hidden when the user has hidden it.
    layers = [
        dl.LayersControl(id="layers-control", position="topright", collapsed=True, sortLayers=True,
                         overlays=[o.name for o in overlays if o.checked], children=[*base, *overlays]),
        dl.ScaleControl(position="bottomleft", imperial=True),
        dl.LayerGroup(id="search-radius-layer"),  # the selected incident's search radius
        # draw a circle, rectangle or polygon: the cameras inside are ranked (callbacks/draw_area.py)
        dl.FeatureGroup([dl.EditControl(
            id="draw-control", position="topleft",
            draw={"polyline": False, "marker": False, "circlemarker": False,
                  "polygon": {"allowIntersection": False}, "rectangle": True, "circle": True},
            edit={"edit": False})]),
    ]
    return html.Div(className="cd-map-wrap", children=[
        dl.Map(id="camera-map", center=list(start.center), zoom=start.zoom, minZoom=cfg.min_zoom, maxZoom=19,
               preferCanvas=True, children=layers, style={"height": "100%", "width": "100%"}),
    ])


def side_panel(start: StartView | None = None) -> html.Aside:
    board_divisions = list(start.board_divisions) if start is not None else []
    return html.Aside(className="cd-panel cd-side", **{"aria-label": "Incidents and camera details"}, children=[
        html.Div(className="cd-board-head", children=[
            html.H2("Live incidents (CAD)"),
            # "42 calls, 17 open": drawn in the browser from the store (assets/board.js, count)
            html.Span(id="incident-count", className="cd-board-count", **{"aria-live": "polite"}),
        ]),
        html.Div(id="incident-alert", role="alert", **{"aria-live": "assertive"}),
        html.Div(className="cd-board-filters", children=[
            dcc.Dropdown(id="incident-division-filter", multi=True, placeholder="All divisions",
                         value=board_divisions,
                         options=[{"label": d.title(), "value": d} for d in DIVISIONS], className="cd-dropdown"),
            dcc.Checklist(id="incident-priority-filter", inline=True, value=[],
                          options=[{"label": f"P{p}", "value": p} for p in (1, 2, 3, 4)]),
            # open calls by default; "All" adds the cleared ones (kept for a while, then gone)
            dcc.RadioItems(id="incident-status-filter", inline=True, value="open",
                           options=[{"label": "Open calls", "value": "open"}, {"label": "All", "value": "all"}]),
        ]),
        html.Div(id="incident-list", children=html.Div("Waiting for CAD…", className="cd-empty")),
        wall_opener(),
        html.H2("Nearest cameras"),
        html.Div(className="cd-board-filters", children=[
            dcc.Dropdown(id="nearest-radius", clearable=False, value=150, className="cd-dropdown",
                         options=[{"label": f"Search radius {r} m", "value": r} for r in (50, 100, 150, 250, 500, 1000)]),
            dcc.Checklist(id="nearest-more", value=[], options=[{"label": "Show up to 20 (4 docked)", "value": "more"}]),
        ]),
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


def dashboard(viewer: Viewer, cfg: MapConfig, divisions_url: str, start: StartView,
              extras: tuple = ()) -> html.Div:
    """`extras`: feature panels placed after the header (the tool bar, the case workspace)."""
    return html.Div(className="cd-app", id="cd-app", children=[
        header(viewer),
        *extras,
        html.Main(className="cd-body", children=[
            filter_panel(start),
            camera_map(cfg, divisions_url, start),
            side_panel(start),
        ]),
        video_wall_panel(),
        dcc.Location(id="url", refresh=False),
        dcc.Interval(id="poll", interval=cfg.poll_ms),
        dcc.Interval(id="board-clock", interval=30_000),  # ages and clearing in the CAD drawer
        dcc.Store(id="incident-store", data={}),
        dcc.Store(id="ref-loaded", data=False),  # set once the first cameras are on the map
        dcc.Store(id="incident-cursor", data=None),
        dcc.Store(id="selected-incident", data=None),
        *live_stores(renew_check_ms=5_000),
        dcc.Store(id="selected-incident-record", data=None),  # its record, changed only when it changes
    ])


def signed_out() -> html.Div:
    """What the layout function returns outside a signed-in request (never served: the gate
    refuses /_dash-layout to anonymous callers; Dash may call the layout once to validate)."""
    return html.Div(id="signed-out", children="Sign in required.")
