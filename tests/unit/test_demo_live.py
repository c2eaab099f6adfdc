"""The demo's live cameras: cameras near the open demo incidents stream from the camera simulator,
with a mix of sharing policies, and the wall's rule finds them live."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from auth.users import SessionUser, add_or_update_user, find_user
from dashboard.geo.geography import haversine_m
from dashboard.incidents.live_board import ALERT_PRIORITIES, is_cleared
from dashboard.live.settings import LiveSettings
from dashboard.live.streams import stream_kind
from dashboard.live.wall import live_view_refusal
from dashboard.models import Camera, Incident
from dashboard.tools.demo_live import NEAR_M
from dashboard.tools.seed import seed_demo

SIM = "http://127.0.0.1:8060"
SIM_RTSP = "rtsp://127.0.0.1:8554"


def test_demo_seed_points_a_few_dozen_cameras_near_open_incidents_at_the_simulator(db):
    seed_demo(db, cameras=5000, incidents=100, seed=11, demo_users=False, live_simulator_url=SIM)
    with db.session() as s:
        cams = s.scalars(select(Camera).where(Camera.stream_url.like(f"{SIM}/cam/%")
                                              | Camera.stream_url.like(f"{SIM_RTSP}/cam/%"))).all()
        assert 12 <= len(cams) <= 48
        assert all(c.live_access and c.status == "active" for c in cams)
        assert {stream_kind(c.stream_url) for c in cams} == {"hls", "mjpeg", "rtsp"}
        assert all(c.stream_url in (f"{SIM}/cam/{c.id}/index.m3u8", f"{SIM}/cam/{c.id}/mjpeg",
                                    f"{SIM_RTSP}/cam/{c.id}") for c in cams)
        sharing = Counter(c.live_sharing for c in cams)
        assert sharing["always"] >= len(cams) // 2 and sharing["emergency"] >= 1
        open_calls = [i for i in s.scalars(select(Incident).where(Incident.latitude.is_not(None)))
                      if not is_cleared(i.status)]
        for cam in cams:
            near = [haversine_m(cam.site.latitude, cam.site.longitude, i.latitude, i.longitude) for i in open_calls]
            assert min(near) <= NEAR_M
        add_or_update_user(s, "analyst-demo", role="analyst", full_name="A", password=None)
        analyst = SessionUser.from_model(find_user(s, "analyst-demo"))
        live = LiveSettings()
        shared_now = [c for c in cams if live_view_refusal(s, analyst, c.id, live) is None]
        emergency_now = [c for c in shared_now if c.live_sharing == "emergency"]
        assert len(shared_now) >= sharing["always"] and emergency_now  # near an open P1/P2: live now
        assert any(i.priority in ALERT_PRIORITIES for i in open_calls)


def test_without_a_simulator_the_seed_leaves_live_cameras_alone(db):
    seed_demo(db, cameras=500, incidents=10, seed=11, demo_users=False)
    with db.session() as s:
        assert s.scalars(select(Camera).where(Camera.stream_url.like("http://%"))).all() == []
