"""Live video in the dashboard: thin adapters over dashboard.live.

The grants service decides every time (role, the owner's sharing policy, the purpose) and audits;
these callbacks only pass the user, the camera and the purpose along and keep the wall's grants in
`live-wall` (this browser's own: a replayed or forged store is checked grant by grant, and a grant
issued to someone else is refused and audited).
"""

from __future__ import annotations

from typing import Any

from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from auth.views import client_addr
from dashboard.live.grants import (
    IssuedGrant,
    check_grant,
    end_live_view,
    open_live_view,
    renew_live_view,
    run_audited,
)
from dashboard.live.policy import LiveRefused
from dashboard.live.purpose import Purpose
from dashboard.live.settings import live_settings
from dashboard.live.wall import WALL_MAX_TILES, live_view_refusal, open_wall_grants, wall_cameras
from dashboard.models import utcnow
from dashboard.registry.cameras import camera_details
from layouts.live import EMPTY_WALL, live_view_controls, video_tile, wall_class, wall_title

from .context import (
    BadInput,
    clicks,
    items,
    mapping,
    optional_whole,
    require_map_access,
    services,
    text,
    user,
    whole,
)

RENEW_BEFORE_S = 120  # renew a grant this close to its expiry, while its purpose holds
CLOCK_MS = 5_000      # how often the wall re-checks its grants (the relay does too, on every request)


def _live():
    return live_settings(services().settings)


def live_controls(viewer: Any, details: Any) -> Any:
    """For #camera-detail: the live-view button of a live-access camera, or None."""
    if not details.live_access:
        return None
    settings = _live()
    with services().db.session() as s:
        refusal = live_view_refusal(s, viewer, details.camera_id, settings)
    return live_view_controls(details.camera_id, refusal, settings.offense_categories)


def _tile(issued: IssuedGrant, label: str, purpose: Purpose, distance_m=None, faces=None) -> dict:
    said = (f"incident {purpose.incident_number}" if purpose.kind == "incident"
            else f"case {purpose.case_number}")
    return {"camera_id": issued.camera_id, "token": issued.token, "kind": issued.stream_kind, "label": label,
            "distance_m": distance_m, "faces": faces, "expires_at": issued.expires_at.isoformat(),
            "purpose": f"for {said}"}


def _wall(wall: Any) -> dict:
    """The wall store, checked for shape (a crafted callback sends anything: BadInput, a 400)."""
    wall = mapping(wall, "The video wall")
    text(wall.get("incident"), "The wall's incident", 60)
    return wall


def _tiles(wall: Any) -> list[dict]:
    tiles = []
    for tile in items(_wall(wall).get("tiles"), "The wall's tiles", 2 * WALL_MAX_TILES):
        tile = mapping(tile, "A video tile")
        if not isinstance(tile.get("token"), str) or len(tile["token"]) > 200:
            raise BadInput("A video tile must carry its grant.")
        whole(tile.get("camera_id"), "A video tile's camera")
        tiles.append(tile)
    return tiles


def _end_all(tiles: list[dict]) -> None:
    """End this user's grants (each checked: someone else's token is refused and audited)."""
    db, viewer = services().db, user()
    for tile in tiles:
        try:
            run_audited(db, lambda s, t=tile: end_live_view(s, viewer, t["token"]))
        except LiveRefused:
            pass


def _purpose(kind, incident, case, category, reason) -> dict:
    if kind == "case":
        return {"kind": "case", "case_number": case, "offense_category": category, "reason": reason}
    return {"kind": "incident", "incident_number": incident}


def _open_wall(incident: dict) -> tuple[dict, str]:
    """Grants for the live cameras around the incident that the owners share now."""
    svc, viewer, settings, addr = services(), user(), _live(), client_addr()
    number = incident.get("incident_number")
    if incident.get("latitude") is None:
        return EMPTY_WALL, f"Incident {number} has no location: no cameras to rank."
    with svc.db.session() as s:
        candidates, withheld = wall_cameras(s, viewer, svc.registry.get(), incident["latitude"],
                                            incident["longitude"], settings)
    purpose = Purpose.incident(str(number))
    opened, refused = open_wall_grants(svc.db, viewer, candidates, purpose, settings, client_addr=addr)
    if refused and not opened:
        return EMPTY_WALL, refused[0]
    tiles = [_tile(issued, cam.label, purpose, cam.distance_m, cam.faces) for cam, issued in opened]
    notes = [f"{len(tiles)} live camera{'s' if len(tiles) != 1 else ''} around incident {number}."]
    if withheld:
        notes.append(f"{withheld} more within reach not shared by their owners now.")
    if refused:
        notes.append(refused[0])
    return {"incident": number, "tiles": tiles}, " ".join(notes)


# Every callback that changes the wall's grants also renders the wall, in the same response: the
# player starts as soon as the grants exist (one round trip from the click to the tiles, not two).
WALL_OUTPUTS = (Output("video-wall", "children", allow_duplicate=True),
                Output("video-wall", "className", allow_duplicate=True),
                Output("video-wall-panel", "className", allow_duplicate=True),
                Output("video-wall-title", "children", allow_duplicate=True))
UNCHANGED_WALL = (no_update,) * len(WALL_OUTPUTS)


def show_wall(wall: Any) -> tuple:
    """The four WALL_OUTPUTS for a wall store."""
    tiles = [t for t in (video_tile(tile) for tile in _tiles(wall)) if t is not None]
    panel = "cd-video-wall" if tiles else "cd-video-wall hidden"
    return tiles, wall_class(len(tiles), bool(tiles)), panel, wall_title(wall)


def _with_wall(wall: Any, *rest: Any) -> tuple:
    """(the store, its rendering, the other outputs); an unchanged store renders nothing."""
    shown = UNCHANGED_WALL if wall is no_update else show_wall(wall)
    return (wall, *shown, *rest)


def register(app) -> None:
    @app.callback(
        Output("live-wall", "data", allow_duplicate=True),
        *WALL_OUTPUTS,
        Output("live-view-message", "children"),
        Input("live-view-button", "n_clicks"),
        State("live-camera-id", "data"),
        State("live-purpose-kind", "value"),
        State("selected-incident", "data"),
        State("live-case", "value"),
        State("live-category", "value"),
        State("live-reason", "value"),
        State("live-wall", "data"),
        prevent_initial_call=True,
    )
    def open_one(n_clicks, camera_id, kind, incident, case, category, reason, wall):
        n_clicks, camera_id = clicks(n_clicks), optional_whole(camera_id, "The camera")
        kind, incident = text(kind, "The purpose", 20), text(incident, "The incident", 60)
        case, category = text(case, "The case number", 60), text(category, "The offense category", 60)
        reason = text(reason, "The reason", 1000)
        if not n_clicks:
            raise PreventUpdate
        viewer, svc, settings = require_map_access(), services(), _live()
        tiles = _tiles(wall)
        if any(t.get("camera_id") == camera_id for t in tiles):
            return _with_wall(no_update, "This camera is already on the wall.")
        if len(tiles) >= WALL_MAX_TILES:
            return _with_wall(no_update, f"The wall shows at most {WALL_MAX_TILES} cameras: close one first.")
        if kind != "case" and not incident:
            return _with_wall(no_update, "Select an open incident first, or choose a case as the purpose.")
        addr, stated = client_addr(), _purpose(kind, incident, case, category, reason)
        try:  # the service parses the purpose after the role check, and audits a refusal
            issued = run_audited(svc.db, lambda s: open_live_view(s, viewer, camera_id, stated, settings,
                                                                  client_addr=addr))
        except LiveRefused as refusal:
            return _with_wall(no_update, refusal.message)
        purpose = Purpose.parse(stated, settings)
        with svc.db.session() as s:
            details = camera_details(s, issued.camera_id)
        tile = _tile(issued, details.label if details else f"Camera {issued.camera_id}", purpose)
        return _with_wall({"incident": (wall or {}).get("incident"), "tiles": [*tiles, tile]},
                          "Live view opened on the wall.")

    @app.callback(
        Output("live-wall", "data", allow_duplicate=True),
        *WALL_OUTPUTS,
        Output("video-wall-status", "children"),
        Input("video-wall-open", "n_clicks"),
        State("selected-incident", "data"),
        State("incident-store", "data"),
        State("live-wall", "data"),
        prevent_initial_call=True,
    )
    def open_wall(n_clicks, selected, store, wall):
        n_clicks, selected, store = clicks(n_clicks), text(selected, "The incident", 60), mapping(store, "Incidents")
        if not n_clicks:
            raise PreventUpdate
        require_map_access()
        incident = store.get(selected or "")
        if not isinstance(incident, dict) or not incident:
            return _with_wall(no_update, "Select an incident first.")
        _end_all(_tiles(wall))
        return _with_wall(*_open_wall(incident))

    @app.callback(
        Output("live-wall", "data", allow_duplicate=True),
        *WALL_OUTPUTS,
        Input({"type": "video-tile-close", "camera": ALL}, "n_clicks"),
        State("live-wall", "data"),
        prevent_initial_call=True,
    )
    def close_tile(tile_clicks, wall):
        for n in items(tile_clicks, "The tiles' close buttons"):
            clicks(n)
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not any(t["value"] for t in ctx.triggered):
            raise PreventUpdate  # tiles re-rendered; nobody clicked
        require_map_access()
        tiles = _tiles(wall)
        closing = [t for t in tiles if t.get("camera_id") == trigger.get("camera")]
        _end_all(closing)
        return _with_wall({"incident": (wall or {}).get("incident"), "tiles": [t for t in tiles if t not in closing]})

    @app.callback(
        Output("live-wall", "data", allow_duplicate=True),
        *WALL_OUTPUTS,
        Input("video-wall-close", "n_clicks"),
        State("live-wall", "data"),
        prevent_initial_call=True,
    )
    def close_wall(n_clicks, wall):
        if not clicks(n_clicks):
            raise PreventUpdate
        require_map_access()
        _end_all(_tiles(wall))
        return _with_wall(EMPTY_WALL)

    @app.callback(
        Output("live-wall", "data", allow_duplicate=True),
        *WALL_OUTPUTS,
        Output("video-wall-message", "children"),
        Output("video-wall-status", "children", allow_duplicate=True),  # visible once the wall is empty
        Input("live-clock", "n_intervals"),
        State("live-wall", "data"),
        prevent_initial_call=True,
    )
    def keep_or_end(n, wall):
        """Renew what is about to expire while its purpose holds; drop (and end) what no longer may
        be watched: the incident cleared, the emergency ended, the owner changed the sharing."""
        clicks(n, "n_intervals")
        tiles = _tiles(wall)
        if not tiles:
            raise PreventUpdate
        viewer, svc, settings = require_map_access(), services(), _live()
        kept, gone = [], []
        for tile in tiles:
            try:
                left = check_grant_expiry(svc.db, viewer, tile["token"], settings)
                if left < RENEW_BEFORE_S:
                    issued = run_audited(svc.db, lambda s, t=tile: renew_live_view(s, viewer, t["token"], settings))
                    tile = {**tile, "expires_at": issued.expires_at.isoformat()}
                kept.append(tile)
            except LiveRefused as refusal:
                gone.append(f"{tile.get('label') or 'A camera'}: {refusal.message}")
        if not gone and kept == tiles:
            raise PreventUpdate
        said = " ".join(gone)
        return _with_wall({"incident": (wall or {}).get("incident") if kept else None, "tiles": kept}, said, said)


def check_grant_expiry(db, viewer, token: str, settings) -> float:
    """Seconds left on the grant if it may go on (else LiveRefused; a lapsed grant is ended)."""
    active = run_audited(db, lambda s: check_grant(s, viewer, token, settings))
    return (active.expires_at - utcnow()).total_seconds()
