"""The relay: what one server process holds to stream cameras to the holders of live-view grants.

The browser only ever sees relay URLs carrying the grant's token; the device address stays in the
database and in this process. Each request re-checks the grant (who holds it, expiry, the owner's
sharing policy, the purpose), trusting a check for `grant_check_seconds` so that a wall of nine
tiles polling playlists does not query the database for every segment. Long MJPEG responses
re-check as they go and stop when the grant ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

from dashboard import tokens
from dashboard.db import Database
from dashboard.models import utcnow

from .cache import TTLCache
from .grants import ActiveGrant, check_grant, run_audited
from .hls import HlsRelay
from .mjpeg import MjpegHub, part
from .policy import LiveRefused
from .rtsp import RtspRelay
from .settings import LiveSettings
from .upstream import CameraOffline, Upstream

STALL_S = 5.0  # an MJPEG device silent this long ends the viewer's stream (the tile shows offline)


class LiveRelay:
    def __init__(self, db: Database, settings: LiveSettings):
        self.db = db
        self.settings = settings
        self.upstream = Upstream(settings)
        self.hls = HlsRelay(self.upstream, settings.segment_cache_bytes)
        self.rtsp = RtspRelay(self.upstream, self.hls.segments, settings.connect_timeout_s, settings.read_timeout_s)
        self.mjpeg = MjpegHub(self.upstream)
        self.checked = TTLCache(settings.grant_check_seconds)
        self.stream_slots = threading.BoundedSemaphore(settings.max_mjpeg_streams)

    def grant(self, user: Any, token: str) -> ActiveGrant:
        """The grant if `user` may watch through `token` now (else LiveRefused)."""
        key = (tokens.digest(token), getattr(user, "id", None))
        active = self.checked.get(key)
        if active is not None and active.expires_at > utcnow():
            return active
        active = run_audited(self.db, lambda session: check_grant(session, user, token, self.settings))
        self.checked.put(key, active)
        return active

    def forget(self, user: Any, token: str) -> None:
        """After a renewal or an end: the next request checks the grant afresh."""
        self.checked.drop((tokens.digest(token), getattr(user, "id", None)))

    @property
    def first_frame_timeout(self) -> float:
        return self.settings.connect_timeout_s + self.settings.read_timeout_s + 0.5

    def _first_frame(self, active: ActiveGrant):
        source = self.mjpeg.attach(active.camera_id, active.stream_url)
        first = source.wait_frame(0, self.first_frame_timeout)
        if first is None:
            source.detach()
            raise CameraOffline(source.failed or "Camera offline")
        return source, first

    def snapshot(self, active: ActiveGrant) -> bytes:
        """The camera's latest frame (shared reader): for tiles that poll instead of streaming.
        The reader keeps running while snapshots keep coming within its idle time."""
        source, (_, frame) = self._first_frame(active)
        source.detach()
        return frame

    def mjpeg_stream(self, active: ActiveGrant, user: Any, token: str) -> Iterator[bytes]:
        """The multipart body for one viewer. Waits for the first frame before returning, so a
        device that is down answers CameraOffline within the timeouts instead of an empty 200."""
        if not self.stream_slots.acquire(blocking=False):
            raise CameraOffline("Too many live streams on this server: poll frame.jpg instead.", busy=True)
        try:
            source, first = self._first_frame(active)
        except BaseException:
            self.stream_slots.release()
            raise
        return self._frames(source, first, user, token)

    def _frames(self, source, first: tuple[int, bytes], user: Any, token: str) -> Iterator[bytes]:
        seq, frame = first
        next_check = time.monotonic() + self.settings.grant_check_seconds
        try:
            yield part(frame)
            while True:
                got = source.wait_frame(seq, STALL_S)
                if got is None:
                    return
                seq, frame = got
                if time.monotonic() >= next_check:
                    self.grant(user, token)
                    next_check = time.monotonic() + self.settings.grant_check_seconds
                yield part(frame)
        except LiveRefused:
            return  # the grant ended or expired: the stream ends with it
        finally:
            source.detach()
            self.stream_slots.release()
