"""The map's state: the filter controls and their CameraFilter, the filters and the map view in
the URL (a link or a reload reopens the same view), the start view the layout draws from them,
the viewport a camera-layer call draws for, and the reference layers."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from functools import lru_cache
from urllib.parse import parse_qs, parse_qsl, urlencode

from dash import Input
from flask_login import current_user

from dashboard.geo import static_layers
from dashboard.geo.geography import DallasGeography
from dashboard.registry.mapview import ACCESS_FILTERS, CameraFilter, FilterCache, Viewport, camera_layer
from dashboard.registry.mercator import lonlat_to_pixels, pixels_to_lonlat
from dashboard.registry.snapshot import RegistrySnapshot
from dashboard.registry.spread import spread_colocated
from layouts.constants import (
    ACCESS_OPTIONS,
    CAMERA_TYPES,
    DIVISIONS,
    OWNER_TYPES,
    PLACEMENT_OPTIONS,
    RETENTION_OPTIONS,
)
from layouts.main import StartView

from .context import BadInput, flag, items, optional_number, services, text, texts

# Bounds larger than a map this size at the reported zoom belong to another view (the start view's,
# reported before a deep link's zoom was applied): far larger than any screen, far smaller than a
# whole zoom level's worth (2x per level).
LARGEST_MAP_PX = 8192
# The page's own cameras are drawn for a map this size around the start view: larger than the map
# on a 2560x1600 screen (most of a 4K wall display), so the first markers fill the map before it
# reports its real bounds; the first callback then draws for the map's real size.
START_VIEW_PX = (2560, 1600)
# A supervisor's start view fits their division in a map this size (the map of a 1920x1080 screen,
# less a margin), zoomed in no further than a neighbourhood.
DIVISION_FIT_PX = (1100, 850)
DIVISION_MAX_ZOOM = 14

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
        access=access if access in ACCESS_FILTERS else None,
        beats=tuple(sorted(str(b) for b in (beats or ()))),
        placements=tuple(sorted(placements or ())),
        min_retention_days=_retention(retention),
        registered_since=_parse_date(registered_since),
        verified_only=bool(verified),
    )


# how each filter control's value is parsed (FILTER_CONTROLS order): a list of texts, or one text
_FILTER_KINDS = ("texts", "texts", "texts", "text", "texts", "texts", "text", "text", "flag")


def filter_values(values) -> list:
    """The filter controls' values, checked for type (a crafted callback sends anything): lists of
    texts, texts, and the verified checklist. Same shape as received."""
    values = list(values)[:len(FILTER_CONTROLS)]
    out: list = []
    for (cid, _), kind_, value in zip(FILTER_CONTROLS, _FILTER_KINDS, values, strict=True):
        if kind_ == "texts":
            out.append(list(texts(value, cid)))
        elif kind_ == "text":
            out.append(text(value if not isinstance(value, int) or isinstance(value, bool) else str(value), cid, 40))
        else:
            out.append(value if flag(value, cid) else [])
    return out


def filter_from(values) -> CameraFilter:
    """The filter controls' values as the callbacks receive them from `*filter_inputs()` (more
    inputs may follow them) -> the CameraFilter. The one place that knows their order."""
    return build_filter(*filter_values(values))


def _checked_bounds(value) -> list | None:
    """Leaflet's [[south, west], [north, east]], or None for nothing; BadInput for a crafted shape."""
    if value is None:
        return None
    corners = items(value, "The map's bounds")
    if len(corners) != 2 or any(len(items(c, "A corner of the map")) != 2 for c in corners):
        raise BadInput("The map's bounds must be two corners.")
    (south, west), (north, east) = corners
    return [[optional_number(south, "South", -90, 90), optional_number(west, "West", -540, 540)],
            [optional_number(north, "North", -90, 90), optional_number(east, "East", -540, 540)]]


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
    if values[3] in ACCESS_FILTERS:
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


def home_view(settings, home_divisions) -> dict:
    """The view a page without one in its URL starts at: the configured one or, for a role with a
    home division (a supervisor), that division filling the map."""
    bounds = static_layers.division_bounds(tuple(home_divisions)) if home_divisions else None
    if bounds is None:
        return {"center": list(settings.map_center), "zoom": settings.map_zoom}
    (south, west), (north, east) = bounds
    x, y = lonlat_to_pixels([west, east], [north, south], 0)
    fit = min(DIVISION_FIT_PX[0] / max(x[1] - x[0], 1e-9), DIVISION_FIT_PX[1] / max(y[1] - y[0], 1e-9))
    zoom = int(min(max(math.floor(math.log2(fit)), settings.map_zoom), DIVISION_MAX_ZOOM))
    cx, cy = pixels_to_lonlat((x[0] + x[1]) / 2, (y[0] + y[1]) / 2, 0)
    return {"center": [round(float(cy), 5), round(float(cx), 5)], "zoom": zoom}


def role_home_divisions(viewer) -> list[str]:
    """A supervisor's own division (their map and CAD board start filtered to it); [] otherwise."""
    division = getattr(viewer, "division", None)
    return [division] if getattr(viewer, "role", None) == "supervisor" and division else []


def _is_home_view(zoom, center) -> bool:
    """A start view (what the map reports once ready, before anyone moved it): the configured one
    or the signed-in supervisor's division view."""
    settings = services().settings
    c = _latlng(center)
    if c is None:
        return False
    homes = [home_view(settings, [])]
    if current_user.is_authenticated and role_home_divisions(current_user):
        homes.append(home_view(settings, role_home_divisions(current_user)))
    # within ~100 m: Leaflet may report a centre a few pixels off once the container has its final size
    return any(_zoom(zoom) == _zoom(h["zoom"]) and abs(c[0] - h["center"][0]) < 1e-3
               and abs(c[1] - h["center"][1]) < 1e-3 for h in homes)


def start_view(search: str | None, home_divisions: list[str], settings, snapshot: RegistrySnapshot | None,
               cache: FilterCache) -> StartView:
    """The page's first state, from its URL's query string (the Referer of the layout request)
    or, without one, the role's defaults (a supervisor's division). With the registry loaded it
    carries the camera layer for that view, so the first markers need no callback."""
    parsed = search_to_filters(search, {o["value"] for o in beat_options()})
    values = parsed if parsed is not None else [list(home_divisions), *_DEFAULT_FILTERS[1:]]
    # without a view in the link: a supervisor's division fills the map, unless the link's filters say otherwise
    view = search_to_view(search) or home_view(settings, home_divisions if parsed is None else [])
    start = StartView(filters=tuple(values), center=tuple(view["center"]), zoom=view["zoom"],
                      beat_options=beat_options() if values[4] else (), board_divisions=tuple(home_divisions))
    if snapshot is None:
        return start
    layer = camera_layer(snapshot, build_filter(*values), Viewport.around(view["center"], view["zoom"], *START_VIEW_PX),
                         cache, cell_px=settings.cluster_cell_px, points_max_zoom=settings.points_max_zoom)
    layer = spread_colocated(layer, view["zoom"])
    return replace(start, cameras=layer, count=f"{layer['meta']['total']:,}")


def viewport_for(bounds, zoom, center, settings) -> Viewport:
    """The view to draw the cameras for. Leaflet reports its bounds only once it has measured its
    container, so a first call may come with none, or with the start view's while the zoom and
    centre already say a deep link's (`/?z=18&c=...`): then the bounds are those of a large screen
    around the centre at that zoom, never the whole city, whichever call arrives first."""
    z = _zoom(zoom) or settings.map_zoom
    c = _latlng(center) or tuple(settings.map_center)
    reported = _bounds(bounds)
    if reported is not None:
        (south, west), (north, east) = reported
        largest = Viewport.around(c, z, LARGEST_MAP_PX, LARGEST_MAP_PX)
        fits = (south <= c[0] <= north and west <= c[1] <= east
                and north - south <= largest.north - largest.south and east - west <= largest.east - largest.west)
        if fits:
            return Viewport.from_bounds(reported, z)
    return Viewport.around(c, z, *START_VIEW_PX)


def _bounds(bounds) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Leaflet's [[south, west], [north, east]] when well formed."""
    if not isinstance(bounds, list | tuple) or len(bounds) != 2:
        return None
    corners = [_latlng(corner) for corner in bounds]
    if None in corners or corners[0][0] > corners[1][0] or corners[0][1] > corners[1][1]:
        return None
    return corners[0], corners[1]
