"""Every background job, in one list: `connect-dallas worker` runs them all (dashboard/jobs/worker.py).
A later job adds one line to JOBS.

`alone=True` jobs run under a named lock (dashboard/jobs/locks.py): with several workers, one
of them does the round and the others skip it. The mail outbox needs no lock: it claims each
message (dashboard/jobs/mail.py), so every worker can send at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dashboard.services import Services


@dataclass(frozen=True)
class Job:
    name: str
    interval: Callable[[Services], float]  # seconds between rounds, from the configuration
    run: Callable[[Services, str], object]  # (services, worker id)
    alone: bool = True


def _mail_outbox(svc: Services, worker_id: str) -> object:
    from dashboard.jobs.mail import deliver_due

    return deliver_due(svc.db, svc.smtp, worker_id=worker_id, claim_timeout=svc.settings.mail_claim_timeout_seconds)


def _footage_sweeper(svc: Services, _worker_id: str) -> object:
    from dashboard.footage.sweeper import FootageSweeper

    return FootageSweeper.sweep(svc.db, svc.settings)


def _registry_maintenance(svc: Services, _worker_id: str) -> object:
    from dashboard.owners.maintenance import run_maintenance

    return run_maintenance(svc.db, svc.settings)


def _live_grants_lapse(svc: Services, _worker_id: str) -> object:
    from dashboard.live.grants import end_lapsed_grants
    from dashboard.live.settings import live_settings

    with svc.db.session() as s:
        return end_lapsed_grants(s, live_settings(svc.settings))


def _case_closer(svc: Services, _worker_id: str) -> object:
    from dashboard.cases import apply_due_closes  # closes whose undo window has passed

    return apply_due_closes(svc.db, svc.settings)


def _transparency_report(svc: Services, _worker_id: str) -> object:
    from dashboard.transparency.options import options_from
    from dashboard.transparency.report import refresh_report

    return refresh_report(svc.db, svc.settings, options_from(svc.settings))


def _transparency_interval(svc: Services) -> float:
    from dashboard.transparency.options import options_from

    return max(options_from(svc.settings).cache_seconds, 10.0)


JOBS: tuple[Job, ...] = (
    Job("mail-outbox", lambda svc: svc.settings.mail_interval_seconds, _mail_outbox, alone=False),
    # requests' sent/expired/reminders and the clip retention rule; the detectives' list reads its results
    Job("footage-sweeper", lambda svc: 15.0, _footage_sweeper),
    Job("registry-maintenance", lambda svc: 3600.0, _registry_maintenance),
    Job("live-grants-lapse", lambda svc: 30.0, _live_grants_lapse),
    Job("case-closer", lambda svc: 60.0, _case_closer),
    # the public transparency report: computed here, stored, only read by the public routes
    Job("transparency-report", _transparency_interval, _transparency_report),
)
