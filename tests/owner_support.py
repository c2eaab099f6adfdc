"""Shared steps for the owners' HTTP tests: register through the real form, open the link
from the queued email (read from the outbox, as the mail job would send it), manage link."""

from __future__ import annotations

import re

from sqlalchemy import select

from dashboard.models import Camera, OutboundEmail
from dashboard.models.registration import Registration

INSIDE = {"latitude": "32.7767", "longitude": "-96.7970"}


def csrf(client, path: str = "/register") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def registration_form(token: str, cameras: int = 1, **overrides) -> dict:
    data = {"csrf_token": token, "owner_type": "resident", "name": "Ana Pérez", "email": "ana@example.com",
            "phone": "214-555-0100", "address": "1500 Marilla St", "camera_count": str(cameras),
            "consent": "on", "website": "", **INSIDE}
    for i in range(cameras):
        data.update({f"cam-{i}-label": f"Camera {i + 1}", f"cam-{i}-placement": "outdoor",
                     f"cam-{i}-direction": "N", f"cam-{i}-retention": "7", f"cam-{i}-type": "doorbell"})
    data.update(overrides)
    return data


def last_link(db, kind: str) -> str:
    """The path of the newest emailed link of this kind (confirm, manage, reconfirm)."""
    with db.session() as s:
        bodies = s.scalars(select(OutboundEmail.body_text).order_by(OutboundEmail.id.desc())).all()
    for body in bodies:
        match = re.search(rf"https?://[^/\s]+(/register/{kind}/[A-Za-z0-9_\-]+)", body)
        if match:
            return match.group(1)
    raise AssertionError(f"no {kind} link was emailed")


def open_link(client, path: str):
    """Open an emailed confirm/reconfirm link as an owner does: the page, then its button (a
    POST; the GET alone changes nothing). Returns the button's answer, or the page's when the
    link is not valid."""
    page = client.get(path)
    html = page.get_data(as_text=True)
    if page.status_code != 200 or 'id="confirm-link-form"' not in html:
        return page
    form = re.search(r'<form id="confirm-link-form".*?</form>', html, re.S).group(0)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))  # as a browser posts it
    return client.post(path.split("?")[0], data=hidden)


def register_and_confirm(client, db, **form) -> int:
    response = client.post("/register", data=registration_form(csrf(client), **form))
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert open_link(client, last_link(db, "confirm")).status_code == 200
    with db.session() as s:
        return s.scalars(select(Registration.id).order_by(Registration.id.desc())).first()


def approve(admin_client, registration_id: int) -> None:
    token = csrf(admin_client, "/admin/registrations")
    response = admin_client.post(f"/admin/registrations/{registration_id}/approve", data={"csrf_token": token})
    assert response.status_code == 302 and "error" not in response.headers["Location"], response.headers


def manage_path(client, db, email: str = "ana@example.com") -> str:
    response = client.post("/register/manage", data={"csrf_token": csrf(client, "/register/manage"), "email": email})
    assert response.status_code == 200
    return last_link(db, "manage")


def cameras(db) -> list[Camera]:
    with db.session() as s:
        return list(s.scalars(select(Camera).order_by(Camera.id)))


def manage_fields(camera: Camera, **overrides) -> dict:
    """The manage form as the page fills it for this camera, with some fields changed."""
    data = {"label": camera.label, "type": camera.camera_type, "placement": camera.placement,
            "direction": "" if camera.direction_deg is None else str(camera.direction_deg),
            "retention": str(camera.retention_days), "sharing": camera.live_sharing}
    if camera.live_access:
        data["live"] = "on"
    data.update(overrides)
    return {f"cam-{camera.id}-{name}": value for name, value in data.items() if value is not None}
