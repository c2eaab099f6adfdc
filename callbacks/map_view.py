"""Filters + viewport -> the camera layer (clusters or cameras) and the matching count;
the reference layers of the layer control; the filters and the map view <-> the URL's query string."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from functools import lru_cache
from urllib.parse import parse_qs, parse_qsl, urlencode

from dash import ClientsideFunction, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard.geo import static_layers
from dashboard.geo.geography import DallasGeography
from dashboard.registry.mapview import CameraFilter, FilterCache, Viewport, camera_layer
from dashboard.registry.snapshot import RegistrySnapshot
from layouts.constants import (
    ACCESS_OPTIONS,
    CAMERA_TYPES,
    DIVISIONS,
    OWNER_TYPES,
    PLACEMENT_OPTIONS,
    RETENTION_OPTIONS,
)
from layouts.main import StartView

from .context import require_map_access, services

# Fallback before the browser reports the map's real bounds: the city's extent.
CITY_BOUNDS = [[32.61, -97.0], [33.02, -96.55]]
# The page's own cameras are drawn for a map this size around the start view: larger than the map
# on a 2560x1600 screen (most of a 4K wall display), so the first markers fill the map before it
# reports its real bounds; the first callback then draws for the map's real size.
START_VIEW_PX = (2560, 1600)

# Every filter control, in the order build_filter takes them (and the callbacks list them).
FILTER_CONTROLS = (
    ("division-filter", "value"),
    ("owner-type-filter", "value"),
    ("camera-type-filter", "value"),
    ("access-filter", "value"),
    ("beat-filter", "value"),
    ("placement-filter", "value"),
    ("retention-filter", "value"),
    ("registered-since-filter", "date"),
    ("verified-filter", "value"),
)


OVERLAY_IDS = ("city-overlay", "division-overlay", "beat-overlay", "density-overlay", "taag-overlay",
               "camera-overlay", "incident-overlay")


def filter_inputs() -> list[Input]:
    return [Input(cid, prop) for cid, prop in FILTER_CONTROLS]


def _parse_date(value) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _retention(value) -> int | None:
    try:
        days = int(value)
    except (TypeError, ValueError):
        return None
    return days if days > 0 else None


def build_filter(divisions, owner_types, camera_types, access, beats=None, placements=None, retention=None,
                 registered_since=None, verified=None) -> CameraFilter:
    return CameraFilter(
        divisions=tuple(sorted(divisions or ())),
        owner_types=tuple(sorted(owner_types or ())),
        camera_types=tuple(sorted(camera_types or ())),
        access=access if access in ("registered", "live") else None,
        beats=tuple(sorted(str(b) for b in (beats or ()))),
        placements=tuple(sorted(placements or ())),
        min_retention_days=_retention(retention),
        registered_since=_parse_date(registered_since),
        verified_only=bool(verified),
    )


def filter_from(values) -> CameraFilter:
    """The filter controls' values as the callbacks receive them from `*filter_inputs()` (more
    inputs may follow them) -> the CameraFilter. The one place that knows their order."""
    return build_filter(*list(values)[:len(FILTER_CONTROLS)])


# --- reference layers -------------------------------------------------------------------------------
def reference_layers() -> dict[str, dict]:
    """The static overlays as GeoJSON (what the files behind `reference_urls` hold)."""
    return static_layers.reference_layers()


def reference_urls() -> dict[str, str]:
    """The overlays' fingerprinted file URLs: the browser fetches each once and caches it."""
    return {name: static_layers.layer_url(name) for name in static_layers.LAYERS}


@lru_cache(maxsize=1)
def beat_options() -> tuple[dict, ...]:
    """'134 · Central' for every beat of the display layer, in beat order."""
    seen: dict[str, str] = {}
    for f in DallasGeography.display_layer("dpd_beats_display")["features"]:
        beat, division = str(f["properties"].get("beat") or ""), str(f["properties"].get("division") or "")
        if beat:
            seen.setdefault(beat, division)
    return tuple({"label": f"{b} · {d.title()}" if d else b, "value": b}
                 for b, d in sorted(seen.items(), key=lambda kv: (len(kv[0]), kv[0])))


# --- filters <-> URL --------------------------------------------------------------------------------
_LIST_KEYS = (("div", 0, set(DIVISIONS)), ("owner", 1, {v for v, _ in OWNER_TYPES}),
              ("type", 2, {v for v, _ in CAMERA_TYPES}), ("beat", 4, None),
              ("place", 5, {v for v, _ in PLACEMENT_OPTIONS}))
_ACCESS = {v for v, _ in ACCESS_OPTIONS}
_VIEW_KEYS = ("z", "c")  # the map view, after the filters (see with_view)
_RETENTION = {v for v, _ in RETENTION_OPTIONS}


def filters_to_search(values) -> str:
    """Filter values (FILTER_CONTROLS order) -> '?div=CENTRAL&beat=134,135...' ('' when nothing is set)."""
    values = list(values)
    pairs = []
    for key, i, _ in _LIST_KEYS:
        if values[i]:
            pairs.append((key, ",".join(sorted(str(v) for v in values[i]))))
    if values[3] in ("registered", "live"):
        pairs.append(("access", values[3]))
    if _retention(values[6]):
        pairs.append(("ret", str(_retention(values[6]))))
    since = _parse_date(values[7])
    if since:
        pairs.append(("since", since.isoformat()))
    if values[8]:
        pairs.append(("verified", "1"))
    return "?" + urlencode(pairs, safe=",") if pairs else ""


def search_to_filters(search: str | None, known_beats: set[str]) -> list | None:
    """The query string -> filter values (FILTER_CONTROLS order); None when it sets no filter.
    Unknown values are dropped: the URL is user input."""
    query = {k: v for k, v in parse_qs((search or "").lstrip("?")).items() if k not in _VIEW_KEYS}
    if not query:
        return None
    first = {k: v[0] for k, v in query.items() if v}
    values: list = [[], [], [], "all", [], [], "any", None, []]
    for key, i, allowed in _LIST_KEYS:
        items = [x for x in first.get(key, "").split(",") if x]
        allowed = known_beats if key == "beat" else allowed
        values[i] = sorted({x for x in items if x in allowed})
    if first.get("access") in _ACCESS:
        values[3] = first["access"]
    if first.get("ret") in _RETENTION:
        values[6] = first["ret"]
    since = _parse_date(first.get("since"))
    values[7] = since.isoformat() if since else None
    values[8] = ["verified"] if first.get("verified") == "1" else []
    return values


# --- map view <-> URL: z=<zoom>&c=<lat>,<lon> after the filters ------------------------------------------
MIN_URL_ZOOM, MAX_URL_ZOOM = 1, 20


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _latlng(center) -> tuple[float, float] | None:
    """[lat, lon] (the layout, a viewport) or {"lat", "lng"} (what Leaflet reports) -> (lat, lon) in range."""
    if isinstance(center, dict):
        center = (center.get("lat"), center.get("lng", center.get("lon")))
    if not isinstance(center, list | tuple) or len(center) != 2:
        return None
    lat, lon = _number(center[0]), _number(center[1])
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _zoom(value) -> float | None:
    zoom = _number(value)
    if zoom is None or not MIN_URL_ZOOM <= zoom <= MAX_URL_ZOOM:
        return None
    return int(zoom) if zoom == int(zoom) else round(zoom, 2)


def view_to_pairs(zoom, center) -> list[tuple[str, str]]:
    """The map's zoom and centre -> [("z", "14"), ("c", "32.77670,-96.79700")]; [] when either is invalid."""
    z, c = _zoom(zoom), _latlng(center)
    if z is None or c is None:
        return []
    return [("z", str(z)), ("c", f"{c[0]:.5f},{c[1]:.5f}")]


def search_to_view(search: str | None) -> dict | None:
    """The query string -> {"center": [lat, lon], "zoom": z} for the map's viewport; None when the URL
    has no valid view (both z and c are needed; the URL is user input)."""
    first = {k: v[0] for k, v in parse_qs((search or "").lstrip("?")).items() if v}
    zoom = _zoom(first.get("z"))
    parts = (first.get("c") or "").split(",")
    center = _latlng(parts) if len(parts) == 2 else None
    if zoom is None or center is None:
        return None
    return {"center": [center[0], center[1]], "zoom": zoom}


def _search_pairs(search: str | None, keep_view: bool) -> list[tuple[str, str]]:
    pairs = parse_qsl((search or "").lstrip("?"), keep_blank_values=False)
    return [(k, v) for k, v in pairs if (k in _VIEW_KEYS) == keep_view]


def _encode(pairs: list[tuple[str, str]]) -> str:
    return "?" + urlencode(pairs, safe=",") if pairs else ""


def with_view(search: str | None, zoom, center) -> str:
    """The query string with its z/c replaced by this view (the filters kept as they are)."""
    return _encode(_search_pairs(search, keep_view=False) + view_to_pairs(zoom, center))


_DEFAULT_FILTERS = [[], [], [], "all", [], [], "any", None, []]


def _is_report(search, values, triggered) -> bool:
    """The triggered filter controls already hold what the URL says: a control reporting its
    value (on mount), not a user's change. Answered like the URL on load: the URL is applied, not
    overwritten from controls the URL's values may not have reached yet."""
    parsed = search_to_filters(search, {o["value"] for o in beat_options()}) or list(_DEFAULT_FILTERS)
    mixed = [values[i] if cid in triggered else parsed[i] for i, (cid, _) in enumerate(FILTER_CONTROLS)]
    return filters_to_search(mixed) == filters_to_search(parsed)


def _is_home_view(zoom, center) -> bool:
    """The configured start view (what the map reports once ready, before anyone moved it)."""
    settings = services().settings
    c = _latlng(center)
    # within ~100 m: Leaflet may report a centre a few pixels off once the container has its final size
    return (c is not None and _zoom(zoom) == _zoom(settings.map_zoom)
            and abs(c[0] - settings.map_center[0]) < 1e-3 and abs(c[1] - settings.map_center[1]) < 1e-3)


def start_view(search: str | None, home_divisions: list[str], settings, snapshot: RegistrySnapshot | None,
               cache: FilterCache) -> StartView:
    """The page's first state, from its URL's query string (the Referer of the layout request)
    or, without one, the role's defaults (a supervisor's division). With the registry loaded it
    carries the camera layer for that view, so the first markers need no callback."""
    parsed = search_to_filters(search, {o["value"] for o in beat_options()})
    values = parsed if parsed is not None else [list(home_divisions), *_DEFAULT_FILTERS[1:]]
    view = search_to_view(search) or {"center": list(settings.map_center), "zoom": settings.map_zoom}
    start = StartView(filters=tuple(values), center=tuple(view["center"]), zoom=view["zoom"],
                      beat_options=beat_options() if values[4] else ())
    if snapshot is None:
        return start
    layer = camera_layer(snapshot, build_filter(*values), Viewport.around(view["center"], view["zoom"], *START_VIEW_PX),
                         cache, cell_px=settings.cluster_cell_px, points_max_zoom=settings.points_max_zoom)
    return replace(start, cameras=layer, count=f"{layer['meta']['total']:,}")


def register(app) -> None:
    @app.callback(
        Output("camera-layer", "data"),
        Output("camera-count", "children"),
        Output("division-layer", "hideout"),
        Input("camera-map", "bounds"),
        Input("camera-map", "zoom"),
        *filter_inputs(),
    )
    def update_camera_layer(bounds, zoom, *filters):
        require_map_access()
        svc = services()
        filt = filter_from(filters)
        viewport = Viewport.from_bounds(bounds or CITY_BOUNDS, zoom if zoom is not None else svc.settings.map_zoom)
        layer = camera_layer(svc.registry.get(), filt, viewport, svc.filters,
                             cell_px=svc.settings.cluster_cell_px, points_max_zoom=svc.settings.points_max_zoom)
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
        if count in (None, "") and not loaded:
            raise PreventUpdate
        urls = reference_urls()
        wanted = (("beats", beats_on or density_on), ("taag", taag_on), ("city", city_on))
        out = [urls[name] if on and not had else no_update for (name, on), had in zip(wanted, have, strict=True)]
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
        *values, zoom, center = values
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
