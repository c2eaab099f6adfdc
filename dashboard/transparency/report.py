"""The public transparency report (CONTRACT.md "Transparency"): the figures, as one JSON-ready
dict, and the in-process cache that serves it.

The page and /transparency.json are public and rate limited, so a request must never compute
the report (over a million audit events and cameras that takes seconds): the
`transparency-report` job (dashboard/jobs/registry.py, every `transparency.cache_seconds`)
runs `refresh_report`, which checks the chain (bounded, incremental), builds the report and
stores it as one row of `transparency_reports`. `ReportCache` serves the newest stored row from
memory and looks for a newer one at most every `RELOAD_SECONDS` (one indexed read of the newest
id; the JSON is parsed only when it changed). Before the first refresh the routes answer 503
"being prepared".

Published counts of people's data go through `published` (1-4 -> "fewer than 5"). Nothing
here selects a name, address, email, phone, case number or camera position: the queries
are GROUP BYs over divisions, beats, owner types, actions, categories and months.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from dashboard.audit.verification import ChainStatus, chain_status, verify_and_store
from dashboard.db import Database
from dashboard.models import TransparencyReport, utcnow
from dashboard.vocabulary import DIVISIONS, OWNER_TYPES

from .activity import METRICS, UNSPECIFIED, Activity, activity
from .options import TransparencyOptions
from .periods import Periods, periods
from .published import SUPPRESS_BELOW, published, published_map
from .registry_counts import RegistryCounts, registry_counts

log = logging.getLogger(__name__)


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat().replace("+00:00", "Z")


def _registry_section(r: RegistryCounts) -> dict[str, Any]:
    sharing_keys = ("none", "emergency", "always") if r.live_sharing_source == "live_sharing" else ("none",
                                                                                                     "live_access")
    return {
        "cameras": {"total": published(sum(r.cameras_by_division.values())),
                    "by_division": published_map(r.cameras_by_division, DIVISIONS),
                    "by_owner_type": published_map(r.cameras_by_owner_type, OWNER_TYPES)},
        "owners": {"total": published(r.owners_total),
                   "by_division": published_map(r.owners_by_division, DIVISIONS),
                   "by_owner_type": published_map(r.owners_by_owner_type, OWNER_TYPES)},
        "live_sharing": {"counted_from": r.live_sharing_source,
                         "cameras": published_map(r.live_sharing, sharing_keys)},
        "coverage_by_beat": published_map(dict(sorted(r.cameras_by_beat.items()))),
    }


def _category_keys(categories: tuple[str, ...], seen: Counter) -> list[str]:
    """The configured categories, then any other recorded (an older configuration's), then
    events recorded without one."""
    extra = sorted(k for k in seen if k not in categories and k != UNSPECIFIED)
    return [*categories, *extra, *([UNSPECIFIED] if seen.get(UNSPECIFIED) else [])]


def _activity_section(a: Activity, p: Periods, categories: tuple[str, ...]) -> dict[str, Any]:
    recent: dict[str, Any] = {"from": _iso(p.recent_start), "to": _iso(p.now)}
    year: dict[str, Any] = {"from": _iso(p.year_start), "to": _iso(p.now), "months": list(p.month_labels)}
    for metric in METRICS:
        per_month = a.monthly.get(metric, {})
        year_total: Counter = Counter()
        for counts in per_month.values():
            year_total.update(counts)
        recent_counts = a.recent.get(metric, Counter())
        recent[metric] = {"total": published(sum(recent_counts.values())),
                          "by_category": published_map(recent_counts, _category_keys(categories, recent_counts))}
        year[metric] = {
            "total": published(sum(year_total.values())),
            "by_category": published_map(year_total, _category_keys(categories, year_total)),
            "by_month": {label: published(sum(per_month.get(i, Counter()).values()))
                         for i, label in enumerate(p.month_labels)},
        }
    return {"last_30_days": recent, "last_12_months": year}


def _retention(settings, options: TransparencyOptions) -> dict[str, Any]:
    rules = {
        "footage_link_expiry_days": settings.footage_link_expiry_days,
        "unneeded_clip_days": settings.footage_unneeded_clip_days,
        "owner_reveal_seconds": settings.owner_reveal_seconds,
        "registration_reconfirm_months": settings.registration_reconfirm_months,
        "owner_history_delay_days": options.owner_history_delay_days,
    }
    live_minutes = getattr(settings, "live_view_minutes", None)  # CONTRACT.md live.view_minutes, once wired
    if live_minutes is not None:
        rules["live_view_minutes"] = live_minutes
    return rules


def _purposes(options: TransparencyOptions) -> dict[str, Any]:
    from .i18n import default_uses

    return {"offense_categories": list(options.offense_categories),
            "permitted_uses": {k: list(v) for k, v in (options.permitted_uses or default_uses("permitted")).items()},
            "prohibited_uses": {k: list(v) for k, v in (options.prohibited_uses or default_uses("prohibited")).items()}}


def _chain_section(c: ChainStatus) -> dict[str, Any]:
    result = "not_yet_verified" if c.ok is None else ("ok" if c.ok else "failed")
    return {"last_verified_at": _iso(c.verified_at), "result": result, "events_verified": c.verified_events,
            "events_written_since": c.unchecked_events, "last_check_was_full": c.full,
            "first_failed_event_id": c.first_bad_id, "problem": c.problem}


def build_report(db: Database, settings, options: TransparencyOptions, now: datetime | None = None) -> dict[str, Any]:
    """The whole report (aggregate queries only). Does not check the chain: see ReportCache."""
    now = now or utcnow()
    p = periods(now)
    with db.session() as s:
        registry = registry_counts(s)
        used = activity(s, p)
        chain = chain_status(s)
    return {
        "generated_at": _iso(now),
        "suppression": {"fewer_than": SUPPRESS_BELOW,
                        "rule": f"Counts from 1 to {SUPPRESS_BELOW - 1} are published as \"fewer than "
                                f"{SUPPRESS_BELOW}\": count null, suppressed true."},
        "registry": _registry_section(registry),
        "activity": _activity_section(used, p, options.offense_categories),
        "purposes": _purposes(options),
        "retention": _retention(settings, options),
        "audit_chain": _chain_section(chain),
    }


KEEP_REPORTS = 3      # stored reports kept (the newest serves; the others are for a look back)
RELOAD_SECONDS = 10.0  # how often a process looks for a newer stored report


class ReportNotReady(RuntimeError):
    """No report has been stored yet: the job has not run (the routes answer 503)."""


def refresh_report(db: Database, settings, options: TransparencyOptions, now: datetime | None = None
                   ) -> dict[str, Any]:
    """What the job runs (never a request): a routine, bounded chain check, then the report,
    stored as the newest `transparency_reports` row. Returns the report."""
    try:
        verify_and_store(db, max_events=options.verify_max_events)
    except Exception:  # noqa: BLE001 - a failed check run must not take the public report down
        log.exception("audit chain check failed to run")
    report = build_report(db, settings, options, now=now)
    with db.session() as s:
        row = TransparencyReport(generated_at=now or utcnow(), body=json.dumps(report, separators=(",", ":")))
        s.add(row)
        s.flush()
        s.execute(delete(TransparencyReport).where(TransparencyReport.id <= row.id - KEEP_REPORTS))
    return report


class ReportCache:
    """One per app process: the newest stored report, from memory. `get()` looks for a newer row
    at most every `reload_seconds` (one caller looks, the others keep serving meanwhile) and never
    computes one; ReportNotReady when none is stored yet."""

    def __init__(self, db: Database, settings, options: TransparencyOptions,
                 clock: Callable[[], float] = time.monotonic, reload_seconds: float = RELOAD_SECONDS):
        self.db, self.settings, self.options, self.clock = db, settings, options, clock
        self.reload_seconds = reload_seconds
        self._lock = threading.Lock()
        self._report: dict[str, Any] | None = None
        self._report_id: int | None = None
        self._checked_at = -float("inf")

    def _due(self) -> bool:
        return self.clock() - self._checked_at >= self.reload_seconds

    def _reload(self) -> None:
        with self.db.session() as s:
            newest = s.scalar(select(TransparencyReport.id).order_by(TransparencyReport.id.desc()).limit(1))
            if newest is not None and newest != self._report_id:
                body = s.scalar(select(TransparencyReport.body).where(TransparencyReport.id == newest))
                self._report, self._report_id = json.loads(body), newest
        self._checked_at = self.clock()

    def get(self) -> dict[str, Any]:
        if self._due() and self._lock.acquire(blocking=self._report is None):
            # one caller looks for a newer report; the others keep serving this one meanwhile
            try:
                if self._due():
                    self._reload()
            except Exception:
                if self._report is None:
                    raise
                log.exception("transparency report: reading the stored report failed; serving the previous one")
                self._checked_at = self.clock()
            finally:
                self._lock.release()
        if self._report is None:
            raise ReportNotReady("the transparency report has not been computed yet")
        return self._report

    def invalidate(self) -> None:
        """Look for a newer stored report on the next get()."""
        self._checked_at = -float("inf")
