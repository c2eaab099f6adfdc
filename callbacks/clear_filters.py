""""Clear filters" on an empty result (layouts/empty_state.py): the map's filters back to none
(every camera), the CAD drawer's back to every call, the search box emptied."""

from __future__ import annotations

from dash import Input, Output
from dash.exceptions import PreventUpdate

from .context import clicks, require_map_access
from .map_state import _DEFAULT_FILTERS, FILTER_CONTROLS

# the CAD drawer's filters with nothing filtered (division, priority, status)
BOARD_CLEARED = ([], [], "all")


def _clicked(n_clicks) -> None:
    require_map_access()
    if not clicks(n_clicks):
        raise PreventUpdate  # the button was just drawn; nobody clicked


def register(app) -> None:
    @app.callback(
        *[Output(cid, prop, allow_duplicate=True) for cid, prop in FILTER_CONTROLS],
        Input({"type": "clear-filters", "scope": "map"}, "n_clicks"),
        prevent_initial_call=True,
    )
    def clear_map_filters(n_clicks):
        _clicked(n_clicks)
        # the URL follows (callbacks/map_view.py sync_filters_and_url), so a reload keeps the cleared view
        return [list(v) if isinstance(v, list) else v for v in _DEFAULT_FILTERS]

    @app.callback(
        Output("incident-division-filter", "value", allow_duplicate=True),
        Output("incident-priority-filter", "value", allow_duplicate=True),
        Output("incident-status-filter", "value", allow_duplicate=True),
        Input({"type": "clear-filters", "scope": "incidents"}, "n_clicks"),
        prevent_initial_call=True,
    )
    def clear_board_filters(n_clicks):
        _clicked(n_clicks)
        return list(BOARD_CLEARED[0]), list(BOARD_CLEARED[1]), BOARD_CLEARED[2]

    @app.callback(
        Output("search-box", "value", allow_duplicate=True),
        Output("search-result", "children", allow_duplicate=True),
        Input({"type": "clear-filters", "scope": "search"}, "n_clicks"),
        prevent_initial_call=True,
    )
    def clear_search(n_clicks):
        _clicked(n_clicks)
        return "", []

    # the notice over the map while the filters match no camera (#camera-count is "0")
    app.clientside_callback("function (count) { return String(count == null ? '' : count).trim() !== '0'; }",
                            Output("filters-empty", "hidden"), Input("camera-count", "children"))
