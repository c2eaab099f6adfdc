"""Footage requests (dashboard.footage): permissions, window, tokens, the owner's answers,
uploads, expiry, reminders, closing, and an SMTP outage against a real SMTP server."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from auth.permissions import PermissionDenied
from auth.users import SessionUser, find_user
from dashboard import footage
from dashboard.footage import FootageError, OwnerPageError
from dashboard.jobs.mail import SmtpSettings, deliver_due
from dashboard.models import AuditEvent, Camera, CameraSite, Incident, OutboundEmail, Owner, utcnow
from dashboard.models.footage import FootageRequest, FootageRequestEvent, FootageUpload
from tests.conftest import Inbox, free_port

LINK = re.compile(r"/register/requests/([A-Za-z0-9_-]{20,})")
FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 8


@pytest.fixture
def settings_overrides(tmp_path):
    return {"footage_storage_dir": str(tmp_path / "footage"), "public_base_url": "https://connect.example.gov"}


@pytest.fixture
def world(db):
    """An incident and three active cameras: two of one owner, one of another; one inactive."""
    with db.session() as s:
        a = Owner(owner_type="business", name="Alpha Tacos", contact_person="Ann Alpha", email="ann@example.org")
        b = Owner(owner_type="resident", name="Bo Beta", email="bo@example.org")
        site_a = CameraSite(owner=a, latitude=32.781, longitude=-96.797)
        site_b = CameraSite(owner=b, latitude=32.782, longitude=-96.798)
        cams = [Camera(site=site_a, label="Front door", camera_type="dome", status="active"),
                Camera(site=site_a, label="Parking", camera_type="bullet", status="active"),
                Camera(site=site_b, label="Porch", camera_type="doorbell", status="active"),
                Camera(site=site_b, label="Old", camera_type="doorbell", status="withdrawn")]
        inc = Incident(incident_number="250001234", nature_of_call="19 - Shooting", priority=1,
                       received_at=utcnow() - timedelta(hours=3), latitude=32.781, longitude=-96.797,
                       block="1200", location="ELM ST")
        s.add_all([a, b, site_a, site_b, *cams, inc])
        s.flush()
        return {"incident": inc.id, "number": inc.incident_number, "cameras": [c.id for c in cams]}


def session_user(db, make_user, role: str) -> SessionUser:
    name = make_user(f"{role}9", role)
    with db.session() as s:
        return SessionUser.from_model(find_user(s, name))


def window(hours: float = 1.0):
    end = utcnow() - timedelta(hours=1)
    return end - timedelta(hours=hours), end


def send(db, user, world, settings, cameras=None, hours=1.0, **kw):
    start, end = window(hours)
    return footage.send_requests(db, user, world["incident"], cameras or world["cameras"][:1], start, end,
                                 kw.pop("message", "Please keep the clip."), settings, **kw)


def tokens(db, related_type=footage.RELATED) -> dict[int, str]:
    """request id -> the link token emailed for it (an email may carry several links, one per camera)."""
    found: dict[int, str] = {}
    with db.session() as s:
        for m in s.scalars(select(OutboundEmail).where(OutboundEmail.related_type == related_type)):
            for token in LINK.findall(m.body_text):
                digest = hashlib.sha256(token.encode()).hexdigest()
                req = s.scalar(select(FootageRequest).where(
                    (FootageRequest.token_hash == digest) | (FootageRequest.reminder_token_hash == digest)))
                found[req.id] = token
    return found


def count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def status_of(db, request_id: int) -> str:
    with db.session() as s:
        return s.get(FootageRequest, request_id).status


@pytest.mark.parametrize("role, allowed", [("detective", True), ("supervisor", True), ("analyst", False),
                                           ("admin", False)])
def test_who_may_send(db, make_user, world, settings, role, allowed):
    user = session_user(db, make_user, role)
    if allowed:
        created = send(db, user, world, settings, cameras=world["cameras"][:3])
        assert [c.status for c in created] == ["queued"] * 3
        assert count(db, OutboundEmail) == 2   # one per owner: Alpha's two cameras share an email
    else:
        with pytest.raises(PermissionDenied):
            send(db, user, world, settings)
        assert count(db, FootageRequest) == 0 and count(db, OutboundEmail) == 0
    with db.session() as s:
        events = [(e.action, e.outcome, e.username) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.action == "footage_request"))]
    assert events == ([("footage_request", "ok", user.username)] * 3 if allowed
                      else [("footage_request", "denied", user.username)])


def test_email_content(db, make_user, world, settings):
    user = session_user(db, make_user, "detective")
    send(db, user, world, settings, case_number="25-0280079")
    with db.session() as s:
        mail = s.scalar(select(OutboundEmail))
    assert mail.to_addr == "ann@example.org" and "250001234" in mail.subject
    body = mail.body_text
    for text in ("250001234", "1200 ELM ST", "Test Detective", settings.footage_callback_phone, "25-0280079",
                 "Front door", "voluntary", "https://connect.example.gov/register/requests/", "CDT"):
        assert text in body or (text == "CDT" and "CST" in body), text
    assert "Shooting" not in body  # the nature of the call stays with the police


@pytest.mark.parametrize("hours, start_shift, message", [
    (2.5, 0, "at most 2 hours"), (-1, 0, "after the start"), (1, 5, "not happened yet")])
def test_window_is_validated(db, make_user, world, settings, hours, start_shift, message):
    user = session_user(db, make_user, "detective")
    start = utcnow() - timedelta(hours=2) + timedelta(hours=start_shift)
    with pytest.raises(FootageError, match=message):
        footage.send_requests(db, user, world["incident"], world["cameras"][:1], start,
                              start + timedelta(hours=hours), None, settings)
    assert count(db, FootageRequest) == 0 and count(db, OutboundEmail) == 0


def test_bad_cameras_and_duplicates_refused(db, make_user, world, settings):
    user = session_user(db, make_user, "detective")
    with pytest.raises(FootageError, match="not an active"):
        send(db, user, world, settings, cameras=[world["cameras"][3]])
    with pytest.raises(FootageError, match="at least one camera"):
        footage.send_requests(db, user, world["incident"], [], *window(), None, settings)
    send(db, user, world, settings)
    with pytest.raises(FootageError, match="already has an open request"):
        send(db, user, world, settings)
    assert count(db, FootageRequest) == 1


def test_token_is_stored_hashed(db, make_user, world, settings):
    user = session_user(db, make_user, "detective")
    [created] = send(db, user, world, settings)
    token = tokens(db)[created.id]
    with db.session() as s:
        req = s.get(FootageRequest, created.id)
        assert req.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in " ".join(str(v) for v in vars(req).values())


def test_open_once_and_decide_once(db, make_user, world, settings):
    user = session_user(db, make_user, "detective")
    [created] = send(db, user, world, settings)
    token = tokens(db)[created.id]
    view = footage.open_request(db, token, settings)
    assert view.incident_number == "250001234" and view.can_decide and view.detective_name == "Test Detective"
    footage.open_request(db, token, settings)
    assert status_of(db, created.id) == "opened"
    view = footage.decide(db, token, True, "Call me after 5pm", settings)
    assert view.decided == "accepted" and not view.can_decide
    with pytest.raises(OwnerPageError) as refused:
        footage.decide(db, token, False, "changed my mind", settings)
    assert refused.value.status == 409 and "already answered" in refused.value.message
    assert status_of(db, created.id) == "accepted"
    with db.session() as s:
        steps = [e.status for e in s.scalars(select(FootageRequestEvent).where(
            FootageRequestEvent.request_id == created.id).order_by(FootageRequestEvent.id))]
        req = s.get(FootageRequest, created.id)
        assert req.owner_note == "Call me after 5pm"
    assert steps == ["queued", "opened", "accepted"]
    rows = footage.list_requests(db, user, incident=world["number"])
    assert [(r.status, r.owner_note) for r in rows] == [("accepted", "Call me after 5pm")]


def test_bad_token_is_404(db, settings):
    for token in ("x" * 43, "short", None):
        with pytest.raises(OwnerPageError) as refused:
            footage.open_request(db, token, settings)
        assert refused.value.status == 404


def test_expiry(db, make_user, world, settings):
    user = session_user(db, make_user, "detective")
    a, b = send(db, user, world, settings, cameras=world["cameras"][:2])
    later = utcnow() + timedelta(days=settings.footage_link_expiry_days, minutes=1)
    with pytest.raises(OwnerPageError) as refused:
        footage.open_request(db, tokens(db)[a.id], settings, now=later)
    assert refused.value.status == 410 and status_of(db, a.id) == "expired"
    assert footage.expire_and_remind(db, settings, now=later) == (1, 0)
    assert status_of(db, b.id) == "expired"
    assert footage.expire_and_remind(db, settings, now=later) == (0, 0)


def test_reminder_goes_once_and_its_link_works(db, make_user, world, settings):
    user = session_user(db, make_user, "detective")
    [created] = send(db, user, world, settings)
    footage.sync_sent(db)  # nothing sent yet: a queued request gets no reminder
    soon = utcnow() + timedelta(days=settings.footage_link_expiry_days - settings.footage_reminder_days_before,
                                minutes=1)
    assert footage.expire_and_remind(db, settings, now=soon) == (0, 0)
    with db.session() as s:
        s.scalar(select(OutboundEmail)).status = "sent"
    assert footage.sync_sent(db) == 1 and status_of(db, created.id) == "sent"
    early = utcnow() + timedelta(days=1)
    assert footage.expire_and_remind(db, settings, now=early) == (0, 0)
    assert footage.expire_and_remind(db, settings, now=soon) == (0, 1)
    assert footage.expire_and_remind(db, settings, now=soon + timedelta(hours=1)) == (0, 0)
    reminder = tokens(db, footage.RELATED_REMINDER)[created.id]
    first = tokens(db)[created.id]
    assert reminder != first
    assert footage.open_request(db, reminder, settings).incident_number == "250001234"
    assert footage.open_request(db, first, settings).incident_number == "250001234"


def test_upload_records_sha256_and_stores_file(db, make_user, world, settings):
    user = session_user(db, make_user, "detective")
    [created] = send(db, user, world, settings)
    token = tokens(db)[created.id]
    got = footage.upload(db, token, "../../etc/clip.mp4", "video/mp4", io.BytesIO(FAKE_MP4), settings)
    assert got.sha256 == hashlib.sha256(FAKE_MP4).hexdigest() and got.size_bytes == len(FAKE_MP4)
    assert got.name == "clip.mp4"
    with db.session() as s:
        row = s.scalar(select(FootageUpload))
        assert row.sha256 == got.sha256 and row.received_at is not None
        path = Path(settings.footage_storage_dir) / row.stored_path
        assert row.stored_path.startswith(f"{created.id}/")  # a key inside the store, not a host's path
        assert hashlib.sha256(path.read_bytes()).hexdigest() == got.sha256
    assert status_of(db, created.id) == "footage_received"  # uploading also accepted the request
    assert footage.list_requests(db, user)[0].uploads == 1


def _stored_files(settings) -> list[Path]:
    root = Path(settings.footage_storage_dir)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("content, ctype, status", [
    (b"<html><script>alert(1)</script></html>", "text/html", 415),
    (b"<html>not a video</html>", "video/mp4", 415),     # labelled mp4, does not look like one
    (b"", "video/mp4", 422),
])
def test_refused_upload_stores_nothing(db, make_user, world, settings, content, ctype, status):
    user = session_user(db, make_user, "detective")
    [created] = send(db, user, world, settings)
    with pytest.raises(OwnerPageError) as refused:
        footage.upload(db, tokens(db)[created.id], "x.mp4", ctype, io.BytesIO(content), settings)
    assert refused.value.status == status
    assert _stored_files(settings) == [] and count(db, FootageUpload) == 0


def test_oversize_upload_refused_while_reading(db, make_user, world, settings):
    from dataclasses import replace

    small = replace(settings, footage_upload_max_mb=1)
    user = session_user(db, make_user, "detective")
    [created] = send(db, user, world, small)
    big = FAKE_MP4 + b"\x00" * (1024 * 1024)
    with pytest.raises(OwnerPageError) as refused:
        footage.upload(db, tokens(db)[created.id], "big.mp4", "video/mp4", io.BytesIO(big), small)
    assert refused.value.status == 413
    assert _stored_files(small) == [] and count(db, FootageUpload) == 0
    assert status_of(db, created.id) == "opened"


def test_declined_request_takes_no_upload(db, make_user, world, settings):
    user = session_user(db, make_user, "detective")
    [created] = send(db, user, world, settings)
    token = tokens(db)[created.id]
    footage.decide(db, token, False, None, settings)
    with pytest.raises(OwnerPageError) as refused:
        footage.upload(db, token, "a.mp4", "video/mp4", io.BytesIO(FAKE_MP4), settings)
    assert refused.value.status == 409 and _stored_files(settings) == []


def test_close_case_tells_owners_who_accepted(db, make_user, world, settings):
    user = session_user(db, make_user, "detective")
    a, b, c = send(db, user, world, settings, cameras=world["cameras"][:3])
    t = tokens(db)
    footage.decide(db, t[a.id], True, None, settings)
    footage.decide(db, t[c.id], False, None, settings)
    analyst = session_user(db, make_user, "analyst")
    with pytest.raises(PermissionDenied):
        footage.close_case(db, analyst, world["incident"], "used", settings)
    with pytest.raises(FootageError):
        footage.close_case(db, user, world["incident"], "maybe", settings)
    assert footage.close_case(db, user, world["number"], "used", settings) == 3
    assert {status_of(db, r.id) for r in (a, b, c)} == {"closed"}
    with db.session() as s:
        closing = s.scalars(select(OutboundEmail).where(OutboundEmail.related_type == footage.RELATED_CLOSED)).all()
        assert [(m.related_id, m.to_addr) for m in closing] == [(a.id, "ann@example.org")]
        assert "was used" in closing[0].body_text
        assert s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == "footage_request_closed")) == 3
    with pytest.raises(OwnerPageError) as refused:
        footage.open_request(db, t[a.id], settings)
    assert refused.value.status == 410


def test_detective_sees_own_requests_supervisor_sees_all(db, make_user, world, settings):
    det = session_user(db, make_user, "detective")
    sup = session_user(db, make_user, "supervisor")
    send(db, det, world, settings, cameras=world["cameras"][:1])
    send(db, sup, world, settings, cameras=world["cameras"][1:2])
    assert [r.camera_id for r in footage.list_requests(db, det)] == world["cameras"][:1]
    assert len(footage.list_requests(db, sup)) == 2
    assert len(footage.list_requests(db, det, incident=world["incident"])) == 2  # the incident's requests
    with pytest.raises(PermissionDenied):
        footage.list_requests(db, session_user(db, make_user, "analyst"))


def test_smtp_outage_keeps_request_queued_then_sent(db, make_user, world, settings):
    user = session_user(db, make_user, "detective")
    [created] = send(db, user, world, settings)
    down = SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2)
    assert deliver_due(db, down).failed == 1
    footage.refresh(db, settings)
    [row] = footage.list_requests(db, user)
    assert row.status == "queued" and row.mail == "queued" and row.status_label.startswith("queued")
    assert "retrying" in row.status_label

    inbox = Inbox().start()
    try:
        with db.session() as s:
            message = s.scalar(select(OutboundEmail))
            message.next_attempt_at = message.created_at  # the backoff has passed
        assert deliver_due(db, SmtpSettings(host="127.0.0.1", port=inbox.port)).sent == 1
    finally:
        inbox.stop()
    assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == "ann@example.org"
    assert footage.sync_sent(db) == 1
    [row] = footage.list_requests(db, user)
    assert (row.status, row.mail, row.status_label) == ("sent", "sent", "sent")


def test_sweeper_moves_sent_requests(db, make_user, world, settings):
    import time

    user = session_user(db, make_user, "detective")
    [created] = send(db, user, world, settings)
    with db.session() as s:
        s.scalar(select(OutboundEmail)).status = "sent"
    sweeper = footage.FootageSweeper(db, settings, interval=0.05).start()
    try:
        deadline = time.monotonic() + 5
        while status_of(db, created.id) != "sent" and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sweeper.stop()
    assert status_of(db, created.id) == "sent"


# --- handing received clips over: role, chain of custody, audit -----------------------------------
def _received(db, make_user, world, settings) -> tuple[int, footage.UploadView]:
    created = send(db, session_user(db, make_user, "detective"), world, settings)[0]
    return created.id, footage.upload(db, tokens(db)[created.id], "clip.mp4", "video/mp4", io.BytesIO(FAKE_MP4),
                                      settings)


def _downloads(db) -> list[tuple[str, str, str]]:
    with db.session() as s:
        return [(e.username, e.outcome, e.object_id) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.action == "footage_request_download").order_by(AuditEvent.id))]


@pytest.mark.parametrize("role, allowed", [("detective", True), ("supervisor", True), ("analyst", False),
                                           ("admin", False)])
def test_who_may_receive_a_clip(db, make_user, world, settings, role, allowed):
    request_id, up = _received(db, make_user, world, settings)
    user = session_user(db, make_user, role)
    if allowed:
        got = footage.release_upload(db, user, up.id, footage.clip_storage(settings), client_addr="10.0.0.7")
        assert got.open().read() == FAKE_MP4 and got.sha256 == hashlib.sha256(FAKE_MP4).hexdigest()
        assert got.download_name == "clip.mp4" and got.size_bytes == len(FAKE_MP4)
        assert _downloads(db) == [(user.username, "ok", str(request_id))]
    else:
        with pytest.raises(PermissionDenied):
            footage.release_upload(db, user, up.id, footage.clip_storage(settings))
        assert _downloads(db) == [(user.username, "denied", f"upload {up.id}")]


def test_listing_names_each_received_clip(db, make_user, world, settings):
    _, up = _received(db, make_user, world, settings)
    [row] = footage.list_requests(db, session_user(db, make_user, "supervisor"))
    assert row.uploads == 1 and row.files == (up,) and up.id > 0


def test_a_clip_changed_on_disk_is_not_handed_out(db, make_user, world, settings):
    request_id, up = _received(db, make_user, world, settings)
    [stored] = _stored_files(settings)
    stored.write_bytes(FAKE_MP4[:-1] + b"\x00")  # one byte differs from what the owner sent
    user = session_user(db, make_user, "detective")
    with pytest.raises(footage.FootageUnavailable) as refused:
        footage.release_upload(db, user, up.id, footage.clip_storage(settings))
    assert refused.value.status == 409 and "SHA-256" in refused.value.message
    assert _downloads(db) == [(user.username, "file_changed", str(request_id))]
    stored.unlink()  # e.g. a host that does not mount the store: a fault, not tampering
    with pytest.raises(footage.FootageUnavailable) as gone:
        footage.release_upload(db, user, up.id, footage.clip_storage(settings))
    assert gone.value.status == 503 and "not available on this host" in gone.value.message
    assert _downloads(db) == [(user.username, "file_changed", str(request_id))]  # nothing more recorded


@pytest.mark.parametrize("upload_id", [999_999, "abc", None, "1; DROP TABLE"])
def test_unknown_clip_is_404_and_records_nothing(db, make_user, settings, upload_id):
    with pytest.raises(footage.FootageUnavailable) as refused:
        footage.release_upload(db, session_user(db, make_user, "detective"), upload_id, footage.clip_storage(settings))
    assert refused.value.status == 404 and _downloads(db) == []


# --- retention: clips of a case closed "not needed" go after footage.unneeded_clip_days ----------
@pytest.mark.parametrize("outcome, days_later, deleted", [("not_needed", 31, True), ("not_needed", 29, False),
                                                          ("used", 400, False)])
def test_unneeded_clips_are_deleted_after_the_retention_days(db, make_user, world, settings, outcome, days_later,
                                                             deleted):
    request_id, up = _received(db, make_user, world, settings)
    detective = session_user(db, make_user, "supervisor")
    footage.close_case(db, detective, world["incident"], outcome, settings)
    [stored] = _stored_files(settings)
    later = utcnow() + timedelta(days=days_later)
    assert footage.purge_unneeded_clips(db, settings, now=later) == int(deleted)
    assert stored.exists() is not deleted
    [row] = footage.list_requests(db, detective)
    assert row.files[0].kept is not deleted and row.files[0].sha256 == up.sha256  # the record of receipt stays
    with db.session() as s:
        purges = s.scalars(select(AuditEvent).where(AuditEvent.action == "footage_clip_deleted")).all()
        notes = [e.note for e in s.scalars(select(FootageRequestEvent)
                                           .where(FootageRequestEvent.request_id == request_id))]
    assert len(purges) == int(deleted) and any("deleted" in (n or "") for n in notes) is deleted
    if deleted:
        with pytest.raises(footage.FootageUnavailable) as gone:
            footage.release_upload(db, detective, up.id, footage.clip_storage(settings))
        assert gone.value.status == 410 and "retention" in gone.value.message
        assert footage.purge_unneeded_clips(db, settings, now=later) == 0  # once


def test_a_clip_stays_when_its_deletion_cannot_be_recorded(db, make_user, world, settings):
    """Files go only after the transaction recording their deletion commits: here the database
    refuses the audit event (a real trigger), so the record and the file both stay."""
    from sqlalchemy import text

    _received(db, make_user, world, settings)
    footage.close_case(db, session_user(db, make_user, "supervisor"), world["incident"], "not_needed", settings)
    refuse = {"sqlite": ["CREATE TRIGGER refuse_purge BEFORE INSERT ON audit_events "
                         "WHEN NEW.action = 'footage_clip_deleted' BEGIN SELECT RAISE(ABORT, 'refused'); END"],
              "postgresql": ["CREATE FUNCTION refuse_purge() RETURNS trigger LANGUAGE plpgsql AS "
                             "$$ BEGIN RAISE EXCEPTION 'refused'; END $$",
                             "CREATE TRIGGER refuse_purge BEFORE INSERT ON audit_events FOR EACH ROW "
                             "WHEN (NEW.action = 'footage_clip_deleted') EXECUTE FUNCTION refuse_purge()"]}
    undo = {"sqlite": ["DROP TRIGGER refuse_purge"],
            "postgresql": ["DROP TRIGGER refuse_purge ON audit_events", "DROP FUNCTION refuse_purge()"]}
    with db.engine.begin() as conn:
        for statement in refuse[db.dialect]:
            conn.execute(text(statement))
    try:
        with pytest.raises(Exception, match="refused"):
            footage.purge_unneeded_clips(db, settings, now=utcnow() + timedelta(days=31))
        assert len(_stored_files(settings)) == 1
    finally:
        with db.engine.begin() as conn:
            for statement in undo[db.dialect]:
                conn.execute(text(statement))
    assert footage.purge_unneeded_clips(db, settings, now=utcnow() + timedelta(days=31)) == 1
    assert _stored_files(settings) == []


def test_zero_days_keeps_unneeded_clips(db, make_user, world, settings):
    from dataclasses import replace

    _received(db, make_user, world, settings)
    footage.close_case(db, session_user(db, make_user, "supervisor"), world["incident"], "not_needed", settings)
    keep = replace(settings, footage_unneeded_clip_days=0)
    assert footage.purge_unneeded_clips(db, keep, now=utcnow() + timedelta(days=3000)) == 0
    assert len(_stored_files(settings)) == 1


def test_the_servers_sweeper_applies_the_retention_rule(db, make_user, world, settings):
    request_id, _ = _received(db, make_user, world, settings)
    footage.close_case(db, session_user(db, make_user, "supervisor"), world["incident"], "not_needed", settings)
    with db.session() as s:
        s.get(FootageRequest, request_id).closed_at = utcnow() - timedelta(days=31)
    footage.refresh(db, settings)  # what a dashboard request runs: never deletes files
    assert len(_stored_files(settings)) == 1
    footage.FootageSweeper.sweep(db, settings)
    assert _stored_files(settings) == []


def test_upload_names_lose_control_characters_and_overrides_and_keep_their_extension():
    from dashboard.footage.uploads import NAME_MAX, display_name

    assert display_name("porch\x00cam\r\n\x1b.mp4") == "porch cam.mp4"
    assert display_name("evil\u202egpj.exe") == "evilgpj.exe"
    long = display_name("x" * 5000 + ".mp4")
    assert long.endswith(".mp4") and len(long) == NAME_MAX
    assert display_name("../../etc/passwd") == "passwd" and display_name("\x07") == "unnamed"
    assert display_name("\x00.mp4") == "unnamed.mp4" and display_name(" .mp4") == "unnamed.mp4"
