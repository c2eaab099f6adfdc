"""Live video in the dashboard: the camera's live-view button with its purpose form, the video
wall and its tiles. Pure: grants and refusals come in as arguments (callbacks/live.py).

A tile carries only relay URLs (`/live/s/<token>/...`): the device's own address never reaches the
page. The player (assets/live.js) attaches hls.js to each `video[data-src]`, polls each
`img[data-snapshot]` and counts down each `[data-expires-at]`; no inline script.
"""

from __future__ import annotations

import re

from dash import dcc, html

TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")  # dashboard.tokens.mint: URL-safe base64
SHARING_LABELS = {"none": "Not shared live", "emergency": "Live only during an emergency nearby (P1/P2)",
                  "always": "Live whenever needed, for a stated purpose"}
EMPTY_WALL = {"incident": None, "tiles": []}


def sharing_label(live_access: bool, live_sharing: str | None) -> str:
    if not live_access:
        return "No live-access device"
    return SHARING_LABELS.get(live_sharing or "none", SHARING_LABELS["none"])


def live_view_controls(camera_id: int, refusal: str | None, categories: tuple[str, ...]) -> html.Div:
    """`#live-view-button` for a live-access camera: disabled with the reason in words when the
    service refuses; otherwise with the purpose: the selected incident, or a case."""
    button = html.Button("Watch live", id="live-view-button", n_clicks=0, disabled=bool(refusal),
                         className="cd-live-button", title=refusal or "Open a live view of this camera")
    # the purpose form is always in the tree (the button's callback names its fields), hidden
    # when the service refuses anyway
    form = html.Div(hidden=bool(refusal), children=[
        html.Div("Purpose of this live view", className="cd-live-title"),
        dcc.RadioItems(id="live-purpose-kind", value="incident", options=[
            {"label": "The selected incident", "value": "incident"},
            {"label": "A case", "value": "case"}]),
        html.Div(className="cd-live-case", children=[
            html.Label("Case number", htmlFor="live-case"),
            dcc.Input(id="live-case", type="text", placeholder="25-0280079", maxLength=10, autoComplete="off",
                      className="cd-search"),
            html.Label("Offense category", htmlFor="live-category"),
            dcc.Dropdown(id="live-category", options=[{"label": c.capitalize(), "value": c} for c in categories],
                         clearable=False, searchable=False, className="cd-dropdown"),
            html.Label("Reason", htmlFor="live-reason"),
            dcc.Textarea(id="live-reason", maxLength=500, placeholder="Why you need to watch this camera",
                         className="cd-search"),
        ]),
    ])
    return html.Div(className="cd-live", children=[
        dcc.Store(id="live-camera-id", data=camera_id),
        form,
        button,
        *([html.Div(refusal, id="live-view-refusal", className="cd-note")] if refusal else []),
        html.Div(id="live-view-message", role="alert", className="cd-note"),
    ])


def wall_opener() -> html.Div:
    """In the side panel: open the wall for the selected incident."""
    return html.Div(className="cd-wall-opener", children=[
        html.Button("Video wall for the selected incident", id="video-wall-open", n_clicks=0),
        html.Div(id="video-wall-status", role="status", className="cd-note"),
    ])


def _distance(metres: float | None) -> str:
    return "" if metres is None else f"{metres:.0f} m away"


def video_tile(tile: dict) -> html.Div | None:
    """One camera on the wall; None for a tile whose token is not one of ours (the store is
    client data)."""
    token = str(tile.get("token") or "")
    if not TOKEN.match(token):
        return None
    base = f"/live/s/{token}"
    camera_id = int(tile.get("camera_id") or 0)
    if tile.get("kind") in ("hls", "rtsp"):  # both played by hls.js from the relay's playlist
        player = html.Video(className="tile-player", muted=True, autoPlay=True, **{"data-src": f"{base}/index.m3u8"})
    else:
        player = html.Img(className="tile-player", alt=f"Live view of {tile.get('label') or 'camera'}",
                          **{"data-snapshot": f"{base}/frame.jpg"})
    faces = {True: "faces the scene", False: "does not face the scene"}.get(tile.get("faces"), "direction unknown")
    # a wall tile says where the camera is from the incident; a single view says its purpose
    if tile.get("distance_m") is not None:
        facts = [_distance(tile.get("distance_m")), faces]
    else:
        facts = [str(tile.get("purpose") or "")]
    return html.Div(className="video-tile", key=token, id={"type": "video-tile", "camera": camera_id}, children=[
        html.Div(className="tile-head", children=[
            html.Span(str(tile.get("label") or f"Camera {camera_id}"), className="tile-label"),
            html.Button("×", id={"type": "video-tile-close", "camera": camera_id}, n_clicks=0,
                        className="tile-close", title="Close this camera (ends its live view)",
                        **{"aria-label": "Close this camera"}),
        ]),
        html.Div(className="tile-screen", children=[player, html.Div("Camera offline", className="tile-offline")]),
        html.Div(className="tile-facts", children=[
            html.Span(" · ".join(f for f in facts if f), className="tile-where"),
            html.Span("", className="tile-time-left", **{"data-expires-at": str(tile.get("expires_at") or "")}),
        ]),
    ])


def wall_title(wall: dict) -> str:
    incident = (wall or {}).get("incident")
    return f"Live cameras around incident {incident}" if incident else "Live cameras"


def wall_class(count: int, shown: bool = True) -> str:
    size = "grid-2" if count <= 4 else "grid-3"
    return f"video-wall {size}" if shown else f"video-wall {size} empty"


def video_wall_panel() -> html.Section:
    """Over the map while it holds tiles; full screen for wall displays (assets/live.js)."""
    return html.Section(id="video-wall-panel", className="cd-video-wall hidden", **{"aria-label": "Video wall"}, children=[
        html.Div(className="cd-wall-head", children=[
            html.H2("Live cameras", id="video-wall-title"),
            html.Div(id="video-wall-message", role="status", className="cd-note"),
            html.Button("Full screen", id="video-wall-fullscreen", className="cd-wall-fullscreen",
                        **{"data-fullscreen": "video-wall-panel"}),
            html.Button("Close wall", id="video-wall-close", n_clicks=0),
        ]),
        html.Div(id="video-wall", className="video-wall grid-2"),
    ])


def live_stores(renew_check_ms: int) -> list:
    """The wall's grants (this browser's own; every callback re-checks each with the service)."""
    return [dcc.Store(id="live-wall", data=EMPTY_WALL),
            dcc.Interval(id="live-clock", interval=renew_check_ms)]
