"""Real parts for the multi-process tests: a PostgreSQL database of its own, a redis-server, an
SMTP sink that takes its time over each message, gunicorn app processes and `connect-dallas
worker` processes, all on free local ports, all stopped afterwards."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from pathlib import Path

import redis
import requests

from tests.conftest import CAD_TOKEN, SECRET, free_port

BIN = Path(sys.executable).parent


def wait_until(check, timeout: float, what: str, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


class RedisServer:
    def __init__(self, folder: Path):
        self.port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(folder)], stdout=subprocess.DEVNULL)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.client = redis.Redis.from_url(self.url)
        wait_until(self._pings, 10, "redis-server")

    def _pings(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class SlowSmtpSink:
    """An SMTP server (aiosmtpd) that takes `delay` seconds over each message before accepting
    it, like a busy relay. A message counts as received only once it is accepted: if the client
    goes away during the delay, aiosmtpd cancels the handler and the message is not counted."""

    def __init__(self, delay: float = 0.2):
        from aiosmtpd.controller import Controller

        self.delay = delay
        self.received: list = []
        self.cancelled = 0
        self.in_progress = 0
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())
        self.controller.start()

    @property
    def port(self) -> int:
        return self.controller.port

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self._lock:
            self.in_progress += 1
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            with self._lock:
                self.cancelled += 1
            raise
        finally:
            with self._lock:
                self.in_progress -= 1
        with self._lock:
            self.received.append(message_from_bytes(envelope.content))
        return "250 OK"

    def message_ids(self) -> list[str]:
        with self._lock:
            return [m["Message-ID"] for m in self.received]

    def stop(self) -> None:
        self.controller.stop()


class Cluster:
    """Two app processes (gunicorn) and two workers on one PostgreSQL database and one Redis."""

    def __init__(self, folder: Path, database_url: str, redis_url: str, smtp_port: int, *,
                 servers: int = 2, workers: int = 2):
        self.folder = folder
        config = folder / "config.yaml"
        config.write_text(
            "env: demo\n"
            "mail:\n"
            f"  smtp_host: 127.0.0.1\n  smtp_port: {smtp_port}\n"
            "  send_interval_seconds: 1\n  claim_timeout_seconds: 5\n"
            "registration:\n  rate_limit: \"6 per minute\"\n"
            f"footage:\n  storage_dir: {folder / 'clips'}\n")
        self.env = {**os.environ, "CONNECT_DALLAS_CONFIG": str(config), "DATABASE_URL": database_url,
                    "REDIS_URL": redis_url, "SECRET_KEY": SECRET, "CAD_API_TOKENS": CAD_TOKEN,
                    "PYTHONUNBUFFERED": "1"}
        self.database_url = database_url
        self.cli("init-db")
        self.ports = [free_port() for _ in range(servers)]
        self.servers = [self._start_server(port) for port in self.ports]
        self.workers = [self.start_worker() for _ in range(workers)]
        for port in self.ports:
            wait_until(lambda port=port: self._healthy(port), 60, f"the app on port {port}", every=0.25)

    def url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.ports[i]}"

    def cli(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run([str(BIN / "connect-dallas"), *args], env=self.env, input=stdin, text=True,
                              capture_output=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def _log(self, name: str):
        return (self.folder / f"{name}.log").open("ab")

    def _start_server(self, port: int) -> subprocess.Popen:
        return subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "python:dashboard.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--threads", "4", "--access-logfile", "/dev/null", "dashboard.wsgi:app"],
            env=self.env, stdout=self._log(f"server-{port}"), stderr=subprocess.STDOUT, start_new_session=True)

    def start_worker(self) -> subprocess.Popen:
        index = len(getattr(self, "workers", []))
        return subprocess.Popen([str(BIN / "connect-dallas"), "worker"], env=self.env,
                                stdout=self._log(f"worker-{index}-{time.monotonic_ns()}"), stderr=subprocess.STDOUT)

    @staticmethod
    def _healthy(port: int) -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop_workers(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                process.terminate()
        for process in self.workers:
            process.wait(timeout=30)
        self.workers = []

    def stop(self) -> None:
        self.stop_workers()
        for process in self.servers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)  # gunicorn's arbiter and its workers
        for process in self.servers:
            process.wait(timeout=30)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted(self.folder.glob("*.log")))
