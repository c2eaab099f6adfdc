"""A periodic job on a daemon thread, for the server's housekeeping (registry maintenance)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class PeriodicTask:
    def __init__(self, name: str, job: Callable[[], object], interval: float):
        self.name, self.job, self.interval = name, job, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> PeriodicTask:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.job()
            except Exception:  # noqa: BLE001 - housekeeping must survive a bad run and try again
                log.exception("%s failed", self.name)
