"""Shared set-up for the live-video tests: a live-access camera, users, incidents."""

from __future__ import annotations

from datetime import UTC, datetime

from auth.users import SessionUser, add_or_update_user, find_user
from dashboard.models import AuditEvent, Camera, CameraSite, Incident, Owner

CAMERA_AT = (32.7810, -96.7990)
CASE = {"kind": "case", "case_number": "25-0280079", "offense_category": "robbery",
        "reason": "Armed robbery at the corner store; suspect fled on foot."}


def add_camera(db, stream_url: str = "http://127.0.0.1:9/cam/1/index.m3u8", sharing: str = "always",
               live_access: bool = True, status: str = "active", at: tuple[float, float] = CAMERA_AT) -> int:
    with db.session() as s:
        owner = Owner(owner_type="business", name="Corner Store LLC", email="store@example.org")
        site = CameraSite(owner=owner, address="100 Main St", latitude=at[0], longitude=at[1],
                          division="CENTRAL", beat="131")
        camera = Camera(site=site, label="Storefront", camera_type="dome", status=status,
                        live_access=live_access, stream_url=stream_url, live_sharing=sharing)
        s.add_all([owner, site, camera])
        s.flush()
        return camera.id


def add_user(db, role: str, username: str | None = None) -> SessionUser:
    name = username or f"{role}1"
    with db.session() as s:
        add_or_update_user(s, name, role=role, full_name=f"Test {role.title()}", password=None)
        return SessionUser.from_model(find_user(s, name))


def add_incident(db, number: str, priority: int, at: tuple[float, float], status: str = "Dispatched") -> None:
    with db.session() as s:
        s.add(Incident(incident_number=number, nature_of_call="19 - Shooting", priority=priority, status=status,
                       received_at=datetime.now(UTC), updated_at=datetime.now(UTC), latitude=at[0],
                       longitude=at[1]))


def set_status(db, number: str, status: str) -> None:
    from sqlalchemy import select

    with db.session() as s:
        s.scalar(select(Incident).where(Incident.incident_number == number)).status = status


def events(db, *actions: str) -> list[AuditEvent]:
    from sqlalchemy import select

    with db.session() as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.id))
        return [r for r in rows]


def start_simulator(**spec):
    """A real camera simulator on a free port (stop() it when done)."""
    from dashboard.live.simulator import CameraSimulator, StreamSpec

    rtsp_port = spec.pop("rtsp_port", None)
    return CameraSimulator("127.0.0.1", 0, StreamSpec(**{"fps": 5, "segment_seconds": 1, **spec}), rtsp_port=rtsp_port).start()


def silent_server():
    """A socket that accepts connections (the kernel completes the handshake) and never answers:
    a hung device."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock
