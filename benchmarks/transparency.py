"""Benchmark 8: the public transparency page and JSON at 100 requests/s on one server process,
with 1M cameras and 1M audit events, p95 beside a bare route in the same run; and the cost of
the report refresh that the `transparency-report` job pays (never a request).

Data: a private copy of the seeded 1M-camera SQLite database (common.seeded_db) plus 1M
hash-chained audit events over the last 14 months (reveals, footage requests with their
follow-ups, live views, exports, sign-ins; 15 % refused), written once and kept under
/tmp/connect_dallas_bench for later runs.

Refresh: `refresh_report` (routine chain check of up to verify_max_events + build_report +
store), timed cold (first run: the chain check hashes its first 200k events) and warm.

Serving: the real app (create_app) in ONE separate process (waitress, 8 threads), the report
stored by the job beforehand (the page renders once per stored report and language, the JSON
text once per report), the rate limit raised for the run (the limiter still runs), and
one extra route GET /_bench/bare -> jsonify({"ok": True}) registered public, the baseline.
An open-loop client (this process, 32 threads, persistent connections) sends 100 requests/s
in 1-second blocks rotating page / JSON / bare, so the three see the same machine; latency is
measured from each request's scheduled time (no coordinated omission). Then a closed loop of 8
connections per route for a few seconds gives the most one process serves.
Target: at 100 requests/s, every request answered 200 and p95 <= 100 ms for the page and the
JSON; the bare route's p95 beside them.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .common import SEED_DIR, Report, fmt_ms, table

CAMERAS = 1_000_000
EVENTS = 1_000_000
RATE = 100.0          # requests/s, the target's load
BLOCKS = 12           # 1-second blocks per route (quick: 4)
TARGET_P95_S = 0.100
ROUTES = {"page": "/transparency", "json": "/transparency.json", "bare": "/_bench/bare"}
CATEGORIES = ("homicide", "robbery", "burglary", "assault", "theft", "vehicle_crimes", "missing_person",
              "traffic_fatality", "other", None)


@dataclass
class TransparencyFigures:
    cameras: int
    events: int
    build_events_s: float | None
    refresh_cold_s: float
    refresh_warm_s: float
    build_report_s: float
    served: dict[str, dict[str, float]]   # route -> p50, p95, p99, rate, errors, n
    max_rps: dict[str, float]


# -- the data -----------------------------------------------------------------------------------
def _write_events(url: str, n: int, seed: int = 14) -> None:
    """n chained audit events through the model's own hash (dashboard.audit.chain.event_hash)."""
    from sqlalchemy import insert

    from dashboard.audit.chain import event_hash
    from dashboard.db import Database
    from dashboard.models import AuditEvent

    rng = random.Random(seed)
    now = datetime.now(UTC)
    db = Database(url)
    kinds = (["owner_reveal"] * 30 + ["live_view"] * 15 + ["canvass_export"] * 10 + ["login"] * 25
             + ["footage_request"] * 12 + ["footage_request_accepted"] * 5 + ["footage_received"] * 3)
    ats = sorted(now - timedelta(seconds=rng.uniform(0, 430 * 86400)) for _ in range(n))
    prev = None
    batch: list[dict] = []
    with db.session() as s:
        first_id = (s.execute(AuditEvent.__table__.select().order_by(AuditEvent.id.desc()).limit(1)).first()
                    or (0,))[0] + 1
    for i, at in enumerate(ats):
        action = rng.choice(kinds)
        footage = action.startswith("footage")
        ev = AuditEvent(id=first_id + i, at=at, user_id=None, username=f"officer{i % 40}", action=action,
                        object_type="footage_request" if footage else "camera",
                        object_id=str(rng.randint(1, n // 10) if footage else rng.randint(1, CAMERAS)),
                        case_number=f"26-{i % 10_000_000:07d}", reason="benchmark", client_addr="10.0.0.1",
                        outcome="denied" if rng.random() < 0.15 else "ok", detail=None,
                        category=rng.choice(CATEGORIES), prev_hash=prev)
        ev.hash = event_hash(ev)
        prev = ev.hash
        batch.append({c.name: getattr(ev, c.key) for c in AuditEvent.__table__.columns})
        if len(batch) == 50_000 or i == n - 1:
            with db.session() as s:
                s.execute(insert(AuditEvent.__table__), batch)
            batch.clear()
    db.dispose()


def seeded_with_events(workdir: str, cameras: int, events: int) -> tuple[str, float | None]:
    """A private copy of a database with `cameras` seeded cameras and `events` audit events."""
    from .common import seeded_db

    folder = Path(SEED_DIR)
    path = folder / f"transparency_{cameras}c_{events}e.db"
    built = None
    if not path.exists():
        src, _ = seeded_db(cameras)
        partial = folder / f"transparency_{cameras}c_{events}e.{os.getpid()}.partial"
        shutil.copyfile(src, partial)
        started = time.perf_counter()
        _write_events(f"sqlite:///{partial}", events)
        built = time.perf_counter() - started
        partial.rename(path)
    dst = Path(workdir) / path.name
    shutil.copyfile(path, dst)
    return f"sqlite:///{dst}", built


def _settings(url: str):
    from dashboard.config import load_settings

    return load_settings(overrides={"database_url": url, "secret_key": "t" * 48, "env": "demo", "tile_url": "",
                                    "extra": {"transparency": {"rate_limit": "1000000 per minute"}}}, environ={})


# -- the server process --------------------------------------------------------------------------
def serve(url: str, port_file: str) -> None:
    """Runs in the child: the app on one process, waitress, plus the public bare route."""
    import logging

    import waitress
    from flask import jsonify

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth" lines are the load itself

    import auth.gate
    from dashboard.app import create_app

    auth.gate.PUBLIC_PATHS = auth.gate.PUBLIC_PATHS | {"/_bench/bare"}  # the baseline pays no login
    app = create_app(_settings(url))

    @app.server.get("/_bench/bare")
    def _bench_bare():
        return jsonify({"ok": True})

    server = waitress.create_server(app.server, host="127.0.0.1", port=0, threads=8)
    Path(port_file).write_text(str(server.effective_port))
    server.run()


# -- the client ----------------------------------------------------------------------------------
class _Conn(threading.local):
    conn: http.client.HTTPConnection | None = None


def _get(local: _Conn, port: int, path: str) -> int:
    for attempt in (0, 1):
        if local.conn is None:
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            local.conn.request("GET", path, headers={"Accept-Encoding": "gzip, br"})
            response = local.conn.getresponse()
            response.read()
            return response.status
        except (http.client.HTTPException, OSError):
            local.conn.close()
            local.conn = None
            if attempt:
                raise
    return 0


def _percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))] if s else float("nan")


def open_loop(port: int, blocks: int, rate: float = RATE) -> dict[str, dict[str, float]]:
    from concurrent.futures import ThreadPoolExecutor

    schedule = []  # (due, route)
    start = time.perf_counter() + 0.5
    per_block = int(rate)
    order = list(ROUTES)
    for b in range(blocks * len(order)):
        route = order[b % len(order)]
        schedule += [(start + b + i / rate, route) for i in range(per_block)]
    latencies: dict[str, list[float]] = {r: [] for r in ROUTES}
    errors = dict.fromkeys(ROUTES, 0)
    lock = threading.Lock()
    local = _Conn()

    def one(item):
        due, route = item
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        try:
            status = _get(local, port, ROUTES[route])
        except (http.client.HTTPException, OSError):
            status = 0
        took = time.perf_counter() - due
        with lock:
            latencies[route].append(took)
            if status != 200:
                errors[route] += 1

    with ThreadPoolExecutor(32) as pool:
        list(pool.map(one, schedule))
    out = {}
    for route, values in latencies.items():
        out[route] = {"n": len(values), "p50": _percentile(values, 0.5), "p95": _percentile(values, 0.95),
                      "p99": _percentile(values, 0.99), "errors": errors[route], "rate": rate}
    return out


def closed_loop(port: int, route: str, seconds: float = 4.0, connections: int = 8) -> float:
    stop = time.perf_counter() + seconds
    counts = [0] * connections

    def worker(k: int) -> None:
        local = _Conn()
        while time.perf_counter() < stop:
            if _get(local, port, ROUTES[route]) == 200:
                counts[k] += 1

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / seconds


# -- the run -------------------------------------------------------------------------------------
def run(report: Report, quick: bool = False, cameras: int = CAMERAS, events: int = EVENTS) -> TransparencyFigures:
    from dashboard.db import Database
    from dashboard.transparency.options import options_from
    from dashboard.transparency.report import build_report, refresh_report

    with tempfile.TemporaryDirectory(prefix="connect_dallas_bench_") as workdir:
        url, built = seeded_with_events(workdir, cameras, events)
        print(f"  database: {cameras:,} cameras, {events:,} audit events "
              f"({'reused /tmp file' if built is None else f'events written in {built:.0f} s'})", flush=True)
        settings = _settings(url)
        options = options_from(settings)
        db = Database(url)
        t0 = time.perf_counter()
        refresh_report(db, settings, options)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        refresh_report(db, settings, options)
        warm = time.perf_counter() - t0
        t0 = time.perf_counter()
        build_report(db, settings, options)
        build = time.perf_counter() - t0
        db.dispose()
        print(f"  refresh (the job): cold {cold:.2f} s, warm {warm:.2f} s; build_report alone {build:.2f} s",
              flush=True)

        port_file = Path(workdir) / "port"
        child = subprocess.Popen([sys.executable, "-m", "benchmarks.transparency", "--serve", url, str(port_file)],
                                 cwd=str(Path(__file__).resolve().parents[1]))
        try:
            deadline = time.time() + 120
            while not port_file.exists() or not port_file.read_text():
                if child.poll() is not None or time.time() > deadline:
                    raise RuntimeError("the benchmark server did not start")
                time.sleep(0.2)
            port = int(port_file.read_text())
            local = _Conn()
            for path in ROUTES.values():  # warm: the stored report loaded, templates compiled
                assert _get(local, port, path) == 200, path
            served = open_loop(port, 4 if quick else BLOCKS)
            max_rps = {route: closed_loop(port, route, 2.0 if quick else 4.0) for route in ROUTES}
        finally:
            child.terminate()
            child.wait(timeout=20)

    rows = [[route, ROUTES[route], f"{v['n']}", fmt_ms(v["p50"]), fmt_ms(v["p95"]), fmt_ms(v["p99"]),
             str(v["errors"]), f"{max_rps[route]:.0f}/s"] for route, v in served.items()]
    print(table(["route", "path", "requests", "p50", "p95", "p99", "errors", "max (closed loop)"], rows,
                f"at {RATE:.0f} requests/s per route block, one server process"))
    bare = served["bare"]["p95"]
    for route in ("page", "json"):
        v = served[route]
        ok = v["errors"] == 0 and v["p95"] <= TARGET_P95_S
        report.add(f"transparency {route} at {RATE:.0f} req/s, 1M cameras + 1M events: p95 (bare route "
                   f"{fmt_ms(bare)})", fmt_ms(v["p95"]), f"<= {fmt_ms(TARGET_P95_S)}, no errors", ok)
    report.note(f"transparency refresh over {events:,} events and {cameras:,} cameras: cold {cold:.1f} s, warm "
                f"{warm:.1f} s, in the transparency-report job (never in a request)")
    return TransparencyFigures(cameras, events, built, cold, warm, build, served, max_rps)


def _main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--serve", nargs=2, metavar=("URL", "PORT_FILE"))
    args = p.parse_args()
    if args.serve:
        serve(*args.serve)


if __name__ == "__main__":
    _main()
