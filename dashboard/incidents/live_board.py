"""The CAD drawer's rules, as plain functions: what is listed, in which order, what alerts.

Kept apart from Dash so the ordering, the clearing of finished calls and the alert rule are
tested directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

ALERT_PRIORITIES = (1, 2)
ALERT_MAX_AGE = timedelta(minutes=15)  # a call older than this when first seen is not "new"
STATUS_CHOICES = ("open", "cleared", "all")


def is_cleared(status: str | None) -> bool:
    """CAD statuses vary ("Cleared", "CLEARED", "Call Cleared", "Closed")."""
    text = (status or "").lower()
    return "clear" in text or "closed" in text


def _time(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def still_shown(incident: dict, now: datetime, cleared_visible: timedelta) -> bool:
    """Cleared calls stay for a while (an analyst may still be working them), then go."""
    if not is_cleared(incident.get("status")):
        return True
    changed = _time(incident.get("updated_at")) or _time(incident.get("received_at"))
    return changed is None or now - changed <= cleared_visible


@dataclass(frozen=True)
class BoardFilter:
    divisions: tuple[str, ...] = ()
    priorities: tuple[int, ...] = ()
    status: str = "open"  # open | cleared | all


def board(incidents: Iterable[dict], filt: BoardFilter, now: datetime, cleared_visible: timedelta) -> list[dict]:
    """The incidents to list, most urgent first, newest first within a priority."""
    out = []
    for inc in incidents:
        if not inc or not still_shown(inc, now, cleared_visible):
            continue
        cleared = is_cleared(inc.get("status"))
        if (filt.status == "open" and cleared) or (filt.status == "cleared" and not cleared):
            continue
        if filt.divisions and (inc.get("division") or "") not in filt.divisions:
            continue
        if filt.priorities and inc.get("priority") not in filt.priorities:
            continue
        out.append(inc)
    return sorted(out, key=lambda i: (i.get("priority") or 9,
                                      -((_time(i.get("received_at")) or now).timestamp())))


def alerts(fresh: Iterable[dict], seen_ids: set[str], now: datetime) -> list[dict]:
    """Calls that should raise the alert: priority 1-2, never seen by this dashboard before,
    received recently and not already cleared."""
    out = []
    for inc in fresh:
        received = _time(inc.get("received_at"))
        if (inc.get("priority") in ALERT_PRIORITIES and str(inc.get("id")) not in seen_ids
                and received is not None and now - received <= ALERT_MAX_AGE and not is_cleared(inc.get("status"))):
            out.append(inc)
    return sorted(out, key=lambda i: (i.get("priority"), i.get("received_at") or ""))
