"""Audit history for the transparency tests, written through the real `audit.record`: known
actions, outcomes, categories and times spread over the last 14 months (and a little future)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from dashboard.audit import chain as audit
from dashboard.vocabulary import OFFENSE_CATEGORIES

CATEGORIES = (*OFFENSE_CATEGORIES[:5], None)  # None: an event from before categories were required


def seed_history(db, now: datetime, *, events: int = 400, requests: int = 60, seed: int = 5) -> None:
    rng = random.Random(seed)

    def when() -> datetime:
        # a few in the future (not yet counted) and some older than 12 months (not counted either)
        return now - timedelta(seconds=rng.uniform(-2 * 86400, 430 * 86400))

    with db.session() as s:
        for i in range(events):
            action = rng.choice(["owner_reveal", "owner_reveal", "canvass_export", "live_view", "login",
                                 "audit_export"])
            outcome = "denied" if rng.random() < 0.15 else "ok"
            audit.record(s, action, username=f"officer{i % 7}", object_type="camera", object_id=rng.randint(1, 50),
                         case_number=f"26-{i:05d}", reason="test", outcome=outcome, category=rng.choice(CATEGORIES),
                         at=when())
        for rid in range(1, requests + 1):
            sent_at = when()
            audit.record(s, "footage_request", username="detective", object_type="footage_request", object_id=rid,
                         case_number=f"26-F{rid:04d}", category=rng.choice(CATEGORIES), at=sent_at)
            later = sent_at + timedelta(days=rng.uniform(0.1, 20))
            fate = rng.choice(["accept", "accept_upload", "upload_only", "decline", "none"])
            if fate in ("accept", "accept_upload"):
                audit.record(s, "footage_request_accepted", username="owner", object_type="footage_request",
                             object_id=rid, at=later)
            if fate == "decline":
                audit.record(s, "footage_request_declined", username="owner", object_type="footage_request",
                             object_id=rid, at=later)
            if fate in ("accept_upload", "upload_only"):
                for k in range(rng.randint(1, 3)):  # several clips: still one request received
                    audit.record(s, "footage_received", username="owner", object_type="footage_request",
                                 object_id=rid, at=later + timedelta(hours=1 + k))
        # a refused send names the incident, not a request: never counted
        audit.record(s, "footage_request", username="analyst", object_type="incident", object_id="26-X",
                     outcome="denied", at=now - timedelta(days=2))


def publish_report(app) -> dict:
    """What the `transparency-report` job does (check the chain, compute, store), then the app's
    process looks for the stored report at once instead of within RELOAD_SECONDS."""
    from dashboard.transparency.report import refresh_report

    server = app.server
    services, cache = server.extensions["connect_dallas"], server.extensions["transparency_report"]
    report = refresh_report(services.db, services.settings, cache.options)
    cache.invalidate()
    return report
