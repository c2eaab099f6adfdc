"""Writing a generated demo registry: Core executemany in chunks, ids after the current maximum."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from dashboard.db import bump_registry_version
from dashboard.models import Camera, CameraSite, Owner
from dashboard.tools.demo_registry import DemoRegistry

Progress = Callable[[str], None]
CHUNK_ROWS = 50_000


def _py(values: pd.Series | np.ndarray) -> list:
    """Plain Python values for the driver, NaN/NaT -> None."""
    values = pd.Series(values)
    out = values.tolist()
    missing = values.isna().to_numpy()
    if missing.any():
        out = [None if gone else v for v, gone in zip(out, missing, strict=True)]
    return out


def _times(now: datetime, age_s: pd.Series | np.ndarray) -> list[datetime | None]:
    stamps = pd.Timestamp(now) - pd.to_timedelta(np.asarray(age_s, dtype=float), unit="s")
    return _py(pd.Series(stamps.to_pydatetime(), dtype=object).where(~stamps.isna(), None))


def max_id(session: Session, model: type) -> int:
    return session.scalar(select(func.max(model.id))) or 0


def _rows(columns: dict[str, list]) -> list[dict]:
    keys = list(columns)
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _owner_rows(owners: pd.DataFrame, first_id: int, now: datetime) -> list[dict]:
    created = _times(now, owners["registered_age_s"])
    return _rows({
        "id": _py(owners["owner_key"] + first_id), "owner_type": _py(owners["owner_type"]),
        "name": _py(owners["name"]), "contact_person": _py(owners["contact_person"]),
        "email": _py(owners["email"]), "phone": _py(owners["phone"]), "address": _py(owners["address"]),
        "created_at": created, "updated_at": created,
    })


def _site_rows(sites: pd.DataFrame, first_id: int, first_owner_id: int, now: datetime) -> list[dict]:
    return _rows({
        "id": _py(sites["site_key"] + first_id), "owner_id": _py(sites["owner_key"] + first_owner_id),
        "address": _py(sites["address"]), "latitude": _py(sites["latitude"]),
        "longitude": _py(sites["longitude"]), "division": _py(sites["division"]), "beat": _py(sites["beat"]),
        "created_at": _times(now, sites["registered_age_s"]),
    })


def _camera_rows(cams: pd.DataFrame, first_id: int, first_site_id: int, now: datetime) -> list[dict]:
    ids = cams["camera_key"].to_numpy() + first_id
    live = cams["live_access"].to_numpy()
    stream = np.where(live, "rtsp://stream.example.net/cam/" + ids.astype(str).astype(object), None)
    registered = _times(now, cams["registered_age_s"])
    verified = _times(now, cams["verified_age_s"])
    return _rows({
        "id": ids.tolist(), "site_id": _py(cams["site_key"] + first_site_id), "label": _py(cams["label"]),
        "camera_type": _py(cams["camera_type"]), "placement": _py(cams["placement"]),
        "direction_deg": _py(cams["direction_deg"]), "fov_deg": _py(cams["fov_deg"]),
        "range_m": _py(cams["range_m"]), "retention_days": _py(cams["retention_days"]),
        "live_access": live.tolist(), "stream_url": stream.tolist(), "status": _py(cams["status"]),
        "registered_at": registered, "verified_at": verified,
        "updated_at": [v or r for v, r in zip(verified, registered, strict=True)],
    })


def _chunks(frame: pd.DataFrame, size: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), size):
        yield frame.iloc[start:start + size]


def _write(session: Session, table, frame: pd.DataFrame, to_rows: Callable[[pd.DataFrame], list[dict]],
           name: str, progress: Progress | None) -> None:
    """Core executemany in chunks: a dict per row is cheap next to the ORM's unit of work."""
    done, reported = 0, 0
    for chunk in _chunks(frame):
        session.execute(insert(table), to_rows(chunk))
        done += len(chunk)
        if progress and (done - reported >= 200_000 or done == len(frame)):
            progress(f"{name} {done}/{len(frame)}")
            reported = done


def write_registry(session: Session, reg: DemoRegistry, now: datetime, progress: Progress | None) -> None:
    # Ids continue after the current maximum, so seeding a filled database cannot collide.
    owner0 = max_id(session, Owner) + 1
    site0 = max_id(session, CameraSite) + 1
    camera0 = max_id(session, Camera) + 1
    _write(session, Owner.__table__, reg.owners, lambda c: _owner_rows(c, owner0, now), "owners", progress)
    _write(session, CameraSite.__table__, reg.sites, lambda c: _site_rows(c, site0, owner0, now), "sites",
           progress)
    _write(session, Camera.__table__, reg.cameras, lambda c: _camera_rows(c, camera0, site0, now), "cameras",
           progress)
    bump_registry_version(session)
