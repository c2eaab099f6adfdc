"""What the load benchmark (benchmarks/load_cluster.py) measures besides latencies: the CPU of
groups of processes over the window, and whether every acknowledged write is in the database
exactly once."""

from __future__ import annotations

import threading


class CpuMeter:
    """CPU seconds of groups of processes over a window, sampled every half second, per pid: a
    gunicorn worker recycled (max_requests) or a PostgreSQL backend started during the window
    counts from zero, and one that ended counts until its last sample."""

    def __init__(self, groups: dict):
        self.groups = groups  # name -> callable returning psutil.Process objects
        self.first: dict[str, dict[int, float]] = {k: {} for k in groups}
        self.last: dict[str, dict[int, float]] = {k: {} for k in groups}
        self.pids: dict[str, set[int]] = {k: set() for k in groups}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def sample(self, initial: bool = False) -> None:
        for name, procs in self.groups.items():
            for p in procs():
                try:
                    t = p.cpu_times()
                except Exception:  # noqa: BLE001, S112 - a process that ended meanwhile
                    continue
                used = t.user + t.system
                self.first[name].setdefault(p.pid, used if initial else 0.0)
                self.last[name][p.pid] = used
                self.pids[name].add(p.pid)

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()

    def start(self) -> None:
        self.sample(initial=True)
        self._thread.start()

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        self.sample()
        return {k: sum(self.last[k][pid] - self.first[k][pid] for pid in self.last[k]) for k in self.groups}


def check_writes(db_url: str, numbers: list[str], emails: list[str]) -> tuple[int, int, int, int]:
    """(CAD posts acknowledged but absent, present more than once, registrations the same)."""
    from collections import Counter

    from sqlalchemy import create_engine, select

    from dashboard.models import Incident
    from dashboard.models.registration import Registration
    from dashboard.owners.validation import lookup_key

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(Incident.incident_number).where(
                Incident.incident_number.like("BENCH-%"))).scalars().all()
            keys = {lookup_key(e, "1500 Marilla St"): e for e in emails}
            regs = conn.execute(select(Registration.lookup_key).where(
                Registration.lookup_key.in_(list(keys)))).scalars().all() if keys else []
    finally:
        engine.dispose()
    have, have_reg = Counter(rows), Counter(regs)
    return (sum(1 for n in numbers if have[n] == 0), sum(1 for n in numbers if have[n] > 1),
            sum(1 for k in keys if have_reg[k] == 0), sum(1 for k in keys if have_reg[k] > 1))
