"""python -m benchmarks [--sizes 10000,100000,1000000] [--quick]
                       [--only nearest|mapview|e2e|snapshot|incidents|browser|live|share|wire|load|transparency]
                       [--no-e2e] [--strict] [--poll SECONDS] [--pg URL] [--load-seconds S | --load-full]

`--only load` is the whole load of issue 15 on gunicorn + PostgreSQL + Redis (load_cluster.py;
30 s per set-up by default, `--load-full` for the 120 s run); `--only snapshot` is
load_snapshot from SQLite (load.py, called `load` before).

Runs the docs/design.md performance benchmarks on synthetic registries and prints every figure
beside a baseline measured in the same run, then PASS/FAIL per target. See RESULTS.md.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from datetime import datetime

import numpy as np
import scipy

from . import browser, dash_e2e, incidents, load_cluster, mapview, nearest, share, wire
from . import live as live_bench
from . import load as load_bench
from . import transparency as transparency_bench
from .common import Report, build_registry, fmt_n

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(sorted({int(s.replace("_", "").strip()) for s in text.split(",") if s.strip()}))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--sizes wants integers separated by commas: {text!r}") from exc
    if not sizes or min(sizes) < 100:
        raise argparse.ArgumentTypeError("--sizes: each size must be at least 100")
    return sizes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=_sizes, default=None,
                   help="registry sizes (cameras generated), default 10000,100000,1000000")
    p.add_argument("--quick", action="store_true", help="10k and 100k only (unless --sizes), fewer repetitions")
    p.add_argument("--only", choices=("nearest", "mapview", "e2e", "snapshot", "incidents", "browser", "live", "share",
                                      "wire", "load", "transparency"),
                   help="one benchmark (mapview includes the end-to-end Dash part unless --no-e2e)")
    p.add_argument("--no-e2e", action="store_true", help="skip the end-to-end Dash callback part")
    p.add_argument("--strict", action="store_true", help="exit 1 if any target fails")
    p.add_argument("--poll", type=float, default=None,
                   help="the dashboards' poll interval in the incident benchmark, seconds (default: the "
                        "shipped incidents.poll_interval_seconds)")
    p.add_argument("--dashboards", type=int, default=incidents.DASHBOARDS,
                   help=f"simulated dashboards in the incident benchmark (default {incidents.DASHBOARDS})")
    p.add_argument("--pg", default=None,
                   help="PostgreSQL URL for the load benchmark (default: BENCH_DATABASE_URL, else TEST_DATABASE_URL)")
    p.add_argument("--load-seconds", type=float, default=None,
                   help="seconds of load per set-up (4 workers, then 1) in the load benchmark (default 30, --quick 15)")
    p.add_argument("--load-full", action="store_true", help="the load benchmark's full run: 120 s per set-up")
    p.add_argument("--load-workers", default="4,1", help="gunicorn worker counts of the load benchmark (default 4,1)")
    p.add_argument("--load-dashboards", type=int, default=load_cluster.DASHBOARDS,
                   help=f"simulated dashboards in the load benchmark (default {load_cluster.DASHBOARDS})")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    do_nearest = args.only in (None, "nearest")
    do_map = args.only in (None, "mapview")
    do_e2e = args.only in (None, "mapview", "e2e") and not args.no_e2e
    do_load = args.only in (None, "snapshot")
    do_cluster = args.only in (None, "load")
    do_incidents = args.only in (None, "incidents")
    do_live = args.only in (None, "live")
    do_transparency = args.only in (None, "transparency")
    do_browser = args.only == "browser" or (args.only is None and browser.available())
    do_share = args.only in (None, "share")
    do_wire = args.only == "wire" or (args.only is None and browser.available())
    if args.only in ("browser", "wire") and not browser.available():
        print(f"--only browser: {browser.CHROMIUM} or {browser.CHROMEDRIVER} is missing", file=sys.stderr)
        return 2
    q = args.quick
    reps_nearest = 5 if q else 15
    reps_map = 12 if q else 40
    reps_e2e = 8 if q else 20

    started = time.perf_counter()
    load = os.getloadavg()
    print(f"CONNECT DALLAS Ops benchmarks, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, "
          f"{os.cpu_count()} cores, load {load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}, Python "
          f"{platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}")
    print(f"sizes {', '.join(fmt_n(n) for n in sizes)}; {'quick' if q else 'full'} repetitions; times are medians")

    report = Report()
    near_figs: list[nearest.NearestFigures] = []
    map_figs: list[mapview.MapFigures] = []
    e2e_figs: list[dash_e2e.E2EFigures] = []
    if do_nearest or do_map:
        regs = []
        for n in sizes:  # all sizes held at once, so the map benchmark can interleave them
            reg = build_registry(n)
            print(f"[{fmt_n(n)}] registry generated in {reg.generate_s:.1f} s, snapshot of {len(reg.snap):,} "
                  f"active cameras built in {reg.snapshot_s:.2f} s", flush=True)
            regs.append(reg)
        if do_nearest:
            print("\nBenchmark 1: nearest cameras", flush=True)
            for reg in regs:
                n = reg.n
                brute_reps = 1 if n >= 1_000_000 or (q and n >= 100_000) else 3 if n >= 100_000 or q else 10
                near_figs.append(nearest.run(reg, reps_nearest, brute_reps, report, breakdown=(n == max(sizes))))
        if do_map:
            print("\nBenchmark 2: one map update (sizes interleaved)", flush=True)
            map_figs = mapview.run(regs, reps_map, q)
        del regs
        gc.collect()
    if do_e2e:
        for n in sizes:
            print(f"\n[{fmt_n(n)}] end-to-end Dash callback", flush=True)
            figs = dash_e2e.run(n, reps_e2e, report)
            if figs is None:
                break
            e2e_figs.append(figs)
            gc.collect()
    load_figs: list[load_bench.LoadFigures] = []
    if do_load:
        print("\nBenchmark 3: load_snapshot from SQLite (databases seeded once under /tmp, then reused)", flush=True)
        for n in sizes:
            load_figs.append(load_bench.run(n, 5 if n < 1_000_000 else 3, report))
            gc.collect()
    inc_fig = None
    if do_incidents:
        print(f"\nBenchmark 4: incident latency, {args.dashboards} dashboards polling; empty poll vs bare route",
              flush=True)
        inc_fig = incidents.run(report, poll_s=args.poll, dashboards=args.dashboards)
        gc.collect()
    browser_figs: list[browser.BrowserFigures] = []
    if do_browser:
        print("\nBenchmark 5: headless Chromium, login -> first visible markers", flush=True)
        for n in [s for s in sizes if s >= 100_000] or [max(sizes)]:
            browser_figs.append(browser.run(n, 2 if q else 3, report))
            gc.collect()

    cluster_figs: list[load_cluster.LoadRun] = []
    if do_cluster:
        seconds = 120.0 if args.load_full else args.load_seconds or (15.0 if q else 30.0)
        workers = tuple(int(w) for w in args.load_workers.split(",") if w.strip())
        print(f"\nBenchmark 10: the load of issue 15, {args.load_dashboards} dashboards, CAD {load_cluster.CAD_RATE:g}/s, "
              f"a registration every {load_cluster.REGISTER_EVERY_S:g} s, gunicorn {workers} worker(s), "
              f"{seconds:g} s each", flush=True)
        cluster_figs = load_cluster.run(report, args.pg, seconds, args.load_dashboards, workers)
        gc.collect()

    share_fig = wire_fig = None
    if do_share:
        print(f"\nBenchmark 8: one snapshot per host at {fmt_n(max(sizes))} (memory, cold start)", flush=True)
        share_fig = share.run(report, max(sizes))
    if do_wire:
        print(f"\nBenchmark 9: first-screen data bytes at {fmt_n(max(sizes))}, headless Chromium", flush=True)
        wire_fig = wire.run(report, max(sizes))

    if near_figs:
        nearest.summarise(near_figs, report)
    if map_figs:
        mapview.summarise(map_figs, report)
    if e2e_figs:
        dash_e2e.summarise(e2e_figs)
    load_bench.summarise(load_figs, report)
    if do_live:
        print("\nBenchmark 7: live video, 10 walls of 9 cameras; incident poll with and without video; "
              "click to first frame", flush=True)
        live_bench.run(report)
    if do_transparency:
        print("\nBenchmark 8: /transparency and /transparency.json at 100 requests/s, one process, 1M cameras and "
              "1M audit events; p95 beside a bare route", flush=True)
        transparency_bench.run(report, quick=q)
    incidents.summarise(inc_fig, report)
    browser.summarise(browser_figs, report)
    share.summarise(share_fig, report)
    wire.summarise(wire_fig, report)
    load_cluster.summarise(cluster_figs, report)
    print(report.summary())
    for text in report.notes:
        print(f"NOTE: {text}")
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    failed = any(v.passed is False for v in report.verdicts)
    return 1 if (args.strict and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
