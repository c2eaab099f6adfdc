"""Filters -> the summary chart: matching cameras by division, split by access level.

On the filter inputs only (never the viewport), so panning and zooming cost nothing here."""

from __future__ import annotations

from dash import Input, Output
from dash.exceptions import PreventUpdate

from dashboard.registry.summary import FilterSummary, per_beat_counts, summarize
from layouts.constants import ACCESS_COLOURS
from layouts.main import summary_graph

from .context import require_map_access, services
from .map_view import filter_from, filter_inputs

CHART_HEIGHT = 190
_SHORT = {"NORTH CENTRAL": "N Central", "SOUTH CENTRAL": "S Central", "NORTHEAST": "Northeast",
          "NORTHWEST": "Northwest", "SOUTHEAST": "Southeast", "SOUTHWEST": "Southwest", "CENTRAL": "Central",
          "UNKNOWN": "Unknown"}


def summary_figure(summary: FilterSummary) -> dict:
    """A stacked horizontal bar chart as a plain figure dict (no plotly import needed)."""
    labels = [_SHORT.get(d, d.title()) for d in summary.divisions]
    bars = [
        {"type": "bar", "orientation": "h", "name": "Registered only", "y": labels, "x": list(summary.registered),
         "marker": {"color": ACCESS_COLOURS["registered"]},
         "hovertemplate": "%{y}: %{x:,} registered only<extra></extra>"},
        {"type": "bar", "orientation": "h", "name": "Live", "y": labels, "x": list(summary.live),
         "marker": {"color": ACCESS_COLOURS["live"]},
         "hovertemplate": "%{y}: %{x:,} with live access<extra></extra>"},
    ]
    return {"data": bars, "layout": {
        "template": "plotly_dark", "barmode": "stack", "height": CHART_HEIGHT,
        "margin": {"l": 70, "r": 8, "t": 4, "b": 22}, "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)", "font": {"size": 11, "color": "#e6edf6"},
        "yaxis": {"autorange": "reversed", "fixedrange": True},
        "xaxis": {"fixedrange": True, "gridcolor": "#243650", "tickformat": "~s"},
        "legend": {"orientation": "h", "x": 0, "y": -0.2, "font": {"size": 10}},
        "showlegend": False,
    }}


def register(app) -> None:
    @app.callback(Output("density-layer", "hideout"), *filter_inputs(), Input("ref-loaded", "data"),
                  prevent_initial_call=True)
    def update_density(*filters_then_ready):
        """Matching cameras per beat for the density layer (filters only; not on pan/zoom)."""
        require_map_access()
        svc = services()
        filt = filter_from(filters_then_ready)
        counts = per_beat_counts(svc.registry.get(), filt, svc.filters)
        return {"counts": counts, "max": max(counts.values(), default=1)}

    # the density layer draws the beats: the same fingerprinted file, from the browser's cache
    app.clientside_callback("function (beats) { return beats; }", Output("density-layer", "url"),
                            Input("beat-layer", "url"), prevent_initial_call=True)

    @app.callback(Output("summary-slot", "children"), Input("ref-loaded", "data"), prevent_initial_call=True)
    def mount_summary_chart(ready):
        """Once the first cameras are drawn (`ref-loaded`), put the Graph on the page."""
        if not ready:
            raise PreventUpdate
        return summary_graph()

    # Runs when the Graph appears (its output is new to the page) and on every filter change.
    @app.callback(Output("summary-chart", "figure"), *filter_inputs(), Input("ref-loaded", "data"))
    def update_summary(*filters_then_ready):
        require_map_access()
        svc = services()
        filt = filter_from(filters_then_ready)
        return summary_figure(summarize(svc.registry.get(), filt, svc.filters))
