"""The owner's access history: their own entries only, the right kinds, categories and outcomes,
never a case number or an officer, and the configured delay."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from auth.users import SessionUser, find_user
from dashboard import footage
from dashboard.audit import chain as audit
from dashboard.models import Camera, CameraSite, Incident, Owner, utcnow
from dashboard.models.footage import FootageRequest
from dashboard.owners.reveal import reveal_owner_contact
from dashboard.transparency.owner_history import (
    CONTACT_EXPORTED,
    CONTACT_REVEALED,
    FOOTAGE_REQUESTED,
    LIVE_VIEW,
    HistoryEntry,
    owner_history,
)
from tests.unit.test_footage import tokens

LINK = re.compile(r"/register/requests/([A-Za-z0-9_-]{20,})")
FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 8
CASE = "26-0001234"


@pytest.fixture
def settings_overrides(tmp_path):
    return {"footage_storage_dir": str(tmp_path / "footage")}


@pytest.fixture
def world(db):
    """Owner A (cameras 2 and 12: ids chosen so a text match on "2" would also hit "12"), owner B."""
    with db.session() as s:
        a = Owner(owner_type="business", name="Alpha Tacos", contact_person="Ann Alpha", email="ann@example.org")
        b = Owner(owner_type="resident", name="Bo Beta", email="bo@example.org")
        site_a = CameraSite(owner=a, latitude=32.781, longitude=-96.797)
        site_b = CameraSite(owner=b, latitude=32.782, longitude=-96.798)
        s.add_all([a, b, site_a, site_b])
        s.flush()
        cams = {}
        for cam_id in range(1, 13):
            site = site_a if cam_id in (2, 12) else site_b
            cams[cam_id] = Camera(id=cam_id, site_id=site.id, label=f"Camera {cam_id}", camera_type="dome",
                                  status="active")
        s.add_all(cams.values())
        inc = Incident(incident_number="260001234", nature_of_call="19 - Shooting", priority=1,
                       received_at=utcnow() - timedelta(hours=3), latitude=32.781, longitude=-96.797)
        s.add(inc)
        s.flush()
        return {"a": a.id, "b": b.id, "incident": inc.id}


def user(db, make_user, role: str) -> SessionUser:
    name = make_user(f"{role}7", role)
    with db.session() as s:
        return SessionUser.from_model(find_user(s, name))


def test_each_owner_sees_their_own_entries_only(db, make_user, world, settings):
    detective = user(db, make_user, "detective")
    reveal_owner_contact(db, detective, 2, CASE, "burglary canvass", "10.0.0.9", category="burglary")   # A
    reveal_owner_contact(db, detective, 5, CASE, "burglary canvass", "10.0.0.9", category="burglary")   # B
    with db.session() as s:
        audit.record(s, "live_view", username="analyst1", object_type="camera", object_id=12, case_number=CASE,
                     category="robbery")                                          # A, live
        audit.record(s, "owner_reveal", username="detective7", object_type="camera", object_id=12,
                     case_number=CASE, outcome="denied")                          # refused: nothing was seen
        # canvass exports: with owner columns naming 12 (A) and 1 (B); without owner columns naming 2
        audit.record(s, "canvass_export", username="detective7", object_type="incident", object_id="260001234",
                     case_number=CASE, category="assault",
                     detail={"camera_ids": [1, 12], "count": 2, "k": 2, "radius_m": 200, "with_owner": True})
        audit.record(s, "canvass_export", username="detective7", object_type="incident", object_id="260001234",
                     detail={"camera_ids": [2], "count": 1, "k": 2, "radius_m": 200, "with_owner": False})
        # with owner columns, naming only B's cameras, with numbers that contain a "2"
        audit.record(s, "canvass_export", username="detective7", object_type="incident", object_id="260001234",
                     case_number=CASE, category="theft",
                     detail={"camera_ids": [3, 11], "count": 2, "k": 2, "radius_m": 200, "with_owner": True})

    mine = owner_history(db, world["a"])
    assert sorted(e.kind for e in mine) == sorted([CONTACT_REVEALED, LIVE_VIEW, CONTACT_EXPORTED])
    assert {e.camera_label for e in mine} == {"Camera 2", "Camera 12"}
    assert {e.category for e in mine} == {"burglary", "robbery", "assault"}
    assert [e.at for e in mine] == sorted((e.at for e in mine), reverse=True)

    theirs = owner_history(db, world["b"])
    assert sorted(e.kind for e in theirs) == sorted([CONTACT_REVEALED, CONTACT_EXPORTED, CONTACT_EXPORTED])
    assert {e.camera_label for e in theirs} == {"Camera 5", "Camera 1", "Camera 3"}


def test_nothing_about_the_case_or_the_officer(db, make_user, world, settings):
    detective = user(db, make_user, "detective")
    reveal_owner_contact(db, detective, 2, CASE, "a secret reason", "10.0.0.9", category="burglary")
    entries = owner_history(db, world["a"])
    assert len(entries) == 1
    names = {f.name for f in dataclasses.fields(entries[0])}
    assert not names & {"case_number", "username", "user_id", "reason", "officer", "incident", "client_addr"}
    values = " ".join(str(v) for v in dataclasses.asdict(entries[0]).values())
    for secret in (CASE, "detective7", "a secret reason", "10.0.0.9"):
        assert secret not in values


def test_footage_requests_show_the_answer_and_the_outcome(db, make_user, world, settings):
    detective = user(db, make_user, "detective")
    end = utcnow() - timedelta(hours=1)
    footage.send_requests(db, detective, world["incident"], [2, 12, 5], end - timedelta(hours=1), end,
                          "Please keep the clip.", settings, case_number=CASE)
    links = tokens(db)  # one email per owner, one link per camera in it
    with db.session() as s:
        by_camera = {r.camera_id: r.id for r in s.scalars(select(FootageRequest))}
    footage.upload(db, links[by_camera[2]], "clip.mp4", "video/mp4", io.BytesIO(FAKE_MP4), settings)  # sends
    footage.decide(db, links[by_camera[12]], True, None, settings)                                    # no clip
    footage.decide(db, links[by_camera[5]], False, "no camera there", settings)                       # B declines
    footage.close_case(db, detective, world["incident"], "used", settings)

    a = {e.camera_label: e for e in owner_history(db, world["a"])}
    assert set(a) == {"Camera 2", "Camera 12"} and {e.kind for e in a.values()} == {FOOTAGE_REQUESTED}
    assert (a["Camera 2"].answer, a["Camera 2"].footage_sent, a["Camera 2"].outcome) == ("accepted", True, "used")
    assert (a["Camera 12"].answer, a["Camera 12"].footage_sent, a["Camera 12"].outcome) == ("accepted", False, None)
    (b,) = owner_history(db, world["b"])
    assert (b.kind, b.answer, b.footage_sent, b.outcome) == (FOOTAGE_REQUESTED, "declined", False, None)


def test_a_footage_request_shows_the_category_it_was_sent_for(db, world):
    now = utcnow()
    with db.session() as s:
        req = FootageRequest(incident_id=world["incident"], camera_id=2, owner_id=world["a"], case_number=CASE,
                             window_start=now - timedelta(hours=2), window_end=now - timedelta(hours=1),
                             token_hash="f" * 64, status="sent", created_at=now, expires_at=now + timedelta(days=14))
        s.add(req)
        s.flush()
        audit.record(s, "footage_request", username="detective7", object_type="footage_request", object_id=req.id,
                     case_number=CASE, category="burglary")
    (entry,) = owner_history(db, world["a"])
    assert (entry.kind, entry.category, entry.answer) == (FOOTAGE_REQUESTED, "burglary", None)


def test_the_delay_holds_back_recent_entries(db, world):
    now = utcnow()
    with db.session() as s:
        for days_ago in (0.5, 3, 8, 40):
            audit.record(s, "owner_reveal", username="detective7", object_type="camera", object_id=2,
                         case_number=CASE, category="theft", at=now - timedelta(days=days_ago))
        audit.record(s, "owner_reveal", username="detective7", object_type="camera", object_id=2,
                     case_number=CASE, at=now + timedelta(hours=1))  # not yet happened as of `now`
    assert len(owner_history(db, world["a"], now=now)) == 4
    assert len(owner_history(db, world["a"], delay_days=7, now=now)) == 2
    held = owner_history(db, world["a"], delay_days=7, now=now)
    assert all(e.at <= now - timedelta(days=7) for e in held)
    assert owner_history(db, world["a"], delay_days=60, now=now) == []


def test_dates_are_dallas_dates():
    late_evening = HistoryEntry(datetime(2026, 6, 1, 4, 30, tzinfo=UTC), CONTACT_REVEALED, None, None)
    assert late_evening.local_date == "2026-05-31"


def test_an_owner_without_cameras_or_requests_has_no_history(db, world):
    with db.session() as s:
        lone = Owner(owner_type="resident", name="No Cams", email="none@example.org")
        s.add(lone)
        s.flush()
        lone_id = lone.id
    assert owner_history(db, lone_id) == []
