"""The public transparency report (CONTRACT.md "Transparency"): the figures, as one JSON-ready
dict, and the in-process cache that serves it.

The page and /transparency.json are public and rate limited, so a request must not cost a
database scan: `ReportCache` recomputes at most every `transparency.cache_seconds` (default
300 s); while one request recomputes, the others get the previous report.

Published counts of people's data go through `published` (1-4 -> "fewer than 5"). Nothing
here selects a name, address, email, phone, case number or camera position: the queries
are GROUP BYs over divisions, beats, owner types, actions, categories and months.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from dashboard.audit.verification import ChainStatus, chain_status, verify_and_store
from dashboard.db import Database
from dashboard.models import utcnow
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


class ReportCache:
    """One per app process. `get()` returns the cached report, recomputing it when older than
    `options.cache_seconds`; each recomputation first runs a routine (bounded) chain check, so
    the published verification is at most that old."""

    def __init__(self, db: Database, settings, options: TransparencyOptions,
                 clock: Callable[[], float] = time.monotonic):
        self.db, self.settings, self.options, self.clock = db, settings, options, clock
        self._lock = threading.Lock()
        self._report: dict[str, Any] | None = None
        self._computed_at = 0.0

    def _fresh(self) -> bool:
        return self._report is not None and self.clock() - self._computed_at < self.options.cache_seconds

    def _recompute(self) -> None:
        try:
            verify_and_store(self.db, max_events=self.options.verify_max_events)
        except Exception:  # noqa: BLE001 - a failed check run must not take the public report down
            log.exception("audit chain check failed to run")
        self._report = build_report(self.db, self.settings, self.options)
        self._computed_at = self.clock()

    def get(self) -> dict[str, Any]:
        if self._fresh():
            return self._report  # type: ignore[return-value]
        if self._report is not None:
            # stale: one caller recomputes, the others keep serving the previous report meanwhile
            if self._lock.acquire(blocking=False):
                try:
                    if not self._fresh():
                        self._recompute()
                except Exception:  # noqa: BLE001 - the previous figures beat an error page
                    log.exception("transparency report: recomputing failed, serving the previous one")
                finally:
                    self._lock.release()
            return self._report
        with self._lock:
            if not self._fresh():
                self._recompute()
            return self._report  # type: ignore[return-value]

    def invalidate(self) -> None:
        self._report = None
