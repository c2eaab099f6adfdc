"""Draw a circle, rectangle or polygon on the map and get the registered cameras inside it,
ranked like an incident's (dashboard.canvass)."""

from __future__ import annotations

from dash import Input, Output, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.incidents.canvass import CanvassInputError, rank_in_shape
from dashboard.models import utcnow

from .context import require_map_access, services

SHOWN = 20


def drawn_shape(feature: dict) -> dict | None:
    """The last drawn Leaflet.draw feature as a canvass shape: a circle arrives as a Point with
    its radius in the properties, a rectangle or polygon as a Polygon."""
    geometry = (feature or {}).get("geometry") or {}
    props = (feature or {}).get("properties") or {}
    if geometry.get("type") == "Point":
        radius = props.get("_radius", props.get("radius"))
        if radius is None:
            return None
        lon, lat = geometry["coordinates"][:2]
        return {"type": "circle", "center": [lat, lon], "radius_m": float(radius)}
    if geometry.get("type") == "Polygon":
        return {"type": "Polygon", "coordinates": geometry["coordinates"]}
    return None


def render_area(ranked, shape: dict) -> list:
    kind = "circle" if shape["type"] == "circle" else "area"
    if not ranked:
        return [html.Div(f"No registered camera inside the drawn {kind}.", className="cd-empty")]
    rows = [html.Tr([html.Td(f"#{r.camera_id}"), html.Td(f"{r.distance_m:.0f} m"),
                     html.Td({True: "yes", False: "no", None: "unknown"}[r.faces]),
                     html.Td("live" if r.live_access else "—")]) for r in ranked[:SHOWN]]
    return [
        html.Div(f"Drawn {kind}: {len(ranked)} camera{'s' if len(ranked) != 1 else ''} inside"
                 + (f", the first {SHOWN} shown" if len(ranked) > SHOWN else "")
                 + " (distance and facing from its centre)", className="cd-note", id="drawn-area-summary"),
        html.Table(className="cd-table", children=[
            html.Thead(html.Tr([html.Th("Camera"), html.Th("From centre"), html.Th("Faces centre"), html.Th("Live")])),
            html.Tbody(rows)]),
    ]


def register(app) -> None:
    @app.callback(
        Output("nearest-cameras", "children", allow_duplicate=True),
        Input("draw-control", "geojson"),
        prevent_initial_call=True,
    )
    def cameras_in_drawn_area(geojson):
        require_map_access()
        features = (geojson or {}).get("features") or []
        if not features:
            raise PreventUpdate
        shape = drawn_shape(features[-1])
        if shape is None:
            return no_update
        now = utcnow()
        try:
            ranked = rank_in_shape(services().registry.get(), shape, now, now)
        except CanvassInputError as exc:
            return [html.Div(str(exc), className="cd-empty")]
        return render_area(ranked, shape)
