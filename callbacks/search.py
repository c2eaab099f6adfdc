"""The address search box (#search-box): a street address or "#123" -> fly the map to the site.

Only places are searched, never owners (see dashboard/registry/search.py).
"""

from __future__ import annotations

from dash import ALL, Input, Output, ctx, no_update
from dash.exceptions import PreventUpdate

from auth.permissions import can
from dashboard.registry.search import SearchQueryError, SiteHit, search_sites, site_hit
from layouts.search import MAX_HITS, render_hits, search_message

from .context import BadInput, clicks, require_map_access, services, text, whole

HIT_ZOOM = 18


def fly_to(hit: SiteHit) -> dict:
    return {"center": [hit.latitude, hit.longitude], "zoom": HIT_ZOOM, "transition": "flyTo"}


def register(app) -> None:
    @app.callback(
        Output("search-result", "children"),
        Output("camera-map", "viewport", allow_duplicate=True),
        Input("search-box", "value"),
        prevent_initial_call=True,
    )
    def on_search(query):
        viewer = require_map_access()
        query = text(query, "The search")
        if not (query or "").strip():
            return [], no_update
        try:
            with services().db.session() as s:
                hits = search_sites(s, query, limit=MAX_HITS, precise=can(viewer, "reveal_owner"))
        except SearchQueryError as exc:
            return search_message(str(exc)), no_update
        return render_hits(query, hits), (fly_to(hits[0]) if hits else no_update)

    @app.callback(
        Output("camera-map", "viewport", allow_duplicate=True),
        Input({"type": "search-hit", "index": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def on_hit_click(_clicks):
        viewer = require_map_access()
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not any(clicks(t["value"]) for t in ctx.triggered):
            raise PreventUpdate  # the list re-rendered; nobody clicked
        if trigger.get("type") != "search-hit":
            raise BadInput("That is not a search result.")
        with services().db.session() as s:
            hit = site_hit(s, whole(trigger.get("index"), "Site id", 1), precise=can(viewer, "reveal_owner"))
        return fly_to(hit) if hit else no_update
