"""The camera simulator's RTSP server (RFC 2326): the same synthetic scene as its HLS streams,
encoded live with PyAV's libx264 and sent as H.264 over RTP (dashboard/live/rtp.py) interleaved
on the RTSP connection, which is how the relay asks for it (FFmpeg's `rtsp_transport=tcp`).

  rtsp://HOST:PORT/cam/<id>      OPTIONS, DESCRIBE (SDP with sprop-parameter-sets), SETUP
                                 (RTP/AVP/TCP interleaved only), PLAY, GET_PARAMETER, TEARDOWN

FFmpeg can be an RTSP *client* and, with `-rtsp_flags listen`, a server that *receives* a
stream (RECORD), but not a server that plays one out: hence this small one. Each PLAY gets its
own encoder thread (a keyframe every second, like the HLS segments); a client that stops
reading for SEND_TIMEOUT_S is dropped.
"""

from __future__ import annotations

import random
import re
import socket
import socketserver
import threading
import time
from fractions import Fraction
from functools import lru_cache
from urllib.parse import urlsplit

from .rtp import CLOCK_RATE, RtpPacketizer, parameter_sets, sdp

_PATH = re.compile(r"^/cam/([A-Za-z0-9_-]{1,40})(?:/.*)?$")
MAX_REQUEST_BYTES = 8192
SEND_TIMEOUT_S = 5.0
IDLE_TIMEOUT_S = 60.0   # a connection that sends nothing (no request, no RTCP) for this long is closed
METHODS = "OPTIONS, DESCRIBE, SETUP, PLAY, GET_PARAMETER, TEARDOWN"


def x264_options(gop: int) -> dict:
    """The encoder settings the simulator uses for every stream: baseline, no B-frames, a
    keyframe every `gop` frames with its SPS/PPS repeated in band."""
    return {"preset": "ultrafast", "tune": "zerolatency", "profile": "baseline", "g": str(gop),
            "keyint_min": str(gop), "sc_threshold": "0", "bf": "0"}


class LiveEncoder:
    """Frames in, Annex B access units out (one per frame, zero latency)."""

    def __init__(self, width: int, height: int, fps: int):
        import av  # the dashboard never needs the encoder, only the simulator

        self.codec = av.CodecContext.create("libx264", "w")
        self.codec.width, self.codec.height, self.codec.pix_fmt = width, height, "yuv420p"
        self.codec.time_base = Fraction(1, fps)
        self.codec.framerate = Fraction(fps, 1)
        self.codec.options = x264_options(fps)
        self._av = av
        self.index = 0

    def encode(self, image) -> bytes:
        frame = self._av.VideoFrame.from_image(image)
        frame.pts = self.index
        self.index += 1
        return b"".join(bytes(p) for p in self.codec.encode(frame))


@lru_cache(maxsize=8)
def _parameter_sets(width: int, height: int, fps: int) -> tuple[bytes, bytes]:
    """SPS and PPS for these settings (x264 writes the same ones for the same settings)."""
    from PIL import Image

    encoder = LiveEncoder(width, height, fps)
    found = parameter_sets(encoder.encode(Image.new("RGB", (width, height))))
    if found is None:
        raise RuntimeError("the encoder wrote no SPS/PPS")
    return found


class _Reader:
    """Buffered reads over a socket whose timeout (SEND_TIMEOUT_S) is meant for sends: a quiet
    client is waited for until IDLE_TIMEOUT_S, a recv timing out meanwhile is not an error."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = bytearray()

    def _fill(self) -> bool:
        quiet_since = time.monotonic()
        while True:
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                if time.monotonic() - quiet_since > IDLE_TIMEOUT_S:
                    return False
                continue
            if not chunk:
                return False
            self.buf += chunk
            return True

    def read(self, n: int) -> bytes:
        while len(self.buf) < n and self._fill():
            pass
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def readline(self, limit: int) -> bytes:
        while b"\n" not in self.buf and len(self.buf) < limit and self._fill():
            pass
        end = self.buf.find(b"\n")
        end = min(limit, len(self.buf)) if end < 0 else end + 1
        data = bytes(self.buf[:end])
        del self.buf[:end]
        return data


class RtspServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, sim, host: str, port: int):
        self.sim = sim
        super().__init__((host, port), RtspHandler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"rtsp://{host}:{port}"

    def start(self) -> RtspServer:
        threading.Thread(target=self.serve_forever, name="camera-simulator-rtsp", daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class RtspHandler(socketserver.BaseRequestHandler):
    def setup(self) -> None:
        self.request.settimeout(SEND_TIMEOUT_S)  # a client that stops reading our packets is dropped
        self.reader = _Reader(self.request)
        self.write_lock = threading.Lock()
        self.session_id = f"{random.getrandbits(48):012X}"
        self.camera: str | None = None
        self.playing = threading.Event()
        self.stopped = threading.Event()

    def finish(self) -> None:
        self.stopped.set()

    def send(self, data: bytes) -> None:
        with self.write_lock:
            self.request.sendall(data)

    def reply(self, cseq: str, status: str = "200 OK", headers: dict | None = None, body: str = "") -> None:
        lines = [f"RTSP/1.0 {status}", f"CSeq: {cseq}", "Server: CameraSimulator/1"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body:
            lines.append(f"Content-Length: {len(body.encode())}")
        self.send(("\r\n".join(lines) + "\r\n\r\n" + body).encode())

    def read_request(self) -> tuple[str, str, dict] | None:
        """The next request (skipping interleaved RTCP from the client), or None at the end."""
        while True:
            first = self.reader.read(1)
            if not first:
                return None
            if first == b"$":  # an interleaved packet from the client (its RTCP reports): skipped
                head = self.reader.read(3)
                if len(head) < 3:
                    return None
                self.reader.read(int.from_bytes(head[1:3], "big"))
                continue
            raw = first + self.reader.readline(MAX_REQUEST_BYTES)
            while not raw.endswith(b"\r\n\r\n") and not raw.endswith(b"\n\n"):
                line = self.reader.readline(MAX_REQUEST_BYTES)
                if not line or len(raw) > MAX_REQUEST_BYTES:
                    return None
                raw += line
            lines = raw.decode("latin-1").splitlines()
            parts = lines[0].split()
            if len(parts) != 3:
                return None
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip():
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0") or 0)
            if length:
                self.reader.read(min(length, MAX_REQUEST_BYTES))
            return parts[0].upper(), parts[1], headers

    def handle(self) -> None:
        try:
            while not self.stopped.is_set():
                request = self.read_request()
                if request is None:
                    return
                if not self.answer(*request):
                    return
        except OSError:
            return  # the client went away
        finally:
            self.stopped.set()

    def answer(self, method: str, url: str, headers: dict) -> bool:
        cseq = headers.get("cseq", "0")
        spec = self.server.sim.spec
        if method == "OPTIONS":
            self.reply(cseq, headers={"Public": METHODS})
            return True
        match = _PATH.match(urlsplit(url).path)
        if not match:
            self.reply(cseq, "404 Not Found")
            return True
        camera = match.group(1)
        self.server.sim.count(f"rtsp:/cam/{camera} {method}")
        if method == "DESCRIBE":
            sps, pps = _parameter_sets(spec.width, spec.height, spec.fps)
            base = url if url.endswith("/") else url + "/"
            self.reply(cseq, headers={"Content-Type": "application/sdp", "Content-Base": base},
                       body=sdp(f"CAM {camera}", sps, pps, random.getrandbits(32)))
        elif method == "SETUP":
            if "RTP/AVP/TCP" not in headers.get("transport", ""):
                self.reply(cseq, "461 Unsupported Transport")
                return True
            self.camera = camera
            self.reply(cseq, headers={"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1",
                                      "Session": f"{self.session_id};timeout=60"})
        elif method == "PLAY":
            if self.camera is None:
                self.reply(cseq, "455 Method Not Valid in This State")
                return True
            self.reply(cseq, headers={"Session": self.session_id, "Range": "npt=0.000-"})
            if not self.playing.is_set():
                self.playing.set()
                threading.Thread(target=self.stream, name=f"rtsp-{camera}", daemon=True).start()
        elif method == "TEARDOWN":
            self.reply(cseq, headers={"Session": self.session_id})
            return False
        elif method == "GET_PARAMETER":
            self.reply(cseq, headers={"Session": self.session_id})
        else:
            self.reply(cseq, "405 Method Not Allowed", headers={"Allow": METHODS})
        return True

    def stream(self) -> None:
        """Frames at the stream's rate, drawn at the wall clock, until the client goes."""
        sim, spec = self.server.sim, self.server.sim.spec
        scene = sim.scene(self.camera)
        encoder = LiveEncoder(spec.width, spec.height, spec.fps)
        rtp = RtpPacketizer(random.getrandbits(32), random.getrandbits(16))
        ts_base = random.getrandbits(31)
        start = time.monotonic()
        clock = time.time()
        try:
            while not self.stopped.is_set():
                due = start + encoder.index / spec.fps
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                index = encoder.index
                unit = encoder.encode(scene.draw(clock + index / spec.fps))
                timestamp = ts_base + index * CLOCK_RATE // spec.fps
                data = b"".join(rtp.interleaved(p) for p in rtp.access_unit(unit, timestamp))
                if data:
                    self.send(data)
        except OSError:  # gone, or not reading for SEND_TIMEOUT_S
            pass
        finally:
            self.stopped.set()
            try:
                self.request.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
