"""The tool bar for the screens people use: the case drawer, wall mode, the phone's sheets,
copy link and saved views, notification settings, the keyboard help overlay and the footage
notice. The behaviour lives in assets/screens.js and assets/notify.js (no inline script)."""

from __future__ import annotations

from urllib.parse import quote

from dash import dcc, html

SHORTCUTS = (
    ("?", "show or hide this help"),
    ("c", "open or close the case workspace"),
    ("w", "wall mode on or off (large screens)"),
    ("/", "search an address or camera"),
    ("i", "jump to the incident board"),
    ("l", "copy a link to this view"),
    ("p", "print the case sheet"),
    ("Esc", "close the open panel or overlay"),
)
NOTIFY_OPTIONS = [
    {"label": " sound for new P1/P2 calls", "value": "alert_sound"},
    {"label": " browser notification for new P1/P2 calls", "value": "browser_notifications"},
    {"label": " tell me when footage I asked for arrives", "value": "footage_notices"},
]


def tool_bar(switches: list[str], saved_views: dict[str, str], can_work_cases: bool) -> html.Div:
    return html.Div(id="cd-tools", className="cd-tools", children=[
        *([html.Button("Cases", id="case-toggle", title="Case workspace (c)", n_clicks=0)] if can_work_cases else []),
        html.Button("Wall", id="wall-toggle", title="Wall mode for large displays (w)", n_clicks=0),
        html.Button("Panels", id="sheet-toggle", title="Show the next panel (phone)", n_clicks=0,
                    className="cd-phone-only"),
        html.Button("Copy link", id="copy-link", title="Copy a link to this view (l)", n_clicks=0),
        html.Details(id="view-menu", className="cd-menu", children=[
            html.Summary("Views"),
            html.Div(id="view-list", children=render_views(saved_views)),
            html.Label("Name this view", htmlFor="view-name"),
            dcc.Input(id="view-name", type="text", maxLength=40, placeholder="e.g. North P1"),
            html.Button("Save view", id="view-save", n_clicks=0),
            html.Div(id="view-message", role="status"),
        ]),
        html.Details(id="notify-menu", className="cd-menu", children=[
            html.Summary("Alerts"),
            dcc.Checklist(id="notify-switches", options=NOTIFY_OPTIONS, value=switches),
            html.Div(id="notify-message", role="status"),
        ]),
        html.Button("?", id="help-toggle", title="Keyboard shortcuts (?)", n_clicks=0,
                    **{"aria-label": "Keyboard shortcuts"}),
        # read by assets/notify.js; the callback keeps them in step with the checklist
        html.Div(id="notify-prefs", className="cd-hidden", **prefs_data(switches)),
        html.Audio(id="alert-sound", src="/assets/alert.wav", preload="auto"),
        html.Div(id="footage-notice", className="cd-toast cd-hidden", role="status", **{"aria-live": "polite"}),
        dcc.Store(id="notice-cursor", data=None),
        dcc.Interval(id="notice-poll", interval=30_000),
        help_overlay(),
    ])


def prefs_data(switches: list[str]) -> dict:
    return {f"data-{name.replace('_', '-')}": "1" if name in switches else "0"
            for name in ("alert_sound", "browser_notifications", "footage_notices")}


def render_views(views: dict[str, str]) -> list:
    if not views:
        return [html.Div("No saved views yet.", className="cd-empty")]
    return [html.Ul([html.Li([html.A(name, href=f"/{query}", id=f"view-{quote(name, safe='')}"),
                              html.Button("×", id={"type": "view-delete", "name": name}, n_clicks=0,
                                          title=f"Delete {name}", **{"aria-label": f"Delete view {name}"})])
                     for name, query in sorted(views.items())])]


def help_overlay() -> html.Div:
    return html.Div(id="help-overlay", className="cd-overlay cd-hidden", role="dialog",
                    **{"aria-label": "Keyboard shortcuts", "aria-modal": "true"}, children=[
        html.Div(className="cd-overlay-box", children=[
            html.H2("Keyboard shortcuts"),
            html.Dl([item for key, what in SHORTCUTS for item in (html.Dt(html.Kbd(key)), html.Dd(what))]),
            html.P("Shortcuts are ignored while you type in a field. Add ?wall=1 to the address for a wall screen."),
        ])])


def footage_notice(items: list[str]) -> list:
    return [html.Strong("Footage received"), html.Ul([html.Li(text) for text in items])]
