"""Live incidents: the list of the board, the canvass of the nearest cameras, the new-call alert.

Incidents are plain dicts (the dashboard's store); ranked cameras are duck-typed
(dashboard.incidents.canvass.RankedCamera). Which incidents the board shows is decided by the
caller (dashboard.incidents.live_board); this module only draws them."""

from __future__ import annotations

from urllib.parse import quote

from dash import dcc, html

from .footage import FootageForm, request_panel

NEAREST_K = 20          # up to 20 cameras on demand
FACES = {True: "yes", False: "no", None: "unknown"}


def incident_texts(inc: dict, radius_m: float) -> dict:
    """The texts of one row of the CAD drawer, made once when the incident changes; the browser
    (assets/board.js) adds the age between `facts_before` and `facts_after`, filters and orders."""
    place = " ".join(p for p in (inc.get("block"), inc.get("location")) if p) or "location not given"
    located = inc.get("latitude") is not None
    nearby = inc.get("nearby")
    after = ""
    if not located:
        after = "unlocated: not on the map"
    elif nearby is not None:
        after = f"{nearby} camera{'s' if nearby != 1 else ''} within {radius_m:.0f} m"
    return {
        "title": f"P{inc.get('priority')} · {inc.get('nature_of_call')}",
        "place_line": f"{inc['incident_number']} · {place}",
        "facts_before": [x for x in ((inc.get("division") or "").title(), inc.get("status") or "") if x],
        "facts_after": [after] if after else [],
    }


def footage_left(hours: float) -> str:
    """"2 h", "36 h", then days: "14 days" reads at a glance where "336 h" needs arithmetic."""
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.0f} days"


def _capped_summary(shown: int, ranked: int, radius_m: float) -> str:
    if ranked >= NEAREST_K:  # the ranking stops at NEAREST_K: there may be more in the radius
        return f"showing {shown} of the nearest {ranked}; more may be within {radius_m:.0f} m · "
    return f"{shown} of {ranked} cameras within {radius_m:.0f} m · "


def _hours(ranked) -> str:
    if ranked.overwritten:
        return "overwritten"
    text = footage_left(ranked.hours_left)
    return f"{text} · urgent" if ranked.urgent else text


def render_nearest(incident: dict, ranked: list, footage_form: FootageForm | None = None, *,
                   radius_m: float, docked: int, show_all: bool = False) -> list:
    """The canvass list: ranked for investigators (faces the scene, footage about to be
    overwritten, then distance); the first `docked` are shown, up to NEAREST_K on demand.
    `footage_form` is given only to roles that may send footage requests."""
    number = incident["incident_number"]
    # the status too: the panel is redrawn when CAD updates the incident, and says so
    title = html.Div(" · ".join(str(p) for p in (number, incident.get("nature_of_call"), incident.get("status")) if p),
                     className="cd-note")
    if incident.get("latitude") is None:
        return [title, html.Div("This incident has no location yet, so no cameras can be ranked.",
                                className="cd-empty")]
    if not ranked:
        return [title, html.Div(f"No registered camera within {radius_m:.0f} m. Widen the radius above.",
                                className="cd-empty")]
    shown = ranked if show_all else ranked[:docked]
    # each row is numbered as on the map (data-rank, drawn by assets/ranked.css) and opens its camera on a
    # click (callbacks/ranked.py)
    rows = [html.Tr(className="cd-ranked-row" + (" docked" if r.rank <= docked else "")
                    + (" overwritten" if r.overwritten else ""),
                    id={"type": "ranked-row", "index": r.camera_id}, n_clicks=0, tabIndex="0",
                    title=f"Open camera #{r.camera_id}",
                    children=[html.Td(f"#{r.camera_id}", **{"data-rank": str(r.rank)}), html.Td(f"{r.distance_m:.0f} m"),
                              html.Td(f"{r.bearing_deg:.0f}°"), html.Td(FACES[r.faces]),
                              html.Td(_hours(r)), html.Td("live" if r.live_access else "—")])
            for r in shown]
    table = html.Table(className="cd-table", children=[
        html.Thead(html.Tr([html.Th("Camera"), html.Th("Distance"), html.Th("Bearing"), html.Th("Faces"),
                            html.Th("Footage left"), html.Th("Live")])),
        html.Tbody(rows)])
    summary = html.Div(className="cd-note", children=[
        _capped_summary(len(shown), len(ranked), radius_m),
        # an export writes an audit event: a POST (assets/csrf_forms.js adds the CSRF token), never a link
        html.Form(className="cd-inline-form", method="post",
                  action=f"/api/v1/incidents/{quote(number, safe='')}/canvass.csv", children=[
                      dcc.Input(type="hidden", name="radius_m", value=f"{radius_m:g}"),
                      dcc.Input(type="hidden", name="k", value=str(NEAREST_K)),
                      html.Button("Download canvass CSV", id="canvass-download", type="submit",
                                  className="cd-link-button")]),
    ])
    if footage_form is None:
        return [title, table, summary]
    return [title, table, summary, request_panel(footage_form, [r.to_dict() for r in shown], number)]


def render_alert(urgent: list[dict]) -> html.Div:
    first = urgent[0]
    more = f" (+{len(urgent) - 1} more)" if len(urgent) > 1 else ""
    place = " ".join(p for p in (first.get("block"), first.get("location")) if p)
    return html.Div(className=f"cd-alert p{first.get('priority')}", children=[
        html.Strong(f"New P{first.get('priority')} call{more}: "),
        html.Span(f"{first.get('nature_of_call')} · {first.get('incident_number')}" + (f" · {place}" if place else "")),
        html.Button("Dismiss", id="incident-alert-dismiss", n_clicks=0, className="cd-alert-dismiss"),
    ])
