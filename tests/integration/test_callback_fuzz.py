"""Crafted payloads for EVERY registered Dash callback, as every role: never a 500.

The callbacks are read from `app.callback_map` (a new callback is fuzzed without editing this
file). Each input and state gets wrong types and hostile values, all at once and one at a time;
the answer must be a 4xx with a message, or 200/204. The envelope itself (an unknown output, a
clientside callback's id, inputs that are not a list) is crafted too.
"""

from __future__ import annotations

import json

import pytest

from dashboard.vocabulary import ROLES
from tests.conftest import dash_headers, login

pytestmark = pytest.mark.slow

HOSTILE = (None, [], [1, "x", None], {}, {"properties": "x", "geometry": 5}, 2**63, -(2**63) - 1, 10**400,
           "NaN", "inf", "1e309", float("nan"), "x" * 100_000, "\x00\u202e<script>", True, 3.5)
# json.dumps writes NaN and Infinity (not JSON, but Python's parser and a crafted client send them)
_ENCODE = json.JSONEncoder(allow_nan=True)


def _prop_id(dep: dict) -> str:
    return f"{dep['id']}.{dep['property']}"


def _outputs(key: str) -> list[dict] | dict:
    """As the renderer sends them: a list for several outputs, an object for one."""
    out = []
    for part in key.strip(".").split("..."):
        ident, prop = part.rsplit(".", 1)
        ident = json.loads(ident) if ident.startswith("{") else ident
        out.append({"id": ident, "property": prop.split("@")[0]})
    return out if key.startswith("..") else out[0]


def _dep(spec: dict, value) -> dict | list:
    ident = spec["id"]
    if ident.startswith("{"):  # a pattern-matching (ALL) input: the renderer sends a list
        pattern = json.loads(ident)
        concrete = {k: (value if v == ["ALL"] and not isinstance(value, dict | list) else 1 if v == ["ALL"] else v)
                    for k, v in pattern.items()}
        return [{"id": concrete, "property": spec["property"], "value": value}]
    return {"id": ident, "property": spec["property"], "value": value}


def body(key: str, spec: dict, values: list, *, changed: int = 0) -> dict:
    deps = [*spec["inputs"], *spec["state"]]
    n_in = len(spec["inputs"])
    args = [_dep(d, v) for d, v in zip(deps, values, strict=True)]
    changed_ids = [_prop_id(spec["inputs"][changed])] if spec["inputs"] and "{" not in spec["inputs"][changed]["id"] \
        else []
    if spec["inputs"] and "{" in spec["inputs"][changed]["id"]:
        first = args[changed][0]
        changed_ids = [json.dumps(first["id"], separators=(",", ":"), sort_keys=True) + "." + first["property"]]
    return {"output": key, "outputs": _outputs(key), "inputs": args[:n_in], "state": args[n_in:],
            "changedPropIds": changed_ids}


@pytest.fixture(autouse=True)
def _answers_like_production(app):
    """An uncaught exception answers 500 as in production (the test client would re-raise it)."""
    app.server.config["PROPAGATE_EXCEPTIONS"] = False


def post(client, payload) -> tuple[int, str]:
    data = payload if isinstance(payload, str | bytes) else _ENCODE.encode(payload)
    response = client.post("/_dash-update-component", data=data, headers=dash_headers(client))
    return response.status_code, response.get_data(as_text=True)


def server_callbacks(app) -> dict[str, dict]:
    return {k: v for k, v in app.callback_map.items() if "callback" in v}


def test_the_fuzz_reaches_every_server_callback(app):
    names = {v["callback"].__name__ for v in server_callbacks(app).values()}
    # a guard against fuzzing nothing: the dashboard's own callbacks are all there
    assert {"on_camera_click", "on_search", "poll_incidents", "on_footage", "on_reveal",
            "update_camera_layer", "cameras_in_drawn_area"} <= names


@pytest.mark.parametrize("role", ROLES)
def test_no_crafted_callback_input_answers_500(app, client, make_user, role):
    login(client, make_user(f"fuzz_{role}", role))
    assert client.get("/_dash-layout").status_code == 200  # as the page does: sets the CSRF token
    failures = []
    for key, spec in server_callbacks(app).items():
        n = len(spec["inputs"]) + len(spec["state"])
        for value in HOSTILE:
            cases = [[value] * n] + [[None] * i + [value] + [None] * (n - i - 1) for i in range(n)]
            for values in cases:
                status, text = post(client, body(key, spec, values))
                if status >= 500 or (400 <= status < 500 and not text.strip()):
                    failures.append((key[:60], repr(value)[:30], values.index(value), status, text[:120]))
    assert not failures, f"{len(failures)} crafted inputs failed, e.g. {failures[:5]}"


@pytest.mark.parametrize("payload", [
    "not json", "[]", "{}", {"output": "nope.children"}, {"output": 5}, {"output": "camera-layer.data"},
    {"output": "camera-layer.data", "inputs": "x"}, "single output as a list", {"output": "search-result.children..camera-map.viewport",
                                                      "inputs": [{"id": "search-box"}]},
])
def test_a_crafted_envelope_answers_400(app, client, make_user, payload):
    login(client, make_user("fuzz_env", "analyst"))
    client.get("/_dash-layout")
    if isinstance(payload, dict) and payload.get("output") == "camera-layer.data":
        # an output that belongs to a clientside callback: there is no server function
        payload = {**payload, "output": next(k for k, v in app.callback_map.items() if "callback" not in v)}
    if payload == "single output as a list":
        key, spec = next((k, v) for k, v in server_callbacks(app).items() if not k.startswith(".."))
        payload = {**body(key, spec, [None] * (len(spec["inputs"]) + len(spec["state"]))), "outputs": [{}]}
    status, text = post(client, payload)
    assert 400 <= status < 500 and "message" in json.loads(text), (status, text[:200])


def test_unknown_component_suite_file_is_a_plain_404(client):
    for path in ("/_dash-component-suites/dash/nope.js", "/_dash-component-suites/nope/x.js",
                 "/_dash-component-suites/dash/../../etc/passwd"):
        response = client.get(path)
        assert response.status_code == 404, (path, response.status_code)
        assert "Traceback" not in response.get_data(as_text=True)
