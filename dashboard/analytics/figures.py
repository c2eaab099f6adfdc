"""Plotly figures of the analytics report, dark like the dashboard, as JSON-ready dicts (the page
embeds them as JSON and plotly.js, served by this app, draws them: no CDN). No Flask, no Dash.

The recruitment map needs no tiles: the beats' outlines (the city's own display layer) are drawn
as lines on plain longitude/latitude axes, and each target beat is a marker sized by its calls
without a camera nearby and coloured by its registered cameras.
"""

from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go
import shapely
from shapely.geometry import shape

from dashboard.geo.geography import DallasGeography

BG, PANEL, LINE, TEXT, MUTED, ACCENT, WARN, OK, DANGER = ("#0b1320", "#111c2e", "#243650", "#e6edf6", "#93a4bd",
                                                         "#4cc9f0", "#ff9f0a", "#34c759", "#ff3b30")
MAP_TARGETS = 25  # target beats drawn on the map (the table and the CSV list every beat)
STEP_LABELS = {"requested": "Requested", "sent": "Sent", "opened": "Opened", "accepted": "Accepted",
               "footage_received": "Footage received"}


def _layout(fig: go.Figure, title: str, height: int = 320, **more) -> dict:
    fig.update_layout(template="plotly_dark", title={"text": title, "x": 0, "font": {"size": 14}}, height=height,
                      paper_bgcolor=PANEL, plot_bgcolor=PANEL, font={"color": TEXT, "size": 12},
                      margin={"l": 48, "r": 16, "t": 40, "b": 40},
                      legend={"orientation": "h", "y": -0.18}, **more)
    fig.update_xaxes(gridcolor=LINE, zerolinecolor=LINE)
    fig.update_yaxes(gridcolor=LINE, zerolinecolor=LINE)
    return json.loads(fig.to_json())  # numpy -> plain JSON types


def coverage_bars(table: pd.DataFrame, by: str, title: str) -> dict:
    """Share of P1/P2 calls with a camera within 150 m, and with one facing the scene."""
    fig = go.Figure([
        go.Bar(name="camera within 150 m", x=table[by], y=table["covered_share"], marker_color=ACCENT,
               customdata=table[["covered", "calls"]], hovertemplate="%{x}: %{y:.0%} (%{customdata[0]} of "
                                                                    "%{customdata[1]} calls)<extra></extra>"),
        go.Bar(name="camera facing the scene", x=table[by], y=table["faced_share"], marker_color=OK,
               customdata=table[["faced", "calls"]], hovertemplate="%{x}: %{y:.0%} (%{customdata[0]} of "
                                                                  "%{customdata[1]} calls)<extra></extra>"),
    ])
    return _layout(fig, title, barmode="group", yaxis={"tickformat": ".0%", "range": [0, 1]})


def coverage_trend(table: pd.DataFrame) -> dict:
    fig = go.Figure([
        go.Scatter(name="camera within 150 m", x=table["month"], y=table["covered_share"], mode="lines+markers",
                   line={"color": ACCENT}),
        go.Scatter(name="camera facing the scene", x=table["month"], y=table["faced_share"], mode="lines+markers",
                   line={"color": OK}),
    ])
    return _layout(fig, "Coverage of P1/P2 calls by month", yaxis={"tickformat": ".0%", "range": [0, 1]},
                   xaxis={"type": "category"})


@lru_cache(maxsize=1)
def _beat_shapes() -> tuple[tuple[list, list], dict[str, tuple[float, float]]]:
    """All beat outlines as one line trace (None between rings), and each beat's inner point."""
    layer = DallasGeography.display_layer("dpd_beats_display")
    xs: list = []
    ys: list = []
    centres: dict[str, tuple[float, float]] = {}
    for feature in layer["features"]:
        geom = shape(feature["geometry"])
        for poly in getattr(geom, "geoms", [geom]):
            x, y = poly.exterior.coords.xy
            xs += [*x, None]
            ys += [*y, None]
        point = shapely.point_on_surface(geom)
        centres[str(feature["properties"]["beat"])] = (point.x, point.y)
    return (xs, ys), centres


def recruitment_map(targets: pd.DataFrame) -> dict:
    (xs, ys), centres = _beat_shapes()
    top = targets[targets["uncovered_calls"] > 0].head(MAP_TARGETS)
    top = top[top["beat"].isin(centres)]
    lon = [centres[b][0] for b in top["beat"]]
    lat = [centres[b][1] for b in top["beat"]]
    biggest = max(int(top["uncovered_calls"].max()), 1) if len(top) else 1
    fig = go.Figure([
        go.Scatter(x=xs, y=ys, mode="lines", line={"color": LINE, "width": 1}, hoverinfo="skip", showlegend=False),
        go.Scatter(x=lon, y=lat, mode="markers+text", text=top["beat"], textposition="top center",
                   textfont={"color": MUTED, "size": 10}, showlegend=False,
                   customdata=top[["division", "calls", "uncovered_calls", "cameras"]],
                   marker={"size": [10 + 30 * v / biggest for v in top["uncovered_calls"]], "color": top["cameras"],
                           "colorscale": [[0, DANGER], [0.5, WARN], [1, OK]], "showscale": True,
                           "colorbar": {"title": {"text": "cameras"}}, "line": {"color": TEXT, "width": 1}},
                   hovertemplate="Beat %{text} (%{customdata[0]})<br>%{customdata[1]} P1/P2 calls, "
                                 "%{customdata[2]} without a camera nearby<br>%{customdata[3]} cameras"
                                 "<extra></extra>"),
    ])
    return _layout(fig, f"Recruitment targets: the {len(top)} beats with the most P1/P2 calls without a camera",
                   height=520, xaxis={"visible": False}, yaxis={"visible": False, "scaleanchor": "x",
                                                                 "scaleratio": 1.19})


def funnel_figure(table: pd.DataFrame) -> dict:
    fig = go.Figure(go.Funnel(y=[STEP_LABELS.get(s, s) for s in table["step"]], x=table["requests"],
                              textinfo="value+percent initial", marker={"color": ACCENT}))
    return _layout(fig, "Footage requests: how far they got")


def acceptance_figure(table: pd.DataFrame) -> dict:
    fig = go.Figure(go.Bar(x=table["owner_type"], y=table["acceptance"], marker_color=OK,
                           customdata=table[["accepted", "requests"]],
                           hovertemplate="%{x}: %{y:.0%} (%{customdata[0]} of %{customdata[1]})<extra></extra>"))
    return _layout(fig, "Acceptance by owner type", yaxis={"tickformat": ".0%", "range": [0, 1]})


def growth_figure(table: pd.DataFrame) -> dict:
    fig = go.Figure([
        go.Bar(name="registered", x=table["month"], y=table["registered"], marker_color=ACCENT),
        go.Bar(name="withdrawn or inactive", x=table["month"], y=-table["withdrawn"], marker_color=DANGER,
               customdata=table["withdrawn"], hovertemplate="%{x}: %{customdata} left<extra></extra>"),
        go.Scatter(name="active at month end", x=table["month"], y=table["active_at_month_end"], yaxis="y2",
                   mode="lines", line={"color": WARN}),
    ])
    return _layout(fig, "Registry growth and withdrawals", barmode="relative", xaxis={"type": "category"},
                   yaxis2={"overlaying": "y", "side": "right", "showgrid": False})


def access_figure(table: pd.DataFrame) -> dict:
    fig = go.Figure([go.Bar(name=label, x=table["username"], y=table[column], marker_color=colour)
                     for column, label, colour in (("reveals", "owner reveals", ACCENT),
                                                   ("exports", "canvass exports", WARN),
                                                   ("live_views", "live views", OK))])
    return _layout(fig, "Accesses per user", barmode="stack")


def report_figures(report) -> dict[str, dict]:
    """Every figure of the page, by the id of the element that draws it."""
    return {
        "fig-coverage-division": coverage_bars(report.by_division, "division", "Coverage of P1/P2 calls by division"),
        "fig-coverage-month": coverage_trend(report.by_month),
        "fig-recruitment-map": recruitment_map(report.targets),
        "fig-funnel": funnel_figure(report.funnel),
        "fig-acceptance": acceptance_figure(report.acceptance),
        "fig-growth": growth_figure(report.growth),
        "fig-access": access_figure(report.access),
    }
