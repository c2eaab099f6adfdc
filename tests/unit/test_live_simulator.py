"""The camera simulator serves real streams: its HLS playlist and H.264 segments decode with
FFmpeg (PyAV), and its MJPEG frames are JPEGs that change over time."""

from __future__ import annotations

import io
import time

import av
import pytest
import urllib3
from PIL import Image

from dashboard.live.mjpeg import boundary_of, parse_parts
from dashboard.live.simulator import main, spec_from
from tests.live_support import start_simulator


@pytest.fixture
def sim():
    simulator = start_simulator()
    yield simulator
    simulator.stop()


def _get(url: str) -> urllib3.BaseHTTPResponse:
    return urllib3.PoolManager().request("GET", url, timeout=10, retries=False)


def test_hls_playlist_lists_segments_that_decode_as_h264(sim):
    playlist = _get(f"{sim.base_url}/cam/12/index.m3u8")
    assert playlist.status == 200 and playlist.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    lines = playlist.data.decode().splitlines()
    assert lines[0] == "#EXTM3U" and "#EXT-X-TARGETDURATION:1" in lines
    segments = [line for line in lines if not line.startswith("#")]
    assert len(segments) == 4
    frames = []
    for name in segments[-2:]:
        data = _get(f"{sim.base_url}/cam/12/{name}").data
        with av.open(io.BytesIO(data)) as container:
            stream = container.streams.video[0]
            assert stream.codec_context.name == "h264"
            decoded = list(container.decode(stream))
        assert len(decoded) == 5 and (decoded[0].width, decoded[0].height) == (320, 180)
        assert decoded[0].key_frame  # each segment starts with a keyframe: a player can join at any one
        frames.append(decoded)
    # the two segments continue each other: one second apart, and the picture moved
    assert frames[1][0].time == pytest.approx(frames[0][0].time + 1.0)
    assert frames[0][0].to_ndarray().tobytes() != frames[1][0].to_ndarray().tobytes()


def test_a_segment_not_recorded_yet_is_not_served(sim):
    assert _get(f"{sim.base_url}/cam/12/seg/{sim.live_edge() + 5}.ts").status == 404
    assert _get(f"{sim.base_url}/cam/../etc/passwd").status == 404


def test_mjpeg_frames_are_jpegs_that_change_over_time(sim):
    response = urllib3.PoolManager().request("GET", f"{sim.base_url}/cam/3/mjpeg", preload_content=False,
                                             timeout=10, retries=False)
    try:
        boundary = boundary_of(response.headers["Content-Type"])
        parts = parse_parts(response.stream(4096), boundary)
        first = next(parts)
        time.sleep(0.3)
        later = [next(parts) for _ in range(3)]
    finally:
        response.release_conn()
    images = [Image.open(io.BytesIO(frame)) for frame in (first, *later)]
    assert all(img.format == "JPEG" and img.size == (320, 180) for img in images)
    assert later[-1] != first


def test_stats_count_requests(sim):
    _get(f"{sim.base_url}/cam/5/frame.jpg")
    _get(f"{sim.base_url}/cam/5/frame.jpg")
    assert sim.stats()["requests"]["/cam/5/frame.jpg"] == 2


def test_bad_options_are_refused_in_one_line(capsys):
    class Args:
        size, fps, segment_seconds, mjpeg_fps = "320x181", 10, 2, 5.0

    with pytest.raises(ValueError, match="even numbers"):
        spec_from(Args())
    with pytest.raises(SystemExit, match="--fps 1-30"):
        main(["--fps", "0", "--port", "0"])
