"""The address search box (#search-box): a street address or "#123" -> fly the map to the site.

Only places are searched, never owners (see dashboard/search.py). Every hit is shown by its
hundred-block label; Dash renders text as text, so nothing typed can become markup.
"""

from __future__ import annotations

from dash import ALL, Input, Output, ctx, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.registry.search import SearchQueryError, SiteHit, search_sites, site_hit

from .context import require_map_access, services

HIT_ZOOM = 18
MAX_HITS = 8


def fly_to(hit: SiteHit) -> dict:
    return {"center": [hit.latitude, hit.longitude], "zoom": HIT_ZOOM, "transition": "flyTo"}


def _describe(hit: SiteHit) -> str:
    cameras = f"{hit.cameras} camera{'s' if hit.cameras != 1 else ''}"
    division = f" · {hit.division.title()}" if hit.division else ""
    return f"{hit.label} · {cameras}{division}"


def render_hits(query: str, hits: list[SiteHit]) -> list:
    if not hits:
        return [html.Div(f"No registered camera site matches “{query.strip()[:100]}”.", className="cd-empty",
                         id="search-empty")]
    first, rest = hits[0], hits[1:]
    children = [html.Div(["Showing ", html.Strong(_describe(first))], id="search-first", role="status")]
    if rest:
        children.append(html.Div(f"{len(hits)} sites match; pick one:" if len(hits) < MAX_HITS
                                 else f"The first {MAX_HITS} matching sites; pick one:"))
        children.append(html.Ul(className="cd-search-hits", children=[
            html.Li(html.Button(_describe(h), id={"type": "search-hit", "index": h.site_id}, n_clicks=0,
                                className="cd-link"))
            for h in hits]))
    return children


def register(app) -> None:
    @app.callback(
        Output("search-result", "children"),
        Output("camera-map", "viewport", allow_duplicate=True),
        Input("search-box", "value"),
        prevent_initial_call=True,
    )
    def on_search(query):
        require_map_access()
        if not (query or "").strip():
            return [], no_update
        try:
            with services().db.session() as s:
                hits = search_sites(s, query, limit=MAX_HITS)
        except SearchQueryError as exc:
            return [html.Div(str(exc), className="cd-empty", id="search-message")], no_update
        return render_hits(query, hits), (fly_to(hits[0]) if hits else no_update)

    @app.callback(
        Output("camera-map", "viewport", allow_duplicate=True),
        Input({"type": "search-hit", "index": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def on_hit_click(_clicks):
        require_map_access()
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not any(t["value"] for t in ctx.triggered):
            raise PreventUpdate  # the list re-rendered; nobody clicked
        with services().db.session() as s:
            hit = site_hit(s, int(trigger["index"]))
        return fly_to(hit) if hit else no_update
