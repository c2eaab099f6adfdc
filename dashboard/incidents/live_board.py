"""The CAD drawer's rules, as plain functions: which calls are cleared, what alerts.

Kept apart from Dash so the clearing of finished calls and the alert rule are tested directly.
The list itself (filters, order, ages) is drawn in the browser from the incident store
(assets/board.js, tested in tests/unit/test_board_js.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

ALERT_PRIORITIES = (1, 2)
ALERT_MAX_AGE = timedelta(minutes=15)  # a call older than this when first seen is not "new"


def is_cleared(status: str | None) -> bool:
    """CAD statuses vary ("Cleared", "CLEARED", "Call Cleared", "Closed")."""
    text = (status or "").lower()
    return "clear" in text or "closed" in text


def _time(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


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
