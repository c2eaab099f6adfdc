"""Relaying RTSP devices as HLS: one reader per camera pulls the device's H.264 over RTSP with
PyAV (FFmpeg; `rtsp_transport=tcp`, connect and read timeouts), cuts the packets at keyframes
into MPEG-TS segments in memory (a remux: no decoding, no re-encoding), and keeps the newest few
in the relay's segment cache; every grant holder gets the same segments through a playlist the
relay writes itself, so a device serves one stream however many people watch it.

The reader starts on the first request for the camera and stops once nobody has asked for
IDLE_STOP_S. A device that does not answer, refuses, or goes quiet is "camera offline" within the
timeouts (the error text, which names the device, is never passed on); after a failure the next
request tries again, at most every FAILURE_TTL_S.
"""

from __future__ import annotations

import io
import itertools
import math
import threading
import time
from collections import deque
from collections.abc import Iterator

from .cache import ByteLRU
from .upstream import MAX_SEGMENT_BYTES, CameraOffline, Upstream

TARGET_SEGMENT_S = 1.0   # a segment is cut at the first keyframe this long after its start
PLAYLIST_SEGMENTS = 4    # listed in the playlist (the newest)
KEPT_SEGMENTS = 8        # numbers remembered per camera (the bytes live in the shared cache)
IDLE_STOP_S = 15.0       # a reader nobody asked for this long closes its device connection
FAILURE_TTL_S = 2.0
FIRST_WAIT_S = 4.0       # a request waits at most this long for a starting camera's first segment
MAX_FIRST_WAITERS = 6    # server threads that may wait so at once; more askers get "camera offline" now
PROBE = {"rtsp_transport": "tcp", "analyzeduration": "200000", "probesize": "65536"}
FALLBACK_STEP = 3000     # 1/30 s at 90 kHz: for a first packet that came without a timestamp


class _Reader:
    """One camera's device connection and the segments cut from it."""

    def __init__(self, camera_id: int, url: str, cache: ByteLRU, upstream: Upstream, timeouts: tuple[float, float],
                 numbers: Iterator[int]):
        self.camera_id, self.url, self.cache, self.upstream, self.timeouts = camera_id, url, cache, upstream, timeouts
        self.segments: deque[tuple[int, float]] = deque(maxlen=KEPT_SEGMENTS)  # (number, seconds)
        self.changed = threading.Condition()
        self.failed_at: float | None = None
        self.done = False
        self.wanted_at = time.monotonic()
        self.numbers = numbers  # the camera's, shared by its readers: a segment number is never reused
        self.thread = threading.Thread(target=self._run, name=f"rtsp-relay-{camera_id}", daemon=True)

    def start(self) -> _Reader:
        self.thread.start()
        return self

    def want(self) -> None:
        self.wanted_at = time.monotonic()

    def _finish(self, failed: bool) -> None:
        with self.changed:
            self.done = True
            if failed:
                self.failed_at = time.monotonic()
            self.changed.notify_all()

    def _run(self) -> None:
        import av

        failed = True
        try:
            self.upstream.acquire()
        except CameraOffline:
            self._finish(True)
            return
        try:
            container = av.open(self.url, options=dict(PROBE), timeout=self.timeouts)
            try:
                self._pump(container)
                failed = time.monotonic() - self.wanted_at < IDLE_STOP_S  # the device ended the stream
            finally:
                container.close()
        except Exception:  # noqa: BLE001 - av/OS errors name the device: the viewer sees "camera offline"
            failed = True
        finally:
            self.upstream.release()
            self._finish(failed)

    def _pump(self, container) -> None:
        stream = container.streams.video[0]
        step = FALLBACK_STEP
        if stream.guessed_rate:
            step = max(1, int(1 / (float(stream.guessed_rate) * float(stream.time_base))))
        pending: list = []
        pending_bytes = 0
        last_pts = last_dts = None
        for packet in container.demux(stream):
            if time.monotonic() - self.wanted_at > IDLE_STOP_S:
                return
            if packet.size == 0:
                continue
            if packet.pts is None:  # FFmpeg's first RTP packet, before the timestamps are anchored
                packet.pts = last_pts + step if last_pts is not None else None
            if packet.pts is None:
                if packet.is_keyframe:
                    pending = [packet]  # timestamped below, once the next packet tells us where we are
                continue
            if pending and pending[0].pts is None:
                pending[0].pts = packet.pts - step
                pending[0].dts = pending[0].pts
                last_dts = pending[0].dts
            if packet.dts is None or (last_dts is not None and packet.dts <= last_dts):
                packet.dts = min(packet.pts, last_dts + 1) if last_dts is not None else packet.pts
            last_pts, last_dts = packet.pts, packet.dts
            if packet.is_keyframe and pending and pending[0].pts is not None \
                    and (packet.pts - pending[0].pts) * stream.time_base >= TARGET_SEGMENT_S:
                self._cut(stream, pending, packet.pts)
                pending, pending_bytes = [], 0
            if pending or packet.is_keyframe:
                pending.append(packet)  # a segment starts with a keyframe
                pending_bytes += packet.size
                if pending_bytes > MAX_SEGMENT_BYTES:
                    raise CameraOffline("Camera stream too large to relay")  # no keyframe for too long
        raise EOFError

    def _cut(self, stream, packets: list, end_pts: int) -> None:
        import av

        buf = io.BytesIO()
        with av.open(buf, mode="w", format="mpegts") as out:
            target = out.add_stream_from_template(stream)
            for packet in packets:
                packet.stream = target
                out.mux(packet)
        seconds = float((end_pts - packets[0].pts) * stream.time_base)
        with self.changed:
            number = next(self.numbers)
            self.cache.put(("rtsp", self.camera_id, number), buf.getvalue())
            self.segments.append((number, seconds))
            self.changed.notify_all()

    def wait_segments(self, timeout: float) -> list[tuple[int, float]]:
        """The newest segments, waiting up to `timeout` for the first one."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not self.segments and not self.done:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.changed.wait(min(left, 0.5))
                self.wanted_at = time.monotonic()  # a viewer waiting is a viewer
            return list(self.segments)[-PLAYLIST_SEGMENTS:]


class RtspRelay:
    def __init__(self, upstream: Upstream, cache: ByteLRU, connect_timeout_s: float, read_timeout_s: float):
        self.upstream, self.cache = upstream, cache
        # PyAV's (open, read) timeouts: the open covers connect, DESCRIBE, SETUP, PLAY and the probe
        self.timeouts = (connect_timeout_s + read_timeout_s, read_timeout_s)
        self.first_segment_timeout = min(FIRST_WAIT_S, connect_timeout_s + read_timeout_s + 2 * TARGET_SEGMENT_S)
        # a camera starting (or a dead one being retried) must not hold many server threads: the
        # player of a request turned away retries in a few seconds, when the segments are there
        self.waiters = threading.BoundedSemaphore(MAX_FIRST_WAITERS)
        self._readers: dict[int, _Reader] = {}
        self._numbers: dict[int, Iterator[int]] = {}
        self._lock = threading.Lock()

    def _reader(self, camera_id: int, url: str) -> _Reader:
        with self._lock:
            reader = self._readers.get(camera_id)
            if reader is not None and reader.url != url:
                reader.wanted_at = -math.inf  # the owner changed the device: the old reader stops
                reader = None
            if reader is not None and not reader.done and time.monotonic() - reader.wanted_at > IDLE_STOP_S:
                reader = None  # it is closing its connection for want of viewers: a new one starts
            if reader is not None and reader.done:
                if reader.failed_at is not None and time.monotonic() - reader.failed_at < FAILURE_TTL_S:
                    raise CameraOffline()
                reader = None
            if reader is None:
                numbers = self._numbers.setdefault(camera_id, itertools.count())
                reader = self._readers[camera_id] = _Reader(camera_id, url, self.cache, self.upstream,
                                                             self.timeouts, numbers).start()
        reader.want()
        return reader

    def playlist(self, camera_id: int, stream_url: str, base: str) -> bytes:
        reader = self._reader(camera_id, stream_url)
        segments = reader.wait_segments(0)
        if not segments:
            if not self.waiters.acquire(blocking=False):
                raise CameraOffline()
            try:
                segments = reader.wait_segments(self.first_segment_timeout)
            finally:
                self.waiters.release()
        if not segments:
            raise CameraOffline()
        target = max(1, math.ceil(max(seconds for _, seconds in segments)))
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}",
                 f"#EXT-X-MEDIA-SEQUENCE:{segments[0][0]}"]
        for number, seconds in segments:
            lines += [f"#EXTINF:{seconds:.3f},", f"{base}/rtsp/{number}.ts"]
        return ("\n".join(lines) + "\n").encode()

    def segment(self, camera_id: int, number: int) -> bytes:
        with self._lock:
            reader = self._readers.get(camera_id)
        if reader is not None:
            reader.want()
        body = self.cache.get(("rtsp", camera_id, number))
        if body is None:
            raise CameraOffline("This part of the stream is no longer available")
        return body
