"""Benchmark 10 (issue 15, item 2): the whole load on the real deployment.

The production command (`gunicorn -c python:dashboard.gunicorn_conf 'dashboard.wsgi:app'`,
docs/deployment.md: gthread, 8 threads, preload) with WEB_CONCURRENCY workers, one
`connect-dallas worker` (jobs; its SMTP relay an aiosmtpd sink in this process), PostgreSQL (a
database copied from a template seeded once with seed-demo, 20k cameras) and a redis-server of
its own on a free port. Then, for --load-seconds:

- DASHBOARDS logged-in dashboards (analyst), each polling `poll_incidents` at the shipped
  interval (incidents.poll_interval_seconds, with the cursor as the browser carries it) over
  its own kept-alive connection, with a random phase; on a second connection, now and then a pan
  (update_camera_layer + the URL sync: PANS_PER_MIN per dashboard) and a selection (the nearest
  cameras: SELECTS_PER_MIN);
- a CAD system posting one incident every 1/CAD_RATE s to POST /api/v1/incidents (8 threads, so a
  slow answer does not slow the rate);
- a resident registering (GET /register, POST the form) every REGISTER_EVERY_S.

Figures: per request kind count, errors, p50/p95/p99; CPU of the server (gunicorn master +
workers), of the worker, Redis, all PostgreSQL processes of the machine, and of this load
generator (same machine: it competes with the server); the time from the API's 201 to each
dashboard's first poll that holds the incident (every (incident, dashboard) pair); lost writes:
every acknowledged CAD post and registration is in the database exactly once afterwards.
Run on 4 workers and on 1 (the comparison with the old one-process ceiling of ~50 dashboards).
CPU and the write check: load_measure.py.

Needs PostgreSQL (--pg URL, else BENCH_DATABASE_URL or TEST_DATABASE_URL: the server's
`postgres` database is used to create `<name>_load` and `<name>_load_tpl`) and redis-server.
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .common import Report, table

CAMERAS = 20_000
DASHBOARDS = 200
CAD_RATE = 10.0
REGISTER_EVERY_S = 3.0
PANS_PER_MIN = 2.0
SELECTS_PER_MIN = 1.0
P95_LIMIT_S = 0.300
LATENCY_LIMIT_S = 2.0
BIN = Path(sys.executable).parent
TOKEN = "bench-load-token-" + "0123456789abcdef"


@dataclass
class LoadRun:
    workers: int
    dashboards: int
    seconds: float
    kinds: dict[str, tuple[int, int, float, float, float]]  # kind -> count, errors, p50, p95, p99
    cpu: dict[str, float]                                    # process group -> CPU seconds in the window
    machine_busy: float                                      # cores busy on average (all processes)
    loadavg: float
    pairs: int
    missed: int
    latency: tuple[float, float, float]                      # median, p95, max seconds
    cad_acked: int
    cad_lost: int
    cad_doubled: int
    reg_acked: int
    reg_lost: int
    reg_doubled: int
    polls_due: int
    cad_unacked: int
    reg_unacked: int
    error_samples: list[str] = field(default_factory=list)
    offered_s: float = 0.0       # seconds the clicks, CAD posts and registrations were sent (the rest: their backlog)
    recycled: int = 0            # gunicorn workers that replaced one during the window (max_requests)


def _pct(values: list[float], q: float) -> float:  # nearest-rank percentile
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))] if s else float("nan")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(given: str | None) -> str | None:
    return given or os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or None


def _admin(url: str):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _database(url: str, env: dict) -> str:
    """A fresh `<name>_load` copied from `<name>_load_tpl` (init-db + seed-demo, made once)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    tpl, name = f"{base.database}_load_tpl{CAMERAS // 1000}k", f"{base.database}_load"
    admin = _admin(url)
    try:
        with admin.connect() as conn:
            have = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": tpl}).first()
            if not have:
                print(f"  seeding the template database {tpl} ({CAMERAS:,} cameras, once)", flush=True)
                partial = tpl + "_partial"
                conn.execute(text(f'DROP DATABASE IF EXISTS "{partial}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{partial}"'))
                seed_env = {**env, "DATABASE_URL": base.set(database=partial).render_as_string(hide_password=False)}
                for args in (["init-db"], ["seed-demo", "--cameras", str(CAMERAS)]):
                    subprocess.run([str(BIN / "connect-dallas"), *args], env=seed_env, check=True,
                                   capture_output=True, timeout=900)
                conn.execute(text(f'ALTER DATABASE "{partial}" RENAME TO "{tpl}"'))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{tpl}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


class _Sink:
    """An SMTP relay that accepts every message (the worker's outbox sends the confirm emails)."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.received = 0
        self.controller = Controller(self, hostname="127.0.0.1", port=_free_port())
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.received += 1
        return "250 OK"


def run_one(workers: int, dashboards: int, seconds: float, pg_url: str, folder: Path) -> LoadRun:
    import psutil
    import requests

    from . import load_clients as lc
    from .load_measure import CpuMeter, check_writes

    sink = _Sink()
    redis_port = _free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)
    config = folder / "config.yaml"
    # a registration every 3 s from one address would meet the portal's per-address limit (20 per
    # hour) within a minute: real registrations come from many addresses, so the limit is raised here
    config.write_text("env: demo\nmail:\n  smtp_host: 127.0.0.1\n"
                      f"  smtp_port: {sink.controller.port}\n"
                      "registration:\n  rate_limit: \"10000 per hour\"\n"
                      f"footage:\n  storage_dir: {folder / 'clips'}\n")
    env = {**os.environ, "CONNECT_DALLAS_CONFIG": str(config), "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
           "SECRET_KEY": secrets.token_hex(32), "CAD_API_TOKENS": TOKEN, "PYTHONUNBUFFERED": "1",
           "WEB_CONCURRENCY": str(workers)}
    env["DATABASE_URL"] = db_url = _database(pg_url, env)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (folder / f"gunicorn-{workers}.log").open("ab")
    server = subprocess.Popen([str(BIN / "gunicorn"), "-c", "python:dashboard.gunicorn_conf", "--bind",
                               f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "dashboard.wsgi:app"],
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    worker = subprocess.Popen([str(BIN / "connect-dallas"), "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
    rec = lc.Recorder()
    stop = threading.Event()
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if requests.get(base + "/readyz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"gunicorn did not become ready; see {log.name}")
            time.sleep(0.5)
        from dashboard.config import load_settings

        poll_s = load_settings(environ={"CONNECT_DALLAS_CONFIG": str(config), "DATABASE_URL": db_url}).poll_interval_seconds
        probe = lc.LoadDashboard(base, None, rec, random.Random(1))
        probe.login()
        deps = probe.http.get(base + "/_dash-dependencies", timeout=30).json()
        callbacks = lc.Callbacks(deps)
        rng = random.Random(20261201)
        boards = [lc.LoadDashboard(base, callbacks, rec, random.Random(rng.random())) for _ in range(dashboards)]
        print(f"  [{workers} worker(s)] logging in {dashboards} dashboards", flush=True)
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda b: b.login(), boards))
        for b in boards:
            b.poll()  # the first load: the last 24 h of incidents and a cursor

        run_id = str(int(time.time()))
        posted: dict[str, float] = {}
        attempted: list[str] = []
        registered: list[str] = []
        reg_attempted: list[str] = []
        polls_due = [0]

        def poller(b, phase: float, start: float) -> None:
            k = 0
            while not stop.is_set():
                due = start + phase + k * poll_s
                wait = due - time.perf_counter()
                if wait > 0 and stop.wait(wait):
                    break
                polls_due[0] += 1
                b.poll()
                k += 1
                if time.perf_counter() > due + poll_s:  # fell behind: skip the missed ticks, as setInterval does
                    k = int((time.perf_counter() - start - phase) // poll_s) + 1

        def clicker(traffic_end: float) -> None:  # pans and selections of all dashboards, Poisson arrivals
            per_s = dashboards * (PANS_PER_MIN + SELECTS_PER_MIN) / 60
            share = PANS_PER_MIN / (PANS_PER_MIN + SELECTS_PER_MIN)
            local = random.Random(threading.get_ident())
            with ThreadPoolExecutor(16) as pool:
                while time.perf_counter() < traffic_end and not stop.is_set():
                    time.sleep(local.expovariate(per_s))
                    b = local.choice(boards)
                    pool.submit(b.pan if local.random() < share else b.select)

        def cad(traffic_end: float) -> None:
            local = random.Random(7)
            sessions = threading.local()

            def one(number: str) -> None:
                if not hasattr(sessions, "http"):
                    sessions.http = requests.Session()
                if lc.post_incident(base, TOKEN, number, local, rec, sessions.http):
                    posted[number] = time.perf_counter()

            with ThreadPoolExecutor(8) as pool:
                i, t0 = 0, time.perf_counter()
                while True:
                    due = t0 + i / CAD_RATE
                    if due > traffic_end:
                        break
                    time.sleep(max(0.0, due - time.perf_counter()))
                    number = f"BENCH-{run_id}-{i:04d}"
                    attempted.append(number)
                    pool.submit(one, number)
                    i += 1

        def registrar(traffic_end: float) -> None:
            i, t0 = 0, time.perf_counter()
            while True:
                due = t0 + i * REGISTER_EVERY_S
                if due > traffic_end:
                    break
                time.sleep(max(0.0, due - time.perf_counter()))
                email = f"load-{run_id}-{workers}-{i}@example.com"
                reg_attempted.append(email)
                if lc.register(base, email, rec):
                    registered.append(email)
                i += 1

        master = psutil.Process(server.pid)
        me = psutil.Process()
        meter = CpuMeter({
            "server (gunicorn master + workers)": lambda: [master, *master.children(recursive=True)],
            "connect-dallas worker": lambda: [psutil.Process(worker.pid)],
            "redis-server": lambda: [psutil.Process(redis.pid)],
            "PostgreSQL (every backend of the machine)": lambda: [
                p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"],
            "load generator (this process)": lambda: [me]})
        start = time.perf_counter() + 0.5
        threads = [threading.Thread(target=poller, args=(b, rng.uniform(0, poll_s), start), daemon=True)
                   for b in boards]
        for t in threads:
            t.start()
        time.sleep(max(0.0, start - time.perf_counter()) + poll_s)  # every dashboard has started polling
        rec.recording = True
        meter.start()
        machine0, wall0 = psutil.cpu_times(), time.perf_counter()
        traffic_end = wall0 + seconds
        side = [threading.Thread(target=f, args=(traffic_end,), daemon=True) for f in (clicker, cad, registrar)]
        for t in side:
            t.start()
        for t in side:
            t.join()
        wall = time.perf_counter() - wall0
        machine1 = psutil.cpu_times()
        cpu = meter.stop()
        server_pids = len(meter.pids["server (gunicorn master + workers)"])
        loadavg = os.getloadavg()[0]
        # the last incidents: keep polling until every dashboard saw them (or poll + 5 s)
        drain = time.perf_counter() + poll_s + 5.0
        while time.perf_counter() < drain and not all(n in b.seen_at for b in boards for n in posted):
            time.sleep(0.2)
        rec.recording = False
        stop.set()
        for t in threads:
            t.join(timeout=15)

        delays, missed = [], 0
        for b in boards:
            for number, at in posted.items():
                if number in b.seen_at:
                    delays.append(b.seen_at[number] - at)
                else:
                    missed += 1
        cad_lost, cad_doubled, reg_lost, reg_doubled = check_writes(db_url, list(posted), registered)
        busy = sum(getattr(machine1, f) - getattr(machine0, f) for f in ("user", "system", "nice", "irq", "softirq"))
        kinds = {k: (len(v), rec.errors.get(k, 0), _pct(v, 0.5), _pct(v, 0.95), _pct(v, 0.99))
                 for k, v in sorted(rec.times.items())}
        fig = LoadRun(workers, dashboards, wall, kinds, cpu, busy / wall,
                      loadavg, len(delays), missed,
                      (_pct(delays, 0.5), _pct(delays, 0.95), max(delays) if delays else float("nan")),
                      len(posted), cad_lost, cad_doubled, len(registered), reg_lost, reg_doubled, polls_due[0],
                      len(attempted) - len(posted), len(reg_attempted) - len(registered), rec.error_samples,
                      seconds, server_pids - 1 - workers)
        for b in boards:
            b.http.close(), b.side.close()
        _print_run(fig)
        return fig
    finally:
        stop.set()
        if worker.poll() is None:
            worker.terminate()
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        for proc in (worker, server):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        redis.terminate()
        redis.wait(timeout=10)
        sink.controller.stop()
        log.close()


def _print_run(f: LoadRun) -> None:
    rows = [(k, f"{n:,}", str(e), f"{p50 * 1e3:,.0f}", f"{p95 * 1e3:,.0f}", f"{p99 * 1e3:,.0f}")
            for k, (n, e, p50, p95, p99) in f.kinds.items()]
    print(table(("request", "count", "errors", "p50 ms", "p95 ms", "p99 ms"), rows,
                f"== Benchmark 10: {f.dashboards} dashboards, {f.workers} gunicorn worker(s), {f.seconds:.0f} s =="))
    cpu = "; ".join(f"{k} {v:.1f} s ({v / f.seconds * 100:.0f} % of a core)" for k, v in f.cpu.items())
    requests = sum(n for n, *_ in f.kinds.values())
    server = f.cpu["server (gunicorn master + workers)"]
    print(f"  CPU in the window: {cpu}; machine {f.machine_busy:.2f} of {os.cpu_count()} cores busy, load "
          f"{f.loadavg:.1f}; server CPU per request {server / requests * 1e3:.1f} ms; {f.recycled} worker(s) recycled; "
          f"traffic offered for {f.offered_s:.0f} s, window {f.seconds:.0f} s")
    print(f"  incident on the screens: median {f.latency[0]:.2f} s, p95 {f.latency[1]:.2f} s, max "
          f"{f.latency[2]:.2f} s over {f.pairs:,} pairs, {f.missed} missed")
    print(f"  writes: {f.cad_acked} CAD posts acknowledged, {f.cad_lost} lost, {f.cad_doubled} doubled; "
          f"{f.reg_acked} registrations acknowledged, {f.reg_lost} lost, {f.reg_doubled} doubled; not acknowledged: "
          f"{f.cad_unacked} CAD posts, {f.reg_unacked} registrations; polls due {f.polls_due:,}", flush=True)
    for s in f.error_samples[:5]:
        print(f"  error: {s}")


def run(report: Report, pg: str | None, seconds: float, dashboards: int = DASHBOARDS,
        workers: tuple[int, ...] = (4, 1)) -> list[LoadRun]:
    url = database_url(pg)
    if not url or not shutil.which("redis-server"):
        report.note("load benchmark not run: it needs PostgreSQL (--pg, BENCH_DATABASE_URL or TEST_DATABASE_URL) "
                    "and redis-server")
        return []
    figs = []
    for n in workers:
        with tempfile.TemporaryDirectory(prefix="connect_dallas_load_") as folder:
            figs.append(run_one(n, dashboards, seconds, url, Path(folder)))
    return figs


def summarise(figs: list[LoadRun], report: Report) -> None:
    for f in figs:
        errors = sum(e for _, e, *_ in f.kinds.values())
        worst = max(((k, v[3]) for k, v in f.kinds.items() if "register" not in k.lower() and "CAD" not in k),
                    key=lambda kv: kv[1], default=("-", float("nan")))
        lost = f.cad_lost + f.cad_doubled + f.reg_lost + f.reg_doubled
        label = f"load, {f.dashboards} dashboards, {f.workers} worker(s), {f.seconds:.0f} s"
        report.add(f"{label}: errors / lost or doubled writes", f"{errors} / {lost} ({f.cad_acked} CAD posts, "
                   f"{f.reg_acked} registrations acknowledged)", "0 / 0", errors == 0 and lost == 0)
        report.add(f"{label}: worst callback p95", f"{worst[1] * 1e3:,.0f} ms ({worst[0]})",
                   f"<= {P95_LIMIT_S * 1e3:.0f} ms", worst[1] <= P95_LIMIT_S)
        report.add(f"{label}: incident on every screen, p95", f"{f.latency[1]:.2f} s ({f.missed} pairs missed)",
                   f"<= {LATENCY_LIMIT_S:g} s", f.latency[1] <= LATENCY_LIMIT_S and f.missed == 0)


__all__ = ["run", "summarise"]
