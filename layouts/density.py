"""The camera-density layer's colour classes and its legend (cameras per km² of each beat).

Pure: the class limits come in as numbers (dashboard.registry.summary.density_breaks); the
same colours go to the map's style function (assets/map.js densityStyle, via the layer's hideout)."""

from __future__ import annotations

from dash import html

# light to dark on the dark map: few cameras per km² -> many
DENSITY_COLOURS = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")


def _fmt(value: float) -> str:
    return f"{value:g}" if value < 1000 else f"{value:,.0f}"


def class_labels(breaks: list[float]) -> list[str]:
    """'< 1.1', '1.1–1.3', ..., '≥ 1.7' for the classes the breaks make (len(breaks) + 1)."""
    if not breaks:
        return []
    labels = [f"< {_fmt(breaks[0])}"]
    labels += [f"{_fmt(lo)}–{_fmt(hi)}" for lo, hi in zip(breaks, breaks[1:], strict=False)]
    labels.append(f"≥ {_fmt(breaks[-1])}")
    return labels


def colours_for(breaks: list[float]) -> list[str]:
    """One colour per class, spread over the palette when there are fewer classes than colours."""
    n = len(breaks) + 1
    if n >= len(DENSITY_COLOURS):
        return list(DENSITY_COLOURS)
    step = (len(DENSITY_COLOURS) - 1) / max(n - 1, 1)
    return [DENSITY_COLOURS[round(i * step)] for i in range(n)]


def legend_items(breaks: list[float], colours: list[str]) -> list:
    """The legend's body: a title, one swatch per class, and beats without a camera."""
    title = html.Div("Cameras per km² (beat)", className="cd-density-title")
    if not breaks and not colours:
        return [title, html.Div("No camera matches the filters.", className="cd-density-none")]
    rows = [html.Div(className="cd-density-row", children=[
        html.I(className="cd-density-swatch", style={"background": colour}), html.Span(label)])
        for colour, label in zip(colours, class_labels(breaks) or ["any"], strict=False)]
    rows.append(html.Div(className="cd-density-row", children=[
        html.I(className="cd-density-swatch cd-density-empty"), html.Span("no camera")]))
    return [title, *rows]


def density_legend() -> html.Div:
    """On the map, shown while the density layer is ticked (assets/density.js toggles `hidden`)."""
    return html.Div(id="density-legend", className="cd-density-legend", hidden=True,
                    **{"aria-label": "Camera density legend"},
                    children=legend_items([], []))
