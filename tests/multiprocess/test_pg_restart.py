"""PostgreSQL restarted under traffic: the API answers 503 with Retry-After while it is down
and 201 again afterwards, without restarting any app process; every acknowledged incident is
stored and none that got a 503 is.

This restarts the whole PostgreSQL server (every database on it), so it runs only when
PG_RESTART_TESTS=1: CI's last leg (`.ci/run`), or `make test-pg-restart` on a machine of your own."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from dashboard.db import Database
from dashboard.models import Incident
from tests.conftest import CAD_TOKEN
from tests.multiprocess.cluster import wait_until
from tests.owner_support import INSIDE

pytestmark = [pytest.mark.slow, pytest.mark.pg_restart]
BEARER = {"Authorization": f"Bearer {CAD_TOKEN}"}


def _pg_cluster() -> list[str]:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[0]
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]


def _pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False).returncode == 0


def _post_until(cluster, stop: threading.Event, results: list) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        number = f"26-{n:07d}"
        body = {"incident_number": number, "nature_of_call": "41/11R - Burg Res", "priority": 2,
                "latitude": float(INSIDE["latitude"]), "longitude": float(INSIDE["longitude"])}
        try:
            got = requests.post(f"{cluster.url(n % 2)}/api/v1/incidents", json=body, headers=BEARER, timeout=15)
            results.append((number, got.status_code, got.headers.get("Retry-After")))
        except requests.RequestException as exc:
            results.append((number, type(exc).__name__, None))
        time.sleep(0.1)


def test_postgresql_restart_mid_traffic(cluster):
    stop, results = threading.Event(), []
    poster = threading.Thread(target=_post_until, args=(cluster, stop, results))
    poster.start()
    try:
        time.sleep(3)
        subprocess.run([*_pg_cluster(), "restart"], check=True, timeout=120)
        wait_until(_pg_ready, 60, "PostgreSQL back")
        time.sleep(5)
    finally:
        stop.set()
        poster.join(60)
        if not _pg_ready():  # never leave the shared server down
            subprocess.run([*_pg_cluster(), "start"], check=False, timeout=120)
            wait_until(_pg_ready, 60, "PostgreSQL restored")

    statuses = [status for _, status, _ in results]
    assert set(statuses) <= {201, 503}, statuses  # never a 500, never a dropped connection
    unavailable = [(n, retry) for n, status, retry in results if status == 503]
    assert unavailable and all(retry and retry.isdigit() for _, retry in unavailable)
    assert statuses[-5:] == [201] * 5  # answering again, same processes
    assert all(p.poll() is None for p in cluster.servers)
    acknowledged = {n for n, status, _ in results if status == 201}
    db = Database(cluster.database_url)
    with db.session() as s:
        stored = set(s.scalars(select(Incident.incident_number)))
    db.dispose()
    assert acknowledged <= stored  # nothing acknowledged was lost
    assert not stored & {n for n, _ in unavailable}  # nothing that failed was stored
