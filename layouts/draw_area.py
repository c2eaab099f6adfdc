"""The cameras inside a shape drawn on the map (ranked like an incident's canvass)."""

from __future__ import annotations

from dash import html

SHOWN = 20
FACES = {True: "yes", False: "no", None: "unknown"}


def render_area(ranked, shape: dict) -> list:
    kind = "circle" if shape["type"] == "circle" else "area"
    if not ranked:
        return [html.Div(f"No registered camera inside the drawn {kind}.", className="cd-empty")]
    # numbered as on the map (layouts/ranked.py) and opened by a click, like an incident's ranked rows
    rows = [html.Tr([html.Td(f"#{r.camera_id}", **{"data-rank": str(r.rank)}), html.Td(f"{r.distance_m:.0f} m"),
                     html.Td(FACES[r.faces]), html.Td("live" if r.live_access else "—")],
                    id={"type": "ranked-row", "index": r.camera_id}, n_clicks=0, tabIndex="0", className="cd-ranked-row",
                    title=f"Open camera #{r.camera_id}") for r in ranked[:SHOWN]]
    return [
        html.Div(f"Drawn {kind}: {len(ranked)} camera{'s' if len(ranked) != 1 else ''} inside"
                 + (f", the first {SHOWN} shown" if len(ranked) > SHOWN else "")
                 + " (distance and facing from its centre)", className="cd-note", id="drawn-area-summary"),
        html.Table(className="cd-table", children=[
            html.Thead(html.Tr([html.Th("Camera"), html.Th("From centre"), html.Th("Faces centre"), html.Th("Live")])),
            html.Tbody(rows)]),
    ]


def area_error(text: str) -> list:
    return [html.Div(text, className="cd-empty")]
