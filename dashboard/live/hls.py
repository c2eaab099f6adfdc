"""Relaying HLS devices: playlists are re-written so that every URI in them points at the relay
(keyed by an opaque id, never the device's address), and each segment is fetched from the device
once and served to every viewer from a byte-bounded cache.

Each time a camera's playlist is read from the device, its newest segments are fetched in the
background (a few worker threads, a bounded queue): viewers asking for them a moment later are
served from the cache instead of each waiting on the device, and a wall's first frame comes
sooner. Same single flight, same cache, same timeouts: still one upstream request per segment.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin, urlsplit

from .cache import ByteLRU, SingleFlight, TTLCache
from .upstream import MAX_PLAYLIST_BYTES, CameraOffline, Upstream

PLAYLIST_TTL_S = 1.0     # a live playlist changes once a segment; viewers polling meanwhile share one read
FAILURE_TTL_S = 2.0      # a device that just failed is not asked again by every waiting viewer
MAX_KEYS_PER_CAMERA = 512
PREFETCH_NEWEST = 2      # segments fetched ahead when a camera's playlist is read from the device
PREFETCH_WORKERS = 4
PREFETCH_QUEUE = 64      # beyond this many pending, prefetching is skipped (viewers fetch on demand)
_URI_ATTR = re.compile(r'URI="([^"]*)"')
_EXT = re.compile(r"\.([A-Za-z0-9]{1,5})$")
CONTENT_TYPES = {"ts": "video/mp2t", "m4s": "video/iso.segment", "mp4": "video/mp4", "aac": "audio/aac",
                 "m4a": "audio/mp4", "vtt": "text/vtt", "key": "application/octet-stream"}
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
BASE_MARK = "\x00relay-base\x00"  # where a viewer's grant path goes in a cached, rewritten playlist


def _extension(url: str) -> str:
    match = _EXT.search(urlsplit(url).path)
    return match.group(1).lower() if match else "ts"


class _CameraKeys:
    """The upstream URLs one camera's playlists named, by opaque key (bounded, newest kept)."""

    def __init__(self) -> None:
        self._urls: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def key_for(self, camera_id: int, url: str) -> str:
        key = hashlib.sha256(f"{camera_id}\n{url}".encode()).hexdigest()[:24]
        with self._lock:
            self._urls[key] = url
            self._urls.move_to_end(key)
            while len(self._urls) > MAX_KEYS_PER_CAMERA:
                self._urls.popitem(last=False)
        return key

    def url_of(self, key: str) -> str | None:
        with self._lock:
            return self._urls.get(key)


class HlsRelay:
    def __init__(self, upstream: Upstream, segment_cache_bytes: int):
        self.upstream = upstream
        self.segments = ByteLRU(segment_cache_bytes)
        self.flight = SingleFlight()
        self.playlists = TTLCache(PLAYLIST_TTL_S)
        self.failures = TTLCache(FAILURE_TTL_S)
        self._keys: dict[int, _CameraKeys] = {}
        self._lock = threading.Lock()
        self._prefetcher: ThreadPoolExecutor | None = None
        self._pending: set[tuple] = set()

    def _camera_keys(self, camera_id: int) -> _CameraKeys:
        with self._lock:
            return self._keys.setdefault(camera_id, _CameraKeys())

    def _shared_fetch(self, cache_key: tuple, url: str, limit: int) -> bytes:
        if self.failures.get(cache_key):
            raise CameraOffline()

        def fetch() -> bytes:
            try:
                return self.upstream.fetch(url, limit)
            except CameraOffline as exc:
                if not exc.busy:
                    self.failures.put(cache_key, True)
                raise

        return self.flight.do(cache_key, fetch)

    def playlist(self, camera_id: int, stream_url: str, base: str, key: str | None = None) -> bytes:
        """The camera's playlist (its main one, or a variant named by `key`) with every URI
        pointing under `base` (the grant's relay path)."""
        url = stream_url if key is None else self._camera_keys(camera_id).url_of(key)
        if url is None:
            raise CameraOffline("This part of the stream is no longer available")
        cache_key = ("playlist", camera_id, url)
        template = self.playlists.get(cache_key)
        if template is None:
            raw = self._shared_fetch(cache_key, url, MAX_PLAYLIST_BYTES)
            text = raw.decode("utf-8", errors="replace").replace(BASE_MARK, "")
            if not text.lstrip("\ufeff").startswith("#EXTM3U"):
                raise CameraOffline("Camera offline (it did not answer with a playlist)")
            # rewritten once for every viewer; each gets it with their own grant's path
            template = self.rewrite(camera_id, text, url, BASE_MARK, stream_url)
            self.playlists.put(cache_key, template)
            self._prefetch(camera_id, text, url)
        return template.replace(BASE_MARK, base).encode("utf-8")

    def _prefetch(self, camera_id: int, text: str, playlist_url: str) -> None:
        """Start fetching the newest media segments the device's playlist names (not variant
        playlists: a line ending in .m3u8 is one)."""
        uris = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        for uri in uris[-PREFETCH_NEWEST:]:
            absolute = urljoin(playlist_url, uri)
            if _extension(absolute) == "m3u8":
                continue
            cache_key = ("segment", camera_id, absolute)
            with self._lock:
                if cache_key in self._pending or len(self._pending) >= PREFETCH_QUEUE:
                    continue
                if self.segments.get(cache_key) is not None or self.failures.get(cache_key):
                    continue
                self._pending.add(cache_key)
                if self._prefetcher is None:
                    self._prefetcher = ThreadPoolExecutor(PREFETCH_WORKERS, thread_name_prefix="live-prefetch")
                prefetcher = self._prefetcher
            prefetcher.submit(self._prefetch_one, cache_key, absolute)

    def _prefetch_one(self, cache_key: tuple, url: str) -> None:
        try:
            self._fetch_segment(cache_key, url)
        except CameraOffline:
            pass  # recorded as the device's recent failure; a viewer asking sees "camera offline"
        finally:
            with self._lock:
                self._pending.discard(cache_key)

    def _fetch_segment(self, cache_key: tuple, url: str) -> bytes:
        """The segment from the cache, else from the device once for everyone asking meanwhile."""
        body = self.segments.get(cache_key)
        if body is not None:
            return body

        def fetch_and_keep() -> bytes:
            cached = self.segments.get(cache_key)  # a viewer just before us may have filled it
            if cached is not None:
                return cached
            data = self.upstream.fetch(url)
            self.segments.put(cache_key, data)
            return data

        if self.failures.get(cache_key):
            raise CameraOffline()
        try:
            return self.flight.do(cache_key, fetch_and_keep)
        except CameraOffline as exc:
            if not exc.busy:
                self.failures.put(cache_key, True)
            raise

    def rewrite(self, camera_id: int, text: str, playlist_url: str, base: str, stream_url: str) -> str:
        keys = self._camera_keys(camera_id)

        def relay_url(uri: str) -> str:
            absolute = urljoin(playlist_url, uri.strip())
            return f"{base}/hls/{keys.key_for(camera_id, absolute)}.{_extension(absolute)}"

        out = []
        for line in text.splitlines():
            stripped = line.strip()
            if not stripped:
                continue
            if stripped.startswith("#"):
                out.append(_URI_ATTR.sub(lambda m: f'URI="{relay_url(m.group(1))}"', stripped))
            else:
                out.append(relay_url(stripped))
        return "\n".join(_without_device(out, (stream_url, playlist_url))) + "\n"

    def segment(self, camera_id: int, key: str) -> tuple[bytes, str]:
        url = self._camera_keys(camera_id).url_of(key)
        if url is None:
            raise CameraOffline("This part of the stream is no longer available")
        body = self._fetch_segment(("segment", camera_id, url), url)
        return body, CONTENT_TYPES.get(_extension(url), "application/octet-stream")


def _without_device(lines: list[str], urls: tuple[str, ...]) -> list[str]:
    """A last guard: drop any line still naming the device (a tag we do not know that carries an
    address in a form other than URI="...")."""
    hosts = {f"//{urlsplit(u).hostname}" for u in urls if u and urlsplit(u).hostname}  # relay lines hold no "//"
    needles = [n for n in (*urls, *hosts) if n]
    return [line for line in lines if not any(n in line for n in needles)]
