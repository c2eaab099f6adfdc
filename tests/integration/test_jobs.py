"""Jobs that run once: the outbox's claims, the named locks, the worker's job list, and the
retention rule's delete-after-commit, on SQLite and (with TEST_DATABASE_URL) PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from dashboard.jobs import registry
from dashboard.jobs.locks import run_alone
from dashboard.jobs.mail import SmtpSettings, claim_next, deliver_due, enqueue
from dashboard.jobs.worker import Worker
from dashboard.models import OutboundEmail, utcnow
from dashboard.services import Services


def _queue(db, n: int) -> None:
    with db.session() as s:
        for i in range(n):
            enqueue(s, kind="test", to_addr=f"owner{i}@example.com", subject=f"message {i}", body="b")


def test_two_claims_never_take_one_message(db):
    _queue(db, 3)
    timeout = timedelta(minutes=5)
    first, second, third = (claim_next(db, f"w{i}", timeout) for i in range(3))
    assert len({first.id, second.id, third.id}) == 3 and first.attempts == 1
    assert claim_next(db, "w9", timeout) is None  # all claimed, none stale
    with db.session() as s:
        rows = s.scalars(select(OutboundEmail).order_by(OutboundEmail.id)).all()
        assert [(r.status, r.claimed_by) for r in rows] == [("sending", "w0"), ("sending", "w1"), ("sending", "w2")]


def test_a_dead_workers_claim_is_taken_back_after_the_timeout(db, smtp_inbox):
    _queue(db, 1)
    dead = claim_next(db, "dead-worker", timedelta(seconds=60))
    assert claim_next(db, "live-worker", timedelta(seconds=60)) is None  # a fresh claim is respected
    with db.session() as s:
        s.execute(update(OutboundEmail).values(claimed_at=utcnow() - timedelta(seconds=61)))
    smtp = SmtpSettings(host="127.0.0.1", port=smtp_inbox.port)
    report = deliver_due(db, smtp, worker_id="live-worker", claim_timeout=60)
    assert (report.sent, report.remaining) == (1, 0) and len(smtp_inbox.messages) == 1
    assert smtp_inbox.messages[0]["Message-ID"] == f"<outbox-{dead.id}@connect-dallas.local>"
    with db.session() as s:
        row = s.scalar(select(OutboundEmail))
        assert (row.status, row.claimed_by, row.attempts) == ("sent", None, 2)


def test_parallel_outboxes_send_every_message_once(db, smtp_inbox):
    _queue(db, 40)
    smtp = SmtpSettings(host="127.0.0.1", port=smtp_inbox.port)
    reports = []
    threads = [threading.Thread(target=lambda i=i: reports.append(deliver_due(db, smtp, worker_id=f"t{i}")))
               for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    ids = Counter(m["Message-ID"] for m in smtp_inbox.messages)
    assert len(ids) == 40 and set(ids.values()) == {1}
    assert sum(r.sent for r in reports) == 40
    with db.session() as s:
        assert set(s.scalars(select(OutboundEmail.status))) == {"sent"}


def test_a_claim_taken_back_is_not_marked_by_its_old_owner(db, smtp_inbox):
    from dashboard.jobs.mail import deliver_one

    _queue(db, 1)
    slow = claim_next(db, "slow", timedelta(seconds=60))
    with db.session() as s:  # the claim went stale and another worker holds the message now
        s.execute(update(OutboundEmail).values(claimed_by="other", claimed_at=utcnow()))
    assert deliver_one(db, SmtpSettings(host="127.0.0.1", port=smtp_inbox.port), slow, "slow") is True
    with db.session() as s:
        assert s.scalar(select(OutboundEmail.claimed_by)) == "other"  # the new owner's claim stands


def test_a_failed_send_goes_back_to_the_queue_with_backoff(db):
    from tests.conftest import free_port

    _queue(db, 1)
    report = deliver_due(db, SmtpSettings(host="127.0.0.1", port=free_port(), timeout=2))
    assert (report.sent, report.failed, report.remaining) == (0, 1, 1)
    with db.session() as s:
        row = s.scalar(select(OutboundEmail))
        assert row.status == "queued" and row.claimed_by is None and row.next_attempt_at > utcnow()


def test_run_alone_admits_one_holder_at_a_time(db):
    with run_alone(db, "unit-test-job") as first:
        held_elsewhere: list[bool] = []
        t = threading.Thread(target=lambda: held_elsewhere.append(run_alone(db, "unit-test-job").__enter__()))
        t.start()
        t.join(10)
        with run_alone(db, "another-job") as other:
            assert first is True and other is True
    assert held_elsewhere == [False]
    with run_alone(db, "unit-test-job") as again:
        assert again is True  # released when the holder finished


def test_every_job_is_listed_once_and_runs(settings, db, smtp_inbox):
    from dataclasses import replace

    names = [job.name for job in registry.JOBS]
    assert names == ["mail-outbox", "footage-sweeper", "registry-maintenance", "live-grants-lapse", "case-closer",
                     "transparency-report"]
    _queue(db, 2)
    services = Services.build(replace(settings, smtp_host="127.0.0.1", smtp_port=smtp_inbox.port))
    worker = Worker(services)
    ran = []
    for job in registry.JOBS:
        ran.append(worker.run_job(job))
    assert ran == [True] * len(registry.JOBS) and len(smtp_inbox.messages) == 2


def test_a_failing_job_does_not_stop_the_worker(settings, db):
    calls = []

    def broken(_svc, _worker_id):
        calls.append(1)
        raise RuntimeError("boom")

    worker = Worker(Services.build(settings), jobs=(registry.Job("broken", lambda _s: 0.01, broken),))
    assert worker.run_job(worker.jobs[0]) is False
    worker.run_due()
    assert len(calls) == 2


@pytest.mark.parametrize("key", ["../outside.mp4", "1/../../outside.mp4"])
def test_a_clip_key_cannot_leave_the_store(tmp_path, key):
    from dashboard.footage.storage import LocalDirectoryStorage

    with pytest.raises(ValueError):
        LocalDirectoryStorage(tmp_path / "clips").exists(key)


def test_worker_once_runs_every_job_from_the_cli(db_url, db, smtp_inbox, tmp_path, monkeypatch, capsys):
    from dashboard.cli import main

    config = tmp_path / "config.yaml"
    config.write_text(f"mail:\n  smtp_host: 127.0.0.1\n  smtp_port: {smtp_inbox.port}\n")
    monkeypatch.setenv("DATABASE_URL", db_url)
    _queue(db, 3)
    assert main(["--config", str(config), "worker", "--once"]) == 0
    assert "every job ran once" in capsys.readouterr().out and len(smtp_inbox.messages) == 3


def test_the_wsgi_app_serves_and_runs_no_job(db_url, monkeypatch):
    import importlib
    import sys

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    monkeypatch.delitem(sys.modules, "dashboard.wsgi", raising=False)
    before = {t.name for t in threading.enumerate()}
    wsgi = importlib.import_module("dashboard.wsgi")
    assert wsgi.app.test_client().get("/healthz").status_code == 200
    started = {t.name for t in threading.enumerate()} - before
    assert not started & {"jobs-worker", "mail-outbox", "footage-sweeper", "registry-maintenance"}
