"""The relay's pure parts: playlist rewriting (no device address survives), the multipart parser
(boundary variants, with and without Content-Length), the byte-bounded cache, single flight."""

from __future__ import annotations

import threading
import time

import pytest

from dashboard.live.cache import ByteLRU, SingleFlight
from dashboard.live.hls import HlsRelay
from dashboard.live.mjpeg import boundary_of, parse_parts
from dashboard.live.settings import LiveSettings
from dashboard.live.streams import stream_kind
from dashboard.live.upstream import CameraOffline, Target, Upstream

DEVICE = "http://admin:s3cret@10.20.30.40:8080/live/main.m3u8"
MASTER = """#EXTM3U
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360
low/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=2000000
http://10.20.30.40:8080/live/high/index.m3u8
"""
MEDIA = """#EXTM3U
#EXT-X-TARGETDURATION:2
#EXT-X-MAP:URI="init.mp4"
#EXT-X-KEY:METHOD=AES-128,URI="https://10.20.30.40:8443/keys/k1.key",IV=0x1
#EXTINF:2.0,
seg-100.m4s
#EXT-X-SESSION-DATA:DATA-ID="com.vendor.origin",VALUE="http://10.20.30.40:9999/admin"
#EXTINF:2.0,
/live/seg-101.m4s?auth=abc
"""


@pytest.fixture
def hls():
    return HlsRelay(Upstream(LiveSettings()), 1024)


def test_every_uri_in_a_playlist_points_at_the_relay(hls):
    for text in (MASTER, MEDIA):
        out = hls.rewrite(3, text, DEVICE, "/live/s/TOKEN", DEVICE)
        assert "10.20.30.40" not in out and "s3cret" not in out and "auth=abc" not in out
        for line in out.splitlines():
            if not line.startswith("#"):
                assert line.startswith("/live/s/TOKEN/hls/")
    media = hls.rewrite(3, MEDIA, DEVICE, "/live/s/TOKEN", DEVICE).splitlines()
    assert media[2].startswith('#EXT-X-MAP:URI="/live/s/TOKEN/hls/') and media[2].endswith('.mp4"')
    assert "#EXT-X-SESSION-DATA" not in "\n".join(media)  # a tag carrying the address another way is dropped
    master = hls.rewrite(3, MASTER, DEVICE, "/live/s/TOKEN", DEVICE).splitlines()
    assert master[2].endswith(".m3u8") and master[4].endswith(".m3u8")


def test_keys_resolve_only_within_their_camera(hls):
    out = hls.rewrite(3, MEDIA, DEVICE, "/b", DEVICE)
    key = out.splitlines()[-1].split("/hls/")[1].split(".")[0]
    assert hls._camera_keys(3).url_of(key) == "http://admin:s3cret@10.20.30.40:8080/live/seg-101.m4s?auth=abc"
    with pytest.raises(CameraOffline):
        hls.segment(4, key)  # another camera's grant cannot reach this camera's segment


def test_credentials_leave_the_url_for_a_header():
    target = Target.of("http://admin:s3cret@10.20.30.40:8080/x.m3u8")
    assert target.url == "http://10.20.30.40:8080/x.m3u8"
    assert target.headers["authorization"].startswith("Basic ")


@pytest.mark.parametrize("declared", ["frame", "--frame", '"frame"'])
def test_multipart_parser_reads_frames_with_and_without_lengths(declared):
    boundary = boundary_of(f"multipart/x-mixed-replace; boundary={declared}")
    stream = (b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: 4\r\n\r\n\xff\xd8AB\r\n"
              b"--frame\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8CD\xff\xd9\r\n"
              b"--frame\r\nContent-Type: image/jpeg\r\n\r\nlast")
    chunks = [stream[i:i + 7] for i in range(0, len(stream), 7)]  # split anywhere
    assert list(parse_parts(chunks, boundary)) == [b"\xff\xd8AB", b"\xff\xd8CD\xff\xd9"]


def test_multipart_parser_refuses_oversized_frames_and_non_multipart():
    with pytest.raises(CameraOffline):
        list(parse_parts([b"--frame\r\nContent-Length: 99999\r\n\r\n"], b"frame", max_part=1000))
    with pytest.raises(CameraOffline):
        boundary_of("image/jpeg")


def test_byte_lru_stays_within_its_bound():
    cache = ByteLRU(10)
    cache.put("a", b"1234")
    cache.put("b", b"5678")
    assert cache.get("a") == b"1234"  # a is now the most recent
    cache.put("c", b"90ab")
    assert cache.get("b") is None and cache.get("a") == b"1234" and cache.size == 8
    cache.put("huge", b"x" * 11)
    assert cache.get("huge") is None and cache.size <= 10


def test_single_flight_runs_once_for_concurrent_callers():
    flight, calls, results = SingleFlight(), [], []

    def slow():
        calls.append(1)
        time.sleep(0.3)
        return b"data"

    threads = [threading.Thread(target=lambda: results.append(flight.do("k", slow))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and results == [b"data"] * 8


def test_stream_kind():
    assert stream_kind("http://x/a/index.M3U8") == "hls"
    assert stream_kind("rtsp://x/stream") == "rtsp"
    assert stream_kind("http://x/video.cgi") == "mjpeg"
