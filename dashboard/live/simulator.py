"""`connect-dallas simulate-cameras`: real HLS and MJPEG streams for any number of cameras on one
port, drawn with Pillow and encoded with PyAV (its wheels bundle FFmpeg with libx264), offline.

  GET /cam/<id>/index.m3u8     a live HLS media playlist (H.264 in MPEG-TS, the format hls.js plays)
  GET /cam/<id>/seg/<n>.ts     segment n: `segment_seconds` of video starting at the simulator's
                               epoch + n * segment_seconds (encoded on first request, then kept)
  GET /cam/<id>/mjpeg          multipart/x-mixed-replace JPEG frames at `mjpeg_fps`
  GET /cam/<id>/frame.jpg      one JPEG frame
  GET /stats                   {"requests": {path: count}}: what was asked, for tests and benchmarks
  rtsp://HOST:RTSP_PORT/cam/<id>   the same scene over RTSP (H.264, RTP interleaved on TCP), when
                               started with an RTSP port (dashboard/live/rtsp_server.py)

<id> is any short name ([A-Za-z0-9_-]); the frame shows "CAM <id>".
"""

from __future__ import annotations

import argparse
import io
import json
import re
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .cache import SingleFlight
from .scene import Scene

_PATH = re.compile(r"^/cam/([A-Za-z0-9_-]{1,40})/(index\.m3u8|mjpeg|frame\.jpg|seg/(\d{1,12})\.ts)$")
PLAYLIST_WINDOW = 4  # segments listed in the live playlist
DEMO_RTSP_PORT = 8554  # `simulate-cameras` serves RTSP here by default (the demo's RTSP cameras)
MAX_KEPT_SEGMENTS = 256


@dataclass(frozen=True)
class StreamSpec:
    width: int = 320
    height: int = 180
    fps: int = 10
    segment_seconds: int = 1   # 1 s segments, a keyframe each: a player's first frame comes fast
    mjpeg_fps: float = 5.0
    jpeg_quality: int = 70


def encode_segment(scene: Scene, spec: StreamSpec, start: float, n: int) -> bytes:
    """Segment n as H.264 (constrained baseline, a keyframe first) in MPEG-TS, its timestamps
    continuing from segment n - 1 so a player sees one unbroken stream."""
    import av  # imported here: the dashboard never needs the encoder, only the simulator

    per_segment = spec.fps * spec.segment_seconds
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mpegts") as out:
        stream = out.add_stream("libx264", rate=spec.fps)
        stream.width, stream.height, stream.pix_fmt = spec.width, spec.height, "yuv420p"
        stream.options = {"preset": "ultrafast", "tune": "zerolatency", "profile": "baseline",
                          "g": str(per_segment), "keyint_min": str(per_segment), "sc_threshold": "0", "bf": "0"}
        stream.codec_context.time_base = Fraction(1, spec.fps)
        for i in range(per_segment):
            frame = av.VideoFrame.from_image(scene.draw(start + n * spec.segment_seconds + i / spec.fps))
            frame.pts = n * per_segment + i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()


def jpeg(scene: Scene, spec: StreamSpec, t: float) -> bytes:
    buf = io.BytesIO()
    scene.draw(t).save(buf, format="JPEG", quality=spec.jpeg_quality)
    return buf.getvalue()


class CameraSimulator:
    """The streams and their bookkeeping; `serve()` / `start()` put them on HTTP."""

    def __init__(self, host: str = "127.0.0.1", port: int = 8060, spec: StreamSpec | None = None,
                 rtsp_port: int | None = None):
        self.spec = spec or StreamSpec()
        # the playlist starts with a full window already "recorded", so a player starts at once
        self.epoch = time.time() - PLAYLIST_WINDOW * self.spec.segment_seconds
        self.requests: Counter[str] = Counter()
        self._segments: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._scenes: dict[str, Scene] = {}
        self._lock = threading.Lock()
        self._flight = SingleFlight()
        self.server = ThreadingHTTPServer((host, port), _handler_for(self))
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None
        self.rtsp = None
        if rtsp_port is not None:
            from .rtsp_server import RtspServer

            self.rtsp = RtspServer(self, host, rtsp_port)

    @property
    def rtsp_base_url(self) -> str | None:
        return self.rtsp.base_url if self.rtsp is not None else None

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def scene(self, camera: str) -> Scene:
        with self._lock:
            return self._scenes.setdefault(camera, Scene(f"CAM {camera}", self.spec.width, self.spec.height))

    def live_edge(self) -> int:
        """The number of the segment being recorded now (those before it are complete)."""
        return int((time.time() - self.epoch) // self.spec.segment_seconds)

    def playlist(self, camera: str) -> str:
        edge = self.live_edge()
        first = max(0, edge - PLAYLIST_WINDOW)
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{self.spec.segment_seconds}",
                 f"#EXT-X-MEDIA-SEQUENCE:{first}"]
        for n in range(first, edge):
            lines += [f"#EXTINF:{self.spec.segment_seconds:.3f},", f"seg/{n}.ts"]
        return "\n".join(lines) + "\n"

    def segment(self, camera: str, n: int) -> bytes | None:
        if n >= self.live_edge():
            return None  # not recorded yet
        key = (camera, n)
        with self._lock:
            if key in self._segments:
                return self._segments[key]

        def encode() -> bytes:
            data = encode_segment(self.scene(camera), self.spec, self.epoch, n)
            with self._lock:
                self._segments[key] = data
                while len(self._segments) > MAX_KEPT_SEGMENTS:
                    self._segments.popitem(last=False)
            return data

        return self._flight.do(key, encode)

    def count(self, path: str) -> None:
        with self._lock:
            self.requests[path] += 1

    def stats(self) -> dict:
        with self._lock:
            return {"requests": dict(self.requests)}

    def start(self) -> CameraSimulator:
        self._thread = threading.Thread(target=self.server.serve_forever, name="camera-simulator", daemon=True)
        self._thread.start()
        if self.rtsp is not None:
            self.rtsp.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.rtsp is not None:
            self.rtsp.stop()


def demo_rtsp_url(simulator_url: str) -> str:
    """Where `simulate-cameras` serves RTSP, given its HTTP address (the same host)."""
    from urllib.parse import urlsplit

    return f"rtsp://{urlsplit(simulator_url).hostname or '127.0.0.1'}:{DEMO_RTSP_PORT}"


def _handler_for(sim: CameraSimulator):
    class Handler(BaseHTTPRequestHandler):
        server_version = "CameraSimulator/1"

        def log_message(self, format, *args):  # noqa: A002 - quiet: the demo prints its own lines
            pass

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):  # noqa: N802 - http.server's name
            path = self.path.split("?", 1)[0]
            sim.count(path)
            if path == "/stats":
                return self._send(200, json.dumps(sim.stats()).encode(), "application/json")
            match = _PATH.match(path)
            if not match:
                return self._send(404, b"not found\n", "text/plain")
            camera, what, number = match.groups()
            if what == "index.m3u8":
                return self._send(200, sim.playlist(camera).encode(), "application/vnd.apple.mpegurl")
            if what == "frame.jpg":
                return self._send(200, jpeg(sim.scene(camera), sim.spec, time.time()), "image/jpeg")
            if what == "mjpeg":
                return self._mjpeg(camera)
            data = sim.segment(camera, int(number))
            if data is None:
                return self._send(404, b"segment not recorded yet\n", "text/plain")
            return self._send(200, data, "video/mp2t")

        def _mjpeg(self, camera: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=simframe")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            scene, interval = sim.scene(camera), 1.0 / sim.spec.mjpeg_fps
            try:
                while True:
                    frame = jpeg(scene, sim.spec, time.time())
                    self.wfile.write(b"--simframe\r\nContent-Type: image/jpeg\r\n"
                                     + f"Content-Length: {len(frame)}\r\n\r\n".encode() + frame + b"\r\n")
                    self.wfile.flush()
                    time.sleep(interval)
            except (BrokenPipeError, ConnectionResetError, OSError):
                return  # the viewer went away

    return Handler


HELP = "serve synthetic HLS, MJPEG and RTSP camera streams for the demo and tests (offline)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8060, help="default 8060")
    parser.add_argument("--fps", type=int, default=10, help="HLS frames per second (default 10)")
    parser.add_argument("--segment-seconds", type=int, default=1, help="HLS segment length (default 1)")
    parser.add_argument("--mjpeg-fps", type=float, default=5.0, help="MJPEG frames per second (default 5)")
    parser.add_argument("--size", default="320x180", help="frame size WIDTHxHEIGHT (default 320x180)")
    parser.add_argument("--rtsp-port", type=int, default=DEMO_RTSP_PORT,
                        help=f"RTSP port (default {DEMO_RTSP_PORT}; -1: no RTSP)")


def spec_from(args: argparse.Namespace) -> StreamSpec:
    """The stream settings, or ValueError naming the bad option."""
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        raise ValueError("--size must look like 320x180") from None
    if not (16 <= width <= 1920 and 16 <= height <= 1080 and width % 2 == 0 and height % 2 == 0):
        raise ValueError("--size: even numbers, 16x16 to 1920x1080")
    if not (1 <= args.fps <= 30 and 1 <= args.segment_seconds <= 10 and 0.2 <= args.mjpeg_fps <= 30):
        raise ValueError("--fps 1-30, --segment-seconds 1-10, --mjpeg-fps 0.2-30")
    return StreamSpec(width, height, args.fps, args.segment_seconds, args.mjpeg_fps)


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; a bad option or a busy port ends with one line, not a traceback
    (a busy RTSP port only costs the RTSP streams)."""
    try:
        spec = spec_from(args)
        sim = CameraSimulator(args.host, args.port, spec)
    except (ValueError, OSError) as exc:
        raise SystemExit(f"connect-dallas simulate-cameras: {exc}") from None
    rtsp_port = getattr(args, "rtsp_port", -1)
    if rtsp_port >= 0:
        from .rtsp_server import RtspServer

        try:
            sim.rtsp = RtspServer(sim, args.host, rtsp_port)
        except OSError as exc:
            print(f"camera simulator: no RTSP ({exc})", flush=True)
    print(f"camera simulator at {sim.base_url}: /cam/<id>/index.m3u8 (HLS) and /cam/<id>/mjpeg (MJPEG)"
          + (f"; {sim.rtsp_base_url}/cam/<id> (RTSP)" if sim.rtsp is not None else ""), flush=True)
    if sim.rtsp is not None:
        sim.rtsp.start()
    try:
        sim.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sim.server.server_close()
        if sim.rtsp is not None:
            sim.rtsp.server_close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="connect-dallas simulate-cameras", description=HELP)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
