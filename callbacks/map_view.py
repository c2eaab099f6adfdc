"""Filters + viewport -> the camera layer (clusters or cameras) and the matching count."""

from __future__ import annotations

from dash import Input, Output

from dashboard.mapview import CameraFilter, Viewport, camera_layer

from .context import require_map_access, services

# Fallback before the browser reports the map's real bounds: the city's extent.
CITY_BOUNDS = [[32.61, -97.0], [33.02, -96.55]]


def build_filter(divisions, owner_types, camera_types, access) -> CameraFilter:
    return CameraFilter(
        divisions=tuple(sorted(divisions or ())),
        owner_types=tuple(sorted(owner_types or ())),
        camera_types=tuple(sorted(camera_types or ())),
        access=access if access in ("registered", "live") else None,
    )


def register(app) -> None:
    @app.callback(
        Output("camera-layer", "data"),
        Output("camera-count", "children"),
        Output("division-layer", "hideout"),
        Input("camera-map", "bounds"),
        Input("camera-map", "zoom"),
        Input("division-filter", "value"),
        Input("owner-type-filter", "value"),
        Input("camera-type-filter", "value"),
        Input("access-filter", "value"),
    )
    def update_camera_layer(bounds, zoom, divisions, owner_types, camera_types, access):
        require_map_access()
        svc = services()
        filt = build_filter(divisions, owner_types, camera_types, access)
        viewport = Viewport.from_bounds(bounds or CITY_BOUNDS, zoom if zoom is not None else svc.settings.map_zoom)
        layer = camera_layer(svc.registry.get(), filt, viewport, svc.filters,
                             cell_px=svc.settings.cluster_cell_px, points_max_zoom=svc.settings.points_max_zoom)
        total = layer["meta"]["total"]
        count = f"{total:,}"
        return layer, count, {"selected": list(filt.divisions)}
