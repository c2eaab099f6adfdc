"""A click on the camera layer: zoom into a cluster, or show the camera's details."""

from __future__ import annotations

from dash import Input, Output, State, no_update

from auth.permissions import can
from dashboard.registry.cameras import camera_details
from dashboard.transparency.options import category_choices
from layouts.camera_detail import message, render_details

from .context import BadInput, mapping, number, optional_number, require_map_access, services, whole
from .live import live_controls


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
        feature = mapping(feature, "clickData")
        zoom = optional_number(zoom, "Zoom", 0, 30)
        if not feature:
            return no_update, no_update
        props = mapping(feature.get("properties"), "clickData.properties")
        if props.get("cluster"):
            coordinates = mapping(feature.get("geometry"), "clickData.geometry").get("coordinates")
            if not isinstance(coordinates, list) or len(coordinates) < 2:
                raise BadInput("A cluster must have a position.")
            lon, lat = number(coordinates[0], "Longitude", -180, 180), number(coordinates[1], "Latitude", -90, 90)
            zoom = services().settings.map_zoom if zoom is None else zoom
            return no_update, {"center": [lat, lon], "zoom": min(int(zoom) + 2, 19), "transition": "flyTo"}
        try:
            camera_id = whole(props.get("id"), "Camera id", 1)
        except BadInput:
            return message("That marker is not a camera."), no_update
        return camera_panel(viewer, camera_id)[0], no_update


def camera_panel(viewer, camera_id: int):
    """#camera-detail for one camera, and its details (None when it is not an active camera):
    also what a ranked row opens (callbacks/ranked.py)."""
    with services().db.session() as s:
        details = camera_details(s, camera_id)
    if details is None or details.status != "active":
        return message("This camera is no longer in the registry."), None
    may_reveal = can(viewer, "reveal_owner")
    return render_details(details, viewer_can_reveal=may_reveal, live=live_controls(viewer, details),
                          categories=category_choices(services().settings) if may_reveal else ()), details
