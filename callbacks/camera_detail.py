"""A click on the camera layer: zoom into a cluster, or show the camera's details."""

from __future__ import annotations

from dash import Input, Output, State, dcc, html, no_update

from auth import can
from dashboard.registry.cameras import CameraDetails, camera_details
from layouts.constants import CAMERA_TYPES, OWNER_TYPES

from .context import require_map_access, services

_CAMERA_TYPE = dict(CAMERA_TYPES)
_OWNER_TYPE = dict(OWNER_TYPES)


def _direction(d: CameraDetails) -> str:
    if d.direction_deg is None:
        return "unknown"
    points = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"]
    fov = f", {d.fov_deg:.0f}° field of view" if d.fov_deg is not None else ""
    return f"{d.direction_deg:.0f}° ({points[int((d.direction_deg + 22.5) // 45) % 8]}){fov}"


def reveal_form(camera_id: int) -> html.Div:
    """Case number + reason -> the audited owner reveal (callbacks/owner_contact.py).
    Holds no owner data: #owner-contact appears in the slot only after a successful reveal."""
    return html.Div(className="cd-reveal", children=[
        dcc.Store(id="detail-camera-id", data=camera_id),
        html.Label("Case number", htmlFor="reveal-case"),
        dcc.Input(id="reveal-case", type="text", placeholder="25-0280079", maxLength=10, autoComplete="off",
                  className="cd-search"),
        html.Label("Reason", htmlFor="reveal-reason"),
        dcc.Textarea(id="reveal-reason", maxLength=500, placeholder="Why you need the owner's contact",
                     className="cd-search"),
        html.Button("Show owner contact", id="reveal-button", n_clicks=0),
        html.Div(id="reveal-message", role="alert", className="cd-note"),
        html.Div(id="owner-contact-slot"),
    ])


def render_details(d: CameraDetails, viewer_can_reveal: bool = False) -> list:
    """React escapes every string here: owner-typed labels can never become markup.
    `viewer_can_reveal` only decides whether the reveal form is shown; the reveal service
    checks the permission again on every call."""
    rows = [
        ("Camera #", str(d.camera_id)),
        ("Type", f"{_CAMERA_TYPE.get(d.camera_type, d.camera_type)} · {d.placement}"),
        ("Owner type", _OWNER_TYPE.get(d.owner_type, d.owner_type)),
        ("Facing", _direction(d)),
        ("Range", f"{d.range_m:.0f} m" if d.range_m else "unknown"),
        ("Keeps footage", f"{d.retention_days} days"),
        ("Where", d.block or "—"),
        ("Division / beat", f"{(d.division or '—').title()} / {d.beat or '—'}"),
        ("Registered", d.registered_at.strftime("%Y-%m-%d")),
        ("Verified", "yes" if d.verified else "not yet"),
    ]
    return [
        html.H3(d.label, id="camera-detail-label"),
        html.Span("live access" if d.live_access else "registered only",
                  className="cd-badge live" if d.live_access else "cd-badge"),
        html.Dl([item for k, v in rows for item in (html.Dt(k), html.Dd(v))]),
        reveal_form(d.camera_id) if viewer_can_reveal else
        html.Div("Owner details are shown only to detectives, supervisors and admins, for a stated case "
                 "and reason, and every access is audited.", className="cd-note"),
    ]


def register(app) -> None:
    @app.callback(
        Output("camera-detail", "children"),
        Output("camera-map", "viewport", allow_duplicate=True),
        Input("camera-layer", "clickData"),
        State("camera-map", "zoom"),
        prevent_initial_call=True,
    )
    def on_camera_click(feature, zoom):
        viewer = require_map_access()
        if not feature:
            return no_update, no_update
        props = feature.get("properties") or {}
        lon, lat = (feature.get("geometry") or {}).get("coordinates", [None, None])[:2]
        if props.get("cluster"):
            zoom = services().settings.map_zoom if zoom is None else zoom
            return no_update, {"center": [lat, lon], "zoom": min(int(zoom) + 2, 19), "transition": "flyTo"}
        try:
            camera_id = int(props.get("id"))
        except (TypeError, ValueError):
            return html.Div("That marker is not a camera.", className="cd-empty"), no_update
        with services().db.session() as s:
            details = camera_details(s, camera_id)
        if details is None or details.status != "active":
            return html.Div("This camera is no longer in the registry.", className="cd-empty"), no_update
        return render_details(details, viewer_can_reveal=can(viewer, "reveal_owner")), no_update
