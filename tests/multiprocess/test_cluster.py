"""Two app processes (gunicorn) and two `connect-dallas worker` processes against one
PostgreSQL database, one Redis and an SMTP relay that takes 200 ms a message."""

from __future__ import annotations

import re
import signal
import time
from collections import Counter

import pytest
import requests

from dashboard.db import Database
from dashboard.jobs.mail import enqueue
from tests.conftest import CAD_TOKEN, PASSWORD
from tests.multiprocess.cluster import wait_until
from tests.owner_support import INSIDE, registration_form

pytestmark = pytest.mark.slow
BEARER = {"Authorization": f"Bearer {CAD_TOKEN}"}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')  # the portal's and the login page's forms


def csrf_from(html: str) -> str:
    return CSRF.search(html).group(1)


def _queue(cluster, n: int, tag: str) -> set[str]:
    db = Database(cluster.database_url)
    with db.session() as s:
        ids = {enqueue(s, kind="test", to_addr=f"{tag}{i}@example.com", subject=f"{tag} {i}", body="b").id
               for i in range(n)}
    db.dispose()
    return {f"<outbox-{i}@connect-dallas.local>" for i in ids}


def _arrived(sink, wanted: set[str]) -> Counter:
    return Counter(m for m in sink.message_ids() if m in wanted)


@pytest.fixture
def fresh_limits(redis_server):
    redis_server.client.flushdb()  # each test starts with the portal's rate-limit budget untouched


def test_fifty_queued_emails_arrive_exactly_once(cluster, sink):
    wanted = _queue(cluster, 50, "fifty")
    wait_until(lambda: len(_arrived(sink, wanted)) == 50, 90, "50 emails at the sink")
    time.sleep(2)  # a second copy would come within the workers' next rounds
    arrived = _arrived(sink, wanted)
    assert len(arrived) == 50 and set(arrived.values()) == {1}, arrived.most_common(3)


def _session_on(cluster, i: int) -> requests.Session:
    session = requests.Session()
    session.base = cluster.url(i)
    return session


def _form_token(session, path: str) -> str:
    return csrf_from(session.get(session.base + path, timeout=10).text)


def test_a_camera_approved_through_one_server_is_on_the_others_map(cluster, sink, fresh_limits):
    owner = _session_on(cluster, 0)
    posted = owner.post(owner.base + "/register", data=registration_form(_form_token(owner, "/register")), timeout=10)
    assert posted.status_code == 200, posted.text[:300]
    confirm = wait_until(lambda: next((m for m in sink.received if "ana@example.com" in m["To"]), None), 30,
                         "the confirmation email (sent by a worker)")
    path = re.search(r"https?://[^/\s]+(/register/confirm/[A-Za-z0-9_\-]+)",
                     confirm.get_payload(decode=True).decode()).group(1)
    other = _session_on(cluster, 1)
    confirmed = other.post(other.base + path, data={"csrf_token": _form_token(other, path)}, timeout=10)
    assert confirmed.status_code == 200, confirmed.text[:300]  # confirmed through the other server

    cluster.cli("add-user", "admin1", "--role", "admin", "--name", "Ada Admin", "--password-stdin",
                stdin=PASSWORD + "\n")
    admin = _session_on(cluster, 0)
    signed_in = admin.post(admin.base + "/login", data={"csrf_token": _form_token(admin, "/login"),
                                                        "username": "admin1", "password": PASSWORD},
                           allow_redirects=False, timeout=10)
    assert signed_in.status_code == 302, signed_in.text[:300]
    queue = admin.get(admin.base + "/admin/registrations", timeout=10).text
    rid = re.search(r'id="registration-(\d+)"', queue).group(1)
    approved = admin.post(f"{admin.base}/admin/registrations/{rid}/approve",
                          data={"csrf_token": csrf_from(queue)}, allow_redirects=False, timeout=10)
    assert approved.status_code == 302

    def on_the_other_map():
        got = requests.get(f"{cluster.url(1)}/api/v1/cameras/nearest",
                           params={"lat": INSIDE["latitude"], "lon": INSIDE["longitude"], "k": 5},
                           headers=BEARER, timeout=10)
        return got.status_code == 200 and got.json()["cameras"]

    cameras = wait_until(on_the_other_map, 30, "the approved camera on the other server's nearest API")
    assert len(cameras) == 1


def test_a_rate_limit_holds_across_servers(cluster, fresh_limits):
    sessions = [_session_on(cluster, 0), _session_on(cluster, 1)]
    statuses = []
    for n in range(12):  # the limit is 6 per minute per client address, whichever server answers
        session = sessions[n % 2]
        statuses.append(session.post(session.base + "/register",
                                     data={"csrf_token": _form_token(session, "/register"), "email": "not-an-email"},
                                     timeout=10).status_code)
    assert statuses.count(429) == 6 and 429 not in statuses[:6], statuses


def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(cluster, sink):
    cluster.stop_workers()
    victim = cluster.start_worker()
    try:
        wanted = _queue(cluster, 10, "killed")
        wait_until(lambda: len(_arrived(sink, wanted)) >= 2 and sink.in_progress > 0, 60,
                   "the worker in the middle of a send")
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        assert len(_arrived(sink, wanted)) < 10
        cluster.workers = [cluster.start_worker()]  # takes the dead worker's claim back after its timeout (5 s)
        wait_until(lambda: len(_arrived(sink, wanted)) == 10, 90, "every email after the kill")
        time.sleep(2)
        arrived = _arrived(sink, wanted)
        assert len(arrived) == 10 and set(arrived.values()) == {1}, arrived.most_common(3)
        assert sink.cancelled >= 1  # a send really was cut off mid-message
    finally:
        cluster.stop_workers()
        cluster.workers = [cluster.start_worker(), cluster.start_worker()]
