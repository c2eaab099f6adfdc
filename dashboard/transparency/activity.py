"""How the registry was used: counts of audit events by metric, offense category and month.

Everything comes from the hash-chained audit log (the record the public can trust), in two
GROUP BY queries over the last 12 months; no row is read into Python.

* Plain metrics count successful events of one action (`outcome = 'ok'`; refused attempts are
  not uses of anyone's data).
* Footage-request follow-ups (accepted, declined, footage received) count each request once, at
  its first such event, under the category its sending event recorded: the owner's answer is
  not a police action and carries no purpose of its own. Uploading footage also accepts a
  request (dashboard/footage/), so the first upload counts as an acceptance when no
  explicit one came first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import case, func, literal, select, union_all
from sqlalchemy.orm import Session

from dashboard.models import AuditEvent

from .periods import Periods

FOOTAGE_SENT_ACTION = "footage_request"  # dashboard/footage/sending.py ACTION
# metric -> the audit action it counts (actions as dashboard/*/ write them)
EVENT_METRICS: dict[str, str] = {
    "owner_contact_reveals": "owner_reveal",      # dashboard/owners/reveal.py
    "footage_requests_sent": FOOTAGE_SENT_ACTION,
    "live_views": "live_view",                    # CONTRACT.md "Live video"
    "exports": "canvass_export",                  # dashboard/incidents/canvass.py
}
# metric -> the actions that mark it on a footage request (first one counts)
FOLLOW_UP_METRICS: dict[str, tuple[str, ...]] = {
    "footage_requests_accepted": ("footage_request_accepted", "footage_received"),
    "footage_requests_declined": ("footage_request_declined",),
    "footage_requests_received": ("footage_received",),
}
METRICS = ("owner_contact_reveals", "footage_requests_sent", "footage_requests_accepted",
           "footage_requests_declined", "footage_requests_received", "live_views", "exports")
UNSPECIFIED = "unspecified"  # events recorded before purposes carried a category


@dataclass
class Activity:
    """metric -> Counter(category -> n), for the last 30 days and for each of the 12 months."""

    recent: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    monthly: dict[str, dict[int, Counter]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Counter)))

    def add(self, metric: str, category: str | None, month: int, is_recent: bool, n: int) -> None:
        key = category or UNSPECIFIED
        self.monthly[metric][month][key] += n
        if is_recent:
            self.recent[metric][key] += n


def _month_index(column, p: Periods):
    """0 for the oldest of the 12 months ... 11 for the current one."""
    whens = [(column >= start, i) for i, start in reversed(list(enumerate(p.month_starts))) if i > 0]
    return case(*whens, else_=0)


def _is_recent(column, p: Periods):
    return case((column >= p.recent_start, 1), else_=0)


def _event_rows(p: Periods):
    metric = case(*[(AuditEvent.action == action, literal(name)) for name, action in EVENT_METRICS.items()])
    return (select(metric.label("metric"), AuditEvent.category.label("category"),
                   _month_index(AuditEvent.at, p).label("month"), _is_recent(AuditEvent.at, p).label("recent"))
            .where(AuditEvent.action.in_(EVENT_METRICS.values()), AuditEvent.outcome == "ok",
                   AuditEvent.at >= p.year_start, AuditEvent.at <= p.now))


def _footage_requests(p: Periods):
    """One row per footage request: its sending event's category and the first time of each
    follow-up. One GROUP BY pass over the footage-request events (no self-join: the audit table
    has no index on object_id, and a join was quadratic)."""
    is_sent = (AuditEvent.action == FOOTAGE_SENT_ACTION) & (AuditEvent.outcome == "ok")
    firsts = [func.min(case((AuditEvent.action.in_(actions), AuditEvent.at))).label(metric)
              for metric, actions in FOLLOW_UP_METRICS.items()]
    return (select(func.max(case((is_sent, AuditEvent.category))).label("category"), *firsts)
            .where(AuditEvent.object_type == "footage_request")
            .group_by(AuditEvent.object_id).cte("footage_requests"))


def _follow_up_rows(requests, metric: str, p: Periods):
    first_at = requests.c[metric]
    return (select(literal(metric).label("metric"), requests.c.category.label("category"),
                   _month_index(first_at, p).label("month"), _is_recent(first_at, p).label("recent"))
            .where(first_at >= p.year_start, first_at <= p.now))


def activity(session: Session, p: Periods) -> Activity:
    requests = _footage_requests(p)
    rows = union_all(_event_rows(p), *[_follow_up_rows(requests, m, p) for m in FOLLOW_UP_METRICS]).subquery()
    grouped = (select(rows.c.metric, rows.c.category, rows.c.month, rows.c.recent, func.count())
               .group_by(rows.c.metric, rows.c.category, rows.c.month, rows.c.recent))
    result = Activity()
    for metric, category, month, recent, n in session.execute(grouped):
        result.add(metric, category, int(month), bool(recent), int(n))
    return result
