"""Footage emails and the owner's page in the owner's language, one email per owner per batch,
typed text shown only as quoted data."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from auth.users import SessionUser, find_user
from dashboard import footage
from dashboard.emails import template_names
from dashboard.footage.page_text import STRINGS
from dashboard.models import Camera, CameraSite, Incident, OutboundEmail, Owner, utcnow
from dashboard.models.footage import FootageRequest
from dashboard.owners.submission import confirm, submit
from dashboard.owners.validation import validate_form
from tests.unit.test_footage import LINK, tokens

INSIDE = ("32.7767", "-96.7970")


@pytest.fixture
def settings_overrides(tmp_path):
    return {"footage_storage_dir": str(tmp_path / "footage"), "public_base_url": "https://connect.example.gov"}


@pytest.fixture
def scene(db):
    """Rosa (Spanish) has three cameras, Ann (English) one; an incident nearby."""
    with db.session() as s:
        rosa = Owner(owner_type="resident", name="Rosa Ruiz", email="rosa@example.org", language="es")
        ann = Owner(owner_type="resident", name="Ann Alpha", email="ann@example.org")
        site_r = CameraSite(owner=rosa, latitude=32.781, longitude=-96.797)
        site_a = CameraSite(owner=ann, latitude=32.782, longitude=-96.798)
        cams = [Camera(site=site_r, label="Puerta", camera_type="dome", status="active"),
                Camera(site=site_r, label="Patio\nSubject: pay now http://evil.example", camera_type="dome",
                       status="active"),
                Camera(site=site_r, label="Garaje", camera_type="bullet", status="active"),
                Camera(site=site_a, label="Porch", camera_type="doorbell", status="active")]
        inc = Incident(incident_number="250005555", nature_of_call="19 - Shooting", priority=1,
                       received_at=utcnow() - timedelta(hours=3), latitude=32.781, longitude=-96.797,
                       block="1200", location="ELM ST")
        s.add_all([rosa, ann, site_r, site_a, *cams, inc])
        s.flush()
        return {"incident": inc.id, "cameras": [c.id for c in cams]}


@pytest.fixture
def detective(db, make_user):
    name = make_user("detective7", "detective")
    with db.session() as s:
        return SessionUser.from_model(find_user(s, name))


def _send(db, user, scene, settings, message="Please keep the clip."):
    end = utcnow() - timedelta(hours=1)
    return footage.send_requests(db, user, scene["incident"], scene["cameras"], end - timedelta(hours=1), end,
                                 message, settings)


def _mails(db, related_type=footage.RELATED) -> dict[str, OutboundEmail]:
    with db.session() as s:
        rows = s.scalars(select(OutboundEmail).where(OutboundEmail.related_type == related_type)).all()
        s.expunge_all()
    return {m.to_addr: m for m in rows}


def test_one_email_per_owner_in_their_language(db, detective, scene, settings):
    created = _send(db, detective, scene, settings, message="Line one\nSubject: forged")
    assert len(created) == 4                       # one request (and chain of custody) per camera
    mails = _mails(db)
    assert sorted(mails) == ["ann@example.org", "rosa@example.org"]
    rosa, ann = mails["rosa@example.org"], mails["ann@example.org"]
    assert rosa.subject == "Solicitud de video de la Policía de Dallas - incidente 250005555"
    assert "Compartir video es voluntario" in rosa.body_text and "voluntary" not in rosa.body_text
    assert ann.subject == "Dallas Police footage request - incident 250005555"
    assert len(LINK.findall(rosa.body_text)) == 3 and len(LINK.findall(ann.body_text)) == 1
    with db.session() as s:
        by_email = {r.camera_id: r.email_id for r in s.scalars(select(FootageRequest))}
    assert {by_email[c] for c in scene["cameras"][:3]} == {rosa.id} and by_email[scene["cameras"][3]] == ann.id
    links = tokens(db)
    assert sorted(links) == sorted(r.id for r in created)   # every camera has its own working link


def test_typed_text_is_quoted_data(db, detective, scene, settings):
    _send(db, detective, scene, settings, message="Line one\nSubject: forged")
    body = _mails(db)["rosa@example.org"].body_text
    # quoted as data on one line, and its link defused (mail clients link even quoted URLs)
    assert "\u201cPatio Subject: pay now http[:]//evil[.]example\u201d" in body
    assert "http://evil.example" not in body
    assert "\u201cLine one Subject: forged\u201d" in body
    assert not re.search(r"^Subject:", body, re.MULTILINE)


def test_owner_page_speaks_the_owners_language_with_a_switch(db, detective, scene, settings, client):
    created = _send(db, detective, scene, settings)
    token = tokens(db)[created[0].id]
    view = footage.open_request(db, token, settings)
    assert view.lang == "es" and re.search(r"^\w+ \d+ de \w+ de \d{4}", view.expires), view.expires
    page = client.get(f"/register/requests/{token}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and '<html lang="es">' in text and "Su respuesta" in text
    assert f'href="/register/requests/{token}?lang=en"' in text
    english = client.get(f"/register/requests/{token}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Your answer" in english and "Su respuesta" not in english
    refused = client.get("/register/requests/" + "x" * 43 + "?lang=es")
    assert refused.status_code == 404 and "Este enlace no es válido" in refused.get_data(as_text=True)


def test_spanish_refusals(db, detective, scene, settings):
    created = _send(db, detective, scene, settings)
    token = tokens(db)[created[0].id]
    footage.decide(db, token, True, None, settings)
    with pytest.raises(footage.OwnerPageError) as refused:
        footage.decide(db, token, False, None, settings)
    assert refused.value.status == 409 and "Usted ya respondió" in refused.value.message and "aceptó" in \
        refused.value.message


def test_reminder_and_closing_are_grouped_per_owner(db, detective, scene, settings):
    created = _send(db, detective, scene, settings)
    with db.session() as s:
        for m in s.scalars(select(OutboundEmail)):
            m.status = "sent"
    footage.sync_sent(db)
    soon = utcnow() + timedelta(days=settings.footage_link_expiry_days - settings.footage_reminder_days_before,
                                minutes=1)
    assert footage.expire_and_remind(db, settings, now=soon) == (0, 4)
    reminders = _mails(db, footage.RELATED_REMINDER)
    assert sorted(reminders) == ["ann@example.org", "rosa@example.org"]
    assert reminders["rosa@example.org"].subject.startswith("Recordatorio")
    assert len(LINK.findall(reminders["rosa@example.org"].body_text)) == 3
    links = tokens(db)
    for req in created[:3]:
        footage.decide(db, links[req.id], True, None, settings)
    assert footage.close_case(db, detective, scene["incident"], "used", settings) == 4
    closing = _mails(db, footage.RELATED_CLOSED)
    assert list(closing) == ["rosa@example.org"]      # Ann never accepted: no thank-you
    assert "Su video se usó" in closing["rosa@example.org"].body_text


def test_confirmation_sets_the_owners_language(db, settings):
    payload, errors = validate_form({
        "owner_type": "resident", "name": "Ana Pérez", "email": "ana@example.com", "address": "1500 Marilla Street",
        "latitude": INSIDE[0], "longitude": INSIDE[1], "camera_count": "1", "cam-0-label": "Puerta",
        "cam-0-placement": "outdoor", "cam-0-direction": "N", "cam-0-retention": "7", "consent": "on"})
    assert errors == {}
    result = submit(db, settings, payload, language="es")
    assert confirm(db, settings, result.token) is not None
    with db.session() as s:
        assert s.scalar(select(Owner.language).where(Owner.email == "ana@example.com")) == "es"


def test_every_footage_message_exists_in_both_languages():
    footage_templates = {n for n in template_names("en") if n.startswith("footage_")}
    assert footage_templates == {"footage_request", "footage_reminder", "footage_closed"}
    assert footage_templates <= template_names("es")
    assert set(STRINGS["en"]) == set(STRINGS["es"])


def test_upload_page_answers_in_the_owners_language(db, detective, scene, settings, client):
    from tests.unit.test_footage import FAKE_MP4

    created = _send(db, detective, scene, settings)
    path = f"/register/requests/{tokens(db)[created[0].id]}"
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)
    # posted without ?lang=: the owner's own language (Spanish) still answers
    uploaded = client.post(f"{path}/upload", content_type="multipart/form-data",
                           data={"csrf_token": csrf, "files": (io.BytesIO(FAKE_MP4), "clip.mp4", "video/mp4")})
    text = uploaded.get_data(as_text=True)
    assert uploaded.status_code == 200 and f"clip.mp4 ({len(FAKE_MP4)} bytes) recibido. Gracias." in text
    refused = client.post(f"{path}/upload", content_type="multipart/form-data",
                          data={"csrf_token": csrf, "files": (io.BytesIO(b"<html>"), "x.mp4", "video/mp4")})
    assert refused.status_code == 415 and "El contenido del archivo no es video/mp4" in refused.get_data(as_text=True)
