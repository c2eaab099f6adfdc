"""Filters + viewport -> the camera layer (clusters or cameras) and the matching count; the
reference layers of the layer control; the filters and the map view <-> the URL's query string.
The state these callbacks read and write lives in callbacks/map_state.py."""

from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard.registry.mapview import camera_layer
from dashboard.registry.spread import spread_colocated

from .context import flag, optional_number, require_map_access, services, text
from .map_state import (  # noqa: F401 - also re-exported for callers of map_view
    FILTER_CONTROLS,
    OVERLAY_IDS,
    START_VIEW_PX,
    _checked_bounds,
    _encode,
    _is_home_view,
    _is_report,
    _search_pairs,
    beat_options,
    build_filter,
    filter_from,
    filter_inputs,
    filter_values,
    filters_to_search,
    reference_layers,
    reference_urls,
    search_to_filters,
    search_to_view,
    start_view,
    view_to_pairs,
    viewport_for,
)


def register(app) -> None:
    @app.callback(
        Output("camera-layer", "data"),
        Output("camera-count", "children"),
        Output("division-layer", "hideout"),
        Input("camera-map", "bounds"),
        Input("camera-map", "zoom"),
        *filter_inputs(),
        State("camera-map", "center"),
    )
    def update_camera_layer(bounds, zoom, *filters_and_center):
        require_map_access()
        svc = services()
        *filters, center = filters_and_center
        filt = filter_from(filters)
        viewport = viewport_for(_checked_bounds(bounds), optional_number(zoom, "Zoom", 0, 30), center,
                                svc.settings)
        layer = camera_layer(svc.registry.get(), filt, viewport, svc.filters,
                             cell_px=svc.settings.cluster_cell_px, points_max_zoom=svc.settings.points_max_zoom)
        layer = spread_colocated(layer, viewport.zoom)
        total = layer["meta"]["total"]
        count = f"{total:,}"
        return layer, count, {"selected": list(filt.divisions)}

    # keep each Overlay's `checked` equal to the control's state: a hidden layer stays hidden when its data changes
    app.clientside_callback(
        ClientsideFunction(namespace="layers", function_name="syncOverlays"),
        *[Output(oid, "checked") for oid in OVERLAY_IDS],
        Input("layers-control", "overlays"),
        *[State(oid, "name") for oid in OVERLAY_IDS],
        prevent_initial_call=True,
    )

    @app.callback(
        Output("beat-layer", "url"),
        Output("taag-layer", "url"),
        Output("city-layer", "url"),
        Output("ref-loaded", "data"),
        Input("camera-count", "children"),
        Input("beat-overlay", "checked"),
        Input("density-overlay", "checked"),
        Input("taag-overlay", "checked"),
        Input("city-overlay", "checked"),
        State("ref-loaded", "data"),
        State("beat-layer", "url"),
        State("taag-layer", "url"),
        State("city-layer", "url"),
        prevent_initial_call=True,
    )
    def load_reference_layers(count, beats_on, density_on, taag_on, city_on, loaded, *have):
        """After the first cameras are drawn (they must not wait), the URLs of the reference
        layers that are switched on: the browser fetches each fingerprinted file once and keeps
        it; a layer switched on later gets its URL then (the density layer draws the beats)."""
        require_map_access()
        count = text(count, "The camera count", 100)
        on = [flag(v, "A layer switch") for v in (beats_on, density_on, taag_on, city_on)]
        loaded = flag(loaded, "The reference-layers flag")
        have = [text(u, "A layer's URL", 500) for u in have]
        if count in (None, "") and not loaded:
            raise PreventUpdate
        urls = reference_urls()
        wanted = (("beats", on[0] or on[1]), ("taag", on[2]), ("city", on[3]))
        out = [urls[name] if want and not had else no_update for (name, want), had in zip(wanted, have, strict=True)]
        if loaded and all(u is no_update for u in out):
            raise PreventUpdate
        return *out, True if not loaded else no_update

    @app.callback(
        Output("url", "search"),
        Output("beat-filter", "options"),
        *[Output(cid, prop) for cid, prop in FILTER_CONTROLS],
        Output("camera-map", "viewport", allow_duplicate=True),
        Input("url", "search"),
        *filter_inputs(),
        Input("camera-map", "zoom"),
        Input("camera-map", "center"),
        prevent_initial_call="initial_duplicate",
    )
    def sync_filters_and_url(search, *values):
        """One callback both ways (Dash allows a cycle only inside one callback): a change of a
        filter, or a move of the map, writes the query string; the page's URL (on load, or
        back/forward) sets the filters and the map's view."""
        require_map_access()
        search = text(search, "The address's query", 4000)
        *values, zoom, center = values
        values = filter_values(values)
        keep = [no_update] * len(FILTER_CONTROLS)
        triggered = {t["prop_id"].rsplit(".", 1)[0] for t in ctx.triggered if t["prop_id"] != "."}
        # The map reporting its start view while the URL names another one is the page loading
        # (Leaflet's whenReady), not a move: apply the URL, do not overwrite it. This also covers a
        # first call merged with that report, or a viewport set before the map was ready.
        loading = (triggered == {"camera-map"} and _is_home_view(zoom, center)
                   and _search_pairs(search, keep_view=True) != view_to_pairs(zoom, center))
        if triggered and not ({"url", "camera-map"} & triggered) and _is_report(search, values, triggered):
            loading = True  # e.g. the date picker reporting its empty date on mount, before the URL is applied
        if triggered and "url" not in triggered and not loading:
            moved = "camera-map" in triggered
            filters = (_search_pairs(filters_to_search(values), keep_view=False) if triggered - {"camera-map"}
                       else _search_pairs(search, keep_view=False))
            if not moved:
                view = _search_pairs(search, keep_view=True)
            elif not _search_pairs(search, keep_view=True) and _is_home_view(zoom, center):
                view = []  # the map reporting its start view (no one moved it): a clean URL
            else:
                view = view_to_pairs(zoom, center)
            wanted = _encode(filters + view)
            return (wanted if wanted != (search or "") else no_update), no_update, *keep, no_update
        options = list(beat_options())
        view = search_to_view(search)
        viewport = view if view is not None else no_update
        parsed = search_to_filters(search, {o["value"] for o in options})
        if parsed is None:  # no filter in the URL: keep the layout's (a supervisor's division)
            return no_update, options, *keep, viewport
        return no_update, options, *[new if new != old else no_update
                                     for new, old in zip(parsed, values, strict=True)], viewport
