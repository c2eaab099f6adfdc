"""Live incidents: an incremental poll into a store, the CAD drawer, and nearest cameras.

The poll sends only what changed since its cursor, as a Patch of the store, and answers
204 (PreventUpdate) when nothing did; the camera layer is never touched by a poll.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dash import ALL, ClientsideFunction, Input, Output, Patch, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from auth import can
from dashboard.incidents import incidents_changed_since
from dashboard.live_board import STATUS_CHOICES, BoardFilter, alerts, board, is_cleared
from dashboard.models import utcnow
from layouts.constants import PRIORITY_LABELS

from .context import require_map_access, services, user

INITIAL_WINDOW = timedelta(hours=24)
# A CAD transaction can commit after a newer one; re-reading this far behind the cursor (and
# skipping what was already sent) means a late commit is never missed.
OVERLAP = timedelta(seconds=10)
NEAREST_K = 10
NEAREST_RADIUS_M = 150.0
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


def render_nearest(incident: dict, records: list[dict], can_request_footage: bool = False) -> list:
    title = html.Div(f"{incident['incident_number']} · {incident.get('nature_of_call')}", className="cd-note")
    if incident.get("latitude") is None:
        return [title, html.Div("This incident has no location yet, so no cameras can be ranked.",
                                className="cd-empty")]
    if not records:
        return [title, html.Div(f"No registered camera within {NEAREST_RADIUS_M:.0f} m.", className="cd-empty")]
    rows = [html.Tr([html.Td(f"#{r['camera_id']}"), html.Td(f"{r['distance_m']:.0f} m"),
                     html.Td(f"{r['bearing_deg']:.0f}°"),
                     html.Td({True: "yes", False: "no", None: "unknown"}[r["faces_point"]])])
            for r in records]
    table = html.Table(className="cd-table", children=[
        html.Thead(html.Tr([html.Th("Camera"), html.Th("Distance"), html.Th("Bearing"), html.Th("Faces")])),
        html.Tbody(rows)])
    if not can_request_footage:
        return [title, table]
    from .footage import request_panel  # the footage request form, for roles that may send requests

    return [title, table, request_panel(incident, records)]


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
        State("incident-cursor", "data"),
    )
    def poll_incidents(_n, cursor):
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
        Input("selected-incident", "data"),
        State("incident-store", "data"),
        prevent_initial_call=True,
    )
    def show_nearest(selected, store):
        require_map_access()
        incident = (store or {}).get(selected or "")
        if not incident:
            raise PreventUpdate
        if incident.get("latitude") is None:
            return render_nearest(incident, []), no_update
        lat, lon = incident["latitude"], incident["longitude"]
        nearest = services().registry.get().nearest(lat, lon, k=NEAREST_K, radius_m=NEAREST_RADIUS_M)
        viewport = {"center": [lat, lon], "zoom": 17, "transition": "flyTo"}
        return render_nearest(incident, nearest.records(), can(user(), "footage_requests")), viewport


__all__ = ["register", "PRIORITY_LABELS"]
