"""The case workspace (#case-workspace): thin adapters over dashboard.cases.

Actions (open, add incidents, request footage, note, close, undo) write a message and bump
`case-version`; one render callback draws the case from the service. Closing is two clicks:
"Close case…" shows what will happen (dashboard.cases.plan_close), "Yes, close the case" records
it, and "Undo close" stays offered until the undo window ends.
"""

from __future__ import annotations

from datetime import timedelta

from dash import ALL, Input, Output, State, ctx, no_update
from flask import request

from auth.permissions import PermissionDenied, can
from dashboard import cases, footage
from dashboard.cases import CaseError, CaseNotFound
from dashboard.footage import FootageError
from dashboard.incidents.canvass import CanvassInputError
from layouts.cases import close_plan, render_case

from .context import BadInput, items, mapping, optional_number, services, text, user, whole
from .context import clicks as count
from .draw_area import drawn_shape

DENIED = "Your role may not work cases."
HIDDEN, SHOWN = "cd-hidden", ""
ACTIONS = ("case-open-button", "case-add-incident-button", "case-request-button", "case-note-button",
           "case-close-confirm", "case-undo-button")


def _cameras(mode, typed, geojson, number, incident):
    svc = services()
    if mode == "area":
        features = (geojson or {}).get("features") or []
        shape = drawn_shape(features[-1]) if features else None
        if shape is None:
            raise CaseError("Draw a circle, rectangle or polygon on the map first.")
        ids = cases.cameras_in_area(svc.registry.get(), shape)
    elif mode == "facing":
        ids = cases.cameras_facing(svc.registry.get(), cases.case_incident(svc.db, number, incident))
    else:
        ids = cases.camera_ids_of(typed or "")
    if not ids:
        raise CaseError("No registered camera matches: choose cameras another way.")
    return ids


def _request(number, mode, typed, geojson, incident, start, hours, note) -> str:
    svc = services()
    try:
        window_start = footage.parse_local(start)
        window_end = window_start + timedelta(hours=float(hours))
    except (TypeError, ValueError) as exc:
        raise CaseError(str(exc) if isinstance(exc, FootageError) else "Hours: a number, e.g. 1 or 1.5.") from None
    ids = _cameras(mode, typed, geojson, number, incident)
    sent = cases.request_footage(svc.db, user(), number, incident, ids, window_start, window_end, note,
                                 svc.settings, client_addr=request.remote_addr)
    return f"{len(sent)} footage request{'s' if len(sent) != 1 else ''} queued: one email per owner."


def _act(trigger, current, form, clip_outcomes) -> tuple[str, str | None]:
    """Run the clicked action; returns (message, the case to show)."""
    svc, who, addr = services(), user(), request.remote_addr
    (number, offense, title, incidents, add, mode, typed, geojson, incident, start, hours, note, body,
     outcome) = form
    if trigger == "case-open-button":
        opened = cases.open_case(svc.db, who, number, offense, svc.settings, incidents=incidents, title=title,
                                 client_addr=addr)
        return f"Case {opened} opened.", opened
    if not current:
        raise CaseError("Choose or open a case first.")
    if trigger == "case-add-incident-button":
        added = cases.add_incidents(svc.db, who, current, add, client_addr=addr)
        return (f"Added {', '.join(added)}." if added else "Those incidents are already in the case."), current
    if trigger == "case-request-button":
        return _request(current, mode, typed, geojson, incident, start, hours, note), current
    if trigger == "case-note-button":
        cases.add_note(svc.db, who, current, body, client_addr=addr)
        return "Note added.", current
    if trigger == "case-close-confirm":
        until = cases.close_case(svc.db, who, current, outcome, svc.settings, clip_outcomes=clip_outcomes,
                                 client_addr=addr)
        return (f"Case closing at {footage.local_time(until)}. Nothing is sent before then: "
                "'Undo close' reopens it."), current
    cases.undo_close(svc.db, who, current, client_addr=addr)
    return "Close undone: the case is open again.", current


def _clip_outcomes(values, ids) -> dict[str, str | None]:
    """Each received clip's chosen outcome, by request id (a crafted callback sends anything)."""
    values, ids = items(values, "The clips' outcomes"), items(ids, "The clips")
    if len(values) != len(ids):
        raise BadInput("Each clip has one outcome.")
    return {str(whole(mapping(i, "A clip").get("request"), "A clip's request")): text(v, "A clip's outcome", 40)
            for i, v in zip(ids, values, strict=True)}


def _case_form(form) -> tuple:
    """The case form's fields, in the callback's State order, checked for type."""
    (number, offense, title, incidents, add, mode, typed, geojson, incident, start, hours, note, body,
     outcome) = form
    return (text(number, "The case number", 60), text(offense, "The offense category", 60),
            text(title, "The title", 200), text(incidents, "The incidents", 2000), text(add, "The incidents", 2000),
            text(mode, "The cameras", 20), text(typed, "The camera numbers", 2000), mapping(geojson, "The drawn area"),
            text(incident, "The incident", 60), text(start, "The window's start", 40),
            optional_number(hours, "Hours", 0, 24), text(note, "The request's note", 2000),
            text(body, "The note", 4000), text(outcome, "The outcome", 40))


def register(app) -> None:
    @app.callback(
        Output("case-message", "children"),
        Output("case-current", "data"),
        Output("case-close-confirm-box", "className", allow_duplicate=True),
        Input("case-select", "value"),
        *[Input(i, "n_clicks") for i in ACTIONS],
        State("case-current", "data"),
        State("case-number", "value"), State("case-offense", "value"), State("case-title", "value"),
        State("case-incidents", "value"), State("case-add-incident", "value"), State("case-camera-mode", "value"),
        State("case-camera-ids", "value"), State("draw-control", "geojson"), State("case-request-incident", "value"),
        State("case-window-start", "value"), State("case-window-hours", "value"), State("case-request-note", "value"),
        State("case-note", "value"), State("case-outcome", "value"),
        State({"type": "case-clip-outcome", "request": ALL}, "value"),
        State({"type": "case-clip-outcome", "request": ALL}, "id"),
        prevent_initial_call=True,
    )
    def on_case_action(chosen, *args):
        clicks, (current, *form) = [count(n) for n in args[:len(ACTIONS)]], args[len(ACTIONS):]
        chosen, current = text(chosen, "The case", 60), text(current, "The case", 60)
        outcomes = _clip_outcomes(form[-2], form[-1])
        form = _case_form(form[:-2])
        trigger = ctx.triggered_id
        if trigger == "case-select":
            return "", chosen, HIDDEN
        if not any(clicks):
            return no_update, no_update, no_update
        try:
            message, shown = _act(trigger, current, form, outcomes)
        except PermissionDenied:
            return DENIED, no_update, HIDDEN
        except (CaseError, CaseNotFound, FootageError, CanvassInputError) as exc:
            return str(exc), no_update, no_update
        return message, shown, HIDDEN

    @app.callback(
        Output("case-body", "children"),
        Output("case-tools", "className"),
        Output("case-undo-button", "className"),
        Output("case-request-incident", "options"),
        Output("case-select", "options"),
        Input("case-current", "data"),
        Input("case-message", "children"),
        Input("case-refresh", "n_intervals"),
    )
    def render(current, _message, _tick):
        current = text(current, "The case", 60)
        svc, who = services(), user()
        if not can(who, cases.PERMISSION):
            return [], HIDDEN, HIDDEN, [], []
        mine = [{"label": f"{c.case_number} · {c.offense_category}{' · ' + c.title if c.title else ''}"
                 f"{'' if c.status == 'open' else ' (' + c.status + ')'}", "value": c.case_number}
                for c in cases.list_cases(svc.db, who)]
        if not current:
            return [], HIDDEN, HIDDEN, [], mine
        snapshot = svc.registry.get() if svc.registry.peek() is not None else None
        try:
            ws = cases.case_workspace(svc.db, who, current, snapshot, client_addr=request.remote_addr)
        except (CaseError, CaseNotFound) as exc:
            return [str(exc)], HIDDEN, HIDDEN, [], mine
        incidents = [{"label": f"{i.incident_number} · {i.nature_of_call}", "value": i.incident_number}
                     for i in ws.incidents]
        return (render_case(ws), SHOWN if ws.status == "open" else HIDDEN, SHOWN if ws.can_undo else HIDDEN,
                incidents, mine)

    @app.callback(
        Output("case-close-plan", "children"),
        Output("case-close-confirm-box", "className"),
        Input("case-close-button", "n_clicks"),
        Input("case-close-cancel", "n_clicks"),
        State("case-current", "data"),
        State("case-outcome", "value"),
        State({"type": "case-clip-outcome", "request": ALL}, "value"),
        State({"type": "case-clip-outcome", "request": ALL}, "id"),
        prevent_initial_call=True,
    )
    def plan(close_clicks, cancel_clicks, current, outcome, clip_values, clip_ids):
        count(close_clicks), count(cancel_clicks)
        current, outcome = text(current, "The case", 60), text(outcome, "The outcome", 40)
        outcomes = _clip_outcomes(clip_values, clip_ids)
        if ctx.triggered_id == "case-close-cancel" or not current:
            return [], HIDDEN
        svc = services()
        try:
            figures = cases.plan_close(svc.db, user(), current, outcome, svc.settings, clip_outcomes=outcomes)
        except PermissionDenied:
            return [DENIED], HIDDEN
        except (CaseError, CaseNotFound) as exc:
            return [str(exc)], HIDDEN
        return close_plan(figures.sentences()), SHOWN
