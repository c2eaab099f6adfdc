"""The camera details panel (#camera-detail); its owner-reveal form is layouts/owner_contact.py.

Takes a camera's details duck-typed (dashboard.registry.cameras.CameraDetails), so this module
imports no service. React escapes every string here: owner-typed labels never become markup.
"""

from __future__ import annotations

from dash import html

from .constants import CAMERA_TYPES, OWNER_TYPES
from .live import sharing_label
from .owner_contact import reveal_form

_CAMERA_TYPE = dict(CAMERA_TYPES)
_OWNER_TYPE = dict(OWNER_TYPES)
_POINTS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def direction(direction_deg: float | None, fov_deg: float | None) -> str:
    if direction_deg is None:
        return "unknown"
    fov = f", {fov_deg:.0f}° field of view" if fov_deg is not None else ""
    return f"{direction_deg:.0f}° ({_POINTS[int((direction_deg + 22.5) // 45) % 8]}){fov}"


def render_details(d, viewer_can_reveal: bool = False, live=None, categories=()) -> list:
    """`viewer_can_reveal` only decides whether the reveal form is shown; the reveal service
    checks the permission again on every call. `live`: the live-view button (layouts/live.py).
    `categories`: the offense categories of the reveal form, (key, label) pairs."""
    rows = [
        ("Camera #", str(d.camera_id)),
        ("Type", f"{_CAMERA_TYPE.get(d.camera_type, d.camera_type)} · {d.placement}"),
        ("Owner type", _OWNER_TYPE.get(d.owner_type, d.owner_type)),
        ("Facing", direction(d.direction_deg, d.fov_deg)),
        ("Range", f"{d.range_m:.0f} m" if d.range_m else "unknown"),
        ("Keeps footage", f"{d.retention_days} days"),
        ("Where", d.block or "—"),
        ("Division / beat", f"{(d.division or '—').title()} / {d.beat or '—'}"),
        ("Registered", d.registered_at.strftime("%Y-%m-%d")),
        ("Verified", "yes" if d.verified else "not yet"),
        ("Live sharing", sharing_label(d.live_access, getattr(d, "live_sharing", None))),
    ]
    return [
        html.H3(d.label, id="camera-detail-label"),
        html.Span("live access" if d.live_access else "registered only",
                  className="cd-badge live" if d.live_access else "cd-badge"),
        html.Dl([item for k, v in rows for item in (html.Dt(k), html.Dd(v))]),
        *([live] if live is not None else []),
        reveal_form(d.camera_id, categories) if viewer_can_reveal else
        html.Div("Owner details are shown only to detectives, supervisors and admins, for a stated case "
                 "and reason, and every access is audited.", className="cd-note"),
    ]


def message(text: str) -> html.Div:
    return html.Div(text, className="cd-empty")
