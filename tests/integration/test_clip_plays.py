"""A received clip playing in the dashboard's <video>: the Range requests of one play are one
hash check and one audit event; a new session, a long pause, a changed file or a lost role start
over (hashed, audited, refused if the file no longer matches)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from dashboard.footage import custody
from dashboard.models import AuditEvent
from tests.conftest import login
from tests.integration.test_footage_http import (  # noqa: F401 - fixtures
    FAKE_MP4,
    _received_clip,
    settings_overrides,
    smtp_server,
    world,
)


@pytest.fixture
def clip(app, services, login_as, smtp_server, world, db):  # noqa: F811 - the fixtures above
    """(the detective's client, the clip's play URL, its upload row)."""
    _controller, inbox = smtp_server
    detective = login_as("detective")
    upload = _received_clip(app, services, detective, inbox, world, db)
    detective.get("/")  # the dashboard page: the session holds its CSRF secret, as in a browser
    return detective, f"/footage/files/{upload.id}/play", upload


@pytest.fixture
def hashes(monkeypatch):
    seen: list = []
    real = custody.file_sha256

    def counting(stream):
        seen.append(1)
        return real(stream)

    monkeypatch.setattr(custody, "file_sha256", counting)
    return seen


def _plays(db) -> list[tuple[str, str]]:
    with db.session() as s:
        return [(e.username, e.outcome) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.action == "footage_request_play").order_by(AuditEvent.id))]


def _ranges(client, url: str) -> None:
    size = len(FAKE_MP4)
    for start in (0, 100, size - 200, 1000, 0):
        answer = client.get(url, headers={"Range": f"bytes={start}-{start + 99}"})
        assert answer.status_code == 206 and answer.get_data() == FAKE_MP4[start:start + 100]


def test_the_range_requests_of_one_play_are_one_hash_and_one_audit(clip, hashes, db, app, make_user):
    detective, url, _upload = clip
    full = detective.get(url)
    assert full.status_code == 200 and full.get_data() == FAKE_MP4
    _ranges(detective, url)
    assert len(hashes) == 1 and _plays(db) == [("detective1", "ok")]
    # another sign-in session of the same user is another play
    again = app.server.test_client()
    assert login(again, "detective1").status_code == 302
    again.get("/")
    _ranges(again, url)
    assert len(hashes) == 2 and _plays(db) == [("detective1", "ok")] * 2


def test_a_long_pause_starts_a_new_play(clip, hashes, db, monkeypatch):
    from dashboard.footage import clip_views

    detective, url, _upload = clip
    _ranges(detective, url)
    monkeypatch.setattr(clip_views, "PLAY_IDLE_S", -1.0)  # every request now comes after a "pause"
    _ranges(detective, url)
    assert len(hashes) == 1 + 5 and len(_plays(db)) == 6


def test_a_file_changed_during_a_play_is_hashed_again_and_refused(clip, hashes, db, services):
    from dashboard.footage.storage import clip_storage

    detective, url, upload = clip
    _ranges(detective, url)
    path = clip_storage(services.settings).local_path(upload.stored_path)
    tampered = bytearray(FAKE_MP4)
    tampered[500] ^= 0xFF  # same size: only the modification time tells
    path.write_bytes(bytes(tampered))
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    refused = detective.get(url, headers={"Range": "bytes=0-99"})
    assert refused.status_code == 409
    assert len(hashes) == 2 and _plays(db) == [("detective1", "ok"), ("detective1", "file_changed")]


def test_a_role_lost_during_a_play_is_refused_at_once(clip, hashes, db):
    from auth.users import add_or_update_user

    detective, url, _upload = clip
    _ranges(detective, url)
    with db.session() as s:
        add_or_update_user(s, "detective1", role="analyst", full_name="Demoted", password=None)
    assert detective.get(url, headers={"Range": "bytes=0-99"}).status_code == 403
    assert _plays(db) == [("detective1", "ok"), ("detective1", "denied")]
