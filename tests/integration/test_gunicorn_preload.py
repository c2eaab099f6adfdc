"""gunicorn as shipped (dashboard/gunicorn_conf.py, preload_app): the master loads the app and the
registry snapshot once and forks the workers, which serve at once from the snapshot they share
and each open their own database connections (nothing crosses the fork)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from dashboard.tools.seed import seed_demo

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(db_url: str, tmp_path: Path, preload: bool) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "k" * 48, "WEB_CONCURRENCY": "2",
           "GUNICORN_PRELOAD": "1" if preload else "0", "PORT": str(port), "HOST": "127.0.0.1"}
    proc = subprocess.Popen([str(GUNICORN), "-c", "python:dashboard.gunicorn_conf", "--chdir", str(ROOT),
                             "dashboard.wsgi:app"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return proc, base
        except requests.RequestException:  # not listening yet, or the master still loading
            time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"gunicorn did not start: {proc.stdout.read()[-2000:]}")


def _stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    out, _ = proc.communicate(timeout=30)
    return out


def test_preloaded_workers_are_ready_at_once_and_use_their_own_connections(db, db_url, tmp_path):
    seed_demo(db, cameras=300, incidents=5, demo_users=True)
    proc, base = _start(db_url, tmp_path, preload=True)
    try:
        # ready on the very first request: the snapshot came with the fork, no worker loaded it
        answers = [requests.get(base + "/readyz", timeout=5) for _ in range(6)]
        assert all(a.status_code == 200 and a.json() == {"status": "ok"} for a in answers)
        # each worker reads and writes the database on its own connections (a sign-in writes a session row)
        for _ in range(4):
            s = requests.Session()
            page = s.get(base + "/login", timeout=10)
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
                              r'|name="csrf_token"[^>]*value="([^"]+)"', page.text)
            assert token, page.text[:500]
            token = next(g for g in token.groups() if g)
            signed = s.post(base + "/login", data={"username": "analyst", "password": "demo-analyst-2026",
                                                   "csrf_token": token}, timeout=20, allow_redirects=False)
            assert signed.status_code == 302, signed.text[:300]
            assert s.get(base + "/_dash-layout", timeout=20).status_code == 200
    finally:
        log = _stop(proc)
    assert "Traceback" not in log, log[-3000:]

    # without preload each worker starts empty: the first readiness answer is "not yet"
    proc, base = _start(db_url, tmp_path, preload=False)
    try:
        assert requests.get(base + "/readyz", timeout=5).status_code == 503
    finally:
        _stop(proc)
