"""Fixtures of the multi-process tests. They need PostgreSQL (TEST_DATABASE_URL) and a
redis-server binary, as CI provides; without TEST_DATABASE_URL they are not collected (like the
PostgreSQL leg of every other test). The PostgreSQL restart test (marker `pg_restart`) restarts
the whole server, so it runs only when PG_RESTART_TESTS=1 (CI's last leg, `make test-pg-restart`)."""

from __future__ import annotations

import os

import pytest

from tests.conftest import PG_URL, drop_database, fresh_database
from tests.multiprocess.cluster import Cluster, RedisServer, SlowSmtpSink


def pytest_collection_modifyitems(config, items):
    keep, drop = [], []
    for item in items:
        multiprocess = "tests/multiprocess/" in str(item.fspath).replace(os.sep, "/")
        restart = item.get_closest_marker("pg_restart") is not None
        if multiprocess and (not PG_URL or (restart and os.environ.get("PG_RESTART_TESTS") != "1")):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="module")
def sink():
    box = SlowSmtpSink(delay=0.2)
    yield box
    box.stop()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cluster(request, tmp_path_factory, sink, redis_server):
    name = f"{PG_URL.rsplit('/', 1)[-1].split('?')[0]}_mp"
    url = fresh_database(PG_URL, name)
    running = Cluster(tmp_path_factory.mktemp("cluster"), url, redis_server.url, sink.port)
    yield running
    running.stop()
    if request.session.testsfailed:
        print(running.logs())
    drop_database(PG_URL, name)
