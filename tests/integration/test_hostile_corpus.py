"""A hostile-input corpus through every public form and every API field, as an attacker sends it.

For each field and each corpus value: never a 500; a refusal stores nothing (no half-saved
registration, email, decision, upload or incident); and what comes back never holds the markup
unescaped. Forms are posted as raw bodies, so a lone surrogate or a NUL arrives as bytes would.
"""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import func, select

from dashboard import tokens
from dashboard.models import Camera, CameraSite, Incident, OutboundEmail, Owner, User, utcnow
from dashboard.models.footage import FootageRequest, FootageRequestEvent, FootageUpload
from dashboard.models.registration import Registration
from tests.conftest import CAD_TOKEN, csrf_from
from tests.owner_support import csrf, manage_path, register_and_confirm, registration_form

pytestmark = pytest.mark.slow

SCRIPT = "<script>alert(1)</script>"
CORPUS = ("\x00", "\x1b[2J\x07", "\u202egpj.exe", "A" * 10_000, SCRIPT, '"><img src=x onerror=alert(1)>',
          "' OR 1=1; --", "x\r\nBcc: victim@example.com", "NaN", "inf", "1e309", str(2**64), "\ud800",
          "../../../etc/passwd")
BEARER = {"Authorization": f"Bearer {CAD_TOKEN}"}
FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _answers_like_production(app):
    app.server.config["PROPAGATE_EXCEPTIONS"] = False


@pytest.fixture
def settings_overrides(tmp_path) -> dict:
    return {"footage_storage_dir": str(tmp_path / "footage"), "registration_rate_limit": "100000 per minute"}


def form_post(client, path: str, fields: dict):
    body = urlencode({k: str(v).encode("utf-8", "surrogatepass") for k, v in fields.items()})
    return client.post(path, data=body, content_type="application/x-www-form-urlencoded")


def counts(db) -> tuple[int, ...]:
    with db.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m))
                     for m in (Registration, Owner, OutboundEmail, FootageRequestEvent, FootageUpload, Incident))


def check(response, failures: list, where: str) -> None:
    text = response.get_data(as_text=True)
    # markup matters where a browser renders it: JSON answers are data (served with nosniff)
    unescaped = response.mimetype == "text/html" and (SCRIPT in text or "onerror=alert(1)>" in text)
    if response.status_code >= 500 or unescaped:
        failures.append((where, response.status_code, text[:120]))


def test_portal_registration_form(client, db):
    failures: list = []
    for field in ("name", "email", "phone", "address", "cam-0-label", "latitude", "longitude", "camera_count",
                  "owner_type", "cam-0-type", "cam-0-direction", "cam-0-retention", "cam-0-placement", "website"):
        for value in CORPUS:
            before = counts(db)
            response = form_post(client, "/register", registration_form(csrf(client), **{field: value}))
            check(response, failures, f"register {field}={value[:20]!r}")
            if response.status_code != 200 and counts(db) != before:
                failures.append((f"half-saved: register {field}={value[:20]!r}", response.status_code, ""))
    assert not failures, failures[:5]


def test_manage_request_and_manage_page(client, db):
    register_and_confirm(client, db)
    path = manage_path(client, db)
    with db.session() as s:
        cid = s.scalar(select(Camera.id))
    failures: list = []
    for value in CORPUS:
        check(form_post(client, "/register/manage", {"csrf_token": csrf(client, "/register/manage"), "email": value}),
              failures, f"manage email={value[:20]!r}")
        for field in ("label", "type", "placement", "direction", "retention", "sharing", "stream"):
            with db.session() as s:
                label = s.get(Camera, cid).label  # a label the last round stored, if it was accepted
            token = csrf(client, path)
            response = form_post(client, path, {"csrf_token": token, "action": "save", f"cam-{cid}-label": label,
                                                f"cam-{cid}-type": "doorbell", f"cam-{cid}-placement": "outdoor",
                                                f"cam-{cid}-direction": "N", f"cam-{cid}-retention": "7",
                                                f"cam-{cid}-{field}": value})
            check(response, failures, f"manage {field}={value[:20]!r}")
            with db.session() as s:
                stored = s.get(Camera, cid).label
            if response.status_code >= 400 and stored != label:
                failures.append((f"half-saved: manage {field}", response.status_code, stored[:40]))
    assert not failures, failures[:5]


def test_login_form(client, db):
    failures: list = []
    for value in CORPUS:
        for field in ("username", "password"):
            token = csrf_from(client.get("/login").get_data(as_text=True))
            fields = {"username": "nobody", "password": "x", "csrf_token": token, field: value}
            check(form_post(client, "/login", fields), failures, f"login {field}={value[:20]!r}")
    assert not failures, failures[:5]


@pytest.fixture
def footage_link(db) -> str:
    raw, digest = tokens.mint()
    now = utcnow()
    with db.session() as s:
        owner = Owner(owner_type="resident", name="O", email="o@example.com")
        camera = Camera(site=CameraSite(owner=owner, latitude=32.78, longitude=-96.8), label="Door",
                        camera_type="dome", status="active")
        incident = Incident(incident_number="25-0111111", nature_of_call="THEFT", priority=3, received_at=now)
        detective = User(username="d", full_name="D", role="detective")
        s.add_all([owner, camera, incident, detective])
        s.flush()
        s.add(FootageRequest(incident_id=incident.id, camera_id=camera.id, owner_id=owner.id,
                             requested_by=detective.id, window_start=now - timedelta(hours=2),
                             window_end=now - timedelta(hours=1), token_hash=digest, status="sent",
                             expires_at=now + timedelta(days=7)))
    return f"/register/requests/{raw}"


def test_footage_answer_page_and_upload(client, db, footage_link):
    failures: list = []
    for value in CORPUS:
        check(client.get(f"/register/requests/{quote(value.encode('utf-8', 'surrogatepass'), safe='')}"),
              failures, f"page token={value[:20]!r}")
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(footage_link).get_data(as_text=True))[1]
        before = counts(db)
        response = form_post(client, f"{footage_link}/decision", {"csrf_token": token, "decision": value})
        check(response, failures, f"decision={value[:20]!r}")
        if counts(db) != before:
            failures.append((f"half-saved: decision={value[:20]!r}", response.status_code, ""))
        name = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace") + ".mp4"
        response = client.post(f"{footage_link}/upload",
                               data={"csrf_token": token, "files": (io.BytesIO(FAKE_MP4), name, "video/mp4")})
        check(response, failures, f"upload name={value[:20]!r}")
    with db.session() as s:
        names = s.scalars(select(FootageUpload.original_name)).all()
    assert names and all(n.endswith(".mp4") and len(n) <= 120 for n in names)
    assert not [n for n in names if re.search(r"[\x00-\x1f\x7f-\x9f\u202e]", n)]
    assert not failures, failures[:5]


def test_every_api_field(client, db):
    base = {"incident_number": "25-0282681", "nature_of_call": "THEFT", "priority": 2, "status": "Dispatched",
            "received_at": "2025-02-17T12:30:44-06:00", "latitude": 32.788, "longitude": -96.795,
            "block": "2400", "location": "Bryan St", "beat": "132", "division": "CENTRAL"}
    failures: list = []
    for field in base:
        for value in (*CORPUS, float("nan"), float("inf"), 10**400, [], {}, None, True):
            body = json.JSONEncoder(allow_nan=True).encode({**base, field: value}).encode("utf-8", "surrogatepass")
            before = counts(db)
            response = client.post("/api/v1/incidents", data=body,
                                   headers={**BEARER, "Content-Type": "application/json"})
            check(response, failures, f"api {field}={str(value)[:20]!r}")
            if response.status_code >= 400 and counts(db) != before:
                failures.append((f"half-saved: api {field}", response.status_code, ""))
    for value in CORPUS:
        q = quote(value.encode("utf-8", "surrogatepass"), safe="")
        for path in (f"/api/v1/incidents?since={q}", f"/api/v1/incidents?limit={q}",
                     f"/api/v1/cameras/nearest?lat={q}&lon=-96.8", f"/api/v1/cameras/nearest?lat=32.7&lon=-96.8&k={q}",
                     f"/api/v1/incidents/{q}/cameras", f"/api/v1/incidents/{q}/canvass.csv"):
            check(client.get(path, headers=BEARER), failures, f"GET {path[:50]}")
    assert not failures, failures[:5]
