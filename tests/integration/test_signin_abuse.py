"""Sign-in abuse (issue 11): a lockout does not end open sessions, /login is throttled per client
and per account with one answer for real and unknown names, one-time codes are not replayable,
and parallel wrong passwords count (and lock) exactly."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import select

from auth.users import authenticate, enroll_totp
from dashboard.models import AuditEvent, User
from tests.conftest import login
from tests.integration.test_rate_limit_storage import redis_url  # noqa: F401 (a fixture: a real redis-server)

WRONG = "wrong password!!"


def _error_text(response) -> str:
    match = re.search(r'id="login-error"[^>]*>([^<]+)<', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:300]
    return match.group(1)


def _events(db, action: str) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_a_lockout_does_not_end_the_victims_open_session(app, make_user, db, settings):
    make_user("dana", "analyst")
    victim = app.server.test_client()
    assert login(victim, "dana").status_code == 302
    attacker = app.server.test_client()
    for _ in range(settings.lockout_threshold):
        assert login(attacker, "dana", WRONG).status_code == 401
    assert len(_events(db, "lockout")) == 1
    assert victim.get("/_dash-layout").status_code == 200  # still signed in, still working
    assert login(app.server.test_client(), "dana").status_code == 401  # but no new sign-in


def test_thirty_names_from_one_client_are_throttled(client, make_user):
    """The issue's probe: 30 sign-ins with 30 usernames in a few seconds must meet a 429."""
    make_user("dana", "analyst")
    codes = [login(client, f"user{i}", WRONG).status_code for i in range(30)]
    assert 429 in codes and codes.index(429) == 20  # 20 failed sign-ins a minute per client address
    refused = login(client, "dana")  # even the right password waits: the budget is the address's
    assert refused.status_code == 429


def test_one_account_is_throttled_with_the_same_answer_whether_or_not_it_exists(app, make_user):
    make_user("dana", "analyst")
    answers = {}
    for name in ("dana", "nobody-here"):
        codes, last = [], None
        for _ in range(11):  # from a fresh client each time: the per-account limit, not the address's
            client = app.server.test_client()
            client.environ_base["REMOTE_ADDR"] = f"10.0.{len(codes)}.{len(answers) + 1}"
            last = login(client, name, WRONG)
            codes.append(last.status_code)
        assert codes[:10] == [401] * 10 and codes[10] == 429, codes
        answers[name] = _error_text(last)
    assert answers["dana"] == answers["nobody-here"]
    assert "Too many sign-in attempts" in answers["dana"]


def test_successful_sign_ins_do_not_use_up_the_budget(app, make_user):
    """A shift change signs many officers in from one NAT address: only failures count."""
    make_user("dana", "analyst")
    for _ in range(25):
        client = app.server.test_client()
        assert login(client, "dana").status_code == 302


@pytest.mark.parametrize("settings_overrides", [{"mfa": True}])
def test_a_one_time_code_cannot_be_replayed(app, make_user, db, settings_overrides):
    import pyotp

    make_user("dana", "detective")
    with db.session() as s:
        uri = enroll_totp(s, "dana")
    code = pyotp.parse_uri(uri).now()

    assert login(app.server.test_client(), "dana", otp=code).status_code == 302
    replay = login(app.server.test_client(), "dana", otp=code)  # the same code, seen over a shoulder, seconds later
    assert replay.status_code == 401
    with db.session() as s:
        assert s.scalar(select(User.totp_last_step).where(User.username == "dana")) is not None
    (refused,) = _events(db, "login_failed")
    assert refused.username == "dana" and "bad password or code" in refused.detail  # counted as a failure


def test_parallel_wrong_passwords_count_exactly_and_lock_once(db, make_user, settings):
    """Issue 15's race: thirty parallel wrong passwords left failed_attempts at 1 and never locked.
    Real threads, each with its own connection, on SQLite and on PostgreSQL (TEST_DATABASE_URL)."""
    make_user("dana", "analyst")
    start = threading.Barrier(30)
    results, errors = [], []

    def attempt():
        try:
            start.wait()
            with db.session() as s:
                results.append(authenticate(s, "dana", WRONG, client_addr="10.9.9.9",
                                            lockout_threshold=settings.lockout_threshold,
                                            lockout_minutes=settings.lockout_minutes))
        except Exception as exc:  # noqa: BLE001 (reported below, with the thread's error)
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [] and len(results) == 30
    assert not any(r.ok for r in results)
    assert len(_events(db, "lockout")) == 1  # one lockout, one audit event
    counted = [e for e in _events(db, "login_failed") if '"attempt"' in (e.detail or "")]
    attempts = sorted(int(re.search(r'"attempt": (\d+)', e.detail).group(1)) for e in counted)
    assert attempts == list(range(1, settings.lockout_threshold + 1))  # each counted once, in order
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == "dana"))
        assert user.locked_until is not None
    assert len(_events(db, "login_failed")) == 30  # every attempt audited, the late ones as "locked"


def test_two_workers_share_one_sign_in_budget_in_redis(settings, redis_url, make_user):  # noqa: F811 (the fixture)
    """With REDIS_URL, the throttle counts across processes' apps: an attacker cannot spread
    guesses over the workers behind the load balancer."""
    from dataclasses import replace

    import redis

    from dashboard.app import create_app

    shared = replace(settings, redis_url=redis_url, registration_rate_limit_storage=redis_url)
    first, second = create_app(shared), create_app(shared)
    try:
        for _ in range(10):
            assert login(first.server.test_client(), "nobody", WRONG).status_code == 401
        assert login(second.server.test_client(), "nobody", WRONG).status_code == 429
        assert any(b"login-account:nobody" in key for key in redis.Redis.from_url(redis_url).keys())
    finally:
        for app in (first, second):
            app.server.extensions["connect_dallas"].db.dispose()
