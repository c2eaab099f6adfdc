"""Relaying MJPEG devices (HTTP multipart/x-mixed-replace of JPEG frames).

One reader thread per camera reads the device and keeps only the latest frame; every viewer waits
for a frame newer than the one it last sent. A slow viewer therefore skips frames and never holds
the device or the other viewers back, memory stays at one frame per camera, and the reader stops
(closing the device connection) once no viewer has been attached for `IDLE_STOP_S`.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Iterator

from .upstream import CameraOffline, Upstream

MAX_FRAME_BYTES = 4 * 1024 * 1024
IDLE_STOP_S = 2.0
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.I)
_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.I)
BOUNDARY = "frame"  # what the relay itself sends to browsers


def boundary_of(content_type: str) -> bytes:
    match = _BOUNDARY.search(content_type or "")
    if not content_type.lower().startswith("multipart/") or not match:
        raise CameraOffline("Camera offline (it did not answer with an MJPEG stream)")
    return match.group(1).strip().lstrip("-").encode("latin-1")


def parse_parts(chunks: Iterable[bytes], boundary: bytes, max_part: int = MAX_FRAME_BYTES) -> Iterator[bytes]:
    """The bodies of a multipart stream's parts. Searching for the boundary without its leading
    dashes accepts devices that do and do not repeat the dashes in the declared boundary."""
    buf = bytearray()
    for chunk in chunks:
        buf += chunk
        while True:
            start = buf.find(boundary)
            if start < 0:
                del buf[:max(0, len(buf) - len(boundary))]
                break
            head_end = buf.find(b"\r\n\r\n", start)
            if head_end < 0:
                break
            body_start = head_end + 4
            length = _LENGTH.search(bytes(buf[start:head_end]))
            if length:
                end = body_start + int(length.group(1))
                if int(length.group(1)) > max_part:
                    raise CameraOffline("Camera frame too large to relay")
                if len(buf) < end:
                    break
                body = bytes(buf[body_start:end])
                del buf[:end]
            else:
                following = buf.find(boundary, body_start)
                if following < 0:
                    break
                body = bytes(buf[body_start:following]).rstrip(b"-").rstrip(b"\r\n")
                del buf[:following]
            if body:
                yield body
        if len(buf) > 2 * max_part:
            raise CameraOffline("Camera frame too large to relay")


class MjpegSource:
    """One camera's shared reader and its latest frame."""

    def __init__(self, key: tuple, url: str, upstream: Upstream, on_stop):
        self.key = key
        self.url = url
        self.upstream = upstream
        self.on_stop = on_stop
        self.cond = threading.Condition()
        self.frame: bytes | None = None
        self.seq = 0
        self.viewers = 0
        self.idle_since = time.monotonic()
        self.failed: str | None = None
        self.stopped = False
        self.thread = threading.Thread(target=self._run, name=f"mjpeg-relay-{key[0]}", daemon=True)

    def attach(self) -> bool:
        """Count a viewer; False once the reader has stopped (the hub then starts a new one)."""
        with self.cond:
            if self.stopped:
                return False
            self.viewers += 1
            return True

    def detach(self) -> None:
        with self.cond:
            self.viewers -= 1
            if self.viewers == 0:
                self.idle_since = time.monotonic()

    def wait_frame(self, after: int, timeout: float) -> tuple[int, bytes] | None:
        """The latest frame once it is newer than `after`; None if the device failed or sent
        nothing for `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.seq <= after and self.failed is None and not self.stopped:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)
            if self.seq <= after or self.frame is None:
                return None
            return self.seq, self.frame

    def _stop_if_idle(self) -> bool:
        with self.cond:  # atomic with attach: a viewer arriving now gets a fresh reader
            if self.viewers == 0 and time.monotonic() - self.idle_since > IDLE_STOP_S:
                self.stopped = True
            return self.stopped

    def _run(self) -> None:
        response = None
        try:
            response, content_type = self.upstream.open_stream(self.url)
            boundary = boundary_of(content_type)
            for frame in parse_parts(response.stream(32 * 1024), boundary):
                with self.cond:
                    self.frame = frame
                    self.seq += 1
                    self.cond.notify_all()
                if self._stop_if_idle():
                    break
        except CameraOffline as exc:
            self.failed = exc.message
        except Exception:  # noqa: BLE001 - any read error (its text may name the device) means offline
            self.failed = "Camera offline"
        finally:
            if response is not None:
                self.upstream.close_stream(response)
            with self.cond:
                self.stopped = True
                self.cond.notify_all()
            self.on_stop(self)


class MjpegHub:
    """The running sources, one per (camera, device address)."""

    def __init__(self, upstream: Upstream):
        self.upstream = upstream
        self._sources: dict[tuple, MjpegSource] = {}
        self._lock = threading.Lock()

    def attach(self, camera_id: int, url: str) -> MjpegSource:
        """A running source for the camera with this viewer counted (detach it when done)."""
        key = (camera_id, url)
        with self._lock:
            source = self._sources.get(key)
            if source is None or not source.attach():
                source = self._sources[key] = MjpegSource(key, url, self.upstream, self._forget)
                source.attach()
                source.thread.start()
        return source

    def _forget(self, source: MjpegSource) -> None:
        with self._lock:
            if self._sources.get(source.key) is source:
                del self._sources[source.key]

    def running(self) -> int:
        with self._lock:
            return sum(1 for s in self._sources.values() if not s.stopped)


def part(frame: bytes) -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(frame)}\r\n\r\n".encode()
            + frame + b"\r\n")
