"""The job loop of `connect-dallas worker`: runs each job of dashboard/jobs/registry.py every
its interval, one at a time, until told to stop. Any number of workers (and servers) may run
against one database; a failing job is logged and tried again next round, never fatal.

`serve` in demo mode runs the same loop on a thread (`Worker.start_thread`), so `make run` is
one self-sufficient process; a production web process runs no job.
"""

from __future__ import annotations

import logging
import threading
import time

from dashboard.jobs.locks import run_alone
from dashboard.jobs.mail import default_worker_id
from dashboard.jobs.registry import JOBS, Job
from dashboard.services import Services

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, services: Services, jobs: tuple[Job, ...] = JOBS, worker_id: str | None = None):
        self.services, self.jobs = services, jobs
        self.worker_id = worker_id or default_worker_id()
        self.stop_event = threading.Event()
        self._next_at = {job.name: 0.0 for job in jobs}  # every job runs once at start

    def run_job(self, job: Job) -> bool:
        """One round of `job`. False when another worker held its lock (and did the round)."""
        try:
            if not job.alone:
                job.run(self.services, self.worker_id)
                return True
            with run_alone(self.services.db, job.name) as mine:
                if mine:
                    job.run(self.services, self.worker_id)
                return mine
        except Exception:  # noqa: BLE001 - a job must survive a bad round (database restart, SMTP outage)
            log.exception("job %s failed; it runs again in its next round", job.name)
            return False

    def run_due(self) -> float:
        """Run every job whose time has come; returns the seconds until the next one is due."""
        for job in self.jobs:
            if self.stop_event.is_set():
                break
            if time.monotonic() >= self._next_at[job.name]:
                self.run_job(job)
                self._next_at[job.name] = time.monotonic() + job.interval(self.services)
        return max(0.0, min(self._next_at.values()) - time.monotonic())

    def run_forever(self) -> None:
        log.info("worker %s running jobs: %s", self.worker_id, ", ".join(job.name for job in self.jobs))
        while not self.stop_event.is_set():
            self.stop_event.wait(min(self.run_due(), 1.0))

    def run_once(self) -> None:
        for job in self.jobs:
            self.run_job(job)

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="jobs-worker", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.stop_event.set()
