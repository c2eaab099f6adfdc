"""The registry's rows as pandas reads them from the database -> a snapshot's base columns.

Kept apart from dashboard.registry.snapshot so that a process which maps the host's snapshot file
(dashboard.registry.shared) never imports pandas: only a build from the database (the first
process of a host, a registry change) does, and a cold start to the first map is measured
without it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.registry.columns import BASE_COLUMNS, CATEGORIES
from dashboard.registry.mercator import lonlat_to_pixels, morton


def read_frame(conn, query) -> pd.DataFrame:
    """Rows of `query` as plain SQL text, so they come back raw: per-row type processing (the
    UTC datetime decorator) cost most of the load at 1M rows, and pandas parses the two date
    columns in one vectorised step instead."""
    sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    raw = pd.read_sql_query(sql, conn)
    raw["registered_at"] = pd.to_datetime(raw["registered_at"], utc=True, format="mixed")
    raw["verified_at"] = pd.to_datetime(raw["verified_at"], utc=True, format="mixed")
    return raw


def base_columns(raw: pd.DataFrame, beat_values: list[str]) -> tuple[dict[str, np.ndarray], list[str]]:
    """SNAPSHOT_QUERY's rows -> base columns (unsorted, with Morton codes); beats coded against
    `beat_values`, extended with any beat not in it yet."""
    f = _prepare(raw)
    lat, lon = f["lat"].to_numpy(np.float64), f["lon"].to_numpy(np.float64)
    px, py = lonlat_to_pixels(lon, lat)
    base = {name: f[name].to_numpy(BASE_COLUMNS[name]) for name in
            ("camera_id", "site_id", "owner_id", "live", "retention_days", "registered_s", "verified",
             "direction", "fov", "range_m")}
    base.update(lat=lat, lon=lon, morton=morton(px.astype(np.uint64), py.astype(np.uint64)))
    base.update({name: f[name].cat.codes.to_numpy(np.int8) for name in CATEGORIES})
    beats = list(beat_values)
    index = {b: i for i, b in enumerate(beats)}
    found, uniques = pd.factorize(f["beat"], use_na_sentinel=True)
    for value in uniques:
        index.setdefault(str(value), len(index))
    beats = list(index)
    remap = np.array([index[str(v)] for v in uniques] + [-1], dtype=np.int32)
    codes = remap[found]  # the NA sentinel -1 picks the trailing -1
    base["beat_code"] = codes
    return base, beats


_FLOATS = ("lat", "lon", "direction", "fov", "range_m")


def _prepare(raw: pd.DataFrame) -> pd.DataFrame:
    """SNAPSHOT_QUERY's columns -> the snapshot's (codes, flags, epoch seconds), unsorted, with
    fixed dtypes so a patch's few rows concatenate with the rest without changing any."""
    f = raw.copy()
    for name, values in CATEGORIES.items():
        f[name] = pd.Categorical(f[name] if name in f else [None] * len(f), categories=list(values))
    f["camera_id"] = f["camera_id"].astype(np.int64)
    for name in ("site_id", "owner_id"):
        f[name] = f[name].astype(np.int64) if name in f else np.int64(-1)
    for name in _FLOATS:
        f[name] = f[name].astype(np.float64)
    f["live"] = f["live"].fillna(False).astype(bool)
    f["retention_days"] = f["retention_days"].fillna(0).astype(np.int32)
    f["registered_s"] = _epoch_seconds(f["registered_at"])
    f["verified"] = f["verified_at"].notna()
    return f.drop(columns=["registered_at", "verified_at"])


def _epoch_seconds(series: pd.Series) -> np.ndarray:
    """Seconds since 1970, whatever resolution pandas chose (pandas 3 infers us or s, not ns)."""
    ts = pd.to_datetime(series, utc=True)
    return ((ts - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy(np.int64)
