"""Shared pieces: the synthetic registry as a snapshot, query points, timing, tables, verdicts."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dashboard.geo.geography import get_geography
from dashboard.registry.mercator import lonlat_to_pixels, pixels_to_lonlat
from dashboard.registry.snapshot import RegistrySnapshot
from dashboard.tools.demo_registry import generate_camera_frame

SEED = 7  # seed_demo's default, so the end-to-end database holds the same registry
NOW = pd.Timestamp("2026-11-23T12:00:00Z")  # fixed, so the frame is the same on every run


# -- the registry ---------------------------------------------------------------------------
def snapshot_frame(n: int, seed: int = SEED, now: pd.Timestamp = NOW) -> pd.DataFrame:
    """generate_camera_frame(n, seed) as the raw frame RegistrySnapshot.from_frame expects,
    i.e. what SNAPSHOT_QUERY returns after seed_demo wrote the same registry to an empty
    database: active cameras only, camera ids = key + 1, timestamps tz-aware (UTC)."""
    cams = generate_camera_frame(n, seed)
    cams = cams[cams["status"].to_numpy() == "active"]
    registered = now - pd.to_timedelta(cams["registered_age_s"].to_numpy(), unit="s")
    verified = now - pd.to_timedelta(cams["verified_age_s"].to_numpy(), unit="s")  # NaN -> NaT
    return pd.DataFrame({
        "camera_id": cams["camera_key"].to_numpy(np.int64) + 1,
        "lat": cams["latitude"].to_numpy(np.float64),
        "lon": cams["longitude"].to_numpy(np.float64),
        "division": cams["division"].to_numpy(object),
        "beat": cams["beat"].to_numpy(object),
        "owner_type": cams["owner_type"].to_numpy(object),
        "camera_type": cams["camera_type"].to_numpy(object),
        "placement": cams["placement"].to_numpy(object),
        "live": cams["live_access"].to_numpy(bool),
        "direction": cams["direction_deg"].to_numpy(np.float64),
        "fov": cams["fov_deg"].to_numpy(np.float64),
        "range_m": cams["range_m"].to_numpy(np.float64),
        "retention_days": cams["retention_days"].to_numpy(np.int64),
        "registered_at": pd.Series(registered),
        "verified_at": pd.Series(verified),
    })


@dataclass
class Registry:
    n: int                     # cameras generated (active + pending)
    snap: RegistrySnapshot     # active cameras only
    generate_s: float
    snapshot_s: float


def build_registry(n: int, seed: int = SEED) -> Registry:
    started = time.perf_counter()
    raw = snapshot_frame(n, seed)
    generated = time.perf_counter()
    snap = RegistrySnapshot.from_frame(raw, version=1)
    return Registry(n, snap, generated - started, time.perf_counter() - generated)


def city_points(m: int, seed: int = 20261123) -> tuple[np.ndarray, np.ndarray]:
    """m uniform random points inside the Dallas city limits (rejection sampling)."""
    geo = get_geography()
    min_lon, min_lat, max_lon, max_lat = geo.city_lonlat.bounds
    rng = np.random.default_rng(seed)
    lats, lons, have = [], [], 0
    while have < m:
        lat = rng.uniform(min_lat, max_lat, 4 * m)
        lon = rng.uniform(min_lon, max_lon, 4 * m)
        keep = geo.in_city(lat, lon)
        lats.append(lat[keep])
        lons.append(lon[keep])
        have += int(keep.sum())
    return np.concatenate(lats)[:m], np.concatenate(lons)[:m]


def view_bounds(lat: float, lon: float, zoom: int, width_px: int = 1280,
                height_px: int = 800) -> list[list[float]]:
    """Leaflet's [[south, west], [north, east]] of a width x height map centred on lat/lon."""
    x, y = lonlat_to_pixels(lon, lat, zoom)
    west, north = pixels_to_lonlat(x - width_px / 2, y - height_px / 2, zoom)
    east, south = pixels_to_lonlat(x + width_px / 2, y + height_px / 2, zoom)
    return [[round(float(south), 6), round(float(west), 6)], [round(float(north), 6), round(float(east), 6)]]


def shifted(bounds: Sequence[Sequence[float]], dx: float, dy: float) -> list[list[float]]:
    """Bounds moved by fractions of their width (east +) and height (north +): a pan."""
    (s, w), (n, e) = bounds
    h, wd = n - s, e - w
    return [[s + dy * h, w + dx * wd], [n + dy * h, e + dx * wd]]


PAN_STEPS = ((0.25, 0.0), (0.0, 0.25), (-0.25, 0.0), (0.0, -0.25),
             (0.15, 0.15), (-0.15, 0.15), (-0.15, -0.15), (0.15, -0.15))


# -- timing ---------------------------------------------------------------------------------
def median_s(samples: Sequence[float]) -> float:
    return statistics.median(samples) if samples else float("nan")


def timed(fn: Callable, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def fmt_ms(seconds: float) -> str:
    ms = seconds * 1e3
    if ms != ms:
        return "-"
    return f"{ms:.3f}" if ms < 1 else f"{ms:.2f}" if ms < 100 else f"{ms:,.0f}"


def fmt_us(seconds: float) -> str:
    us = seconds * 1e6
    return f"{us:.1f}" if us < 1000 else f"{us:,.0f}"


def fmt_bytes(n: float) -> str:
    if n != n:
        return "-"
    if n < 1024:
        return f"{int(n)} B"
    if n < 1024 ** 2:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 ** 2:.1f} MB"


def fmt_n(n: int) -> str:
    return f"{n // 1000}k" if n < 1_000_000 else f"{n / 1e6:g}M"


# -- output ---------------------------------------------------------------------------------
def table(headers: Sequence[str], rows: Sequence[Sequence[object]], title: str | None = None) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(r: Sequence[str]) -> str:
        return "| " + " | ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths,
                                                                                              strict=True))) + " |"

    out = [f"\n{title}"] if title else []
    out.append(line(cells[0]))
    out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    out.extend(line(r) for r in cells[1:])
    return "\n".join(out)


@dataclass
class Verdict:
    target: str
    measured: str
    limit: str
    passed: bool | None  # None: not measured in this run (sizes missing)

    @property
    def label(self) -> str:
        return "n/a" if self.passed is None else "PASS" if self.passed else "FAIL"


@dataclass
class Report:
    verdicts: list[Verdict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, target: str, measured: str, limit: str, passed: bool | None) -> None:
        self.verdicts.append(Verdict(target, measured, limit, passed))

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"NOTE: {text}", flush=True)

    def summary(self) -> str:
        if not self.verdicts:
            return "\n== Targets ==\n(no docs/design.md target is measured by this selection)"
        rows = [(v.target, v.measured, v.limit, v.label) for v in self.verdicts]
        return table(("target (docs/design.md)", "measured", "limit", "result"), rows, "== Targets ==")


# -- seeded SQLite databases (under /tmp, reused across runs) --------------------------------
SEED_DIR = "/tmp/connect_dallas_bench"  # noqa: S108 - never inside the repository; reused across runs


def seeded_db(n: int, seed: int = SEED) -> tuple[str, float | None]:
    """Path of a migrated SQLite database holding seed_demo(cameras=n, seed=seed), and the
    seconds seeding took (None when an earlier run's file was reused). The file is keyed by
    size, seed and migration head (checkouts at other heads, e.g. worktrees, share /tmp and
    must not upgrade each other's files to a revision the other does not know), and only
    appears under its final name once the seeding committed."""
    import os
    from pathlib import Path

    from dashboard.db import Database
    from dashboard.migrate import head_revision, upgrade
    from dashboard.tools.seed import seed_demo

    folder = Path(SEED_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"registry_{n}_seed{seed}_{head_revision()}"
    path = folder / f"{stem}.db"
    if path.exists():
        return str(path), None
    partial = folder / f"{stem}.{os.getpid()}.partial"
    partial.unlink(missing_ok=True)
    db = Database(f"sqlite:///{partial}")
    try:
        upgrade(db)
        started = time.perf_counter()
        seed_demo(db, cameras=n, seed=seed)
        seed_s = time.perf_counter() - started
    finally:
        db.dispose()
    partial.rename(path)
    return str(path), seed_s


def copy_of_seeded(n: int, workdir: str, seed: int = SEED) -> tuple[str, float | None]:
    """A private copy (for a run that writes: logins, incidents) of seeded_db(n); returns its
    sqlite URL and the seeding time (None if reused)."""
    import shutil
    from pathlib import Path

    src, seed_s = seeded_db(n, seed)
    dst = Path(workdir) / Path(src).name
    shutil.copyfile(src, dst)
    return f"sqlite:///{dst}", seed_s


def fmt_seed(seed_s: float | None) -> str:
    return "reused /tmp file" if seed_s is None else f"{seed_s:.1f} s"
