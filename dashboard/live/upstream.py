"""HTTP to the camera devices: timeouts on every request, a bound on concurrent connections, and
errors that never carry the device's address (they reach users as "camera offline").
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import urllib3

from .settings import LiveSettings

MAX_PLAYLIST_BYTES = 1 * 1024 * 1024
MAX_SEGMENT_BYTES = 16 * 1024 * 1024


class CameraOffline(Exception):
    """The device did not answer in time, refused, or answered with an error. The message is safe
    to show (no address, no credential)."""

    def __init__(self, message: str = "Camera offline", *, busy: bool = False):
        super().__init__(message)
        self.message = message
        self.busy = busy


@dataclass(frozen=True)
class Target:
    """A device URL split into what is requested and the credential sent in a header."""

    url: str
    headers: dict

    @classmethod
    def of(cls, url: str) -> Target:
        parts = urlsplit(url)
        headers = {"User-Agent": "connect-dallas-relay", "Accept": "*/*"}
        if parts.username is not None:
            userinfo = f"{parts.username}:{parts.password or ''}"
            headers.update(urllib3.util.make_headers(basic_auth=userinfo))
            host = parts.hostname or ""
            netloc = f"[{host}]" if ":" in host else host
            if parts.port:
                netloc += f":{parts.port}"
            parts = parts._replace(netloc=netloc)
        return cls(urlunsplit(parts), headers)


class Upstream:
    """One pool per process. `fetch` reads a whole small body (playlists, segments); `open_stream`
    returns an unread response for a long-lived stream (MJPEG) whose slot the caller releases."""

    def __init__(self, settings: LiveSettings):
        self.timeout = urllib3.Timeout(connect=settings.connect_timeout_s, read=settings.read_timeout_s)
        self.slots = threading.BoundedSemaphore(settings.max_upstream_connections)
        self.pool = urllib3.PoolManager(num_pools=256, maxsize=4, retries=False, timeout=self.timeout)

    def _acquire(self) -> None:
        if not self.slots.acquire(timeout=self.timeout.connect_timeout or 2.0):
            raise CameraOffline("The relay is at its limit of camera connections; try again shortly.", busy=True)

    def acquire(self) -> None:
        """A connection slot for a long-lived reader (RTSP) that connects by itself; `release` after."""
        self._acquire()

    def release(self) -> None:
        self.slots.release()

    def _request(self, url: str):
        target = Target.of(url)
        if urlsplit(target.url).scheme not in ("http", "https"):
            raise CameraOffline("Camera offline (this stream type is not relayed)")
        try:
            response = self.pool.request("GET", target.url, headers=target.headers, preload_content=False,
                                         redirect=False, timeout=self.timeout)
        except (urllib3.exceptions.HTTPError, OSError, ValueError):
            raise CameraOffline() from None  # the exception text names the device: never passed on
        if response.status >= 400 or response.status in (301, 302, 303, 307, 308):
            response.release_conn()
            raise CameraOffline()
        return response

    def fetch(self, url: str, limit: int = MAX_SEGMENT_BYTES) -> bytes:
        self._acquire()
        try:
            response = self._request(url)
            try:
                body = bytearray()
                for chunk in response.stream(64 * 1024):
                    body += chunk
                    if len(body) > limit:
                        raise CameraOffline("Camera stream too large to relay")
                return bytes(body)
            except (urllib3.exceptions.HTTPError, OSError):
                raise CameraOffline() from None
            finally:
                response.release_conn()
        finally:
            self.slots.release()

    def open_stream(self, url: str):
        """(response, content_type); the caller must `close_stream(response)` when done."""
        self._acquire()
        try:
            response = self._request(url)
        except BaseException:
            self.slots.release()
            raise
        return response, response.headers.get("Content-Type", "")

    def close_stream(self, response) -> None:
        try:
            response.release_conn()
            response.close()
        finally:
            self.slots.release()
