"""A ranked camera opened from #nearest-cameras: a click on its row, or on its numbered marker
(layouts/ranked.py), shows it in #camera-detail and centres the map on it."""

from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from .camera_detail import camera_panel
from .context import BadInput, clicks, mapping, optional_number, require_map_access, whole

OPEN_ZOOM = 18  # at least street zoom: the camera's cone and its neighbours are drawn


def chosen_camera(trigger, triggered: list[dict], marker) -> int:
    """The camera id a row click or a marker click names; PreventUpdate when nobody clicked
    (the list re-rendered), BadInput for a crafted one."""
    if isinstance(trigger, dict):
        if trigger.get("type") != "ranked-row":
            raise BadInput("That is not a ranked camera.")
        if not any(clicks(t["value"]) for t in triggered):
            raise PreventUpdate
        return whole(trigger.get("index"), "Camera id", 1)
    if trigger == "ranked-layer":
        feature = mapping(marker, "clickData")
        if not feature:
            raise PreventUpdate
        return whole(mapping(feature.get("properties"), "clickData.properties").get("camera_id"), "Camera id", 1)
    raise PreventUpdate


def register(app) -> None:
    @app.callback(
        Output("camera-detail", "children", allow_duplicate=True),
        Output("camera-map", "viewport", allow_duplicate=True),
        Input({"type": "ranked-row", "index": ALL}, "n_clicks"),
        Input("ranked-layer", "clickData"),
        State("camera-map", "zoom"),
        prevent_initial_call=True,
    )
    def open_ranked_camera(_clicks, marker, zoom):
        viewer = require_map_access()
        camera_id = chosen_camera(ctx.triggered_id, ctx.triggered, marker)
        zoom = optional_number(zoom, "Zoom", 0, 30) or 0
        panel, details = camera_panel(viewer, camera_id)
        if details is None:
            return panel, no_update
        return panel, {"center": [details.latitude, details.longitude], "zoom": max(int(zoom), OPEN_ZOOM),
                       "transition": "flyTo"}
