"""Live incidents: an incremental poll into a store, the CAD drawer, and nearest cameras.

The poll takes only the cursor, sends only what changed since it, as a Patch of the store, and
answers 204 (PreventUpdate) when nothing did; the camera layer is never touched by a poll. The
list is drawn in the browser from the store (assets/board.js), and the nearest cameras are
recomputed only when the selected incident itself changes (`selected-incident-record`).
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta
from threading import Lock

import dash_leaflet as dl
from dash import ALL, ClientsideFunction, Input, Output, Patch, State, ctx, no_update
from dash.exceptions import PreventUpdate

from auth.permissions import can
from dashboard.incidents.canvass import AUTO_DOCK, DEFAULT_RADIUS_M, rank_for_incident
from dashboard.incidents.feed import incidents_by_id, versions_since
from dashboard.incidents.live_board import alerts, is_cleared
from dashboard.models import utcnow
from layouts.incidents import NEAREST_K, incident_texts, render_alert, render_nearest
from layouts.ranked import ranked_geojson

from .context import (
    BadInput,
    flag,
    mapping,
    optional_number,
    require_map_access,
    services,
    text,
    user,
    whole,
)
from .footage import footage_form

INITIAL_WINDOW = timedelta(hours=24)
# A CAD transaction can commit after a newer one; re-reading this far behind the cursor (and
# skipping what was already sent) means a late commit is never missed.
OVERLAP = timedelta(seconds=10)
DOCKED = AUTO_DOCK      # the first 4 are docked automatically
NEAREST_RADIUS_M = float(DEFAULT_RADIUS_M)
RADIUS_CHOICES = (50, 100, 150, 250, 500, 1000)
_SLIM_FIELDS = ("id", "incident_number", "nature_of_call", "priority", "status", "received_at", "updated_at",
                "latitude", "longitude", "block", "location", "beat", "division")


def _slim(incident: dict, snapshot=None, cleared_visible: timedelta | None = None) -> dict:
    """What a dashboard keeps of an incident: its fields, the number of cameras within the
    search radius, whether it is cleared and when its pin goes, and the list row's texts."""
    out = {k: incident.get(k) for k in _SLIM_FIELDS}
    if snapshot is not None and incident.get("latitude") is not None:
        out["nearby"] = len(snapshot.nearest(incident["latitude"], incident["longitude"], k=100,
                                             radius_m=NEAREST_RADIUS_M))
    out["cleared"] = is_cleared(incident.get("status"))
    if cleared_visible is not None and out["cleared"] and incident.get("updated_at"):
        # the list and the map (clientside) drop the call after this moment
        out["hide_after"] = (datetime.fromisoformat(incident["updated_at"]) + cleared_visible).isoformat()
    out.update(incident_texts(out, NEAREST_RADIUS_M))
    return out


def _moment(value, name: str) -> str | None:
    """An ISO timestamp as the store and the cursor keep them (None for nothing)."""
    value = text(value, name, 40)
    if value is None:
        return None
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{name} must be a date and time.") from None
    return value


def parse_cursor(value) -> dict | None:
    """The poll's cursor as this module wrote it: {"since": iso, "seen": {id: iso}}, or None."""
    cursor = mapping(value, "The poll cursor")
    if not cursor:
        return None
    since = _moment(cursor.get("since"), "The poll cursor")
    if since is None:
        raise BadInput("The poll cursor must say since when.")
    seen = mapping(cursor.get("seen"), "The poll cursor")
    return {"since": since, "seen": {text(k, "An incident id", 20): _moment(v, "The poll cursor") or ""
                                     for k, v in seen.items()}}


_TEXT_FIELDS = ("incident_number", "nature_of_call", "status", "block", "location", "beat", "division")
_TIME_FIELDS = ("received_at", "updated_at", "hide_after")


def parse_incident(value) -> dict | None:
    """One slim incident as the poll wrote it (the selected one's record), field by field; None for nothing."""
    incident = mapping(value, "An incident")
    if not incident:
        return None
    for name in _TEXT_FIELDS:
        text(incident.get(name), f"The incident's {name}", 200)
    if not incident.get("incident_number"):
        raise BadInput("An incident has a number.")
    for name in _TIME_FIELDS:
        _moment(incident.get(name), f"The incident's {name}")
    if incident.get("id") is not None:
        whole(incident["id"], "The incident's id")
    whole(incident.get("priority") or 0, "The incident's priority", 0, 99)
    whole(incident.get("nearby") or 0, "The incident's camera count")
    lat = optional_number(incident.get("latitude"), "The incident's latitude", -90, 90)
    lon = optional_number(incident.get("longitude"), "The incident's longitude", -180, 180)
    if (lat is None) != (lon is None):
        raise BadInput("An incident has both a latitude and a longitude, or neither.")
    return incident


def parse_store(value) -> dict[str, dict]:
    """The incident store as the poll wrote it (incident number -> slim incident), field by field."""
    return {number: parse_incident(incident) or {}
            for number, incident in mapping(value, "The incident store").items()}


class _SlimCache:
    """Every dashboard's poll brings the same new incidents: compute each version once per
    process (keyed by incident version and snapshot), not once per dashboard."""

    def __init__(self, size: int = 4096):
        self._items: OrderedDict = OrderedDict()
        self._size = size
        self._lock = Lock()

    def get(self, incident: dict, snapshot, cleared_visible: timedelta) -> dict:
        key = (incident["id"], incident["updated_at"], id(snapshot), cleared_visible)
        with self._lock:
            hit = self._items.get(key)
        if hit is None:
            hit = _slim(incident, snapshot, cleared_visible)
            with self._lock:
                self._items[key] = hit
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
        return hit


_SLIM_CACHE = _SlimCache()


def poll_changes(db, cursor: dict | None, limit: int) -> tuple[list[dict], dict | None]:
    """Incidents the dashboard has not seen yet, and the new cursor.

    The cursor keeps the newest change seen and, for the overlap window behind it, which
    version of each incident was sent, so a re-read sends only what is really new. The re-read
    takes only ids and versions; whole incidents are loaded for the new ones alone."""
    if cursor:
        newest = datetime.fromisoformat(cursor["since"])
        since, seen = newest - OVERLAP, dict(cursor.get("seen") or {})
    else:
        since, seen = utcnow() - INITIAL_WINDOW, {}
    with db.session() as s:
        versions = versions_since(s, since, limit=limit)
        fresh_ids = [i for i, updated in versions if seen.get(str(i)) != updated]
        fresh = incidents_by_id(s, fresh_ids)
    if not fresh:
        return [], cursor
    newest_iso = max(updated for _, updated in versions)
    horizon = datetime.fromisoformat(newest_iso) - OVERLAP
    seen.update({str(i): updated for i, updated in versions})
    seen = {k: v for k, v in seen.items() if datetime.fromisoformat(v) >= horizon}
    return fresh, {"since": newest_iso, "seen": seen}


def register(app) -> None:
    @app.callback(
        Output("incident-store", "data"),
        Output("incident-cursor", "data"),
        Output("incident-alert", "children"),
        Input("poll", "n_intervals"),
        Input("ref-loaded", "data"),  # the first load waits for the first cameras to be drawn
        State("incident-cursor", "data"),
        prevent_initial_call=True,
    )
    def poll_incidents(_n, _ready, cursor):
        require_map_access()
        cursor = parse_cursor(cursor)
        svc = services()
        previously_seen = set((cursor or {}).get("seen") or {})
        changed, new_cursor = poll_changes(svc.db, cursor, limit=svc.settings.max_page_size)
        if not changed:
            raise PreventUpdate  # 204: nothing new costs almost nothing
        snapshot = svc.registry.get()
        keep = timedelta(minutes=svc.settings.cleared_visible_minutes)
        patch = Patch()
        for incident in changed:
            patch[incident["incident_number"]] = _SLIM_CACHE.get(incident, snapshot, keep)
        # the first load of a dashboard is history, not news: no alert for it
        urgent = alerts(changed, previously_seen, utcnow()) if cursor else []
        return patch, new_cursor, render_alert(urgent) if urgent else no_update

    app.clientside_callback(
        ClientsideFunction(namespace="incidents", function_name="toGeojson"),
        Output("incident-layer", "data"),
        Input("incident-store", "data"),
        Input("selected-incident", "data"),
        Input("board-clock", "n_intervals"),
    )

    app.clientside_callback(
        ClientsideFunction(namespace="board", function_name="list"),
        Output("incident-list", "children"),
        Input("incident-store", "data"),
        Input("selected-incident", "data"),
        Input("incident-division-filter", "value"),
        Input("incident-priority-filter", "value"),
        Input("incident-status-filter", "value"),
        Input("board-clock", "n_intervals"),
    )

    app.clientside_callback(
        ClientsideFunction(namespace="board", function_name="count"),
        Output("incident-count", "children"),
        Input("incident-store", "data"),
        Input("incident-division-filter", "value"),
        Input("incident-priority-filter", "value"),
        Input("board-clock", "n_intervals"),
    )

    @app.callback(
        Output("incident-alert", "children", allow_duplicate=True),
        Input("incident-alert-dismiss", "n_clicks"),
        prevent_initial_call=True,
    )
    def dismiss_alert(n_clicks):
        if not n_clicks:
            raise PreventUpdate
        return None

    # clientside: a list re-drawn by a poll changes the buttons' n_clicks inputs, and that must
    # not cost every dashboard a request
    app.clientside_callback(
        ClientsideFunction(namespace="board", function_name="select"),
        Output("selected-incident", "data"),
        Input({"type": "incident-item", "index": ALL}, "n_clicks"),
        Input("incident-layer", "clickData"),
        prevent_initial_call=True,
    )

    app.clientside_callback(
        ClientsideFunction(namespace="board", function_name="selectedRecord"),
        Output("selected-incident-record", "data"),
        Input("selected-incident", "data"),
        Input("incident-store", "data"),
        State("selected-incident-record", "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("nearest-cameras", "children"),
        Output("camera-map", "viewport", allow_duplicate=True),
        Output("search-radius-layer", "children"),
        Output("ranked-layer", "data"),  # the rows' numbers on the map (layouts/ranked.py)
        Input("selected-incident-record", "data"),
        Input("selected-incident", "data"),
        Input("nearest-radius", "value"),
        Input("nearest-more", "value"),
        prevent_initial_call=True,
    )
    def show_nearest(incident, selected, radius, more):
        require_map_access()
        selected, more = text(selected, "The selected incident", 40), flag(more, "Show all")
        incident = parse_incident(incident)
        if not incident or incident["incident_number"] != selected:
            raise PreventUpdate
        radius_m = float(radius) if radius in RADIUS_CHOICES else NEAREST_RADIUS_M
        if incident.get("latitude") is None:
            return render_nearest(incident, [], radius_m=radius_m, docked=DOCKED), no_update, [], ranked_geojson([])
        lat, lon = incident["latitude"], incident["longitude"]
        ranked = rank_for_incident(services().registry.get(), incident, utcnow(), radius_m=radius_m, k=NEAREST_K)
        flying = "selected-incident.data" in ctx.triggered_prop_ids  # a new selection, not an update
        viewport = {"center": [lat, lon], "zoom": 17, "transition": "flyTo"} if flying else no_update
        circle = dl.Circle(center=[lat, lon], radius=radius_m, interactive=False,
                           pathOptions={"color": "#ff9f0a", "weight": 2, "dashArray": "6 4", "fillOpacity": 0.05})
        form = footage_form(incident) if can(user(), "footage_requests") else None
        body = render_nearest(incident, ranked, form, radius_m=radius_m, docked=DOCKED, show_all=bool(more))
        return body, viewport, [circle], ranked_geojson(ranked if more else ranked[:DOCKED])

