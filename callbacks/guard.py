"""Crafted requests to Dash's own endpoints answer a 4xx with a message, never a 500.

Three doors: the envelope of `/_dash-update-component` (which callback, how many inputs) is
checked before Dash reads it; a callback's values are parsed by callbacks/context.py, whose
BadInput becomes a 400 JSON here; an unknown file under `/_dash-component-suites/` is a plain
404 instead of Dash's exception (and its logged traceback).
"""

from __future__ import annotations

import functools

from dash.exceptions import DependencyException
from flask import jsonify, request

from .context import BadInput

UPDATE = "_dash-update-component"
SUITES = "_dash-component-suites/<string:package_name>/<path:fingerprinted_path>"


def _dependency(dep, spec: dict, where: str) -> None:
    pattern = spec["id"].startswith("{")
    for one in (dep if pattern and isinstance(dep, list) else [dep]):
        if not isinstance(one, dict) or not isinstance(one.get("property"), str) \
                or not isinstance(one.get("id"), dict if pattern else str):
            raise BadInput(f"Each of {where} must name a component id and property.")


def check_envelope(callback_map: dict, body) -> None:
    """The callback named exists on the server and gets as many inputs and states as it takes."""
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        raise BadInput("A callback request is a JSON object naming its output.")
    spec = callback_map.get(body["output"])
    if spec is None or "callback" not in spec:
        raise BadInput("No server callback has that output.")
    for field in ("inputs", "state"):
        deps = body.get(field, [])
        if not isinstance(deps, list) or len(deps) != len(spec[field]):
            raise BadInput(f"This callback takes {len(spec[field])} {field}.")
        for dep, dep_spec in zip(deps, spec[field], strict=True):
            _dependency(dep, dep_spec, field)
    # several outputs ("..a.b...c.d..") travel as a list of that length, a single one as an object
    outputs = body.get("outputs")
    several = body["output"].startswith("..")
    count = len(body["output"].strip(".").split("...")) if several else 1
    if not isinstance(outputs, list if several else dict) or (several and len(outputs) != count):
        raise BadInput(f"This callback has {count} output{'s' if several else ''}.")
    if not all(isinstance(o, dict) and "id" in o and isinstance(o.get("property"), str)
               for o in (outputs if several else [outputs])):
        raise BadInput("Each output must name a component id and property.")
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        raise BadInput("changedPropIds must be a list of texts.")


def install(app) -> None:
    server = app.server
    update_path = app.config.routes_pathname_prefix + UPDATE

    @server.before_request
    def _check_callback_envelope():
        # after the login gate (registered earlier): an anonymous caller has had its 401
        if request.path == update_path and request.method == "POST":
            check_envelope(app.callback_map, request.get_json(silent=True))

    @server.errorhandler(BadInput)
    def _bad_input(exc: BadInput):
        return jsonify(message=str(exc)), 400

    endpoint = app.config.routes_pathname_prefix + SUITES
    serve = server.view_functions[endpoint]

    @functools.wraps(serve)
    def _serve_known_files(*args, **kwargs):
        try:
            return serve(*args, **kwargs)
        except (DependencyException, KeyError, OSError):
            return "No such file.", 404, {"Content-Type": "text/plain; charset=utf-8"}

    server.view_functions[endpoint] = _serve_known_files
