"""Benchmark 6: one registry snapshot per host. Memory of 1 and 4 workers, and cold start to the
first map, at 1M cameras (the seeded SQLite file of common.seeded_db).

Each worker is a real process (`python -m benchmarks.share <db> <base_dir> <mode>`) that builds
the whole app with create_app, gets the registry snapshot and computes the city-wide camera layer
the map's first callback sends (dashboard.registry.mapview.camera_layer): "first map served". It
reports the seconds from its own start (before any import) to that moment, then waits while the
parent reads its memory: PSS from /proc/<pid>/smaps_rollup (RSS counts every mapped page in
every process; PSS splits shared pages between the processes that map them, so PSS summed over
workers is what they really occupy together).

Figures, all from the same run:
- cold start, snapshot file present (mode `shared`, the product) beside a start that finds no
  file and reads the database (the file built by a child process: what the very first worker
  of a host pays), and beside the in-process full read of every worker before (mode `private`);
- memory: 1 worker, and 4 workers started together (sum of PSS), mode `shared`; beside them
  1 and 4 workers that each hold a private copy (mode `private`, how every worker was before).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from .common import Report, fmt_n, fmt_seed, table

CAMERAS = 1_000_000
WORKERS = 4
START_TARGET_S = 2.0
CITY_BOUNDS = [[32.61, -97.0], [33.02, -96.55]]  # the city-wide view of the map's first call
MEMORY_TARGET = 1.5


@dataclass
class ShareFigures:
    n: int
    start_mapped_s: float
    start_build_s: float
    start_private_s: float
    cpu_mapped_s: float
    cpu_build_s: float
    cpu_private_s: float
    pss_one_mb: float
    pss_four_mb: float
    snapshot_one_mb: float     # PSS the snapshot adds: after it is in hand, minus the app before it
    snapshot_four_mb: float
    private_one_mb: float
    private_four_mb: float
    seed_s: float | None
    # gunicorn preload_app: a master that imported the app, mapped the snapshot, built its index and
    # ran gc.freeze(), then forked the workers (PSS of the master and its workers together)
    preload_one_mb: float = 0.0
    preload_four_mb: float = 0.0
    start_preload_s: float = 0.0     # master start -> first map served by its first worker
    fork_to_map_s: float = 0.0       # a worker forked from the master -> its first map (a worker restart)
    cpu_preload_s: float = 0.0       # CPU of the master until the fork plus the first worker's until its map


def _pss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no Pss line")


def _start(db_path: str, base_dir: str, mode: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "benchmarks.share", db_path, base_dir, mode],
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _ready(proc: subprocess.Popen) -> dict:
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"worker exited with {proc.wait()}")
    return json.loads(line)


def _stop(procs) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=30)


def _workers(db_path: str, base_dir: str, mode: str, count: int) -> tuple[list[dict], float, float]:
    """-> each worker's answer, their PSS summed, and the part of it the snapshot adds."""
    procs = [_start(db_path, base_dir, mode) for _ in range(count)]
    try:
        answers = [_ready(p) for p in procs]
        time.sleep(0.5)
        pss = [_pss_mb(p.pid) for p in procs]
    finally:
        _stop(procs)
    return answers, sum(pss), sum(pss) - sum(a["app_pss_mb"] for a in answers)


def _preloaded(db_path: str, base_dir: str, count: int) -> tuple[list[dict], float]:
    """A master (mode `preload`) forking `count` workers -> their answers, PSS of master + workers."""
    master = subprocess.Popen([sys.executable, "-m", "benchmarks.share", db_path, base_dir, "preload", str(count)],
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        answers = [_ready(master) for _ in range(count)]
        time.sleep(0.5)
        pss = _pss_mb(master.pid) + sum(_pss_mb(a["pid"]) for a in answers)
    finally:
        for a in answers if "answers" in locals() else []:
            try:
                os.kill(a["pid"], 15)
            except ProcessLookupError:
                pass
        _stop([master])
    return answers, pss


def run(report: Report, n: int = CAMERAS) -> ShareFigures:
    from .common import seeded_db

    db_path, seed_s = seeded_db(n)
    with tempfile.TemporaryDirectory(prefix="connect_dallas_share_") as base_dir:
        # no file yet: the first worker builds it (child process), then maps it
        (built,), _, _ = _workers(db_path, base_dir, "shared", 1)
        (mapped,), pss_one, snap_one = _workers(db_path, base_dir, "shared", 1)
        _, pss_four, snap_four = _workers(db_path, base_dir, "shared", WORKERS)
        (private,), private_one, _ = _workers(db_path, base_dir, "private", 1)
        _, private_four, _ = _workers(db_path, base_dir, "private", WORKERS)
        (pre,), preload_one = _preloaded(db_path, base_dir, 1)
        pres, preload_four = _preloaded(db_path, base_dir, WORKERS)
    fig = ShareFigures(n, mapped["first_map_s"], built["first_map_s"], private["first_map_s"],
                       mapped["cpu_s"], built["cpu_s"], private["cpu_s"],
                       pss_one, pss_four, snap_one, snap_four, private_one, private_four, seed_s,
                       preload_one, preload_four, pre["first_map_s"],
                       sorted(a["fork_to_map_s"] for a in pres)[len(pres) // 2], pre["cpu_s"])
    print(f"  [{fmt_n(n)}] preload: master + 1 worker {preload_one:.0f} MB, master + {WORKERS} workers "
          f"{preload_four:.0f} MB; master start -> first map {fig.start_preload_s:.2f} s, fork -> first map "
          f"{fig.fork_to_map_s:.2f} s", flush=True)
    print(f"  [{fmt_n(n)}] first map: {fig.start_mapped_s:.2f} s mapped, {fig.start_build_s:.2f} s building the "
          f"file, {fig.start_private_s:.2f} s private read; PSS 1 worker {pss_one:.0f} MB, {WORKERS} workers "
          f"{pss_four:.0f} MB (private copies: {private_one:.0f} / {private_four:.0f} MB)", flush=True)
    return fig


def summarise(fig: ShareFigures | None, report: Report) -> None:
    if fig is None:
        return
    ratio = fig.pss_four_mb / fig.pss_one_mb
    private_ratio = fig.private_four_mb / fig.private_one_mb
    preload_ratio = fig.preload_four_mb / max(fig.preload_one_mb, 1e-9)
    rows = [("process start -> first map, snapshot file present", f"{fig.start_mapped_s:.2f} s "
             f"(CPU {fig.cpu_mapped_s:.2f} s)", f"<= {START_TARGET_S:g} s"),
            ("process start -> first map, no file (built by a child process)", f"{fig.start_build_s:.2f} s "
             f"(CPU {fig.cpu_build_s:.2f} s)", "baseline"),
            ("process start -> first map, private full read (before)", f"{fig.start_private_s:.2f} s "
             f"(CPU {fig.cpu_private_s:.2f} s)", "baseline"),
            ("PSS, 1 worker (shared file)", f"{fig.pss_one_mb:.0f} MB", "-"),
            (f"PSS, {WORKERS} workers together (shared file)", f"{fig.pss_four_mb:.0f} MB",
             f"{ratio:.2f}x of one (<= {MEMORY_TARGET:g}x)"),
            ("PSS the snapshot adds, 1 worker / 4 workers", f"{fig.snapshot_one_mb:.0f} / {fig.snapshot_four_mb:.0f} MB",
             f"{fig.snapshot_four_mb / max(fig.snapshot_one_mb, 1e-9):.2f}x"),
            ("gunicorn preload: PSS master + 1 worker", f"{fig.preload_one_mb:.0f} MB", "-"),
            (f"gunicorn preload: PSS master + {WORKERS} workers", f"{fig.preload_four_mb:.0f} MB",
             f"{preload_ratio:.2f}x of master + 1 (<= {MEMORY_TARGET:g}x)"),
            ("gunicorn preload: master start -> first map / worker fork -> first map",
             f"{fig.start_preload_s:.2f} s (CPU {fig.cpu_preload_s:.2f} s) / {fig.fork_to_map_s:.2f} s",
             f"<= {START_TARGET_S:g} s"),
            ("PSS, 1 worker, private copy (before)", f"{fig.private_one_mb:.0f} MB", "baseline"),
            (f"PSS, {WORKERS} workers, private copies (before)", f"{fig.private_four_mb:.0f} MB",
             f"{private_ratio:.2f}x of one")]
    print(table(("figure", "measured", "beside it"), rows,
                f"== Benchmark 8: one snapshot per host, {fmt_n(fig.n)} cameras (seeding: {fmt_seed(fig.seed_s)}) =="))
    report.add(f"start-up at {fmt_n(fig.n)}: process start -> first map (file present)",
               f"{fig.start_mapped_s:.2f} s, CPU {fig.cpu_mapped_s:.2f} s (no file {fig.start_build_s:.2f} s; "
               f"private read {fig.start_private_s:.2f} s)",
               f"<= {START_TARGET_S:g} s", fig.start_mapped_s <= START_TARGET_S)
    report.add(f"memory of {WORKERS} workers / 1 at {fmt_n(fig.n)} (PSS)",
               f"{ratio:.2f}x ({fig.pss_four_mb:.0f} / {fig.pss_one_mb:.0f} MB; snapshot part "
               f"{fig.snapshot_four_mb:.0f} / {fig.snapshot_one_mb:.0f} MB; private copies "
               f"{fig.private_four_mb:.0f} / {fig.private_one_mb:.0f} MB)",
               f"<= {MEMORY_TARGET:g}x", ratio <= MEMORY_TARGET)
    report.add(f"memory of {WORKERS} workers / 1 at {fmt_n(fig.n)}, gunicorn preload (PSS, master included)",
               f"{preload_ratio:.2f}x ({fig.preload_four_mb:.0f} / {fig.preload_one_mb:.0f} MB)",
               f"<= {MEMORY_TARGET:g}x", preload_ratio <= MEMORY_TARGET)
    report.add(f"start-up at {fmt_n(fig.n)}, gunicorn preload: master start -> first map",
               f"{fig.start_preload_s:.2f} s, CPU {fig.cpu_preload_s:.2f} s (a worker forked later: "
               f"{fig.fork_to_map_s:.2f} s)",
               f"<= {START_TARGET_S:g} s", fig.start_preload_s <= START_TARGET_S)


def _worker(db_path: str, base_dir: str, mode: str) -> None:
    """One worker: the app, its snapshot, the first map; then wait to be measured."""
    started = _process_start()
    from dashboard.app import create_app
    from dashboard.config import load_settings
    from dashboard.registry.cache import RegistryCache
    from dashboard.registry.mapview import CameraFilter, Viewport, camera_layer

    settings = load_settings(overrides={"database_url": f"sqlite:///{db_path}", "secret_key": "s" * 48,
                                        "env": "demo", "tile_url": "", "base_dir": base_dir}, environ={})
    app = create_app(settings)
    services = app.server.extensions["connect_dallas"]
    app_pss = _pss_mb(os.getpid())
    if mode == "private":
        services.registry = RegistryCache(services.db)  # each worker its own copy, read in process
    snap = services.registry.get()
    layer = camera_layer(snap, CameraFilter(), Viewport.from_bounds(CITY_BOUNDS, settings.map_zoom), services.filters,
                         cell_px=settings.cluster_cell_px, points_max_zoom=settings.points_max_zoom)
    assert layer["meta"]["total"] == len(snap)
    cpu = os.times()
    print(json.dumps({"first_map_s": time.time() - started, "cameras": len(snap), "app_pss_mb": app_pss,
                      "cpu_s": cpu.user + cpu.system + cpu.children_user + cpu.children_system}), flush=True)
    time.sleep(3600)  # the parent measures, then terminates it


def _preload_master(db_path: str, base_dir: str, count: int) -> None:
    """What gunicorn's master does with preload_app and dashboard/gunicorn_conf.py's pre_fork (its
    prepare_master: the mapped snapshot and its index, the geography, pandas, gc.freeze()); then `count` forked workers, each serving
    the first map and reporting (one JSON line each, with its pid) before waiting to be measured."""
    started = _process_start()
    from dashboard.app import create_app
    from dashboard.config import load_settings
    from dashboard.gunicorn_conf import prepare_master
    from dashboard.registry.mapview import CameraFilter, Viewport, camera_layer

    settings = load_settings(overrides={"database_url": f"sqlite:///{db_path}", "secret_key": "s" * 48,
                                        "env": "demo", "tile_url": "", "base_dir": base_dir}, environ={})
    services = create_app(settings).server.extensions["connect_dallas"]
    prepare_master(services)  # what the pre_fork hook does: snapshot + index, geography, pandas, gc.freeze()
    children = []
    for _ in range(count):
        forked, master_cpu = time.time(), os.times()
        pid = os.fork()
        if pid == 0:
            services.db.engine.dispose(close=False)
            snap = services.registry.get()
            layer = camera_layer(snap, CameraFilter(), Viewport.from_bounds(CITY_BOUNDS, settings.map_zoom),
                                 services.filters, cell_px=settings.cluster_cell_px,
                                 points_max_zoom=settings.points_max_zoom)
            assert layer["meta"]["total"] == len(snap)
            own = os.times()  # a forked child's CPU times start at zero: add the master's until the fork
            print(json.dumps({"pid": os.getpid(), "first_map_s": time.time() - started,
                              "cpu_s": master_cpu.user + master_cpu.system + own.user + own.system,
                              "fork_to_map_s": time.time() - forked, "cameras": len(snap)}), flush=True)
            time.sleep(3600)
            os._exit(0)
        children.append(pid)
    try:
        time.sleep(3600)
    finally:
        for pid in children:
            os.kill(pid, 15)


def _process_start() -> float:
    """This process's start time (wall clock), from /proc: imports before main() count too."""
    ticks = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19])
    boot = next(float(line.split()[1]) for line in open("/proc/stat") if line.startswith("btime"))
    return boot + ticks / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    if sys.argv[3] == "preload":
        import signal

        def _terminate(*_):
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: a second signal must not interrupt the exit
            sys.exit(0)  # the finally of _preload_master stops the workers

        signal.signal(signal.SIGTERM, _terminate)
        _preload_master(sys.argv[1], sys.argv[2], int(sys.argv[4]))
    else:
        _worker(*sys.argv[1:4])
