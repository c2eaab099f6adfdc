"""Empty results that say so, with a "Clear filters" button: the map's filters matching no
camera (#filters-empty, over the map), the CAD drawer's filters hiding every call, a search with
no match. The buttons share one id type; callbacks/clear_filters.py resets what each scope filters."""

from __future__ import annotations

from dash import html

SCOPES = ("map", "incidents", "search")


def clear_button(scope: str) -> html.Button:
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    return html.Button("Clear filters", id={"type": "clear-filters", "scope": scope}, n_clicks=0,
                       className="cd-clear-filters", type="button")


def map_empty_notice() -> html.Div:
    """Over the map, shown while the filters match no camera (assets/empty_state.js reads #camera-count)."""
    return html.Div(id="filters-empty", className="cd-map-empty", hidden=True, role="status", children=[
        html.Span("No camera matches these filters."), clear_button("map")])
