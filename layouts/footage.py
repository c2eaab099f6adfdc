"""Footage requests in #nearest-cameras: the send form and the request lists with their clips.

Requests and files are duck-typed (dashboard.footage.service.RequestSummary / UploadView)."""

from __future__ import annotations

from dataclasses import dataclass

from dash import dcc, html

REFRESH_MS = 30_000


@dataclass(frozen=True)
class FootageForm:
    """What the send form needs from the footage service, as plain values."""
    default_start: str   # "YYYY-MM-DD HH:MM" in Dallas time, or ""
    message_max: int


def request_panel(form: FootageForm, records: list[dict], incident_number: str) -> html.Div:
    """The send form (cameras of the ranking, window, optional case number and message) and
    the slots for this incident's requests and "My requests".

    The panel is redrawn whenever the incident's record, the radius or "show all" changes; Dash's
    persistence, keyed by the incident, keeps what the detective ticked and typed across those
    redraws (and never carries it over to another incident)."""
    kept = {"persistence": incident_number, "persistence_type": "memory"}
    options = [{"label": f" #{r['camera_id']} · {r['distance_m']:.0f} m", "value": r["camera_id"]} for r in records]
    return html.Div(className="cd-footage", children=[
        html.H3("Request footage from owners"),
        dcc.Checklist(id="footage-cameras", options=options, value=[], className="cd-footage-cameras", **kept),
        html.Label("Window start (Dallas time, YYYY-MM-DD HH:MM)", htmlFor="footage-start"),
        dcc.Input(id="footage-start", type="text", value=form.default_start, debounce=True, **kept),
        html.Label("Hours", htmlFor="footage-hours"),
        dcc.Input(id="footage-hours", type="number", value=1, min=0.25, step=0.25, **kept),
        html.Label("Case number (optional)", htmlFor="footage-case"),
        dcc.Input(id="footage-case", type="text", placeholder="25-0280079", maxLength=40, **kept),
        html.Label("Message to the owners (optional)", htmlFor="footage-note"),
        dcc.Textarea(id="footage-note", maxLength=form.message_max, **kept),
        html.Button("Request footage", id="footage-send", n_clicks=0),
        html.Div(id="footage-message", role="status"),
        html.H3("Footage requests"),
        html.Div(className="cd-footage-close", children=[
            dcc.RadioItems(id="footage-outcome", value=None, inline=True,
                           options=[{"label": " footage used ", "value": "used"},
                                    {"label": " not needed", "value": "not_needed"}]),
            html.Button("Close case (tell owners)", id="footage-close", n_clicks=0),
        ]),
        html.Div(id="footage-requests"),
        html.H3("My requests"),
        html.Div(id="footage-mine"),
        dcc.Interval(id="footage-refresh", interval=REFRESH_MS),
    ])


def render_requests(rows: list, mine: bool = False) -> list:
    if not rows:
        return [html.Div("You have no footage requests." if mine else "No footage requests for this incident yet.",
                         className="cd-empty")]
    items = []
    for r in rows:
        extra = []
        if r.uploads:
            extra.append(f"{r.uploads} file{'s' if r.uploads != 1 else ''} received")
        if r.owner_note:
            extra.append(f"owner's note: {r.owner_note}")
        items.append(html.Li(className=f"cd-footage-status {r.status}", children=[
            html.Strong(f"{r.incident_number + ' · ' if mine else ''}Camera #{r.camera_id} ({r.camera_label})"
                        f" · {r.status_label}"),
            html.Div(f"{r.window} · by {r.requested_by or '—'} · request {r.id}", className="cd-incident-meta"),
            *([html.Div(" · ".join(extra), className="cd-incident-meta")] if extra else []),
            *([html.Ul([_file_link(f) for f in r.files], className="cd-footage-files")] if r.files else []),
        ]))
    return [html.Ul(items, className="cd-footage-list")]


def size(n: int) -> str:
    return f"{n / 1024 ** 2:.1f} MB" if n >= 1024 ** 2 else f"{max(n, 1) / 1024:.0f} KB"


def _file_link(f) -> html.Li:
    """A received clip: downloading it is audited and re-checks its SHA-256 (dashboard/footage/clip_views.py)."""
    return html.Li([
        # a POST (assets/csrf_forms.js adds the CSRF token): every download is audited
        html.Form(className="cd-inline-form", method="post", action=f"/footage/files/{f.id}", children=html.Button(
            f.name, id=f"footage-file-{f.id}", type="submit", title=f"sha256 {f.sha256}", className="cd-link-button"))
        if f.kept else html.Span(f"{f.name} (deleted: case closed as not needed)"),
        html.Span(f" · {size(f.size_bytes)} · received {f.received_at} · sha256 {f.sha256[:12]}…",
                  className="cd-incident-meta"),
        # preload none: nothing is fetched (nor audited as a play) until the detective presses play
        *([html.Video(src=f"/footage/files/{f.id}/play", controls=True, preload="none", id=f"footage-play-{f.id}",
                      className="cd-clip-player")] if f.kept and getattr(f, "playable", False) else []),
    ])
