"""Withdrawal deletes everything personal, in every table and file, and keeps the chain of custody.

Every column of every table (read from `Base.metadata`) is classified below: a new column
without a classification fails `test_every_column_is_classified`, so whoever adds one decides
whether withdrawal must blank it. An owner is seeded with a value in every personal column
(registration, owner, site, camera, outbox emails of every kind, footage requests, their events
and uploads, a live grant on the camera), withdraws through the manage page, and no text column
anywhere, nor a file name under the footage store, still holds their name, email, phone or address.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import String, Text, select

from dashboard.models import Base, Camera, CameraSite, Incident, OutboundEmail, Owner, User, utcnow
from dashboard.models.audit import AuditEvent
from dashboard.models.footage import FootageRequest, FootageRequestEvent, FootageUpload
from dashboard.models.live import LiveGrant
from dashboard.models.registration import Registration, RegistrationToken
from dashboard.owners import links
from dashboard.tokens import digest

NAME, EMAIL, PHONE, ADDRESS = "Philippa Quillfeather", "pquill@example.net", "214-555-0142", "4471 Gaston Ave"
CONTACT, LABEL = "Quillfeather Household", "Quillfeather porch cam"
SECRETS = (NAME, "Quillfeather", EMAIL, "pquill", PHONE, ADDRESS, "4471 Gaston", "rtsp://secret-cam.example")

# True: may hold an owner's personal data (withdrawal blanks it); False: never does.
PERSONAL = {
    "outbound_emails.claimed_by": False,  # the worker that claimed a message
    "owners.name": True, "owners.contact_person": True, "owners.email": True, "owners.phone": True,
    "owners.address": True,
    "camera_sites.address": True, "camera_sites.latitude": True, "camera_sites.longitude": True,
    "cameras.label": True, "cameras.stream_url": True,
    "registrations.pending_payload": True, "registrations.lookup_key": True, "registrations.reject_reason": True,
    "outbound_emails.to_addr": True, "outbound_emails.subject": True, "outbound_emails.body_text": True,
    "outbound_emails.last_error": True,
    "footage_requests.message": True, "footage_requests.owner_note": True,
    "footage_request_events.note": True,
    "footage_uploads.original_name": True,
}
# the police's own words and records, the evidence, ids, statuses and times: not an owner's data
NOT_PERSONAL_COLUMNS = {
    "audit_events": "the police's actions, hash-chained; details name ids, never owner text",
    "users": "employees", "incidents": "CAD calls", "live_grants": "the police's purpose for a view",
    "registry_version": "a counter", "registry_changes": "ids only",
    "audit_verifications": "results of the audit chain's checks",
    "transparency_reports": "the public report: aggregate counts only",
    "cases": "the police's case files (evidence, kept)", "case_incidents": "CAD calls of a case",
    "case_notes": "the police's case notes (evidence, kept)", "user_preferences": "employees' settings",
}


@pytest.fixture
def settings_overrides(tmp_path) -> dict:
    return {"footage_storage_dir": str(tmp_path / "footage")}


def _personal(table: str, column: str) -> bool | None:
    key = f"{table}.{column}"
    if key in PERSONAL:
        return PERSONAL[key]
    if table in NOT_PERSONAL_COLUMNS:
        return False
    if column == "id" or column.endswith(("_id", "_at", "_hash")) or column in _PLAIN:
        return False
    return None


# columns that are codes, counts or flags wherever they appear
_PLAIN = {"status", "kind", "language", "owner_type", "division", "beat", "camera_type", "placement",
          "direction_deg", "fov_deg", "range_m", "retention_days", "live_access", "live_sharing", "purpose",
          "related_type", "attempts", "camera_count", "case_number", "window_start", "window_end", "outcome",
          "actor", "content_type", "size_bytes", "sha256", "stored_path", "version", "pending_since",
          "reviewed_by", "requested_by", "at"}


def test_every_column_is_classified():
    unclassified = [f"{t.name}.{c.name}" for t in Base.metadata.sorted_tables for c in t.columns
                    if _personal(t.name, c.name) is None]
    assert not unclassified, f"classify these columns in PERSONAL: {unclassified}"


def _seed(db, storage: Path) -> dict:
    now = utcnow()
    with db.session() as s:
        detective = User(username="det_w", full_name="Det W", role="detective", password_hash="x")
        owner = Owner(owner_type="resident", name=NAME, contact_person=CONTACT, email=EMAIL, phone=PHONE,
                      address=f"{ADDRESS}, Dallas, TX 75214")
        site = CameraSite(owner=owner, address=f"{ADDRESS}, Dallas, TX 75214", latitude=32.812345,
                          longitude=-96.765432, division="NORTHEAST", beat="211")
        camera = Camera(site=site, label=LABEL, camera_type="doorbell", status="active", retention_days=7,
                        live_access=True, live_sharing="incident", stream_url="rtsp://secret-cam.example/live")
        incident = Incident(incident_number="25-0999001", nature_of_call="BURGLARY", priority=2, received_at=now)
        s.add_all([detective, owner, site, camera, incident])
        s.flush()
        reg = Registration(status="approved", owner_id=owner.id, site_id=site.id, lookup_key=digest(EMAIL),
                           pending_payload=json.dumps({"name": NAME, "email": EMAIL, "phone": PHONE}),
                           reject_reason=f"earlier: {NAME} typed the address wrong", camera_count=1)
        s.add(reg)
        s.flush()
        links.issue(s, "manage", now + timedelta(hours=1), owner_id=owner.id)
        email = OutboundEmail(kind="footage_request", to_addr=EMAIL, subject=f"Footage near {ADDRESS}",
                              body_text=f"Dear {NAME},\nyour camera {LABEL} ...", status="sent",
                              last_error=f"550 {EMAIL} mailbox full")
        notice = OutboundEmail(kind="registration_confirm", to_addr=EMAIL, subject="Confirm",
                               body_text=f"Dear {NAME}", status="queued")
        reminder = OutboundEmail(kind="footage_reminder", to_addr=EMAIL, subject="Reminder",
                                 body_text=f"{NAME}, {PHONE}", status="queued")
        s.add_all([email, notice, reminder])
        s.flush()
        req = FootageRequest(incident_id=incident.id, camera_id=camera.id, owner_id=owner.id,
                             requested_by=detective.id, case_number="25-0999001", window_start=now,
                             window_end=now + timedelta(hours=1), message=f"Dear {NAME}, please help",
                             token_hash="a" * 64, status="footage_received", expires_at=now + timedelta(days=7),
                             owner_note=f"call me on {PHONE}, {NAME}", email_id=email.id)
        s.add(req)
        s.flush()
        s.add_all([FootageRequestEvent(request_id=req.id, status="queued", actor="det_w", note="email queued"),
                   FootageRequestEvent(request_id=req.id, status="footage_received", actor="owner",
                                       note=f"{NAME} porch.mp4 (10 bytes, sha256 {'b' * 64})")])
        folder = storage / str(req.id)
        folder.mkdir(parents=True)
        clip = folder / f"1_{'b' * 16}.mp4"
        clip.write_bytes(b"0123456789")
        upload = FootageUpload(request_id=req.id, original_name=f"{NAME} {ADDRESS} porch.mp4",
                               content_type="video/mp4", size_bytes=10, sha256="b" * 64, stored_path=str(clip))
        grant = LiveGrant(user_id=detective.id, camera_id=camera.id, purpose_kind="incident",
                          incident_number="25-0999001", reason="suspect fled north", expires_at=now,
                          token_hash="c" * 64)
        s.add_all([upload, grant])
        s.flush()
        return {"owner": owner.id, "request": req.id, "email": email.id, "clip": clip}


def _text_values(db) -> list[tuple[str, str]]:
    found = []
    with db.session() as s:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            for row in s.execute(select(*columns)).all() if columns else []:
                found += [(f"{table.name}.{c.name}", v) for c, v in zip(columns, row, strict=True) if v]
    return found


def test_withdrawal_leaves_nothing_personal_and_keeps_custody(app, db, settings):
    from dashboard.owners import owner_control

    storage = Path(settings.footage_storage_dir)
    seeded = _seed(db, storage)
    before = _text_values(db)
    # the seed really put a personal value into every personal text column
    filled = {where for where, value in before if any(x in value for x in SECRETS)}
    text_personal = {k for k, v in PERSONAL.items() if v and not k.startswith("camera_sites.l")
                     and k != "registrations.lookup_key"}
    assert text_personal <= filled, text_personal - filled

    assert owner_control.withdraw(db, seeded["owner"], settings=settings) == 1

    left = [(where, value[:80]) for where, value in _text_values(db)
            if any(x.lower() in value.lower() for x in SECRETS)]
    assert not left, left
    files = [p.name for p in storage.rglob("*")]
    assert not [f for f in files if any(re.search(re.escape(x), f, re.I) for x in SECRETS)]
    with db.session() as s:
        site = s.scalar(select(CameraSite))
        assert (site.latitude, site.longitude) == (32.81, -96.77)  # about 1 km: no house
        assert s.scalar(select(RegistrationToken)) is None
        assert s.scalar(select(Registration)).lookup_key is None
        # the chain of custody: the request, both events, the upload's hash and file, the sent email's record
        req = s.get(FootageRequest, seeded["request"])
        assert req.status == "footage_received" and req.case_number == "25-0999001"
        assert [e.status for e in s.scalars(select(FootageRequestEvent).order_by(FootageRequestEvent.id))] == \
            ["queued", "footage_received"]
        upload = s.scalar(select(FootageUpload))
        assert upload.sha256 == "b" * 64 and upload.original_name.endswith(".mp4")
        assert Path(upload.stored_path).read_bytes() == b"0123456789"
        kept = s.get(OutboundEmail, seeded["email"])
        assert kept.status == "sent" and kept.body_text == "" and req.email_id == kept.id
        assert s.scalar(select(OutboundEmail).where(OutboundEmail.id != kept.id)) is None
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "registration_withdrawn"))
        assert json.loads(event.detail) == {"cameras": 1, "emails_deleted": 2, "emails_blanked": 1,
                                            "uploads_renamed": 1}
        assert s.scalar(select(LiveGrant)).ended_at is not None  # the running view ended
