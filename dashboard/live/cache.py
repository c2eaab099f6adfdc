"""Sharing upstream fetches between viewers: a byte-bounded LRU and a single-flight gate (many
viewers asking for the same thing at once cause one upstream request)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class ByteLRU:
    """Least-recently-used values, evicted once their total size passes `max_bytes`."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self._items: OrderedDict[Any, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Any, value: bytes) -> None:
        if len(value) > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self.size -= len(old) if old is not None else 0
            self._items[key] = value
            self.size += len(value)
            while self.size > self.max_bytes:
                _, evicted = self._items.popitem(last=False)
                self.size -= len(evicted)

    def __len__(self) -> int:
        return len(self._items)


class _Call:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None


class SingleFlight:
    """`do(key, fn)`: the first caller runs fn, the others arriving meanwhile wait for its result
    (or its error). The wait is bounded by fn's own timeouts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[Any, _Call] = {}

    def do(self, key: Any, fn: Callable[[], Any]) -> Any:
        with self._lock:
            call = self._calls.get(key)
            leader = call is None
            if leader:
                call = self._calls[key] = _Call()
        if leader:
            try:
                call.result = fn()
            except BaseException as exc:  # noqa: BLE001 - handed to every waiter, then re-raised
                call.error = exc
            finally:
                with self._lock:
                    del self._calls[key]
                call.done.set()
        else:
            call.done.wait()
        if call.error is not None:
            raise call.error
        return call.result


class TTLCache:
    """Small values kept for `ttl` seconds (playlists, grant checks, a device's recent failure)."""

    def __init__(self, ttl: float, max_items: int = 10_000):
        self.ttl = ttl
        self.max_items = max_items
        self._items: dict[Any, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            entry = self._items.get(key)
        if entry is None or time.monotonic() - entry[0] > self.ttl:
            return default
        return entry[1]

    def put(self, key: Any, value: Any) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._items) >= self.max_items:
                self._items = {k: v for k, v in self._items.items() if now - v[0] <= self.ttl}
                if len(self._items) >= self.max_items:
                    self._items.clear()
            self._items[key] = (now, value)

    def drop(self, key: Any) -> None:
        with self._lock:
            self._items.pop(key, None)
