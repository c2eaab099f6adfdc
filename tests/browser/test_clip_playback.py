"""A received footage clip plays in the dashboard: a real H.264 MP4 (encoded here with PyAV),
uploaded through the owner's link service, listed for the detective under its incident, played by
an HTML5 <video> from the inline route (SHA-256 checked, audited as a play, never on render)."""

from __future__ import annotations

import io
from datetime import timedelta
from fractions import Fraction

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import select

from auth.users import SessionUser, find_user
from dashboard import footage
from dashboard.live.scene import Scene
from dashboard.models import AuditEvent, Incident, utcnow
from tests.browser.pages import isolated_camera
from tests.unit.test_footage import tokens

pytestmark = pytest.mark.browser

INCIDENT = "CLIP-PLAY-0001"


def mp4_clip(path, seconds: int = 3, fps: int = 10) -> bytes:
    import av

    scene = Scene("CLIP")
    # faststart (the index first, as cameras' exports have it) rewrites the file: a real path
    with av.open(str(path), mode="w", format="mp4", options={"movflags": "faststart"}) as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        stream.options = {"preset": "ultrafast", "profile": "baseline"}
        stream.codec_context.time_base = Fraction(1, fps)
        for i in range(seconds * fps):
            frame = av.VideoFrame.from_image(scene.draw(i / fps))
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path.read_bytes()


@pytest.fixture
def settings_overrides(tmp_path) -> dict:
    return {"footage_storage_dir": str(tmp_path / "footage"), "cleared_visible_minutes": 24 * 60}


def test_received_clip_plays_in_the_dashboard(dashboard, db, services, make_user, wait, tmp_path):
    camera = isolated_camera(db)
    with db.session() as s:
        s.add(Incident(incident_number=INCIDENT, nature_of_call="41/11R - Burg Res", priority=3, status="At Scene",
                       received_at=utcnow() - timedelta(hours=2), latitude=round(camera["lat"] + 40 / 111_132, 6),
                       longitude=camera["lon"], division="CENTRAL"))
    make_user("det-clip", "detective")
    with db.session() as s:
        detective = SessionUser.from_model(find_user(s, "det-clip"))
    start = utcnow() - timedelta(hours=3)
    footage.send_requests(db, detective, INCIDENT, [camera["id"]], start, start + timedelta(hours=1), None,
                                   services.settings)
    [token] = tokens(db).values()
    clip = mp4_clip(tmp_path / "clip.mp4")
    received = footage.upload(db, token, "back door.mp4", "video/mp4", io.BytesIO(clip), services.settings)
    assert received.playable

    driver = dashboard("detective", "det-clip")
    xpath = (f"//*[@id='incident-list']//button[contains(@class, 'cd-incident-item')]"
             f"[.//*[contains(normalize-space(), '{INCIDENT}')]]")
    wait.until(lambda d: (d.find_elements(By.XPATH, xpath) or [None])[0], "the incident is not listed").click()
    video = wait.until(lambda d: (d.find_elements(By.ID, f"footage-play-{received.id}") or [None])[0],
                       "the received clip has no player")
    with db.session() as s:  # listed, not yet played: nothing fetched, nothing audited
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "footage_request_play")).all() == []
    driver.execute_script("arguments[0].muted = true; arguments[0].play();", video)
    wait.until(lambda d: d.execute_script("return arguments[0].currentTime > 1;", video), "the clip does not play")
    assert driver.execute_script("return arguments[0].videoWidth;", video) == 320
    with db.session() as s:
        plays = s.scalars(select(AuditEvent).where(AuditEvent.action == "footage_request_play")).all()
    assert plays and {(e.username, e.outcome) for e in plays} == {("det-clip", "ok")}
