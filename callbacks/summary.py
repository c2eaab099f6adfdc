"""Filters -> the summary chart: matching cameras by division, split by access level.

On the filter inputs only (never the viewport), so panning and zooming cost nothing here."""

from __future__ import annotations

from dash import Input, Output, State
from dash.exceptions import PreventUpdate

from dashboard.registry.summary import (
    FilterSummary,
    density_breaks,
    per_beat_counts,
    per_beat_density,
    summarize,
)
from layouts.constants import ACCESS_COLOURS
from layouts.density import colours_for, legend_items
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


def density_hideout(counts: dict[str, int]) -> tuple[dict, list]:
    """Per-beat counts -> the density layer's hideout (cameras per km², the class limits and their
    colours, read by assets/map.js densityStyle) and the legend drawn from the same classes."""
    density = per_beat_density(counts)
    breaks = density_breaks(density)
    colours = colours_for(breaks) if density else []
    hideout = {"counts": counts, "max": max(counts.values(), default=1), "density": density, "breaks": breaks,
               "colours": colours}
    return hideout, legend_items(breaks, colours)


def register(app) -> None:
    @app.callback(Output("density-layer", "hideout"), Output("density-legend", "children"),
                  *filter_inputs(), Input("ref-loaded", "data"), prevent_initial_call=True)
    def update_density(*filters_then_ready):
        """Matching cameras per km² of each beat for the density layer, and its legend (filters
        only; not on pan/zoom)."""
        require_map_access()
        svc = services()
        filt = filter_from(filters_then_ready)
        return density_hideout(per_beat_counts(svc.registry.get(), filt, svc.filters))

    # the density layer draws the beats: the same fingerprinted file, from the browser's cache
    app.clientside_callback("function (beats) { return beats; }", Output("density-layer", "url"),
                            Input("beat-layer", "url"), prevent_initial_call=True)

    # the legend is on the map while the density layer is ticked in the layer control
    app.clientside_callback("function (ticked, name) { return (ticked || []).indexOf(name) < 0; }",
                            Output("density-legend", "hidden"), Input("layers-control", "overlays"),
                            State("density-overlay", "name"))

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
