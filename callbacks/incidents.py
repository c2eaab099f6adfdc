"""Live incidents: an incremental poll into a store, the CAD drawer, and nearest cameras.

The poll sends only what changed since its cursor, as a Patch of the store, and answers
204 (PreventUpdate) when nothing did; the camera layer is never touched by a poll.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote

import dash_leaflet as dl
from dash import ALL, ClientsideFunction, Input, Output, Patch, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from auth import can
from dashboard.incidents.canvass import AUTO_DOCK, DEFAULT_RADIUS_M, RankedCamera, rank_for_incident
from dashboard.incidents.feed import incidents_changed_since
from dashboard.incidents.live_board import STATUS_CHOICES, BoardFilter, alerts, board, is_cleared
from dashboard.models import utcnow
from layouts.constants import PRIORITY_LABELS

from .context import require_map_access, services, user

INITIAL_WINDOW = timedelta(hours=24)
# A CAD transaction can commit after a newer one; re-reading this far behind the cursor (and
# skipping what was already sent) means a late commit is never missed.
OVERLAP = timedelta(seconds=10)
NEAREST_K = 20          # up to 20 cameras on demand
DOCKED = AUTO_DOCK      # the first 4 are docked automatically
NEAREST_RADIUS_M = float(DEFAULT_RADIUS_M)
RADIUS_CHOICES = (50, 100, 150, 250, 500, 1000)
_SLIM_FIELDS = ("id", "incident_number", "nature_of_call", "priority", "status", "received_at", "updated_at",
                "latitude", "longitude", "block", "location", "beat", "division")


def _slim(incident: dict, snapshot=None, cleared_visible: timedelta | None = None) -> dict:
    """What a dashboard keeps of an incident, plus the number of cameras within the search
    radius (computed once, when the change arrives)."""
    out = {k: incident.get(k) for k in _SLIM_FIELDS}
    if snapshot is not None and incident.get("latitude") is not None:
        out["nearby"] = len(snapshot.nearest(incident["latitude"], incident["longitude"], k=100,
                                             radius_m=NEAREST_RADIUS_M))
    if cleared_visible is not None and is_cleared(incident.get("status")) and incident.get("updated_at"):
        # the map (clientside) drops the pin after this moment
        out["hide_after"] = (datetime.fromisoformat(incident["updated_at"]) + cleared_visible).isoformat()
    return out


def _age(received_at: str | None, now: datetime) -> str:
    if not received_at:
        return ""
    try:
        minutes = int((now - datetime.fromisoformat(received_at)).total_seconds() // 60)
    except ValueError:
        return ""
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    return f"{minutes // 60} h {minutes % 60:02d} min ago"


def render_incident_list(store: dict, selected: str | None, now: datetime, filt: BoardFilter | None = None,
                         cleared_visible: timedelta = timedelta(minutes=30)) -> list:
    incidents = board((store or {}).values(), filt or BoardFilter(), now, cleared_visible)
    if not incidents:
        if store:
            return [html.Div("No incident matches these filters.", className="cd-empty")]
        return [html.Div("No incidents from CAD in the last 24 hours.", className="cd-empty")]
    items = []
    for inc in incidents:
        number = inc["incident_number"]
        place = " ".join(p for p in (inc.get("block"), inc.get("location")) if p) or "location not given"
        located = inc.get("latitude") is not None
        items.append(html.Button(
            id={"type": "incident-item", "index": number},
            className=f"cd-incident-item p{inc.get('priority')}" + (" selected" if number == selected else ""),
            n_clicks=0,
            children=[
                html.Strong(f"P{inc.get('priority')} · {inc.get('nature_of_call')}"),
                html.Div(f"{number} · {place}", className="cd-incident-meta"),
                html.Div(" · ".join(x for x in (
                    (inc.get("division") or "").title(), inc.get("status") or "",
                    _age(inc.get("received_at"), now),
                    f"{inc['nearby']} camera{'s' if inc['nearby'] != 1 else ''} within {NEAREST_RADIUS_M:.0f} m"
                    if located and inc.get("nearby") is not None else "",
                    "" if located else "unlocated: not on the map") if x),
                    className="cd-incident-meta"),
            ],
        ))
    return items


def _hours(ranked: RankedCamera) -> str:
    if ranked.overwritten:
        return "overwritten"
    text = f"{ranked.hours_left:.0f} h"
    return f"{text} · urgent" if ranked.urgent else text


def render_nearest(incident: dict, ranked: list[RankedCamera], can_request_footage: bool = False, *,
                   radius_m: float = NEAREST_RADIUS_M, show_all: bool = False) -> list:
    """The canvass list: ranked for investigators (faces the scene, footage about to be
    overwritten, then distance); the first DOCKED are shown, up to NEAREST_K on demand."""
    number = incident["incident_number"]
    title = html.Div(f"{number} · {incident.get('nature_of_call')}", className="cd-note")
    if incident.get("latitude") is None:
        return [title, html.Div("This incident has no location yet, so no cameras can be ranked.",
                                className="cd-empty")]
    if not ranked:
        return [title, html.Div(f"No registered camera within {radius_m:.0f} m. Widen the radius above.",
                                className="cd-empty")]
    shown = ranked if show_all else ranked[:DOCKED]
    rows = [html.Tr(className=("docked" if r.rank <= DOCKED else "") + (" overwritten" if r.overwritten else ""),
                    children=[html.Td(f"#{r.camera_id}"), html.Td(f"{r.distance_m:.0f} m"),
                              html.Td(f"{r.bearing_deg:.0f}°"),
                              html.Td({True: "yes", False: "no", None: "unknown"}[r.faces]),
                              html.Td(_hours(r)), html.Td("live" if r.live_access else "—")])
            for r in shown]
    table = html.Table(className="cd-table", children=[
        html.Thead(html.Tr([html.Th("Camera"), html.Th("Distance"), html.Th("Bearing"), html.Th("Faces"),
                            html.Th("Footage left"), html.Th("Live")])),
        html.Tbody(rows)])
    summary = html.Div(className="cd-note", children=[
        f"{len(shown)} of {len(ranked)} cameras within {radius_m:.0f} m · ",
        html.A("Download canvass CSV", id="canvass-download", download="",
               href=f"/api/v1/incidents/{quote(number, safe='')}/canvass.csv?radius_m={radius_m:g}&k={NEAREST_K}"),
    ])
    records = [r.to_dict() for r in shown]
    if not can_request_footage:
        return [title, table, summary]
    from .footage import request_panel  # the footage request form, for roles that may send requests

    return [title, table, summary, request_panel(incident, records)]


def poll_changes(db, cursor: dict | None, limit: int) -> tuple[list[dict], dict | None]:
    """Incidents the dashboard has not seen yet, and the new cursor.

    The cursor keeps the newest change seen and, for the overlap window behind it, which
    version of each incident was sent, so a re-read sends only what is really new."""
    if cursor:
        newest = datetime.fromisoformat(cursor["since"])
        since, seen = newest - OVERLAP, dict(cursor.get("seen") or {})
    else:
        since, seen = utcnow() - INITIAL_WINDOW, {}
    with db.session() as s:
        rows, _next = incidents_changed_since(s, since, None, limit=limit)
    fresh = [r for r in rows if seen.get(str(r["id"])) != r["updated_at"]]
    if not fresh:
        return [], cursor
    newest_iso = max(r["updated_at"] for r in rows)
    horizon = datetime.fromisoformat(newest_iso) - OVERLAP
    seen.update({str(r["id"]): r["updated_at"] for r in rows})
    seen = {k: v for k, v in seen.items() if datetime.fromisoformat(v) >= horizon}
    return fresh, {"since": newest_iso, "seen": seen}


def render_alert(urgent: list[dict]) -> html.Div:
    first = urgent[0]
    more = f" (+{len(urgent) - 1} more)" if len(urgent) > 1 else ""
    place = " ".join(p for p in (first.get("block"), first.get("location")) if p)
    return html.Div(className=f"cd-alert p{first.get('priority')}", children=[
        html.Strong(f"New P{first.get('priority')} call{more}: "),
        html.Span(f"{first.get('nature_of_call')} · {first.get('incident_number')}" + (f" · {place}" if place else "")),
        html.Button("Dismiss", id="incident-alert-dismiss", n_clicks=0, className="cd-alert-dismiss"),
    ])


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
        svc = services()
        previously_seen = set((cursor or {}).get("seen") or {})
        changed, new_cursor = poll_changes(svc.db, cursor, limit=svc.settings.max_page_size)
        if not changed:
            raise PreventUpdate  # 204: nothing new costs almost nothing
        snapshot = svc.registry.get()
        keep = timedelta(minutes=svc.settings.cleared_visible_minutes)
        patch = Patch()
        for incident in changed:
            patch[incident["incident_number"]] = _slim(incident, snapshot, keep)
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

    @app.callback(
        Output("incident-list", "children"),
        Input("incident-store", "data"),
        Input("selected-incident", "data"),
        Input("incident-division-filter", "value"),
        Input("incident-priority-filter", "value"),
        Input("incident-status-filter", "value"),
        Input("board-clock", "n_intervals"),
    )
    def show_incident_list(store, selected, divisions, priorities, status, _tick):
        require_map_access()
        filt = BoardFilter(tuple(divisions or ()), tuple(int(p) for p in priorities or ()),
                           status if status in STATUS_CHOICES else "all")
        keep = timedelta(minutes=services().settings.cleared_visible_minutes)
        return render_incident_list(store, selected, utcnow(), filt, keep)

    @app.callback(
        Output("incident-alert", "children", allow_duplicate=True),
        Input("incident-alert-dismiss", "n_clicks"),
        prevent_initial_call=True,
    )
    def dismiss_alert(n_clicks):
        if not n_clicks:
            raise PreventUpdate
        return None

    @app.callback(
        Output("selected-incident", "data"),
        Input({"type": "incident-item", "index": ALL}, "n_clicks"),
        Input("incident-layer", "clickData"),
        prevent_initial_call=True,
    )
    def select_incident(_clicks, pin):
        require_map_access()
        trigger = ctx.triggered_id
        if isinstance(trigger, dict) and trigger.get("type") == "incident-item":
            if not any(t["value"] for t in ctx.triggered):
                raise PreventUpdate  # the list re-rendered; nobody clicked
            return trigger["index"]
        if trigger == "incident-layer" and pin:
            return (pin.get("properties") or {}).get("incident_number") or no_update
        raise PreventUpdate

    @app.callback(
        Output("nearest-cameras", "children"),
        Output("camera-map", "viewport", allow_duplicate=True),
        Output("search-radius-layer", "children"),
        Input("selected-incident", "data"),
        Input("nearest-radius", "value"),
        Input("nearest-more", "value"),
        State("incident-store", "data"),
        prevent_initial_call=True,
    )
    def show_nearest(selected, radius, more, store):
        require_map_access()
        incident = (store or {}).get(selected or "")
        if not incident:
            raise PreventUpdate
        radius_m = float(radius) if radius in RADIUS_CHOICES else NEAREST_RADIUS_M
        if incident.get("latitude") is None:
            return render_nearest(incident, []), no_update, []
        lat, lon = incident["latitude"], incident["longitude"]
        ranked = rank_for_incident(services().registry.get(), incident, utcnow(), radius_m=radius_m, k=NEAREST_K)
        flying = ctx.triggered_id == "selected-incident"
        viewport = {"center": [lat, lon], "zoom": 17, "transition": "flyTo"} if flying else no_update
        circle = dl.Circle(center=[lat, lon], radius=radius_m, interactive=False,
                           pathOptions={"color": "#ff9f0a", "weight": 2, "dashArray": "6 4", "fillOpacity": 0.05})
        body = render_nearest(incident, ranked, can(user(), "footage_requests"), radius_m=radius_m,
                              show_all=bool(more))
        return body, viewport, [circle]


__all__ = ["register", "PRIORITY_LABELS"]
