"""Draw a circle, rectangle or polygon on the map and get the registered cameras inside it,
ranked like an incident's (dashboard.incidents.canvass)."""

from __future__ import annotations

from dash import Input, Output, no_update
from dash.exceptions import PreventUpdate

from dashboard.incidents.canvass import CanvassInputError, rank_in_shape
from dashboard.models import utcnow
from layouts.draw_area import SHOWN, area_error, render_area
from layouts.ranked import ranked_geojson

from .context import BadInput, items, mapping, number, require_map_access, services


def drawn_shape(feature: dict) -> dict | None:
    """The last drawn Leaflet.draw feature as a canvass shape: a circle arrives as a Point with
    its radius in the properties, a rectangle or polygon as a Polygon."""
    feature = mapping(feature, "The drawn shape")
    geometry = mapping(feature.get("geometry"), "The drawn shape's geometry")
    props = mapping(feature.get("properties"), "The drawn shape's properties")
    if geometry.get("type") == "Point":
        radius = props.get("_radius", props.get("radius"))
        if radius is None:
            return None
        point = items(geometry.get("coordinates"), "The circle's centre")
        if len(point) < 2:
            raise BadInput("The circle's centre must be a position.")
        lon, lat = number(point[0], "Longitude", -180, 180), number(point[1], "Latitude", -90, 90)
        return {"type": "circle", "center": [lat, lon], "radius_m": number(radius, "Radius", 0, 1e7)}
    if geometry.get("type") == "Polygon":
        return {"type": "Polygon", "coordinates": geometry["coordinates"]}
    return None


def register(app) -> None:
    @app.callback(
        Output("nearest-cameras", "children", allow_duplicate=True),
        Output("ranked-layer", "data", allow_duplicate=True),  # the rows' numbers on the map
        Input("draw-control", "geojson"),
        prevent_initial_call=True,
    )
    def cameras_in_drawn_area(geojson):
        require_map_access()
        features = items(mapping(geojson, "The drawn shapes").get("features"), "The drawn shapes")
        if not features:
            raise PreventUpdate
        shape = drawn_shape(features[-1])
        if shape is None:
            return no_update, no_update
        now = utcnow()
        try:
            ranked = rank_in_shape(services().registry.get(), shape, now, now)
        except CanvassInputError as exc:
            return area_error(str(exc)), ranked_geojson([])
        return render_area(ranked, shape), ranked_geojson(ranked[:SHOWN])
