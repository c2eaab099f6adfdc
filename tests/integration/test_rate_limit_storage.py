"""Rate limits count where the configuration says: with a shared Redis (REDIS_URL or
registration.rate_limit_storage), two workers share one budget per client address."""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import replace

import pytest
import redis

from dashboard.app import create_app
from tests.conftest import free_port


@pytest.fixture
def redis_url(tmp_path):
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    yield url
    server.terminate()
    server.wait(timeout=10)


def _post_bad_registration(client) -> int:
    page = client.get("/register").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/register", data={"csrf_token": token, "email": "not-an-email"}).status_code


def test_two_workers_share_one_budget_in_redis(settings, redis_url):
    shared = replace(settings, registration_rate_limit="3 per minute", redis_url=redis_url,
                     registration_rate_limit_storage=redis_url)
    first, second = create_app(shared), create_app(shared)
    try:
        codes = [_post_bad_registration(first.server.test_client()) for _ in range(3)]
        assert 429 not in codes
        # the second worker has counted nothing itself: only a shared store refuses this post
        assert _post_bad_registration(second.server.test_client()) == 429
        assert any(b"LIMITER" in key for key in redis.Redis.from_url(redis_url).keys())
    finally:
        for app in (first, second):
            app.server.extensions["connect_dallas"].db.dispose()


def test_in_memory_counts_are_per_worker(settings):
    alone = replace(settings, registration_rate_limit="3 per minute", registration_rate_limit_storage="memory://")
    first, second = create_app(alone), create_app(alone)
    try:
        assert [_post_bad_registration(first.server.test_client()) for _ in range(4)][-1] == 429
        assert _post_bad_registration(second.server.test_client()) != 429
    finally:
        for app in (first, second):
            app.server.extensions["connect_dallas"].db.dispose()
