"""Footage requests end to end over HTTP: the detective sends from the dashboard (the Dash
callback, as the browser posts it), a real SMTP server (aiosmtpd) receives the email, and an
anonymous owner follows the link, accepts and uploads."""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from dashboard import footage
from dashboard.jobs.mail import deliver_due
from dashboard.models import AuditEvent, Camera, CameraSite, Incident, Owner, utcnow
from dashboard.models.footage import FootageRequest, FootageUpload
from tests.conftest import dash_headers, login, post_form

OWNER_EMAIL = "zq.owner@example.org"
OTHER_OWNER = "Unrelated Neighbor LLC"
FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x01\x02" * 2048
LINK = re.compile(r"https?://[^\s]+/register/requests/[A-Za-z0-9_-]+")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def smtp_server(smtp_inbox):
    return smtp_inbox.controller, smtp_inbox


@pytest.fixture
def settings_overrides(tmp_path, smtp_server):
    controller, _ = smtp_server
    return {"footage_storage_dir": str(tmp_path / "footage"), "smtp_host": controller.hostname,
            "smtp_port": controller.port, "public_base_url": "http://owners.example.test"}


@pytest.fixture
def world(db):
    with db.session() as s:
        owner = Owner(owner_type="business", name="Zephyrine Bakery", email=OWNER_EMAIL)
        other = Owner(owner_type="business", name=OTHER_OWNER, email="neighbor@example.org")
        cams = [Camera(site=CameraSite(owner=owner, latitude=32.781, longitude=-96.797), label="Loading dock",
                       camera_type="bullet", status="active"),
                Camera(site=CameraSite(owner=other, latitude=32.7811, longitude=-96.7971), label="Gate",
                       camera_type="dome", status="active")]
        inc = Incident(incident_number="250009876", nature_of_call="19 - Shooting", priority=1,
                       received_at=utcnow() - timedelta(hours=2), latitude=32.781, longitude=-96.797,
                       block="4300", location="ELM ST")
        s.add_all([owner, other, *cams, inc])
        s.flush()
        return {"incident": inc.id, "number": inc.incident_number, "cameras": [c.id for c in cams]}


def _footage_payload(app, incident_number, cameras, start, hours=1, changed="footage-send.n_clicks"):
    [key] = [k for k, v in app.callback_map.items()
             if "footage-send.n_clicks" in {f'{i["id"]}.{i["property"]}' for i in v["inputs"]}]
    spec = app.callback_map[key]
    values = {"footage-send.n_clicks": 1, "footage-close.n_clicks": 0, "footage-refresh.n_intervals": None,
              "selected-incident.data": incident_number, "footage-cameras.value": cameras,
              "footage-start.value": start, "footage-hours.value": hours, "footage-case.value": "",
              "footage-note.value": "Please keep the clip", "footage-outcome.value": "used"}

    def parse(part):
        cid, _, prop = part.partition(".")
        return {"id": cid, "property": prop}

    return {"output": key, "outputs": [parse(p) for p in key[2:-2].split("...")],
            "inputs": [{**parse(f'{i["id"]}.{i["property"]}'), "value": values[f'{i["id"]}.{i["property"]}']}
                       for i in spec["inputs"]],
            "state": [{**parse(f'{s["id"]}.{s["property"]}'), "value": values[f'{s["id"]}.{s["property"]}']}
                      for s in spec["state"]],
            "changedPropIds": [changed]}


def _dash_post(client, body):
    assert client.get("/").status_code == 200
    return client.post("/_dash-update-component", data=json.dumps(body), headers=dash_headers(client))


def _start_local() -> str:
    return (utcnow() - timedelta(hours=2)).astimezone(footage.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _send_by_dashboard(app, client, world) -> dict:
    response = _dash_post(client, _footage_payload(app, world["number"], world["cameras"][:1], _start_local()))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["response"]


def _link_path(inbox) -> str:
    body = inbox.messages[-1].get_payload(decode=True).decode("utf-8")
    return "/" + LINK.search(body).group(0).split("/", 3)[3]


def _received_clip(app, services, detective, inbox, world, db, name="dock.mp4") -> FootageUpload:
    """The detective's dashboard asks for the first camera's footage, the owner uploads one clip by
    the emailed link; the stored upload row."""
    _send_by_dashboard(app, detective, world)
    assert deliver_due(services.db, services.smtp).sent == 1
    path = _link_path(inbox)
    owner = app.server.test_client()
    token = CSRF.search(owner.get(path).get_data(as_text=True)).group(1)
    assert owner.post(f"{path}/upload", content_type="multipart/form-data",
                      data={"csrf_token": token, "files": (io.BytesIO(FAKE_MP4), name, "video/mp4")}
                      ).status_code == 200
    with db.session() as s:
        return s.scalars(select(FootageUpload)).one()


def _sent_by_service(db, services, make_user, world, inbox) -> str:
    """A detective's request for the first camera, sent through the service and mailed; its link path."""
    from auth.users import SessionUser, find_user

    make_user("detective1", "detective")
    with db.session() as s:
        user = SessionUser.from_model(find_user(s, "detective1"))
    start = utcnow() - timedelta(hours=3)
    footage.send_requests(db, user, world["number"], world["cameras"][:1], start, start + timedelta(hours=1),
                          None, services.settings)
    deliver_due(services.db, services.smtp)
    return _link_path(inbox)


def test_owner_path_end_to_end(app, services, login_as, smtp_server, world, db):
    _controller, inbox = smtp_server
    detective = login_as("detective")
    answer = _send_by_dashboard(app, detective, world)
    assert "1 request queued" in json.dumps(answer["footage-message"])
    assert "queued" in json.dumps(answer["footage-requests"])
    with db.session() as s:
        [req] = s.scalars(select(FootageRequest)).all()
        sends = s.scalars(select(AuditEvent).where(AuditEvent.action == "footage_request")).all()
        assert [(e.username, e.outcome, e.object_id) for e in sends] == [("detective1", "ok", str(req.id))]

    assert deliver_due(services.db, services.smtp).sent == 1
    assert footage.sync_sent(db) == 1
    mail = inbox.messages[0]
    assert mail["To"] == OWNER_EMAIL and "250009876" in mail["Subject"]
    path = _link_path(inbox)

    owner = app.server.test_client()  # anonymous: no account
    page = owner.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "250009876" in html and "4300 ELM ST" in html and "Loading dock" in html and "voluntary" in html
    for secret in (OWNER_EMAIL, OTHER_OWNER, "Gate", "Shooting"):
        assert secret not in html
    assert page.headers["Cache-Control"] == "no-store"
    token = CSRF.search(html).group(1)

    accepted = owner.post(f"{path}/decision", data={"csrf_token": token, "decision": "accept",
                                                    "note": "<b>back door</b>"})
    assert accepted.status_code == 200 and "you accepted" in accepted.get_data(as_text=True)
    assert "&lt;b&gt;back door&lt;/b&gt;" in accepted.get_data(as_text=True)  # escaped

    uploaded = owner.post(f"{path}/upload", content_type="multipart/form-data",
                          data={"csrf_token": token, "files": (io.BytesIO(FAKE_MP4), "clip.mp4", "video/mp4")})
    assert uploaded.status_code == 200, uploaded.get_data(as_text=True)[:500]
    digest = hashlib.sha256(FAKE_MP4).hexdigest()
    assert digest in uploaded.get_data(as_text=True)
    with db.session() as s:
        req = s.scalar(select(FootageRequest))
        assert req.status == "footage_received"
        assert [u.sha256 for u in s.scalars(select(FootageUpload))] == [digest]

    again = owner.post(f"{path}/decision", data={"csrf_token": token, "decision": "decline"})
    assert again.status_code == 409 and "already answered" in again.get_data(as_text=True)

    refused = owner.post(f"{path}/upload", content_type="multipart/form-data",
                         data={"csrf_token": token,
                               "files": (io.BytesIO(b"<html><script>x</script></html>"), "x.html", "text/html")})
    assert refused.status_code == 415
    with db.session() as s:
        assert len(s.scalars(select(FootageUpload)).all()) == 1

    # the detective's list shows the new status
    listing = _dash_post(detective, _footage_payload(app, world["number"], [], _start_local(),
                                                     changed="footage-refresh.n_intervals"))
    assert "footage received" in json.dumps(listing.get_json()["response"]["footage-requests"])


def test_bad_and_expired_links(app, services, client, make_user, world, db, smtp_server):
    _controller, inbox = smtp_server
    assert client.get("/register/requests/" + "A" * 43).status_code == 404
    assert client.get("/register/requests/%3Cscript%3E").status_code == 404

    make_user("detective1", "detective")
    with db.session() as s:
        from auth.users import SessionUser, find_user

        user = SessionUser.from_model(find_user(s, "detective1"))
    start = utcnow() - timedelta(hours=3)
    [created] = footage.send_requests(db, user, world["number"], world["cameras"][:1], start,
                                      start + timedelta(hours=1), None, services.settings)
    deliver_due(services.db, services.smtp)
    path = _link_path(inbox)
    with db.session() as s:
        s.get(FootageRequest, created.id).expires_at = utcnow() - timedelta(minutes=1)
    gone = client.get(path)
    assert gone.status_code == 410 and "expired" in gone.get_data(as_text=True)
    assert OWNER_EMAIL not in gone.get_data(as_text=True)


def test_decision_without_csrf_is_refused_politely(app, services, client, make_user, world, db, smtp_server):
    _controller, inbox = smtp_server
    path = _sent_by_service(db, services, make_user, world, inbox)
    response = client.post(f"{path}/decision", data={"decision": "accept"})
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    upload = client.post(f"{path}/upload", content_type="multipart/form-data",
                         data={"files": (io.BytesIO(FAKE_MP4), "clip.mp4", "video/mp4")})
    assert upload.status_code == 400
    with db.session() as s:
        assert s.scalar(select(FootageRequest)).decided_at is None
        assert s.scalars(select(FootageUpload)).all() == []


def test_analyst_replay_of_send_is_denied_and_audited(app, make_user, world, db):
    make_user("analyst1", "analyst")
    analyst = app.server.test_client()
    assert login(analyst, "analyst1").status_code == 302
    response = _dash_post(analyst, _footage_payload(app, world["number"], world["cameras"][:1], _start_local()))
    assert response.status_code == 200
    assert "may not send" in json.dumps(response.get_json()["response"]["footage-message"])
    with db.session() as s:
        assert s.scalars(select(FootageRequest)).all() == []
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "footage_request")).all()
        assert [(e.username, e.outcome) for e in events] == [("analyst1", "denied")]


def test_nearest_panel_shows_footage_form_only_to_allowed_roles(app, make_user, world):
    from layouts.footage import FootageForm
    from layouts.incidents import render_nearest

    incident = {"incident_number": "250009876", "nature_of_call": "x", "latitude": 32.78, "longitude": -96.79,
                "received_at": utcnow().isoformat()}
    from dashboard.incidents.canvass import RankedCamera

    records = [RankedCamera(camera_id=1, latitude=32.78, longitude=-96.79, distance_m=10.0, bearing_deg=5.0,
                            faces=True, live_access=False, retention_days=7, hours_left=160.0, urgent=False,
                            overwritten=False, score=2, rank=1)]
    assert "footage-send" not in json.dumps(render_nearest(incident, records, radius_m=150, docked=4), default=str)
    shown = json.dumps([c.to_plotly_json() for c in render_nearest(incident, records, FootageForm("", 1000), radius_m=150,
                                                                       docked=4)], default=str)
    for element in ("footage-cameras", "footage-send", "footage-message", "footage-requests"):
        assert element in shown


def test_oversize_upload_is_413_and_stores_nothing(app, services, client, make_user, world, db, smtp_server):
    from dataclasses import replace


    _controller, inbox = smtp_server
    services.settings = replace(services.settings, footage_upload_max_mb=1)
    path = _sent_by_service(db, services, make_user, world, inbox)
    token = CSRF.search(client.get(path).get_data(as_text=True)).group(1)
    big = FAKE_MP4 + b"\x00" * (3 * 1024 * 1024)
    response = client.post(f"{path}/upload", content_type="multipart/form-data",
                           data={"csrf_token": token, "files": (io.BytesIO(big), "big.mp4", "video/mp4")})
    assert response.status_code == 413 and "too large" in response.get_data(as_text=True)
    root = Path(services.settings.footage_storage_dir)
    assert not root.exists() or [p for p in root.rglob("*") if p.is_file()] == []
    with db.session() as s:
        assert s.scalars(select(FootageUpload)).all() == []


def test_detective_downloads_a_received_clip_as_an_attachment(app, services, login_as, make_user, smtp_server,
                                                              world, db):
    _controller, inbox = smtp_server
    detective = login_as("detective")
    upload_id = _received_clip(app, services, detective, inbox, world, db, name="dock <cam>.mp4").id

    listing = _dash_post(detective, _footage_payload(app, world["number"], [], _start_local(),
                                                     changed="footage-refresh.n_intervals"))
    assert f'"action": "/footage/files/{upload_id}"' in json.dumps(listing.get_json()["response"]["footage-requests"])

    link = detective.get(f"/footage/files/{upload_id}")  # a link cannot download (nor audit: see the events below)
    assert link.get_data() != FAKE_MP4 and "attachment" not in link.headers.get("Content-Disposition", "")
    assert detective.post(f"/footage/files/{upload_id}").status_code == 400  # nor a form without the token
    got = post_form(detective, f"/footage/files/{upload_id}")
    assert got.status_code == 200 and got.get_data() == FAKE_MP4
    assert got.headers["Content-Type"] == "application/octet-stream"
    assert got.headers["Content-Disposition"].startswith("attachment;") and "dock" in got.headers["Content-Disposition"]
    assert got.headers["X-Content-Type-Options"] == "nosniff" and got.headers["Cache-Control"] == "no-store"
    assert got.headers["X-Content-SHA256"] == hashlib.sha256(FAKE_MP4).hexdigest()
    with db.session() as s:
        events = [(e.username, e.outcome) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.action == "footage_request_download"))]
    assert events == [("detective1", "ok")]

    anonymous = app.server.test_client()
    refused = anonymous.post(f"/footage/files/{upload_id}")
    assert refused.status_code in (302, 401) and refused.get_data() != FAKE_MP4

    analyst = app.server.test_client()
    assert login(analyst, make_user("analyst1", "analyst")).status_code == 302
    denied = post_form(analyst, f"/footage/files/{upload_id}")
    assert denied.status_code == 403 and denied.get_data() != FAKE_MP4
    assert post_form(detective, "/footage/files/999999").status_code == 404


def test_received_clip_plays_inline_audited_as_a_play(app, services, login_as, make_user, smtp_server, world, db):
    """The inline variant (/footage/files/<id>/play) for the dashboard's <video>: the same checked
    file, inline with its video type, audited as `footage_request_play`; a changed file is refused."""
    from dashboard.footage.storage import clip_storage

    _controller, inbox = smtp_server
    detective = login_as("detective")
    upload = _received_clip(app, services, detective, inbox, world, db)

    played = detective.get(f"/footage/files/{upload.id}/play")
    assert played.status_code == 200 and played.get_data() == FAKE_MP4
    assert played.headers["Content-Type"] == "video/mp4"
    assert played.headers["Content-Disposition"].startswith("inline")
    assert played.headers["X-Content-Type-Options"] == "nosniff"
    ranged = detective.get(f"/footage/files/{upload.id}/play", headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and ranged.get_data() == FAKE_MP4[:100]

    # a link or page on another site cannot make a signed-in detective "play" (and audit) a clip
    for site in ("cross-site", "same-site", "none"):
        assert detective.get(f"/footage/files/{upload.id}/play", headers={"Sec-Fetch-Site": site}).status_code == 403

    analyst = app.server.test_client()
    assert login(analyst, make_user("analyst1", "analyst")).status_code == 302
    assert analyst.get(f"/footage/files/{upload.id}/play").status_code == 403

    clip_storage(services.settings).local_path(upload.stored_path).write_bytes(FAKE_MP4 + b"tampered")
    changed = detective.get(f"/footage/files/{upload.id}/play")
    assert changed.status_code == 409 and b"tampered" not in changed.get_data()
    with db.session() as s:
        plays = [(e.username, e.outcome) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.action == "footage_request_play").order_by(AuditEvent.id))]
    # the ranged request continued the detective's play: one event (tests/integration/test_clip_plays.py)
    assert plays == [("detective1", "ok"), ("analyst1", "denied"), ("detective1", "file_changed")]
