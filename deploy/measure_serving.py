"""The quick measurement behind the serving settings in docs/deployment.md.

    .venv/bin/python deploy/measure_serving.py [--clients 150] [--seconds 20]

For each server set-up: CLIENTS keep-alive clients (dashboards) each ask for the nearest
cameras every 2 s over one connection they keep, while a probe opens a fresh connection to
/healthz every 0.5 s (a load balancer, a new dashboard). Prints requests served, errors, p50/p95
of the dashboards' requests and p95/max of the fresh connections: the old waitress settings
(100 connections) starve fresh connections behind idle ones; the new ones must not.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

BIN = Path(sys.executable).parent
TOKEN = "measure-" + secrets.token_hex(8)
WAITRESS = ("from waitress import serve; from dashboard.wsgi import app; "
            "serve(app, host='127.0.0.1', port={port}, **{options})")
SETUPS = {
    "waitress, old settings (threads 16, 100 connections)": [
        sys.executable, "-c", WAITRESS.format(port="{port}", options="dict(threads=16, channel_timeout=60)")],
    "waitress, `serve` settings (cli.WAITRESS_OPTIONS)": [
        sys.executable, "-c", "from waitress import serve; from dashboard.wsgi import app; "
                              "from dashboard.cli import WAITRESS_OPTIONS as o; "
                              "serve(app, host='127.0.0.1', port={port}, **o)"],
    "gunicorn gthread, 2 workers x 8 threads": [
        str(BIN / "gunicorn"), "-c", "python:dashboard.gunicorn_conf", "--bind", "127.0.0.1:{port}",
        "--workers", "2", "--access-logfile", "/dev/null", "dashboard.wsgi:app"],
    "gunicorn gthread, 4 workers x 8 threads": [
        str(BIN / "gunicorn"), "-c", "python:dashboard.gunicorn_conf", "--bind", "127.0.0.1:{port}",
        "--workers", "4", "--access-logfile", "/dev/null", "dashboard.wsgi:app"],
}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(url: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not come up")


def _dashboard(url: str, stop: threading.Event, times: list, errors: list) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {TOKEN}"
    while not stop.is_set():
        start = time.monotonic()
        try:
            ok = session.get(url + "/api/v1/cameras/nearest?lat=32.7767&lon=-96.797&k=10", timeout=30).ok
            (times if ok else errors).append(time.monotonic() - start)
        except requests.RequestException:
            errors.append(time.monotonic() - start)
        stop.wait(2.0)


def _probe(url: str, stop: threading.Event, times: list, errors: list) -> None:
    while not stop.is_set():
        start = time.monotonic()
        try:
            requests.get(url + "/healthz", timeout=60, headers={"Connection": "close"})
            times.append(time.monotonic() - start)
        except requests.RequestException:
            errors.append(time.monotonic() - start)
        stop.wait(0.5)


def _p(values: list, q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if len(values) > 1 else float("nan")


def measure(name: str, command: list[str], env: dict, clients: int, seconds: float) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([c.replace("{port}", str(port)) for c in command], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_up(url)
        stop = threading.Event()
        times, errors, fresh, fresh_errors = [], [], [], []
        threads = [threading.Thread(target=_dashboard, args=(url, stop, times, errors)) for _ in range(clients)]
        threads.append(threading.Thread(target=_probe, args=(url, stop, fresh, fresh_errors)))
        for t in threads:
            t.start()
            time.sleep(0.005)
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join(90)
        print(f"{name}: {len(times)} ok, {len(errors)} errors; dashboards p50 {_p(times, 50):.0f} ms "
              f"p95 {_p(times, 95):.0f} ms; fresh connections p95 {_p(fresh, 95):.0f} ms "
              f"max {max(fresh, default=float('nan')) * 1000:.0f} ms ({len(fresh_errors)} failed)", flush=True)
    finally:
        os.killpg(server.pid, 15)
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=150)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--cameras", type=int, default=5000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="measure-serving-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/measure.db", "SECRET_KEY": secrets.token_hex(32),
           "CAD_API_TOKENS": TOKEN}
    subprocess.run([str(BIN / "connect-dallas"), "seed-demo", "--cameras", str(args.cameras), "--incidents", "20"],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    for name, command in SETUPS.items():
        measure(name, command, env, args.clients, args.seconds)


if __name__ == "__main__":
    main()
