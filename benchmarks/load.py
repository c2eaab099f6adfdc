"""Benchmark 3: dashboard.registry.load_snapshot, the registry read that every fresh worker
(and every registry change) pays before the first map update.

The database is a SQLite file under /tmp seeded with dashboard.seed.seed_demo(cameras=n,
seed=7), reused across runs (common.seeded_db). Figures, medians:
  load_snapshot   the whole call (version read, SQL, date parsing, RegistrySnapshot.from_frame
                  with the Morton sort and the per-camera precomputations; since session 4 the
                  KD-tree is built on first use, after the first map, so it is not counted here);
  read_sql        baseline, the floor: pd.read_sql_query of the same SQL text alone, i.e. what
                  SQLite + the driver + pandas need just to hand over the rows;
  dates           the two vectorised pd.to_datetime calls;
  from_frame      RegistrySnapshot.from_frame on the frame read.
  refresh         refresh_snapshot after one camera was withdrawn through the ORM (on a private
                  copy of the file): the snapshot patched from the registry change log, against
                  load_snapshot above, the full re-read it replaces.
docs/design.md has no target for this; the figure before the raw-SQL rewrite was 23.7 s at 1M
(RESULTS.md of the previous run, through the first Dash callback).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd

from .common import Report, fmt_ms, fmt_n, fmt_seed, median_s, seeded_db, table


@dataclass
class LoadFigures:
    n: int
    active: int
    seed_s: float | None
    load_s: float
    read_s: float
    dates_s: float
    frame_s: float
    reps: int
    refresh_s: float = float("nan")


def run(n: int, reps: int, report: Report) -> LoadFigures:
    from dashboard.db import Database
    from dashboard.registry.cache import SNAPSHOT_QUERY, load_snapshot
    from dashboard.registry.snapshot import RegistrySnapshot

    path, seed_s = seeded_db(n)
    db = Database(f"sqlite:///{path}")
    try:
        sql = str(SNAPSHOT_QUERY.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
        load_t, read_t, dates_t, frame_t = [], [], [], []
        active = 0
        for _ in range(reps):  # interleaved: the whole call, then its parts
            t0 = time.perf_counter()
            snap = load_snapshot(db)
            t1 = time.perf_counter()
            active = len(snap)
            del snap
            with db.engine.connect() as conn:
                t2 = time.perf_counter()
                raw = pd.read_sql_query(sql, conn)
                t3 = time.perf_counter()
            raw["registered_at"] = pd.to_datetime(raw["registered_at"], utc=True, format="mixed")
            raw["verified_at"] = pd.to_datetime(raw["verified_at"], utc=True, format="mixed")
            t4 = time.perf_counter()
            RegistrySnapshot.from_frame(raw, 1)
            t5 = time.perf_counter()
            del raw
            load_t.append(t1 - t0)
            read_t.append(t3 - t2)
            dates_t.append(t4 - t3)
            frame_t.append(t5 - t4)
    finally:
        db.dispose()
    fig = LoadFigures(n, active, seed_s, median_s(load_t), median_s(read_t), median_s(dates_t), median_s(frame_t),
                      reps, _refresh_after_one_change(n, reps))
    print(f"  load_snapshot at {fmt_n(n)}: {fmt_ms(fig.load_s)} ms ({active:,} active cameras); bare read_sql "
          f"{fmt_ms(fig.read_s)} ms; refresh after one change {fmt_ms(fig.refresh_s)} ms; seeding: "
          f"{fmt_seed(seed_s)}", flush=True)
    return fig


def _refresh_after_one_change(n: int, reps: int) -> float:
    """Median seconds of refresh_snapshot after one camera is withdrawn (ORM, change log)."""
    import tempfile

    from sqlalchemy import select

    from dashboard.db import Database
    from dashboard.models import Camera
    from dashboard.registry.cache import load_snapshot, refresh_snapshot

    from .common import copy_of_seeded

    times = []
    with tempfile.TemporaryDirectory(prefix="connect_dallas_bench_") as workdir:
        url, _ = copy_of_seeded(n, workdir)
        db = Database(url)
        try:
            snap = load_snapshot(db)
            for _ in range(reps):
                with db.session() as s:
                    s.scalars(select(Camera).where(Camera.status == "active").limit(1)).one().status = "withdrawn"
                t0 = time.perf_counter()
                fresh = refresh_snapshot(db, snap)
                times.append(time.perf_counter() - t0)
                assert fresh.version == snap.version + 1 and len(fresh) == len(snap) - 1, "not patched"
                snap = fresh
        finally:
            db.dispose()
    return median_s(times)


def summarise(figs: list[LoadFigures], report: Report) -> None:
    if not figs:
        return
    rows = [(fmt_n(f.n), f"{f.active:,}", fmt_ms(f.load_s), fmt_ms(f.read_s), f"{f.load_s / f.read_s:.2f}x",
             fmt_ms(f.dates_s), fmt_ms(f.frame_s), fmt_ms(f.refresh_s), str(f.reps), fmt_seed(f.seed_s))
            for f in figs]
    print(table(("cameras", "active", "load_snapshot ms", "bare read_sql ms (baseline)", "load / read_sql",
                 "to_datetime x2 ms", "from_frame ms", "refresh after 1 change ms", "reps", "seed_demo"), rows,
                "== Benchmark 3: load_snapshot from SQLite, medians; beside it the bare read of the same SQL =="))
    report.add("load_snapshot at 1M (no DESIGN target; was 23.7 s)",
               next((f"{f.load_s:.2f} s" for f in figs if f.n == 1_000_000), "1M not in --sizes"), "-", None)
    report.add("snapshot refresh after one camera change at 1M (no DESIGN target; a full reload before)",
               next((f"{f.refresh_s:.2f} s (full reload {f.load_s:.2f} s)" for f in figs if f.n == 1_000_000),
                    "1M not in --sizes"), "-", None)
