"""The case workspace (`#case-workspace`): open or find a case, then everything done under it.

The form controls are always in the tree (hidden until a case is loaded), so their callbacks
are fixed; what a case holds is drawn by `render_case` from the service's result, duck-typed
(dashboard.cases.CaseWorkspace). Text typed by users reaches the page only as component
children (Dash escapes it), never as markup."""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

from dash import dcc, html

from .footage import size

OUTCOME_OPTIONS = [{"label": " footage used", "value": "used"}, {"label": " not needed", "value": "not_needed"}]
CLIP_OUTCOME_OPTIONS = [{"label": "as the case", "value": "case"}, *[
    {"label": o["label"].strip(), "value": o["value"]} for o in OUTCOME_OPTIONS]]
CAMERA_MODES = [{"label": " cameras I name", "value": "named"},
                {"label": " the area drawn on the map", "value": "area"},
                {"label": " every camera that faces the scene", "value": "facing"}]


def _field(label: str, control, for_id: str) -> html.Div:
    return html.Div(className="cd-case-field", children=[html.Label(label, htmlFor=for_id), control])


def case_panel(categories: tuple[str, ...], message_max: int) -> html.Section:
    """The drawer; `case-toggle` (in the tool bar) shows it."""
    return html.Section(id="case-workspace", className="cd-case cd-hidden", **{"aria-label": "Case workspace"},
                        children=[
        html.Div(className="cd-case-head", children=[
            html.H2("Case workspace"),
            html.Button("Print case sheet", id="case-print-button", className="cd-case-secondary", n_clicks=0),
            html.Button("×", id="case-hide", title="Close the workspace (Esc)", **{"aria-label": "Close"}),
        ]),
        html.Div(className="cd-case-open", children=[
            html.H3("My cases"),
            dcc.RadioItems(id="case-select", options=[], value=None, className="cd-case-list"),
            html.Details(id="case-new", children=[
                html.Summary("Open a new case"),
                _field("Case number", dcc.Input(id="case-number", type="text", placeholder="25-0280079",
                                                maxLength=10, autoComplete="off"), "case-number"),
                html.Div("Offense category", className="cd-case-label"),
                dcc.RadioItems(id="case-offense", options=[{"label": f" {c}", "value": c} for c in categories],
                               value=None, className="cd-case-choices"),
                _field("Title (optional)", dcc.Input(id="case-title", type="text", maxLength=200), "case-title"),
                _field("Incidents it covers (incident numbers)",
                       dcc.Input(id="case-incidents", type="text", placeholder="250001234, 250001240"),
                       "case-incidents"),
                html.Button("Open case", id="case-open-button", n_clicks=0),
            ]),
        ]),
        html.Div(id="case-message", role="status", className="cd-case-message", **{"aria-live": "polite"}),
        html.Div(id="case-body", className="cd-case-body"),
        html.Div(id="case-tools", className="cd-case-tools cd-hidden", children=[
            html.H3(html.Label("Add incidents", htmlFor="case-add-incident")),
            html.Div(className="cd-case-inline", children=[
                dcc.Input(id="case-add-incident", type="text", placeholder="incident numbers"),
                html.Button("Add", id="case-add-incident-button", n_clicks=0)]),
            html.H3("Request footage"),
            dcc.RadioItems(id="case-camera-mode", options=CAMERA_MODES, value="named", className="cd-case-modes"),
            _field("Camera numbers", dcc.Input(id="case-camera-ids", type="text", placeholder="12, 15, 40"),
                   "case-camera-ids"),
            html.Div("For incident", className="cd-case-label"),
            dcc.RadioItems(id="case-request-incident", options=[], value=None, className="cd-case-choices"),
            _field("Window start (Dallas time, YYYY-MM-DD HH:MM)", dcc.Input(id="case-window-start", type="text"),
                   "case-window-start"),
            _field("Hours", dcc.Input(id="case-window-hours", type="number", value=1, min=0.25, step=0.25),
                   "case-window-hours"),
            _field("Message to the owners (optional)", dcc.Textarea(id="case-request-note", maxLength=message_max),
                   "case-request-note"),
            html.Button("Request footage", id="case-request-button", n_clicks=0, className="cd-thumb"),
            html.H3(html.Label("Add a note", htmlFor="case-note")),
            dcc.Textarea(id="case-note", maxLength=4000),
            html.Button("Add note", id="case-note-button", n_clicks=0),
            html.H3("Close case"),
            html.Div("Outcome (required):", className="cd-incident-meta"),
            dcc.RadioItems(id="case-outcome", options=OUTCOME_OPTIONS, value=None, inline=True),
            html.Div(id="case-close-plan", className="cd-case-plan"),
            html.Button("Close case…", id="case-close-button", n_clicks=0),
            html.Div(id="case-close-confirm-box", className="cd-hidden", children=[
                html.Button("Yes, close the case", id="case-close-confirm", n_clicks=0, className="cd-danger"),
                html.Button("Cancel", id="case-close-cancel", n_clicks=0)]),
        ]),
        html.Button("Undo close", id="case-undo-button", n_clicks=0, className="cd-hidden"),
        dcc.Store(id="case-current", data=None),
        dcc.Store(id="case-clip-outcomes", data={}),
        dcc.Interval(id="case-refresh", interval=30_000),
    ])


DALLAS = ZoneInfo("America/Chicago")


def _when(value: datetime) -> str:
    return value.astimezone(DALLAS).strftime("%b %d, %Y %I:%M %p")


def _section(title: str, children, empty: str, section_id: str) -> html.Section:
    return html.Section(id=section_id, className="cd-case-section",
                        children=[html.H3(title), *(children or [html.Div(empty, className="cd-empty")])])


def render_case(ws) -> list:
    status = {"open": "open", "closing": "closing (can still be undone)", "closed": "closed"}[ws.status]
    head = html.Div(className="cd-case-title", children=[
        html.Strong(f"Case {ws.case_number}", id="case-current-number"),
        html.Span(f" · {ws.offense_category} · {status}", id="case-status"),
        *([html.Div(ws.title, className="cd-case-subtitle")] if ws.title else []),
        html.Div(f"opened by {ws.opened_by or '—'} on {_when(ws.opened_at)}", className="cd-incident-meta"),
        *([html.Div(f"Closing as '{(ws.outcome or '').replace('_', ' ')}' at {_when(ws.close_effective_at)}; "
                    "undo before then.", className="cd-case-closing", id="case-closing-note")]
          if ws.status == "closing" else []),
    ])
    incidents = [html.Li(f"{i.incident_number} · P{i.priority} {i.nature_of_call} · {i.place} · "
                         f"{_when(i.received_at)}") for i in ws.incidents]
    reveals = [html.Li(f"{_when(r.at)} · {r.username or '—'} · camera #{r.camera_id} · {r.reason or ''}")
               for r in ws.reveals]
    notes = [html.Li([html.Div(f"{_when(n.at)} · {n.author}", className="cd-incident-meta"), html.Div(n.body)])
             for n in ws.notes]
    return [
        head,
        _section("Incidents", [html.Ul(incidents)] if incidents else [], "No incidents yet.", "case-incidents-list"),
        _section("Owner reveals", [html.Ul(reveals)] if reveals else [], "No owner revealed under this case.",
                 "case-reveals"),
        _section("Footage requests", [render_requests(ws.requests, ws.status == "open")] if ws.requests else [],
                 "No footage requested yet.", "case-requests"),
        _section("Canvass", [render_canvass(ws.canvass)] if ws.canvass else [],
                 "No ranked cameras (no incident with a location, or the registry is loading).", "case-canvass"),
        _section("Notes", [html.Ul(notes)] if notes else [], "No notes yet.", "case-notes"),
    ]


def render_requests(rows, closable: bool) -> html.Table:
    body = []
    for r in rows:
        clips = [_clip(f) for f in r.files]
        body.append(html.Tr(className=f"cd-footage-status {r.status}", children=[
            html.Td(f"#{r.camera_id} {r.camera_label}"),
            html.Td(r.status_label, className="cd-case-state"),
            html.Td(r.window),
            html.Td(clips or "—"),
            html.Td(dcc.RadioItems(id={"type": "case-clip-outcome", "request": r.id}, options=CLIP_OUTCOME_OPTIONS,
                                   value="case", className="cd-case-choices")
                    if closable and r.status not in ("closed", "expired") else (r.outcome or "").replace("_", " ")),
        ]))
    return html.Table(className="cd-case-table", children=[
        html.Thead(html.Tr([html.Th("Camera"), html.Th("State"), html.Th("Window"), html.Th("Clips (SHA-256)"),
                            html.Th("Outcome")])),
        html.Tbody(body)])


def _clip(f) -> html.Div:
    # a POST (assets/csrf_forms.js adds the CSRF token): every download is audited, never a link's GET
    name = (html.Form(className="cd-inline-form", method="post", action=f"/footage/files/{f.id}",
                      children=html.Button(f.name, id=f"case-clip-{f.id}", type="submit", className="cd-link-button"))
            if f.kept else html.Span(f"{f.name} (deleted: not needed)"))
    return html.Div(className="cd-case-clip", children=[
        name, html.Span(f" · {size(f.size_bytes)} · {f.received_at}", className="cd-incident-meta"),
        html.Code(f.sha256, className="cd-sha256", title="SHA-256 recorded at receipt")])


def render_canvass(canvass) -> html.Div:
    """The ranked cameras per incident, with a schematic plot for the printed sheet (no map tiles:
    a print must not depend on a tile server)."""
    blocks = []
    for number, ranked in canvass:
        blocks.append(html.Div([
            html.Div(f"Incident {number}", className="cd-incident-meta"),
            _plot(ranked),
            html.Ol([html.Li(f"#{r.camera_id} · {r.distance_m:.0f} m · "
                             f"{'faces the scene' if r.faces else 'does not face' if r.faces is False else 'direction unknown'}"
                             f" · {'overwritten' if r.overwritten else f'{r.hours_left / 24:.1f} days left'}")
                     for r in ranked])]))
    return html.Div(blocks)


def _plot(ranked) -> html.Div:
    """The cameras placed around the scene (the centre) by bearing and distance, numbered by rank."""
    if not ranked:
        return html.Div()
    reach = max(r.distance_m for r in ranked) or 1.0
    dots = [html.Span("✕", className="cd-case-scene", style={"left": "50%", "top": "50%"})]
    for r in ranked:
        # bearing is camera -> scene; the camera sits in the opposite direction from the scene
        angle = math.radians((r.bearing_deg + 180) % 360)
        x = 50 + 45 * (r.distance_m / reach) * math.sin(angle)
        y = 50 - 45 * (r.distance_m / reach) * math.cos(angle)
        dots.append(html.Span(str(r.rank), className=f"cd-case-dot{' faces' if r.faces else ''}",
                              style={"left": f"{x:.1f}%", "top": f"{y:.1f}%"}))
    return html.Div(className="cd-case-plot", children=dots, title=f"within {reach:.0f} m; north up")


def close_plan(sentences: list[str]) -> list:
    return [html.P(s) for s in sentences]
